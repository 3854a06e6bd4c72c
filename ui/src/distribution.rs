//! The distribution picture of a task type: per domain, factories → thread groups (servers) →
//! task items, drawn as SVG from the live snapshot; leader marked, dead servers and unowned
//! items highlighted, hand-overs in flight (req_server) shown. A what-if panel computes what
//! the Java leader would assign for other group or item counts (the model's algorithm).

use leptos::prelude::*;
use tbdesk_model::distribution::{assign_items, ItemOwner, JavaVersion};
use tbdesk_model::names::ServerUuid;
use tbdesk_model::snapshot::DomainView;

/// Task types offered in the picker at once; the filter narrows the rest.
const MAX_CHOICES: usize = 200;

use crate::state::{Ctx, View};

fn short(uuid: &str) -> String {
    match ServerUuid::parse(uuid) {
        Some(s) => format!("{} #{}", s.ip, s.sequence),
        None => uuid.chars().take(24).collect(),
    }
}

/// Item tiles per line of a server's row, and lines drawn while the domain is collapsed.
const TILES_PER_LINE: usize = 12;
const COLLAPSED_LINES: usize = 4;

fn domain_svg(
    d: &DomainView,
    now_ms: i64,
    judge_dead_ms: i64,
    local_factory: Option<String>,
    all_items: bool,
) -> impl IntoView {
    let width = 860.0;
    let unowned: Vec<&str> = d.items.iter().filter(|i| !i.owner_alive).map(|i| i.id.as_str()).collect();
    // One row per server (and one for items without a live owner), as tall as its tiles.
    let cap = if all_items { usize::MAX } else { TILES_PER_LINE * COLLAPSED_LINES };
    let row_height = |n: usize| {
        let lines = n.min(cap).div_ceil(TILES_PER_LINE).max(1) + usize::from(n > cap);
        (10.0 + 46.0 * lines as f64).max(56.0)
    };
    let mut shapes = Vec::new();
    let mut y = 10.0;
    let tiles = |shapes: &mut Vec<AnyView>, y: f64, ids: Vec<(String, Option<String>, &'static str)>| {
        let total = ids.len();
        for (k, (id, req, class)) in ids.into_iter().take(cap).enumerate() {
            let x = 270.0 + 46.0 * (k % TILES_PER_LINE) as f64;
            let ty = y + 6.0 + 46.0 * (k / TILES_PER_LINE) as f64;
            let title = match &req {
                Some(r) => format!("item {id} → {}", short(r)),
                None => format!("item {id}"),
            };
            shapes.push(view! {
                <g class=class data-item=id.clone()>
                    <title>{title}</title>
                    <rect x=x y=ty width="40" height="36" rx="4"></rect>
                    <text x=x + 20.0 y=ty + 23.0 text-anchor="middle">{id.clone()}</text>
                    {req.is_some().then(|| view! { <text x=x + 36.0 y=ty + 12.0 text-anchor="middle" class="arrow">"→"</text> })}
                </g>
            }.into_any());
        }
        if total > cap {
            let ty = y + 6.0 + 46.0 * cap.div_ceil(TILES_PER_LINE) as f64;
            shapes.push(view! {
                <text x="270" y=ty + 20.0 class="more">{format!("+ {} more item(s): Show all items", total - cap)}</text>
            }.into_any());
        }
    };
    for s in &d.servers {
        let held: Vec<(String, Option<String>, &'static str)> = d
            .items
            .iter()
            .filter(|i| i.cur_server.as_deref() == Some(s.uuid.as_str()))
            .map(|i| (i.id.clone(), i.req_server.clone(), if i.req_server.is_some() { "item moving" } else { "item" }))
            .collect();
        let row_h = row_height(held.len());
        let factory =
            s.server.as_ref().and_then(|x| x.ok()).and_then(|x| x.manager_factory_uuid.clone()).unwrap_or_default();
        let fshort = factory.split('$').take(2).collect::<Vec<_>>().join(" ");
        let local = local_factory.as_deref().is_some_and(|f| !f.is_empty() && f == factory);
        let class = match (s.dead, local) {
            (true, _) => "srv dead",
            (false, true) => "srv local",
            _ => "srv",
        };
        let label = format!(
            "{}{}{}",
            if s.leader { "★ " } else { "" },
            short(&s.uuid),
            if local { " (this machine)" } else { "" }
        );
        let age = format!(
            "{} · hb {:.1}s ago{}",
            fshort,
            s.age_ms(now_ms) as f64 / 1000.0,
            if s.dead { " · DEAD" } else { "" }
        );
        // The heartbeat's age filling toward the judge-dead interval: amber past half, red
        // when the server is judged dead.
        let fill = if judge_dead_ms > 0 { (s.age_ms(now_ms) as f64 / judge_dead_ms as f64).clamp(0.0, 1.0) } else { 1.0 };
        let hb_class = match (s.dead, fill > 0.5) {
            (true, _) => "hb hb-dead",
            (false, true) => "hb hb-late",
            _ => "hb hb-ok",
        };
        shapes.push(
            view! {
                <g class=class data-server=s.uuid.clone()>
                    <rect x="4" y=y width="250" height=48.0 rx="6"></rect>
                    <text x="14" y=y + 20.0 class="srv-name">{label}</text>
                    <text x="14" y=y + 36.0 class="srv-age">{age}</text>
                    <rect class="hb-track" x="14" y=y + 41.0 width="230" height="3"></rect>
                    <rect class=hb_class data-fill=format!("{fill:.2}") x="14" y=y + 41.0 width=format!("{:.1}", 230.0 * fill) height="3">
                        <title>{format!("heartbeat {:.0}% of the judge-dead interval ({:.0} s)", fill * 100.0, judge_dead_ms as f64 / 1000.0)}</title>
                    </rect>
                </g>
            }
            .into_any(),
        );
        tiles(&mut shapes, y, held);
        y += row_h;
    }
    if !unowned.is_empty() {
        shapes.push(
            view! {
                <g class="srv none"><rect x="4" y=y width="250" height=48.0 rx="6"></rect>
                <text x="14" y=y + 28.0>"no live owner"</text></g>
            }
            .into_any(),
        );
        let row_h = row_height(unowned.len());
        tiles(&mut shapes, y, unowned.iter().map(|id| (id.to_string(), None, "item orphan")).collect());
        y += row_h;
    }
    let height = y.max(66.0) + 10.0;
    view! {
        <svg class="dist" width=width height=height viewBox=format!("0 0 {width} {height}")>{shapes}</svg>
    }
}

#[component]
pub fn Distribution(name: Option<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let chosen = RwSignal::new(name);
    let groups = RwSignal::new("3".to_string());
    let items = RwSignal::new("10".to_string());
    let factories = RwSignal::new("2".to_string());
    let pick_filter = RwSignal::new(String::new());
    let all_items = RwSignal::new(false);
    view! {
        <div class="distribution">
            <div class="toolbar">
                <input id="dist-filter" placeholder="Find a task type" prop:value=move || pick_filter.get() on:input=move |e| pick_filter.set(event_target_value(&e)) />
            </div>
            {move || {
                let want = chosen.get();
                let narrow = pick_filter.get().trim().to_lowercase();
                // Reads the shown root in place: only the names and the chosen task type are copied.
                let picked = ctx.snap.with(|ev| {
                    let types = &ev.as_ref()?.snapshot.task_types;
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
                    Some((names, more, current, tt, ev.as_ref()?.snapshot.now_ms))
                });
                let Some((names, more, current, tt, now_ms)) = picked else {
                    let loaded = ctx.snap.with(|s| s.is_some());
                    return if loaded { view! { <p class="muted empty">"No task type yet."</p> }.into_any() } else { ().into_any() };
                };
                view! {
                    <div class="toolbar">
                        <label>"Task type "</label>
                        <select id="dist-task-type" on:change=move |e| { let v = event_target_value(&e); chosen.set(Some(v.clone())); ctx.view.set(View::Distribution(Some(v))); }>
                            {names.into_iter().map(|n| { let sel = n == current; let label = n.clone(); view! { <option value=n selected=sel>{label}</option> } }).collect_view()}
                        </select>
                        {(more > 0).then(|| view! { <span class="muted">{format!(" {more} more: type to narrow ")}</span> })}
                        <label>
                            <input type="checkbox" id="dist-all-items" prop:checked=move || all_items.get() on:change=move |e| all_items.set(event_target_checked(&e)) />
                            " Show all items"
                        </label>
                    </div>
                    {match tt {
                        Some(t) if t.domains.is_empty() => view! { <p class="muted empty">"No domain has run yet: no scheduler took this task type."</p> }.into_any(),
                        Some(t) => {
                            let (judge_dead, _) = tbdesk_model::snapshot::judge_dead_and_heartbeat(&t.def);
                            t.domains.iter().map(|d| {
                            let handovers = d.items.iter().filter(|i| i.req_server.is_some()).count();
                            view! {
                                <section class="domain" data-domain=d.task_type.clone()>
                                    <h4>{format!("{} — own sign {} · {} · {} · reload flag v{} · {} in flight",
                                        d.task_type, d.own_sign, count(d.servers.len(), "server"), count(d.items.len(), "item"),
                                        d.reload_version.unwrap_or(0), count(handovers, "hand-over"))}</h4>
                                    {domain_svg(d, now_ms, judge_dead, ctx.sched.get().filter(|s| s.running).map(|s| s.status.factory), all_items.get())}
                                </section>
                            }
                        }).collect_view().into_any()
                        }
                        None => ().into_any(),
                    }}
                }.into_any()
            }}
            <section class="whatif">
                <h4>"What if (the Java 3.3 leader's assignment)"</h4>
                <label>"Thread groups "</label><input id="whatif-groups" prop:value=move || groups.get() on:input=move |e| groups.set(event_target_value(&e)) />
                <label>" Items "</label><input id="whatif-items" prop:value=move || items.get() on:input=move |e| items.set(event_target_value(&e)) />
                <label>" Factories (machines) "</label><input id="whatif-factories" prop:value=move || factories.get() on:input=move |e| factories.set(event_target_value(&e)) />
                {move || {
                    let g = groups.get().trim().parse::<i64>().unwrap_or(0).clamp(0, 200);
                    let f = factories.get().trim().parse::<usize>().unwrap_or(0).min(50);
                    let names: Vec<String> = (1..=f).map(|i| format!("10.0.0.{i}$host{i}$F$000000000{}", i % 10)).collect();
                    let per = tbdesk_model::distribution::thread_groups(&names, g, 0, JavaVersion::V3_3);
                    view! {
                        <p id="whatif-factories-result">{format!("Thread groups per factory (strategy leader first): {}",
                            per.iter().map(|(_, n)| n.to_string()).collect::<Vec<_>>().join(", "))}</p>
                    }
                }}
                {move || {
                    let g = groups.get().trim().parse::<usize>().unwrap_or(0).min(200);
                    let n = items.get().trim().parse::<usize>().unwrap_or(0).min(5000);
                    let servers: Vec<String> = (1..=g).map(|i| format!("T$host$G{i}${i:010}")).collect();
                    let its: Vec<ItemOwner> = (0..n).map(|i| ItemOwner { id: i.to_string(), cur_server: None, req_server: None }).collect();
                    let plan = assign_items(&servers, &its, 0, JavaVersion::V3_3);
                    view! {
                        <ul id="whatif-result">
                            {servers.iter().enumerate().map(|(k, s)| {
                                let mine: Vec<String> = plan.targets.iter().filter(|(_, t)| t == s).map(|(i, _)| i.clone()).collect();
                                view! { <li>{format!("group {}{}: {} item(s) [{}]", k + 1, if k == 0 { " (leader)" } else { "" }, mine.len(), mine.join(","))}</li> }
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
