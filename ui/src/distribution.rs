//! The distribution picture of a task type: per domain, factories → thread groups (servers) →
//! task items, drawn as SVG from the live snapshot; leader marked, dead servers and unowned
//! items highlighted, hand-overs in flight (req_server) shown. A what-if panel computes what
//! the Java leader would assign for other group or item counts (the model's algorithm).

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::distribution::{picture, JavaVersion, Picture};
use tbdesk_model::names::ServerUuid;
use tbdesk_model::replay::ReplayView;

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
        if self.compact {
            48
        } else {
            12
        }
    }
    fn tile(self) -> f64 {
        if self.compact {
            11.0
        } else {
            46.0
        }
    }
    fn cap(self) -> usize {
        if self.all_items {
            usize::MAX
        } else {
            self.per_line() * if self.compact { 6 } else { 4 }
        }
    }
    /// The top-left corner of the `k`-th item tile of a row starting at `y` (the one rule the
    /// drawing and the arrows' ends both use).
    fn tile_at(self, k: usize, y: f64) -> (f64, f64) {
        let tile = self.tile();
        (TILE_X + tile * (k % self.per_line()) as f64, y + 6.0 + tile * (k / self.per_line()) as f64)
    }
    /// A group row's height for `n` items.
    fn row(self, n: usize) -> f64 {
        let lines = n.min(self.cap()).div_ceil(self.per_line()).max(1) + usize::from(n > self.cap());
        let min = if self.compact { 30.0 } else { 56.0 };
        (10.0 + self.tile() * lines as f64).max(min)
    }
}

const WIDTH: f64 = 880.0;
/// A domain of more machines than this opens with all but the first [`AUTO_FOLD_KEEP`] folded.
const AUTO_FOLD_OVER: usize = 20;
const AUTO_FOLD_KEEP: usize = 10;
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

/// One group as drawn (its heartbeat is drawn apart, in [`Hb`]).
#[derive(Clone, PartialEq)]
struct GroupDraw {
    server: String,
    y: f64,
    class: &'static str,
    label: String,
    items: Vec<(String, Option<String>)>,
}

/// One machine (or the "no live owner" row) as drawn; `key` changes exactly when its drawing
/// does, so a live change redraws only the machines it touched.
#[derive(Clone, PartialEq)]
struct FactoryDraw {
    key: String,
    factory: String,
    y: f64,
    h: f64,
    head: String,
    class: String,
    requested: String,
    running: usize,
    groups: Vec<GroupDraw>,
    orphans: bool,
    layout: Layout,
}

/// A group's heartbeat bar and age: the part that changes with every heartbeat.
#[derive(Clone, PartialEq)]
struct Hb {
    server: String,
    y: f64,
    fill: f64,
    class: &'static str,
    age: Option<String>,
    title: String,
}

/// A domain's picture, laid out.
#[derive(Clone, PartialEq, Default)]
struct Plan {
    height: f64,
    factories: Vec<FactoryDraw>,
    hb: Vec<Hb>,
    /// Hand-overs: item, requester, path.
    arrows: Vec<(String, String, String)>,
}

fn box_h(layout: Layout) -> f64 {
    if layout.compact {
        26.0
    } else {
        48.0
    }
}

/// Lays a picture out: positions of machines, groups, tiles, heartbeat bars and arrows.
fn plan(pic: &Picture, judge_dead_ms: i64, local_factory: Option<&str>, layout: Layout, folded: &[String]) -> Plan {
    use std::hash::{Hash, Hasher};
    let mut out = Plan::default();
    let mut rows: std::collections::HashMap<&str, f64> = Default::default();
    let mut tiles: std::collections::HashMap<&str, (f64, f64)> = Default::default();
    let tile = layout.tile();
    let mut y = 8.0;
    for f in &pic.factories {
        let local = local_factory.is_some_and(|l| !l.is_empty() && l == f.factory);
        let is_folded = folded.contains(&f.factory);
        let n_items: usize = f.groups.iter().map(|g| g.items.len()).sum();
        let body: f64 = if is_folded {
            0.0
        } else {
            f.groups.iter().map(|g| layout.row(g.items.len()) + 4.0).sum::<f64>().max(if f.groups.is_empty() {
                24.0
            } else {
                0.0
            })
        };
        let h = HEADER + body + 6.0;
        let requested = f.requested.map(|r| r.to_string()).unwrap_or_else(|| "–".into());
        let short_of = f.requested.is_some_and(|r| r > f.running() as i64);
        let head = format!(
            "{}{} · groups requested {} / running {} · {} item(s){}",
            factory_label(&f.factory),
            if local { " (this machine)" } else { "" },
            requested,
            f.running(),
            n_items,
            if is_folded { " · folded: click to open" } else { "" },
        );
        let class = format!("factory{}{}", if local { " local" } else { "" }, if short_of { " short" } else { "" });
        let mut groups = Vec::new();
        let mut gy = y + HEADER;
        if !is_folded {
            for g in &f.groups {
                let row_h = layout.row(g.items.len());
                rows.insert(g.server.as_str(), gy + 20.0);
                for (k, (id, _)) in g.items.iter().take(layout.cap()).enumerate() {
                    let (x, ty) = layout.tile_at(k, gy);
                    tiles.insert(id.as_str(), (x + (tile - 6.0) / 2.0, ty + (tile - 10.0) / 2.0));
                }
                let class = match (g.dead, local) {
                    (true, _) => "srv dead",
                    (false, true) => "srv local",
                    _ => "srv",
                };
                // A beat landing between the snapshot and its clock reading would read as
                // "-0.0s ago": never before now.
                let age = format!("hb {:.1}s ago{}", g.age_ms.max(0) as f64 / 1000.0, if g.dead { " · DEAD" } else { "" });
                out.hb.push(Hb {
                    server: g.server.clone(),
                    y: gy + box_h(layout) - 7.0,
                    fill: (g.heartbeat * 100.0).round() / 100.0,
                    class: match (g.dead, g.heartbeat > 0.5) {
                        (true, _) => "hb hb-dead",
                        (false, true) => "hb hb-late",
                        _ => "hb hb-ok",
                    },
                    title: format!(
                        "{age}: heartbeat {:.0}% of the judge-dead interval ({:.0} s)",
                        g.heartbeat * 100.0,
                        judge_dead_ms as f64 / 1000.0
                    ),
                    age: (!layout.compact).then(|| age.clone()),
                });
                groups.push(GroupDraw {
                    server: g.server.clone(),
                    y: gy,
                    class,
                    label: format!("{}{}", if g.leader { "★ " } else { "" }, short(&g.server)),
                    items: g.items.clone(),
                });
                gy += row_h + 4.0;
            }
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (&f.factory, y.to_bits(), h.to_bits(), &head, &class).hash(&mut hasher);
        for g in &groups {
            (&g.server, g.y.to_bits(), g.class, &g.label, &g.items).hash(&mut hasher);
        }
        (layout.compact, layout.all_items).hash(&mut hasher);
        out.factories.push(FactoryDraw {
            key: format!("{}|{:016x}", f.factory, hasher.finish()),
            factory: f.factory.clone(),
            y,
            h,
            head,
            class,
            requested,
            running: f.running(),
            groups,
            orphans: false,
            layout,
        });
        y += h + 8.0;
    }
    if !pic.orphans.is_empty() {
        let items: Vec<(String, Option<String>)> = pic.orphans.iter().map(|i| (i.clone(), None)).collect();
        for (k, id) in pic.orphans.iter().take(layout.cap()).enumerate() {
            let (x, ty) = layout.tile_at(k, y);
            tiles.insert(id.as_str(), (x + (tile - 6.0) / 2.0, ty + (tile - 10.0) / 2.0));
        }
        let row_h = layout.row(items.len());
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (y.to_bits(), &items, layout.compact, layout.all_items).hash(&mut hasher);
        out.factories.push(FactoryDraw {
            key: format!("orphans|{:016x}", hasher.finish()),
            factory: String::new(),
            y,
            h: row_h,
            head: format!("no live owner: {} item(s)", items.len()),
            class: "orphans".into(),
            requested: String::new(),
            running: 0,
            groups: vec![GroupDraw { server: String::new(), y, class: "srv none", label: String::new(), items }],
            orphans: true,
            layout,
        });
        y += row_h + 8.0;
    }
    for (id, _from, to) in &pic.moves {
        let (Some((x0, y0)), Some(y1)) = (tiles.get(id.as_str()).copied(), rows.get(to.as_str()).copied()) else {
            continue;
        };
        let x1 = 278.0;
        let mid = (x0 + x1) / 2.0;
        out.arrows.push((
            id.clone(),
            to.clone(),
            format!("M{x0:.1},{y0:.1} C{mid:.1},{y0:.1} {mid:.1},{y1:.1} {x1:.1},{y1:.1}"),
        ));
    }
    out.height = y.max(40.0) + 4.0;
    out
}

/// A machine's drawing: its box and header, its groups' boxes and their item tiles.
fn factory_view(f: FactoryDraw, toggle: Option<Callback<String>>) -> impl IntoView {
    let layout = f.layout;
    let tile = layout.tile();
    let key = f.factory.clone();
    let tiles = move |g: &GroupDraw, owner: &str, class: &'static str| {
        let total = g.items.len();
        let mut v: Vec<AnyView> = g
            .items
            .iter()
            .take(layout.cap())
            .enumerate()
            .map(|(k, (id, req))| {
                let (x, ty) = layout.tile_at(k, g.y);
                let class = if req.is_some() { "item moving" } else { class };
                let (w, h) = (tile - 6.0, (tile - 10.0).max(8.0));
                if layout.compact {
                    // One element per item: a large domain's tiles are most of its picture, too
                    // small to label; the picture's hover line says what one is.
                    let to = req.as_deref().map(short);
                    return view! {
                        <rect class=class data-item=id.clone() data-owner=owner.to_owned() data-to=to x=x y=ty width=w height=h rx="1"></rect>
                    }
                    .into_any();
                }
                let title = match req {
                    Some(r) => format!("item {id} → {}", short(r)),
                    None => format!("item {id}"),
                };
                view! {
                    <g class=class data-item=id.clone() data-owner=owner.to_owned()>
                        <title>{title}</title>
                        <rect x=x y=ty width=w height=h rx="4"></rect>
                        <text x=x + 20.0 y=ty + 23.0 text-anchor="middle">{id.clone()}</text>
                    </g>
                }
                .into_any()
            })
            .collect();
        if total > layout.cap() {
            let ty = g.y + 6.0 + tile * layout.cap().div_ceil(layout.per_line()) as f64;
            v.push(view! { <text x=TILE_X y=ty + 12.0 class="more">{format!("+ {} more item(s): Show all items", total - layout.cap())}</text> }.into_any());
        }
        v
    };
    if f.orphans {
        let g = f.groups.first().cloned();
        return view! {
            <g class="orphans">
                <g class="srv none"><rect x="12" y=f.y width="266" height=48.0 rx="6"></rect>
                <text x="20" y=f.y + 28.0>{f.head.clone()}</text></g>
                {g.map(|g| tiles(&g, "", "item orphan"))}
            </g>
        }
        .into_any();
    }
    let bh = box_h(layout);
    view! {
        <g class=f.class.clone() data-factory=f.factory.clone() data-requested=f.requested.clone() data-running=f.running>
            <rect class="factory-box" x="2" y=f.y width=WIDTH - 4.0 height=f.h rx="8"></rect>
            <text class="factory-name" x="12" y=f.y + 17.0 on:click=move |_| {
                if let Some(t) = toggle {
                    t.run(key.clone());
                }
            }>{f.head.clone()}</text>
            {(f.groups.is_empty() && !f.head.contains("folded")).then(|| view! { <text class="muted-text" x="24" y=f.y + HEADER + 14.0>"asked for thread groups, runs none in this domain"</text> })}
            {f.groups.iter().map(|g| view! {
                <g class=g.class data-server=g.server.clone() data-items=g.items.len()>
                    <rect x="12" y=g.y width="266" height=bh rx="6"></rect>
                    <text x="20" y=g.y + if layout.compact { 13.0 } else { 20.0 } class="srv-name">{g.label.clone()}</text>
                    <rect class="hb-track" x="20" y=g.y + bh - 7.0 width="250" height="3"></rect>
                </g>
                {tiles(g, &g.server, "item")}
            }).collect_view()}
        </g>
    }
    .into_any()
}

/// The heartbeat bars and ages, and the hand-over arrows: redrawn with every state.
fn live_layer(p: &Plan) -> impl IntoView {
    view! {
        <g class="heartbeats">
            {p.hb.iter().map(|h| view! {
                <rect class=h.class data-server=h.server.clone() data-fill=format!("{:.2}", h.fill) x="20" y=h.y width=format!("{:.1}", 250.0 * h.fill) height="3">
                    <title>{h.title.clone()}</title>
                </rect>
                {h.age.clone().map(|a| view! { <text x="20" y=h.y - 5.0 class="srv-age">{a}</text> })}
            }).collect_view()}
        </g>
        <g class="arrows">
            {p.arrows.iter().map(|(id, to, d)| view! {
                <path class="handover" data-item=id.clone() data-to=to.clone() marker-end="url(#arrow)" d=d.clone()>
                    <title>{format!("item {id}: hand-over to {} in flight", short(to))}</title>
                </path>
            }).collect_view()}
        </g>
    }
}

fn arrow_defs() -> impl IntoView {
    view! {
        <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head"></path>
            </marker>
        </defs>
    }
}

/// A picture drawn once (the what-if's two).
fn static_svg(p: Plan, zoom: f64, compact: bool) -> impl IntoView {
    let height = p.height;
    let hover = RwSignal::new(None::<String>);
    view! {
        {hover_line(hover, Signal::derive(move || compact))}
        <svg class="dist" on:mouseover=move |ev| hover.set(item_under(&ev)) on:mouseleave=move |_| hover.set(None)
            width=WIDTH * zoom height=height * zoom viewBox=format!("0 0 {WIDTH} {height}") data-compact=compact.to_string()>
            {arrow_defs()}
            {p.factories.iter().cloned().map(|f| factory_view(f, None)).collect_view()}
            {live_layer(&p)}
        </svg>
    }
}

/// The line above a compact picture (whose tiles carry no label): the item under the pointer.
fn hover_line(hover: RwSignal<Option<String>>, compact: Signal<bool>) -> impl IntoView {
    view! {
        <p class="dist-hover muted" hidden=move || !compact.get()>
            {move || hover.get().unwrap_or_else(|| "Point at an item to see its number and owner.".to_owned())}
        </p>
    }
}

/// What the item under the pointer is, from its tile's attributes ("item 7 · 10.0.0.2#3 →
/// 10.0.0.3#4"); `None` off the tiles.
fn item_under(ev: &leptos::ev::MouseEvent) -> Option<String> {
    use wasm_bindgen::JsCast;
    let el = ev.target()?.dyn_into::<leptos::web_sys::Element>().ok()?;
    let id = el.get_attribute("data-item")?;
    let owner = el.get_attribute("data-owner").filter(|o| !o.is_empty());
    let mut out = format!("item {id} · {}", owner.map_or_else(|| "no live owner".to_owned(), |o| short(&o)));
    if let Some(to) = el.get_attribute("data-to") {
        out.push_str(&format!(" → {to}"));
    }
    Some(out)
}

/// A live domain's picture: machines keyed by their drawing, so a change redraws only the
/// machines it touched; heartbeats and arrows in their own layer.
#[component]
fn LivePicture(plan: Memo<Plan>, zoom: Signal<f64>, compact: Signal<bool>, toggle: Callback<String>) -> impl IntoView {
    let hover = RwSignal::new(None::<String>);
    view! {
        {hover_line(hover, compact)}
        <svg class="dist" on:mouseover=move |ev| hover.set(item_under(&ev)) on:mouseleave=move |_| hover.set(None)
            width=move || WIDTH * zoom.get()
            height=move || plan.with(|p| p.height) * zoom.get()
            viewBox=move || format!("0 0 {WIDTH} {}", plan.with(|p| p.height))
            data-compact=move || compact.get().to_string()>
            {arrow_defs()}
            <For each=move || plan.with(|p| p.factories.clone()) key=|f| f.key.clone() children=move |f| factory_view(f, Some(toggle)) />
            {move || plan.with(live_layer)}
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
    // Until the user folds or unfolds, a domain of many machines opens with most folded.
    let auto_fold = RwSignal::new(true);
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
                    match crate::api::call::<crate::api::cmd::Replay>(crate::api::cmd::ReplayArgs {
                        profile,
                        task_type,
                    })
                    .await
                    {
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
    // What the picker and the list of domains need: recomputed on every state, but it changes
    // (and redraws the view) only when a name does; each domain draws its own picture.
    let picker = Memo::new(move |_| {
        let want = chosen.get();
        let narrow = pick_filter.get().trim().to_lowercase();
        ctx.snap.with(|ev| {
            let types = &ev.as_ref()?.snapshot.task_types;
            let first = types.first()?;
            let current = want
                .filter(|c| types.iter().any(|t| &t.name == c))
                .or_else(|| types.iter().find(|t| !t.domains.is_empty()).map(|t| t.name.clone()))
                .unwrap_or_else(|| first.name.clone());
            // The chosen one and the first matches of the filter: a select of 2,000 options is
            // 2,000 elements.
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
            let domains = types
                .iter()
                .find(|t| t.name == current)
                .map(|t| t.domains.iter().map(|d| d.task_type.clone()).collect::<Vec<_>>());
            Some((names, more, current, domains))
        })
    });
    let opts = Opts { all_items, compact, zoom, collapsed, auto_fold, current, replay_on, replay, replay_t };
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
                    auto_fold.set(false);
                    collapsed.set(all);
                }>"Fold all machines"</button>
                <button class="small" id="dist-unfold-all" on:click=move |_| { auto_fold.set(false); collapsed.set(Vec::new()); }>"Unfold all"</button>
            </div>
            {move || {
                // Reads the shown root in place: only the names and the chosen task type are copied.
                let Some((names, more, current_name, domains)) = picker.get() else {
                    let loaded = ctx.snap.with_untracked(|s| s.is_some());
                    return if loaded { view! { <p class="muted empty">"No task type yet."</p> }.into_any() } else { ().into_any() };
                };
                if shown_tt.get_untracked() != current_name {
                    shown_tt.set(current_name.clone());
                    replay.set(None);
                    replay_t.set(None);
                }
                view! {
                    <div class="toolbar">
                        <label>"Task type "</label>
                        <select id="dist-task-type" on:change=move |e| { let v = event_target_value(&e); chosen.set(Some(v.clone())); ctx.view.set(View::Distribution(Some(v))); }>
                            {names.into_iter().map(|n| { let sel = n == current_name; let label = n.clone(); view! { <option value=n selected=sel>{label}</option> } }).collect_view()}
                        </select>
                        {(more > 0).then(|| view! { <span class="muted">{format!(" {more} more: type to narrow ")}</span> })}
                    </div>
                    {match domains {
                        None => ().into_any(),
                        Some(ds) if ds.is_empty() => view! { <p class="muted empty">"No domain has run yet: no scheduler took this task type."</p> }.into_any(),
                        Some(ds) => ds.into_iter().enumerate().map(|(k, d)| view! {
                            <DomainPicture task_type=current_name.clone() domain=d first=k == 0 opts=opts />
                        }).collect_view().into_any(),
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
                    let moved_n = moved.len();
                    view! {
                        <p id="whatif-factories-result">{format!("Thread groups per factory (strategy leader first): {}", per.join(", "))}</p>
                        <div class="whatif-pictures">
                            <div><h5>"Now"</h5>{static_svg(plan(&now_pic, 0, None, layout, &[]), 0.5, layout.compact)}</div>
                            <div id="whatif-picture"><h5>{format!("Proposed: {g} group(s) on {f} machine(s), {n} item(s)")}</h5>{static_svg(plan(&proposed, 0, None, layout, &[]), 0.5, layout.compact)}</div>
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

/// What every domain picture of the view shares (the toolbar's choices, replay, the what-if's
/// current picture).
#[derive(Clone, Copy)]
struct Opts {
    all_items: RwSignal<bool>,
    compact: RwSignal<Option<bool>>,
    zoom: RwSignal<u32>,
    collapsed: RwSignal<Vec<String>>,
    /// Fold most machines of a large domain until the user folds or unfolds one.
    auto_fold: RwSignal<bool>,
    current: RwSignal<Option<(Picture, Vec<String>)>>,
    replay_on: RwSignal<bool>,
    replay: RwSignal<Option<ReplayView>>,
    replay_t: RwSignal<Option<i64>>,
}

/// One domain: its header and its live picture (or the picture at the replay's instant).
#[component]
fn DomainPicture(task_type: String, domain: String, first: bool, opts: Opts) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let dom = domain.clone();
    let data = Memo::new(move |_| {
        // Live, the replay's polls do not redraw the picture (only an instant chosen does).
        let at = opts.replay_t.get().and_then(|t| opts.replay.get().filter(|_| opts.replay_on.get()).map(|rv| (t, rv)));
        ctx.snap.with(|ev| {
            let snap = &ev.as_ref()?.snapshot;
            let t = snap.task_types.iter().find(|t| t.name == task_type)?;
            let d = t.domains.iter().find(|d| d.task_type == dom)?;
            let (judge_dead, _) = tbdesk_model::snapshot::judge_dead_and_heartbeat(&t.def);
            let strategies: Vec<_> = snap
                .strategies
                .iter()
                .filter(|s| s.strategy.ok().is_some_and(|st| st.domain().as_deref() == Some(dom.as_str())))
                .cloned()
                .collect();
            let replayed = at.as_ref().map(|(t, rv)| tbdesk_model::replay::domain_at(d, &rv.events, *t));
            let (d, now_ms) = match &replayed {
                Some(r) => (r, at.as_ref().map_or(snap.now_ms, |(t, _)| *t)),
                None => (d, snap.now_ms),
            };
            let pic = picture(d, &strategies, now_ms, judge_dead);
            let handovers = d.items.iter().filter(|i| i.req_server.is_some()).count();
            let head = format!(
                "{} — own sign {} · {} · {} · {} · reload flag v{} · {} in flight",
                d.task_type,
                d.own_sign,
                count(pic.factories.len(), "machine"),
                count(d.servers.len(), "thread group"),
                count(d.items.len(), "item"),
                d.reload_version.unwrap_or(0),
                count(handovers, "hand-over")
            );
            let large = d.items.len() > 400 || d.servers.len() > 60;
            let ids: Vec<String> = if first { d.items.iter().map(|i| i.id.clone()).collect() } else { Vec::new() };
            Some((pic, judge_dead, head, large, ids))
        })
    });
    let compact =
        Signal::derive(move || opts.compact.get().unwrap_or_else(|| data.with(|d| d.as_ref().is_some_and(|d| d.3))));
    let local = Memo::new(move |_| ctx.sched.get().filter(|s| s.running).map(|s| s.status.factory));
    // The machines folded: the user's choice, or, for a domain of many machines not yet
    // touched, all but the first few (and this machine).
    let folded = Memo::new(move |_| {
        if !opts.auto_fold.get() {
            return opts.collapsed.get();
        }
        let local = local.get();
        data.with(|d| {
            let Some((pic, ..)) = d.as_ref() else { return Vec::new() };
            if pic.factories.len() <= AUTO_FOLD_OVER {
                return Vec::new();
            }
            pic.factories
                .iter()
                .skip(AUTO_FOLD_KEEP)
                .filter(|f| local.as_deref() != Some(f.factory.as_str()))
                .map(|f| f.factory.clone())
                .collect()
        })
    });
    let toggle = Callback::new(move |key: String| {
        if opts.auto_fold.get_untracked() {
            opts.collapsed.set(folded.get_untracked());
            opts.auto_fold.set(false);
        }
        opts.collapsed.update(|c| {
            if let Some(i) = c.iter().position(|x| *x == key) {
                c.remove(i);
            } else {
                c.push(key);
            }
        });
    });
    let laid = Memo::new(move |_| {
        let layout = Layout { compact: compact.get(), all_items: opts.all_items.get() };
        let folded = folded.get();
        let local = local.get();
        data.with(|d| {
            d.as_ref().map(|(pic, jd, ..)| plan(pic, *jd, local.as_deref(), layout, &folded)).unwrap_or_default()
        })
    });
    if first {
        // The what-if's "now": its shape only (heartbeats left out), so it is redrawn when an
        // owner or a group changes, not with every heartbeat.
        Effect::new(move |_| {
            let shape = data.with(|d| {
                d.as_ref().map(|(pic, _, _, _, ids)| {
                    let mut p = pic.clone();
                    for g in p.factories.iter_mut().flat_map(|f| f.groups.iter_mut()) {
                        g.heartbeat = 0.0;
                        g.age_ms = 0;
                    }
                    (p, ids.clone())
                })
            });
            if opts.current.with_untracked(|c| *c != shape) {
                opts.current.set(shape);
            }
        });
    }
    let zoom = Signal::derive(move || f64::from(opts.zoom.get()) / 100.0);
    view! {
        <section class="domain" data-domain=domain.clone() data-factories=move || laid.with(|p| p.factories.iter().filter(|f| !f.orphans).count())>
            <h4>{move || data.with(|d| d.as_ref().map(|d| d.2.clone()).unwrap_or_default())}</h4>
            {move || {
                let n = folded.with(Vec::len);
                (opts.auto_fold.get() && n > 0).then(|| view! {
                    <p class="muted" id="dist-auto-folded">{format!("{n} machines folded to keep the picture quick: click a machine's line to open it, or Unfold all.")}</p>
                })
            }}
            <LivePicture plan=laid zoom=zoom compact=compact toggle=toggle />
        </section>
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
