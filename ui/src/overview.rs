//! The overview of a root: strategies, task types with their domains, factories; a filter over
//! names, own signs and IPs; everything from the live snapshot.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::names::TaskTypeName;
use tbdesk_model::snapshot::Decoded;

use crate::api::{self, cmd};
use crate::state::{Ctx, View};

/// Height of one row of the long tables (CSS `.vscroll tr`), px.
const ROW_PX: f64 = 32.0;
/// Height the long tables show at once (CSS `.vscroll`), px.
const VIEW_PX: f64 = 448.0;
/// Rows drawn beyond each edge, so a scroll shows drawn rows before the next render.
const OVERSCAN: usize = 8;
/// Factories and foreign nodes past these are counted, not drawn.
const MAX_FACTORY_ROWS: usize = 200;
const MAX_PROBLEM_ROWS: usize = 200;

/// The rows `[first, last)` of `total` that a table scrolled to `top` shows.
fn visible(top: f64, total: usize) -> (usize, usize) {
    let first = ((top.max(0.0) / ROW_PX) as usize).saturating_sub(OVERSCAN).min(total);
    let last = first.saturating_add((VIEW_PX / ROW_PX) as usize + 2 * OVERSCAN).min(total);
    (first, last)
}

/// The heights standing in for the rows not drawn above and below.
fn spacers(first: usize, last: usize, total: usize) -> (String, String) {
    (format!("{}px", first as f64 * ROW_PX), format!("{}px", total.saturating_sub(last) as f64 * ROW_PX))
}

fn scroll_top(ev: &leptos::ev::Event) -> f64 {
    f64::from(event_target::<leptos::web_sys::Element>(ev).scroll_top())
}

fn matches(filter: &str, texts: &[&str]) -> bool {
    let f = filter.trim().to_lowercase();
    f.is_empty() || texts.iter().any(|t| t.to_lowercase().contains(&f))
}

#[component]
pub fn Overview() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let filter = RwSignal::new(String::new());
    let pause = move |name: String, pause: bool| {
        let Some(profile) = ctx.profile.get_untracked() else { return };
        spawn_local(async move {
            match api::call::<cmd::PauseStrategy>(cmd::PauseArgs { profile, name, pause }).await {
                Ok(_) => ctx.error.set(None),
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    // The Java console's switch: a stopped factory's groups stop (confirmed first: it stops
    // processing on that machine).
    let switch_factory = move |uuid: String, start: bool| {
        let Some(profile) = ctx.profile.get_untracked() else { return };
        let verb = if start { "Start" } else { "Stop" };
        if !crate::browser::confirm(&format!("{verb} factory {uuid}? Its thread groups {}.", if start { "start again" } else { "stop" })) {
            return;
        }
        spawn_local(async move {
            match api::call::<cmd::SetFactory>(cmd::FactoryArgs { profile, uuid, start }).await {
                Ok(()) => ctx.error.set(None),
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    // The filtered lists, recomputed when the root or the filter changes; the tables draw only
    // the rows their scroll position shows (a 1,000-task-type root stays a few dozen rows).
    let strategies = Memo::new(move |_| {
        let f = filter.get();
        ctx.snap.with(|ev| {
            ev.as_ref().map_or_else(Vec::new, |ev| {
                ev.snapshot
                    .strategies
                    .iter()
                    .filter(|s| {
                        let st = s.strategy.ok();
                        let tn = st.and_then(|x| x.task_name.clone()).unwrap_or_default();
                        let ips = st.and_then(|x| x.ip_list.clone()).unwrap_or_default().join(",");
                        matches(&f, &[&s.name, &tn, &ips])
                    })
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    });
    let task_types = Memo::new(move |_| {
        let f = filter.get();
        ctx.snap.with(|ev| {
            ev.as_ref().map_or_else(Vec::new, |ev| {
                ev.snapshot
                    .task_types
                    .iter()
                    .filter(|t| {
                        let signs: Vec<&str> = t.domains.iter().map(|d| d.own_sign.as_str()).collect();
                        matches(&f, &[&t.name, &signs.join(",")])
                    })
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    });
    let loaded = Memo::new(move |_| ctx.snap.with(|s| s.is_some()));
    let remind = RwSignal::new(String::new());
    let batch_done = RwSignal::new(None::<String>);
    // Batch pause / resume of what the filter shows: one multi in the backend, all or nothing.
    let batch = move |pause: bool| {
        let Some(profile) = ctx.profile.get_untracked() else { return };
        let n = strategies.with_untracked(Vec::len);
        let verb = if pause { "Pause" } else { "Resume" };
        if n == 0 || !crate::browser::confirm(&format!("{verb} the {n} strategies shown?")) {
            return;
        }
        let filter = filter.get_untracked();
        let remind_in_minutes = if pause { remind.get_untracked().trim().parse::<u32>().ok() } else { None };
        spawn_local(async move {
            let args =
                cmd::PauseMatchingArgs { profile, filter, own_sign: None, pause, dry_run: false, remind_in_minutes };
            match api::call::<cmd::PauseMatching>(args).await {
                Ok(r) => {
                    ctx.error.set(None);
                    batch_done.set(Some(match r.remind_at_ms {
                        Some(at) => format!(
                            "Paused {} of {}; a reminder to resume them at {}.",
                            r.changed.len(),
                            r.chosen.len(),
                            crate::browser::time_of_day(at)
                        ),
                        None => format!(
                            "{} {} of {}.",
                            if pause { "Paused" } else { "Resumed" },
                            r.changed.len(),
                            r.chosen.len()
                        ),
                    }));
                }
                Err(e) => ctx.error.set(Some(e)),
            }
        });
    };
    let s_top = RwSignal::new(0.0f64);
    let t_top = RwSignal::new(0.0f64);
    view! {
        <div class="overview">
            <div class="toolbar">
                <input
                    id="filter"
                    placeholder="Filter by name, own sign or IP"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
                <button id="pause-shown" title="Pause every strategy the filter shows, in one write" on:click=move |_| batch(true)>"Pause shown"</button>
                <input id="remind-in" class="narrow" type="number" min="1" max="10080" placeholder="remind in min" title="After \"Pause shown\": a notification reminding to resume them, this many minutes later" prop:value=move || remind.get() on:input=move |ev| remind.set(event_target_value(&ev)) />
                <button id="resume-shown" title="Resume every strategy the filter shows, in one write" on:click=move |_| batch(false)>"Resume shown"</button>
                {move || batch_done.get().map(|t| view! { <span id="batch-done" class="muted">{t}</span> })}
                <button id="new-task-type" on:click=move |_| ctx.view.set(View::TaskType(None))>"New task type"</button>
                <button id="new-strategy" on:click=move |_| ctx.view.set(View::Strategy(None))>"New strategy"</button>
            </div>
            {move || ctx.snap.with(|ev| {
                let snap = &ev.as_ref()?.snapshot;
                match &snap.marker {
                    tbdesk_model::version::MarkerVerdict::Incompatible(m) => Some(format!(
                        "Root marker {m:?} is rejected by TBSchedule 3.2.12–3.3.x runtimes."
                    )),
                    tbdesk_model::version::MarkerVerdict::Unmarked => Some("Root not initialised (no version marker).".to_string()),
                    _ => None,
                }
            }).map(|m| view! { <div class="warning">{m}</div> })}
            <Show when=move || loaded.get()>
            <h3>{move || format!("Strategies ({})", strategies.with(Vec::len))}</h3>
            <div class="vscroll" id="strategies-scroll" on:scroll=move |ev| s_top.set(scroll_top(&ev))>
            {move || {
                let all = strategies.get();
                if all.is_empty() {
                    return view! { <p class="muted empty">"No strategy yet. A strategy says which machines run which task type."</p> }.into_any();
                }
                let (first, last) = visible(s_top.get(), all.len());
                let shown: Vec<_> = all[first..last].to_vec();
                let (above, below) = spacers(first, last, all.len());
                view! {
                    <table id="strategies" data-rows=all.len() data-drawn=last - first>
                        <thead><tr><th>"Name"</th><th>"Kind"</th><th>"Task (own sign)"</th><th>"Groups requested / assigned"</th><th>"IP list"</th><th>"State"</th><th></th></tr></thead>
                        <tbody>
                            <tr class="spacer" style:height=above><td colspan="7"></td></tr>
                            {shown.into_iter().map(|s| {
                                        let name = s.name.clone();
                                        let name_edit = s.name.clone();
                                        let running: i64 = s.runtimes.iter().filter_map(|r| r.runtime.as_ref().and_then(|d| d.ok()).map(|x| x.request_num)).sum();
                                        match &s.strategy {
                                            Decoded::Ok { value: st } => {
                                                let paused = st.is_paused();
                                                let tt = TaskTypeName::parse(st.task_name.as_deref().unwrap_or(""));
                                                view! {
                                                    <tr id=format!("strategy-{}", s.name)>
                                                        <td><a href="#" on:click=move |e| { e.prevent_default(); ctx.view.set(View::Strategy(Some(name_edit.clone()))) }>{s.name.clone()}</a></td>
                                                        <td>{st.kind.map(|k| k.as_str()).unwrap_or("?")}</td>
                                                        <td>{format!("{} ({})", tt.base, tt.own_sign)}</td>
                                                        <td>{format!("{} / {}", st.assign_num, running)}</td>
                                                        <td>{st.ip_list.clone().unwrap_or_default().join(", ")}</td>
                                                        <td class=if paused { "paused" } else { "running" }>{if paused { "paused" } else { "resumed" }}</td>
                                                        <td><button class="small" on:click=move |_| pause(name.clone(), !paused)>{if paused { "Resume" } else { "Pause" }}</button></td>
                                                    </tr>
                                                }.into_any()
                                            }
                                            Decoded::Bad { error, .. } => view! {
                                                <tr class="bad"><td>{s.name.clone()}</td><td colspan="6">{format!("unreadable: {error}")}</td></tr>
                                            }.into_any(),
                                        }
                                    }).collect_view()}
                            <tr class="spacer" style:height=below><td colspan="7"></td></tr>
                        </tbody>
                    </table>
                }.into_any()
            }}
            </div>
            <h3>{move || format!("Task types ({})", task_types.with(Vec::len))}</h3>
            <div class="vscroll" id="task-types-scroll" on:scroll=move |ev| t_top.set(scroll_top(&ev))>
            {move || {
                let all = task_types.get();
                if all.is_empty() {
                    return view! { <p class="muted empty">"No task type yet. Create one to define what a scheduler runs."</p> }.into_any();
                }
                let (first, last) = visible(t_top.get(), all.len());
                let shown: Vec<_> = all[first..last].to_vec();
                let (above, below) = spacers(first, last, all.len());
                view! {
                    <table id="task-types" data-rows=all.len() data-drawn=last - first>
                        <thead><tr><th>"Name"</th><th>"Bean"</th><th>"Heartbeat / dead"</th><th>"Items"</th><th>"Domains (servers, dead)"</th><th></th></tr></thead>
                        <tbody>
                            <tr class="spacer" style:height=above><td colspan="7"></td></tr>
                            {shown.into_iter().map(|t| {
                                        let name_edit = t.name.clone();
                                        let name_dist = t.name.clone();
                                        let name_why = t.name.clone();
                                        let domains = t.domains.iter().map(|d| {
                                            let dead = d.servers.iter().filter(|s| s.dead).count();
                                            format!("{} ({}, {})", d.own_sign, d.servers.len(), dead)
                                        }).collect::<Vec<_>>().join(" · ");
                                        match &t.def {
                                            Decoded::Ok { value: def } => view! {
                                                <tr id=format!("task-type-{}", t.name)>
                                                    <td><a href="#" on:click=move |e| { e.prevent_default(); ctx.view.set(View::TaskType(Some(name_edit.clone()))) }>{t.name.clone()}</a></td>
                                                    <td>{def.deal_bean_name.clone().unwrap_or_default()}</td>
                                                    <td>{format!("{} s / {} s", def.heart_beat_rate as f64 / 1000.0, def.judge_dead_interval as f64 / 1000.0)}</td>
                                                    <td>{def.task_items.as_ref().map_or(0, |i| i.len())}</td>
                                                    <td>{if domains.is_empty() { "—".to_string() } else { domains }}</td>
                                                    <td>
                                                        <button class="small" on:click=move |_| ctx.view.set(View::Distribution(Some(name_dist.clone())))>"Distribution"</button>
                                                        <button class="small why" on:click=move |_| ctx.view.set(View::Why(name_why.clone()))>"Why not running?"</button>
                                                    </td>
                                                </tr>
                                            }.into_any(),
                                            Decoded::Bad { error, .. } => view! {
                                                <tr class="bad"><td>{t.name.clone()}</td><td colspan="5">{format!("unreadable: {error}")}</td></tr>
                                            }.into_any(),
                                        }
                                    }).collect_view()}
                            <tr class="spacer" style:height=below><td colspan="7"></td></tr>
                        </tbody>
                    </table>
                }.into_any()
            }}
            </div>
            {move || ctx.snap.with(|ev| {
                let Some(ev) = ev.as_ref() else { return ().into_any() };
                let snap = &ev.snapshot;
                view! {
                    <h3>{format!("Factories ({})", snap.factories.len())}</h3>
                    {if snap.factories.is_empty() {
                        view! { <p class="muted empty">"No scheduler is registered in this root."</p> }.into_any()
                    } else {
                        view! {
                            <table id="factories">
                                <thead><tr><th>"Factory"</th><th>"State"</th><th></th></tr></thead>
                                <tbody>
                                    {snap.factories.iter().take(MAX_FACTORY_ROWS).map(|fa| {
                                        let (uuid, started) = (fa.uuid.clone(), fa.started);
                                        let label = if started { "Stop" } else { "Start" };
                                        view! {
                                            <tr>
                                                <td class="mono">{fa.uuid.clone()}</td>
                                                <td>{if started { "started" } else { "stopped" }}</td>
                                                <td><button class="small factory-switch" data-uuid=fa.uuid.clone() on:click=move |_| switch_factory(uuid.clone(), !started)>{label}</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                    {(snap.factories.len() > MAX_FACTORY_ROWS).then(|| view! {
                                        <tr><td colspan="3" class="muted">{format!("… and {} more", snap.factories.len() - MAX_FACTORY_ROWS)}</td></tr>
                                    })}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                    {(!snap.problems.is_empty()).then(|| view! {
                        <h3>"Foreign nodes"</h3>
                        <ul class="problems">
                            {snap.problems.iter().take(MAX_PROBLEM_ROWS).map(|p| view! { <li><span class="mono">{p.path.clone()}</span>": "{p.message.clone()}</li> }).collect_view()}
                            {(snap.problems.len() > MAX_PROBLEM_ROWS).then(|| view! { <li class="muted">{format!("… and {} more", snap.problems.len() - MAX_PROBLEM_ROWS)}</li> })}
                        </ul>
                    })}
                }.into_any()
            })}
            </Show>
        </div>
    }
}
