//! The distribution picture of a task type: per domain, factories → thread groups (servers) →
//! task items, drawn as SVG from the live snapshot; leader marked, dead servers and unowned
//! items highlighted, hand-overs in flight (req_server) shown. A what-if panel computes what
//! the Java leader would assign for other group or item counts (the model's algorithm).

use leptos::prelude::*;
use tbdesk_model::distribution::{assign_items, ItemOwner, JavaVersion};
use tbdesk_model::names::ServerUuid;
use tbdesk_model::snapshot::DomainView;

use crate::state::{Ctx, View};

fn short(uuid: &str) -> String {
    match ServerUuid::parse(uuid) {
        Some(s) => format!("{} #{}", s.ip, s.sequence),
        None => uuid.chars().take(24).collect(),
    }
}

fn domain_svg(d: &DomainView, local_factory: Option<String>) -> impl IntoView {
    let row_h = 56.0;
    let width = 860.0;
    let unowned: Vec<&str> = d.items.iter().filter(|i| !i.owner_alive).map(|i| i.id.as_str()).collect();
    let rows = d.servers.len() + usize::from(!unowned.is_empty());
    let height = 20.0 + row_h * rows.max(1) as f64;
    let mut shapes = Vec::new();
    for (r, s) in d.servers.iter().enumerate() {
        let y = 10.0 + row_h * r as f64;
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
            s.heartbeat_age_ms as f64 / 1000.0,
            if s.dead { " · DEAD" } else { "" }
        );
        shapes.push(
            view! {
                <g class=class data-server=s.uuid.clone()>
                    <rect x="4" y=y width="250" height=row_h - 8.0 rx="6"></rect>
                    <text x="14" y=y + 20.0 class="srv-name">{label}</text>
                    <text x="14" y=y + 38.0 class="srv-age">{age}</text>
                </g>
            }
            .into_any(),
        );
        let held: Vec<_> = d.items.iter().filter(|i| i.cur_server.as_deref() == Some(s.uuid.as_str())).collect();
        for (k, it) in held.iter().enumerate() {
            let x = 270.0 + 46.0 * k as f64;
            let moving = it.req_server.is_some();
            let class = if moving { "item moving" } else { "item" };
            let title = match &it.req_server {
                Some(r) => format!("item {} → {}", it.id, short(r)),
                None => format!("item {}", it.id),
            };
            shapes.push(view! {
                <g class=class data-item=it.id.clone()>
                    <title>{title}</title>
                    <rect x=x y=y + 6.0 width="40" height="36" rx="4"></rect>
                    <text x=x + 20.0 y=y + 29.0 text-anchor="middle">{it.id.clone()}</text>
                    {moving.then(|| view! { <text x=x + 20.0 y=y + 52.0 text-anchor="middle" class="arrow">"→"</text> })}
                </g>
            }.into_any());
        }
    }
    if !unowned.is_empty() {
        let y = 10.0 + row_h * d.servers.len() as f64;
        shapes.push(
            view! {
                <g class="srv none"><rect x="4" y=y width="250" height=row_h - 8.0 rx="6"></rect>
                <text x="14" y=y + 28.0>"no live owner"</text></g>
            }
            .into_any(),
        );
        for (k, id) in unowned.iter().enumerate() {
            let x = 270.0 + 46.0 * k as f64;
            shapes.push(
                view! {
                    <g class="item orphan" data-item=id.to_string()>
                        <rect x=x y=y + 6.0 width="40" height="36" rx="4"></rect>
                        <text x=x + 20.0 y=y + 29.0 text-anchor="middle">{id.to_string()}</text>
                    </g>
                }
                .into_any(),
            );
        }
    }
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
    view! {
        <div class="distribution">
            {move || {
                let want = chosen.get();
                // Reads the shown root in place: only the names and the chosen task type are copied.
                let picked = ctx.snap.with(|ev| {
                    let types = &ev.as_ref()?.snapshot.task_types;
                    let first = types.first()?;
                    let current = want
                        .filter(|c| types.iter().any(|t| &t.name == c))
                        .or_else(|| types.iter().find(|t| !t.domains.is_empty()).map(|t| t.name.clone()))
                        .unwrap_or_else(|| first.name.clone());
                    let names: Vec<String> = types.iter().map(|t| t.name.clone()).collect();
                    let tt = types.iter().find(|t| t.name == current).cloned();
                    Some((names, current, tt))
                });
                let Some((names, current, tt)) = picked else {
                    let loaded = ctx.snap.with(|s| s.is_some());
                    return if loaded { view! { <p class="muted empty">"No task type yet."</p> }.into_any() } else { ().into_any() };
                };
                view! {
                    <div class="toolbar">
                        <label>"Task type "</label>
                        <select id="dist-task-type" on:change=move |e| { let v = event_target_value(&e); chosen.set(Some(v.clone())); ctx.view.set(View::Distribution(Some(v))); }>
                            {names.into_iter().map(|n| { let sel = n == current; let label = n.clone(); view! { <option value=n selected=sel>{label}</option> } }).collect_view()}
                        </select>
                    </div>
                    {match tt {
                        Some(t) if t.domains.is_empty() => view! { <p class="muted empty">"No domain has run yet: no scheduler took this task type."</p> }.into_any(),
                        Some(t) => t.domains.iter().map(|d| {
                            let handovers = d.items.iter().filter(|i| i.req_server.is_some()).count();
                            view! {
                                <section class="domain" data-domain=d.task_type.clone()>
                                    <h4>{format!("{} — own sign {} · {} · {} · reload flag v{} · {} in flight",
                                        d.task_type, d.own_sign, count(d.servers.len(), "server"), count(d.items.len(), "item"),
                                        d.reload_version.unwrap_or(0), count(handovers, "hand-over"))}</h4>
                                    {domain_svg(d, ctx.sched.get().filter(|s| s.running).map(|s| s.status.factory))}
                                </section>
                            }
                        }).collect_view().into_any(),
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
