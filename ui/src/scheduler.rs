//! The launcher of the local development scheduler: pick a task type, an own sign and the job
//! command; start and stop; live groups, items and throughput; the "never join a shared
//! strategy" warnings shown when it starts.

use leptos::prelude::*;
use leptos::task::spawn_local;

use tbdesk_model::wire::ApiError;

use crate::api::{self, cmd};
use crate::browser;
use crate::state::Ctx;
use crate::widgets::ErrorPanel;

#[component]
pub fn SchedulerPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let task_type = RwSignal::new(String::new());
    let own_sign = RwSignal::new("dev1".to_string());
    let exec = RwSignal::new(String::new());
    let groups = RwSignal::new("1".to_string());
    let remove = RwSignal::new(true);
    // Like production by default: the zone of the root's Java schedulers (the profile's).
    let machine_zone = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    if let Some(p) = ctx.profile.get_untracked() {
        spawn_local(async move {
            if let Ok(Some(s)) = api::call::<cmd::LastOwnSign>(cmd::ProfileArg { profile: p.clone() }).await {
                own_sign.set(s);
            }
        });
    }
    let names = Memo::new(move |_| {
        ctx.snap.with(|s| {
            s.as_ref()
                .map(|e| e.snapshot.task_types.iter().map(|t| t.name.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    Effect::new(move |_| {
        if task_type.get_untracked().is_empty() {
            if let Some(n) = names.get().first() {
                task_type.set(n.clone());
            }
        }
    });
    let start = move |_| {
        let Some(profile) = ctx.profile.get_untracked() else { return };
        let (t, o, e) = (task_type.get_untracked(), own_sign.get_untracked(), exec.get_untracked());
        let g = groups.get_untracked().trim().parse().unwrap_or(1);
        let mz = machine_zone.get_untracked();
        spawn_local(async move {
            let exec = Some(e).filter(|x| !x.trim().is_empty());
            let args = cmd::StartSchedulerArgs {
                profile,
                task_type: t,
                own_sign: o.trim().to_owned(),
                exec,
                groups: g,
                machine_zone: mz,
            };
            match api::call::<cmd::StartScheduler>(args).await {
                Ok(v) => {
                    error.set(None);
                    ctx.sched.set(Some(v));
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let stop = move |_| {
        let r = remove.get_untracked();
        spawn_local(async move {
            if let Err(e) = api::call::<cmd::StopScheduler>(cmd::StopSchedulerArgs { remove: r }).await {
                error.set(Some(e));
            }
            ctx.sched.set(None);
        });
    };
    view! {
        <div class="scheduler" id="scheduler-panel">
            <h3>"Local development scheduler"</h3>
            <p class="muted">"Runs a task type on this machine in its own isolation domain (TASK$OWN_SIGN); the shared BASE domain is never touched."</p>
            <div class="grid">
                <div class="field"><label>"Task type"</label>
                    <select id="s-task-type" on:change=move |ev| task_type.set(event_target_value(&ev))>
                        {move || names.get().into_iter().map(|n| { let sel = n == task_type.get_untracked(); view! { <option value=n.clone() selected=sel>{n.clone()}</option> } }).collect_view()}
                    </select>
                </div>
                <div class="field"><label>"Own sign"</label>
                    <input id="s-own-sign" prop:value=move || own_sign.get() on:input=move |ev| own_sign.set(event_target_value(&ev)) />
                    {move || tbdesk_model::validate::own_sign_problem(own_sign.get().trim()).or_else(|| (own_sign.get().trim() == "BASE").then(|| "BASE is the shared production domain".to_string()))
                        .map(|p| view! { <div class="field-error">{p}</div> })}
                </div>
                <div class="field"><label>"Job command (empty: demo deal)"</label>
                    <input id="s-exec" placeholder="python3 examples/job.py" prop:value=move || exec.get() on:input=move |ev| exec.set(event_target_value(&ev)) />
                </div>
                <div class="field"><label>"Thread groups"</label>
                    <input id="s-groups" prop:value=move || groups.get() on:input=move |ev| groups.set(event_target_value(&ev)) />
                </div>
                <div class="field"><label>"Run windows and timestamps in"</label>
                    <select id="s-zone" on:change=move |ev| machine_zone.set(event_target_value(&ev) == "machine")>
                        <option value="profile" selected=move || !machine_zone.get()>{move || format!("the profile's zone, like production ({})", ctx.zone.get())}</option>
                        <option value="machine" selected=move || machine_zone.get()>{format!("this machine's zone ({})", browser::local_zone())}</option>
                    </select>
                </div>
            </div>
            <div class="toolbar">
                <button id="s-start" class="primary" prop:disabled=move || ctx.sched.get().is_some_and(|s| s.running) on:click=start>"Start"</button>
                <button id="s-stop" prop:disabled=move || ctx.sched.get().is_none() on:click=stop>"Stop"</button>
                <label><input type="checkbox" prop:checked=move || remove.get() on:change=move |ev| remove.set(event_target_checked(&ev)) />" remove the strategy copy and domain on stop"</label>
            </div>
            {move || error.get().map(|e| view! { <ErrorPanel err=e /> })}
            {move || ctx.sched.get().map(|s| view! {
                <div class="sched-status" id="sched-status">
                    {(!s.capturing.is_empty()).then(|| view! {
                        <div class="warning" id="sched-capturing">{format!("Shared strategies name this machine: {}. A Java scheduler here would join them; tbdesk does not.", s.capturing.join(", "))}</div>
                    })}
                    <p id="sched-line">{format!("{} {}${} via strategy {} · factory {} · crons in {}", if s.running { "Running" } else { "Stopped" }, s.task_type, s.own_sign, s.strategy, s.status.factory, s.zone)}</p>
                    {s.notes.iter().map(|n| view! { <p class="muted sched-note">{n.clone()}</p> }).collect_view()}
                    {s.error.clone().map(|e| view! { <div class="error">{e}</div> })}
                    <table><thead><tr><th>"Thread group"</th><th>"State"</th><th>"Items"</th><th>"Done"</th><th>"Failed"</th></tr></thead>
                        <tbody>{s.status.groups.iter().map(|g| view! {
                            <tr class="sched-group"><td class="mono">{g.server.clone()}</td><td>{g.state.clone()}</td><td>{g.items.join(",")}</td><td>{g.done}</td><td>{g.failed}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                    <h4>"Log"</h4>
                    <pre class="sched-log" id="sched-log">{s.status.log.iter().rev().cloned().collect::<Vec<_>>().join("\n")}</pre>
                </div>
            })}
        </div>
    }
}
