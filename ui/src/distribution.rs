//! The distribution picture of a task type: per domain, factories → thread groups (servers) →
//! task items, drawn as SVG from the live snapshot; leader marked, dead servers and unowned
//! items highlighted, hand-overs in flight (req_server) shown. A what-if panel computes what
//! the Java leader would assign for other group or item counts (the model's algorithm).

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::distribution::{picture, JavaVersion, Picture};
use tbdesk_model::replay::ReplayView;
use tbdesk_model::names::ServerUuid;

/// Task types offered in the picker at once; the filter narrows the rest.
const MAX_CHOICES: usize = 200;

use crate::state::{Ctx, View};

fn short(uuid: &str) -> String {
    match ServerUuid::parse(uuid) {
        Some(s) => format!("{} #{}", s.ip, s.sequence),
        None => uuid.chars().take(24).collect(),
    }
}

/// How a picture is drawn: tiles per line and their size, lines shown per group unless all.
#[derive(Clone, Copy, PartialEq)]
struct Layout {
    compact: bool,
    all_items: bool,
}

impl Layout {
    fn per_line(self) -> usize {
        if self.compact { 48 } else { 12 }
    }
    fn tile(self) -> f64 {
        if self.compact { 11.0 } else { 46.0 }
    }
    fn cap(self) -> usize {
        if self.all_items { usize::MAX } else { self.per_line() * if self.compact { 6 } else { 4 } }
    }
    /// A group row's height for `n` items.
    fn row(self, n: usize) -> f64 {
        let lines = n.min(self.cap()).div_ceil(self.per_line()).max(1) + usize::from(n > self.cap());
        let min = if self.compact { 30.0 } else { 56.0 };
        (10.0 + self.tile() * lines as f64).max(min)
    }
}

const WIDTH: f64 = 880.0;
const TILE_X: f64 = 290.0;
const HEADER: f64 = 26.0;

/// "10.0.0.1 host #1" for a factory uuid `ip$host$UUID$seq`.
fn factory_label(f: &str) -> String {
    if f.is_empty() {
        return "factory not named by its servers".into();
    }
    let parts: Vec<&str> = f.split('$').collect();
    match parts.as_slice() {
        [ip, host, .., seq] => {
            let n = seq.trim_start_matches('0');
            format!("{ip} {host} #{}", if n.is_empty() { "0" } else { n })
        }
        _ => f.chars().take(40).collect(),
    }
}

/// One domain's picture: factories as containers with their thread groups and items, items
/// without a live owner, and hand-overs drawn as arrows from holder to requester.
fn domain_svg(pic: Picture, judge_dead_ms: i64, local_factory: Option<String>, layout: Layout, collapsed: RwSignal<Vec<String>>, zoom: f64) -> impl IntoView {
    let folded = collapsed.get();
    // Positions: each group's row (for arrows) and each drawn item tile.
    let mut shapes = Vec::new();
    let mut rows: std::collections::HashMap<String, f64> = Default::default();
    let mut tiles: std::collections::HashMap<String, (f64, f64)> = Default::default();
    let mut y = 8.0;
    let tile = layout.tile();
    let draw_tiles = |shapes: &mut Vec<AnyView>, tiles: &mut std::collections::HashMap<String, (f64, f64)>, y: f64, items: &[(String, Option<String>)], class: &'static str, owner: &str| {
        let total = items.len();
        for (k, (id, req)) in items.iter().take(layout.cap()).enumerate() {
            let x = TILE_X + tile * (k % layout.per_line()) as f64;
            let ty = y + 6.0 + tile * (k / layout.per_line()) as f64;
            tiles.insert(id.clone(), (x + (tile - 6.0) / 2.0, ty + (tile - 10.0) / 2.0));
            let class = if req.is_some() { "item moving" } else { class };
            let title = match req {
                Some(r) => format!("item {id} → {}", short(r)),
                None => format!("item {id}"),
            };
            let (w, h) = (tile - 6.0, tile - 10.0);
            shapes.push(view! {
                <g class=class data-item=id.clone() data-owner=owner.to_owned()>
                    <title>{title}</title>
                    <rect x=x y=ty width=w height=h.max(8.0) rx=if layout.compact { "1" } else { "4" }></rect>
                    {(!layout.compact).then(|| view! { <text x=x + 20.0 y=ty + 23.0 text-anchor="middle">{id.clone()}</text> })}
                </g>
            }.into_any());
        }
        if total > layout.cap() {
            let ty = y + 6.0 + tile * layout.cap().div_ceil(layout.per_line()) as f64;
            shapes.push(view! {
                <text x=TILE_X y=ty + 12.0 class="more">{format!("+ {} more item(s): Show all items", total - layout.cap())}</text>
            }.into_any());
        }
    };
    for f in &pic.factories {
        let local = local_factory.as_deref().is_some_and(|l| !l.is_empty() && l == f.factory);
        let is_folded = folded.contains(&f.factory);
        let items: usize = f.groups.iter().map(|g| g.items.len()).sum();
        let body: f64 = if is_folded { 0.0 } else { f.groups.iter().map(|g| layout.row(g.items.len()) + 4.0).sum::<f64>().max(if f.groups.is_empty() { 24.0 } else { 0.0 }) };
        let h = HEADER + body + 6.0;
        let requested = f.requested.map(|r| r.to_string()).unwrap_or_else(|| "–".into());
        let short_of = f.requested.is_some_and(|r| r > f.running() as i64);
        let head = format!(
            "{}{} · groups requested {} / running {} · {} item(s){}",
            factory_label(&f.factory),
            if local { " (this machine)" } else { "" },
            requested,
            f.running(),
            items,
            if is_folded { " · folded: click to open" } else { "" },
        );
        let key = f.factory.clone();
        let class = format!("factory{}{}", if local { " local" } else { "" }, if short_of { " short" } else { "" });
        shapes.push(view! {
            <g class=class data-factory=f.factory.clone() data-requested=requested.clone() data-running=f.running()>
                <rect class="factory-box" x="2" y=y width=WIDTH - 4.0 height=h rx="8"></rect>
                <text class="factory-name" x="12" y=y + 17.0 on:click=move |_| collapsed.update(|c| if let Some(i) = c.iter().position(|x| *x == key) { c.remove(i); } else { c.push(key.clone()); })>{head}</text>
            </g>
        }.into_any());
        let mut gy = y + HEADER;
        if !is_folded {
            if f.groups.is_empty() {
                shapes.push(view! { <text class="muted-text" x="24" y=gy + 14.0>"asked for thread groups, runs none in this domain"</text> }.into_any());
            }
            for g in &f.groups {
                let row_h = layout.row(g.items.len());
                rows.insert(g.server.clone(), gy + 20.0);
                let class = match (g.dead, local) {
                    (true, _) => "srv dead",
                    (false, true) => "srv local",
                    _ => "srv",
                };
                let label = format!("{}{}", if g.leader { "★ " } else { "" }, short(&g.server));
                let age = format!("hb {:.1}s ago{}", g.age_ms as f64 / 1000.0, if g.dead { " · DEAD" } else { "" });
                let hb_class = match (g.dead, g.heartbeat > 0.5) {
                    (true, _) => "hb hb-dead",
                    (false, true) => "hb hb-late",
                    _ => "hb hb-ok",
                };
                let box_h = if layout.compact { 26.0 } else { 48.0 };
                shapes.push(view! {
                    <g class=class data-server=g.server.clone() data-items=g.items.len()>
                        <rect x="12" y=gy width="266" height=box_h rx="6"></rect>
                        <text x="20" y=gy + if layout.compact { 13.0 } else { 20.0 } class="srv-name">{label}</text>
                        {(!layout.compact).then(|| view! { <text x="20" y=gy + 36.0 class="srv-age">{age.clone()}</text> })}
                        <rect class="hb-track" x="20" y=gy + box_h - 7.0 width="250" height="3"></rect>
                        <rect class=hb_class data-fill=format!("{:.2}", g.heartbeat) x="20" y=gy + box_h - 7.0 width=format!("{:.1}", 250.0 * g.heartbeat) height="3">
                            <title>{format!("{age}: heartbeat {:.0}% of the judge-dead interval ({:.0} s)", g.heartbeat * 100.0, judge_dead_ms as f64 / 1000.0)}</title>
                        </rect>
                    </g>
                }.into_any());
                draw_tiles(&mut shapes, &mut tiles, gy, &g.items, "item", &g.server);
                gy += row_h + 4.0;
            }
        }
        y += h + 8.0;
    }
    if !pic.orphans.is_empty() {
        let orphans: Vec<(String, Option<String>)> = pic.orphans.iter().map(|i| (i.clone(), None)).collect();
        let row_h = layout.row(orphans.len());
        shapes.push(view! {
            <g class="srv none"><rect x="12" y=y width="266" height=48.0 rx="6"></rect>
            <text x="20" y=y + 28.0>{format!("no live owner: {} item(s)", orphans.len())}</text></g>
        }.into_any());
        for (id, _) in &orphans {
            rows.entry(format!("orphan:{id}")).or_insert(y + 20.0);
        }
        draw_tiles(&mut shapes, &mut tiles, y, &orphans, "item orphan", "");
        y += row_h + 8.0;
    }
    // Hand-overs in flight: from the item (at its holder) to the requesting group's box.
    let arrows: Vec<AnyView> = pic
        .moves
        .iter()
        .filter_map(|(id, _from, to)| {
            let (x0, y0) = *tiles.get(id)?;
            let y1 = *rows.get(to)?;
            let (x1, y1) = (278.0, y1);
            let mid = (x0 + x1) / 2.0;
            Some(view! {
                <path class="handover" data-item=id.clone() data-to=to.clone() marker-end="url(#arrow)"
                    d=format!("M{x0:.1},{y0:.1} C{mid:.1},{y0:.1} {mid:.1},{y1:.1} {x1:.1},{y1:.1}")>
                    <title>{format!("item {id}: hand-over to {} in flight", short(to))}</title>
                </path>
            }.into_any())
        })
        .collect();
    let height = y.max(40.0) + 4.0;
    view! {
        <svg class="dist" width=WIDTH * zoom height=height * zoom viewBox=format!("0 0 {WIDTH} {height}") data-compact=layout.compact.to_string()>
            <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head"></path>
                </marker>
            </defs>
            {shapes}
            <g class="arrows">{arrows}</g>
        </svg>
    }
}

#[component]
pub fn Distribution(name: Option<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let chosen = RwSignal::new(name);
    let groups = RwSignal::new(String::new());
    let items = RwSignal::new(String::new());
    let factories = RwSignal::new(String::new());
    let pick_filter = RwSignal::new(String::new());
    let all_items = RwSignal::new(false);
    // `None`: compact when the domain is large.
    let compact = RwSignal::new(None::<bool>);
    let zoom = RwSignal::new(100u32);
    let collapsed = RwSignal::new(Vec::<String>::new());
    // The first domain's current picture, for the what-if side by side.
    let current = RwSignal::new(None::<(Picture, Vec<String>)>);
    // Replay: the task type shown, its events (asked every 3 s while on), the instant shown
    // (`None`: live).
    let shown_tt = RwSignal::new(String::new());
    let replay_on = RwSignal::new(false);
    let replay = RwSignal::new(None::<ReplayView>);
    let replay_t = RwSignal::new(None::<i64>);
    let alive = crate::widgets::Alive::new();
    spawn_local(async move {
        while alive.get() {
            if replay_on.try_get_untracked().unwrap_or(false) {
                let profile = ctx.profile.try_get_untracked().flatten();
                let task_type = shown_tt.try_get_untracked().unwrap_or_default();
                if let (Some(profile), false) = (profile, task_type.is_empty()) {
                    match crate::api::call::<crate::api::cmd::Replay>(crate::api::cmd::ReplayArgs { profile, task_type }).await {
                        Ok(v) => {
                            let _ = replay.try_set(Some(v));
                        }
                        Err(e) => {
                            let _ = ctx.error.try_set(Some(e));
                        }
                    }
                }
            }
            crate::browser::sleep_ms(if replay_on.try_get_untracked().unwrap_or(false) { 3000 } else { 500 }).await;
        }
    });
    view! {
        <div class="distribution">
            <div class="toolbar">
                <input id="dist-filter" placeholder="Find a task type" prop:value=move || pick_filter.get() on:input=move |e| pick_filter.set(event_target_value(&e)) />
                <label>
                    <input type="checkbox" id="dist-all-items" prop:checked=move || all_items.get() on:change=move |e| all_items.set(event_target_checked(&e)) />
                    " Show all items"
                </label>
                <label>
                    <input type="checkbox" id="dist-compact" prop:checked=move || compact.get().unwrap_or(false) on:change=move |e| compact.set(Some(event_target_checked(&e))) />
                    " Compact"
                </label>
                <label>" Zoom "</label>
                <select id="dist-zoom" on:change=move |e| { if let Ok(v) = event_target_value(&e).parse() { zoom.set(v) } }>
                    {[50u32, 75, 100, 150].into_iter().map(|z| view! { <option value=z.to_string() selected=move || zoom.get() == z>{format!("{z}%")}</option> }).collect_view()}
                </select>
                <button class="small" id="dist-fold-all" on:click=move |_| {
                    let all: Vec<String> = current.with_untracked(|c| c.as_ref().map(|(p, _)| p.factories.iter().map(|f| f.factory.clone()).collect()).unwrap_or_default());
                    collapsed.set(all);
                }>"Fold all machines"</button>
                <button class="small" id="dist-unfold-all" on:click=move |_| collapsed.set(Vec::new())>"Unfold all"</button>
            </div>
            {move || {
                let want = chosen.get();
                let narrow = pick_filter.get().trim().to_lowercase();
                // Reads the shown root in place: only the names and the chosen task type are copied.
                let picked = ctx.snap.with(|ev| {
                    let snap = &ev.as_ref()?.snapshot;
                    let types = &snap.task_types;
                    let first = types.first()?;
                    let current = want
                        .filter(|c| types.iter().any(|t| &t.name == c))
                        .or_else(|| types.iter().find(|t| !t.domains.is_empty()).map(|t| t.name.clone()))
                        .unwrap_or_else(|| first.name.clone());
                    // The chosen one and the first matches of the filter: a select of 2,000
                    // options is 2,000 elements, redrawn on every change.
                    let mut names: Vec<String> = types
                        .iter()
                        .filter(|t| t.name == current || narrow.is_empty() || t.name.to_lowercase().contains(&narrow))
                        .take(MAX_CHOICES)
                        .map(|t| t.name.clone())
                        .collect();
                    if !names.contains(&current) {
                        names.insert(0, current.clone());
                    }
                    let more = types.len().saturating_sub(names.len());
                    let tt = types.iter().find(|t| t.name == current).cloned();
                    let strategies: Vec<_> = snap
                        .strategies
                        .iter()
                        .filter(|s| s.strategy.ok().is_some_and(|st| {
                            tbdesk_model::names::TaskTypeName::parse(st.task_name.as_deref().unwrap_or_default()).base == current
                        }))
                        .cloned()
                        .collect();
                    Some((names, more, current, tt, strategies, snap.now_ms))
                });
                let Some((names, more, current_name, tt, strategies, now_ms)) = picked else {
                    let loaded = ctx.snap.with(|s| s.is_some());
                    return if loaded { view! { <p class="muted empty">"No task type yet."</p> }.into_any() } else { ().into_any() };
                };
                let local = ctx.sched.get().filter(|s| s.running).map(|s| s.status.factory);
                if shown_tt.get_untracked() != current_name {
                    shown_tt.set(current_name.clone());
                    replay.set(None);
                    replay_t.set(None);
                }
                // Replaying: each domain as it was at the instant chosen.
                // Live, the replay's polls do not redraw the picture (only an instant chosen does).
                let at = replay_t.get().and_then(|t| replay.get().filter(|_| replay_on.get()).map(|rv| (t, rv)));
                view! {
                    <div class="toolbar">
                        <label>"Task type "</label>
                        <select id="dist-task-type" on:change=move |e| { let v = event_target_value(&e); chosen.set(Some(v.clone())); ctx.view.set(View::Distribution(Some(v))); }>
                            {names.into_iter().map(|n| { let sel = n == current_name; let label = n.clone(); view! { <option value=n selected=sel>{label}</option> } }).collect_view()}
                        </select>
                        {(more > 0).then(|| view! { <span class="muted">{format!(" {more} more: type to narrow ")}</span> })}
                    </div>
                    {match tt {
                        Some(t) if t.domains.is_empty() => view! { <p class="muted empty">"No domain has run yet: no scheduler took this task type."</p> }.into_any(),
                        Some(t) => {
                            let (judge_dead, _) = tbdesk_model::snapshot::judge_dead_and_heartbeat(&t.def);
                            t.domains.iter().enumerate().map(|(k, d)| {
                            let handovers = d.items.iter().filter(|i| i.req_server.is_some()).count();
                            let replayed = at.as_ref().map(|(t, rv)| tbdesk_model::replay::domain_at(d, &rv.events, *t));
                            let (d, now_ms) = match &replayed {
                                Some(r) => (r, at.as_ref().map_or(now_ms, |(t, _)| *t)),
                                None => (d, now_ms),
                            };
                            let pic = picture(d, &strategies, now_ms, judge_dead);
                            if k == 0 {
                                let ids = d.items.iter().map(|i| i.id.clone()).collect();
                                let _ = current.try_set(Some((pic.clone(), ids)));
                            }
                            let large = d.items.len() > 400 || d.servers.len() > 60;
                            let n_factories = pic.factories.len();
                            let layout = Layout { compact: compact.get().unwrap_or(large), all_items: all_items.get() };
                            view! {
                                <section class="domain" data-domain=d.task_type.clone() data-factories=n_factories>
                                    <h4>{format!("{} — own sign {} · {} · {} · {} · reload flag v{} · {} in flight",
                                        d.task_type, d.own_sign, count(n_factories, "machine"), count(d.servers.len(), "thread group"), count(d.items.len(), "item"),
                                        d.reload_version.unwrap_or(0), count(handovers, "hand-over"))}</h4>
                                    {domain_svg(pic, judge_dead, local.clone(), layout, collapsed, f64::from(zoom.get()) / 100.0)}
                                </section>
                            }
                        }).collect_view().into_any()
                        }
                        None => ().into_any(),
                    }}
                }.into_any()
            }}
            <section class="replay">
                <h4>
                    <label><input type="checkbox" id="replay-on" prop:checked=move || replay_on.get() on:change=move |e| { replay_on.set(event_target_checked(&e)); replay_t.set(None); } />" Replay"</label>
                </h4>
                <Show when=move || replay_on.get()>
                    {move || {
                        let Some(rv) = replay.get() else { return view! { <p class="muted">"Reading the history…"</p> }.into_any() };
                        let tz = crate::fields::zone(&ctx);
                        let wall = move |t: i64| tbdesk_model::cron::format_wall(t, tz).get(11..19).unwrap_or("").to_owned();
                        let (from, to) = (rv.since_ms, rv.now_ms.max(rv.since_ms));
                        let shown = replay_t.get().map(|t| t.clamp(from, to));
                        let bound = format!(
                            "Kept while this root is followed: the last {} min, at most {} events ({} now, since {}{}).",
                            rv.keep_ms / 60_000, rv.max_events, rv.events.len(), wall(from), if rv.dropped { "; older ones dropped" } else { "" }
                        );
                        let events: Vec<_> = rv.events.iter().rev().take(200).cloned().collect();
                        view! {
                            <p class="muted" id="replay-bound">{bound}</p>
                            <div class="toolbar">
                                <input type="range" id="replay-slider" min=from.to_string() max=to.to_string() step="1"
                                    value=to.to_string() prop:value=move || replay_t.get().unwrap_or(to).to_string()
                                    on:input=move |e| { if let Ok(v) = event_target_value(&e).parse::<i64>() { replay_t.set(if v >= to { None } else { Some(v) }) } } />
                                <span id="replay-at" data-at=shown.map(|t| t.to_string()).unwrap_or_default()>{match shown { Some(t) => format!("showing {}", wall(t)), None => "live".to_owned() }}</span>
                                <button class="small" id="replay-live" on:click=move |_| replay_t.set(None)>"Live"</button>
                            </div>
                            <ol id="replay-events" class="fire-times" reversed>
                                {events.into_iter().map(|e| {
                                    let t = e.at_ms;
                                    let after = shown.is_some_and(|s| t > s);
                                    view! {
                                        <li class:later=after data-at=t.to_string() data-kind=e.what.kind() data-subject=e.what.subject().to_owned()>
                                            <a href="#" on:click=move |ev| { ev.prevent_default(); replay_t.set(Some(t - 1)); }>{wall(t)}</a>
                                            {format!(" {}", tbdesk_model::replay::describe(&e))}
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }}
                </Show>
            </section>
            <section class="whatif">
                <h4>"What if (the Java 3.3 leaders' assignment), beside now"</h4>
                <label>"Thread groups "</label><input id="whatif-groups" placeholder="as now" prop:value=move || groups.get() on:input=move |e| groups.set(event_target_value(&e)) />
                <label>" Items "</label><input id="whatif-items" placeholder="as now" prop:value=move || items.get() on:input=move |e| items.set(event_target_value(&e)) />
                <label>" Factories (machines) "</label><input id="whatif-factories" placeholder="as now" prop:value=move || factories.get() on:input=move |e| factories.set(event_target_value(&e)) />
                {move || {
                    let (now_pic, now_ids) = current.get().unwrap_or_default();
                    let running: usize = now_pic.factories.iter().map(|f| f.running()).sum();
                    let machines = now_pic.factories.iter().filter(|f| f.running() > 0).count();
                    // An empty box means "as now"; anything else is clamped to what can be drawn.
                    let g = groups.get().trim().parse::<i64>().ok().unwrap_or(running as i64).clamp(0, 200);
                    let f = factories.get().trim().parse::<usize>().ok().unwrap_or(machines.max(1)).min(50);
                    let n = items.get().trim().parse::<usize>().ok().unwrap_or(now_ids.len()).min(5000);
                    let ids: Vec<String> = if n == now_ids.len() && !now_ids.is_empty() { now_ids.clone() } else { (0..n).map(|i| i.to_string()).collect() };
                    let proposed = tbdesk_model::distribution::proposal(f, g, &ids, JavaVersion::V3_3);
                    let per: Vec<String> = proposed.factories.iter().map(|b| b.groups.len().to_string()).collect();
                    let moved = tbdesk_model::distribution::moved_items(
                        &tbdesk_model::distribution::group_of_items(&now_pic),
                        &tbdesk_model::distribution::group_of_items(&proposed),
                    );
                    let layout = Layout { compact: ids.len() > 200, all_items: false };
                    let side = RwSignal::new(Vec::<String>::new());
                    let moved_n = moved.len();
                    view! {
                        <p id="whatif-factories-result">{format!("Thread groups per factory (strategy leader first): {}", per.join(", "))}</p>
                        <div class="whatif-pictures">
                            <div><h5>"Now"</h5>{domain_svg(now_pic, 0, None, layout, side, 0.5)}</div>
                            <div id="whatif-picture"><h5>{format!("Proposed: {g} group(s) on {f} machine(s), {n} item(s)")}</h5>{domain_svg(proposed.clone(), 0, None, layout, side, 0.5)}</div>
                        </div>
                        <ul id="whatif-result">
                            {proposed.factories.iter().flat_map(|b| b.groups.iter()).enumerate().map(|(k, grp)| {
                                let mine: Vec<&str> = grp.items.iter().map(|(i, _)| i.as_str()).collect();
                                view! { <li>{format!("group {}{}: {} item(s) [{}]", k + 1, if k == 0 { " (leader)" } else { "" }, mine.len(), mine.join(","))}</li> }
                            }).collect_view()}
                        </ul>
                        <p id="whatif-moves-count">{format!("{moved_n} item(s) would move")}</p>
                        <ul id="whatif-moves" class="fire-times">
                            {moved.into_iter().take(100).map(|(id, from, to)| view! {
                                <li>{format!("item {id}: {} → {to}", from.unwrap_or_else(|| "no owner".into()))}</li>
                            }).collect_view()}
                        </ul>
                    }
                }}
            </section>
        </div>
    }
}

/// "1 server", "3 servers".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
