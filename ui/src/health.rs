//! The health view of a profile (green / amber / red): the ZooKeeper ensemble from the
//! backend (refreshed every 10 s) and the root's findings, recomputed from the live snapshot on
//! every change; and the "why is this task type not running?" chain, computed in the UI from
//! the live snapshot with the model's diagnosis.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::diagnose::{root_findings, why_not_running};

use tbdesk_model::wire::{ApiError, Colour, HealthReport};

use crate::api::{self, cmd};
use crate::browser;
use crate::state::Ctx;
use crate::widgets::ErrorPanel;

#[component]
pub fn Health() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let report = RwSignal::new(None::<Result<HealthReport, ApiError>>);
    // A flag outside the reactive graph, and `try_*` access: the loop outlives the view.
    let alive = crate::widgets::Alive::new();
    spawn_local(async move {
        while alive.get() {
            if let Some(Some(p)) = ctx.profile.try_get_untracked() {
                let r = api::call::<cmd::Health>(cmd::ProfileArg { profile: p.clone() }).await;
                if !alive.get() || report.try_set(Some(r)).is_some() {
                    break;
                }
            }
            browser::sleep_ms(10_000).await;
        }
    });
    // The ensemble's findings (backend, every 10 s), then the root's (live, in wasm).
    let findings = Memo::new(move |_| {
        let r = report.get().and_then(|r| r.ok());
        let off = r.as_ref().and_then(|r| r.clock_offset_ms);
        let mut all = r.map(|r| r.ensemble_findings).unwrap_or_default();
        all.extend(ctx.snap.with(|s| s.as_ref().map(|e| root_findings(&e.snapshot, off)).unwrap_or_default()));
        all
    });
    // The one green / amber / red rule (the backend's): servers and the live findings.
    let summary = Memo::new(move |_| {
        let ensemble = report.get().and_then(|r| r.ok()).map(|r| r.ensemble).unwrap_or_default();
        Colour::summary(&ensemble, &findings.get()).as_str()
    });
    // The support bundle: written by the backend, its path shown (the zip holds no secret).
    let bundle = RwSignal::new(None::<Result<String, tbdesk_model::wire::ApiError>>);
    let make_bundle = move |_| {
        let Some(profile) = ctx.profile.get_untracked() else { return };
        bundle.set(None);
        leptos::task::spawn_local(async move {
            let r = crate::api::call::<crate::api::cmd::SupportBundle>(crate::api::cmd::ProfileArg { profile }).await;
            let _ = bundle.try_set(Some(r));
        });
    };
    view! {
        <div class="health" id="health">
            <h3>"Health "<span id="health-summary" class=move || format!("badge badge-{}", summary.get())>{move || summary.get()}</span>
                <button class="small" id="support-bundle" title="A zip with the snapshot, this report, the recent journal and the app's log; no password" on:click=make_bundle>"Support bundle"</button></h3>
            {move || bundle.get().map(|r| match r {
                Ok(path) => view! { <p class="saved" id="bundle-path">"Support bundle written: "<span class="mono">{path}</span></p> }.into_any(),
                Err(e) => view! { <crate::widgets::ErrorPanel err=e /> }.into_any(),
            })}
            {move || match report.get() {
                None => view! { <p class="muted">"Checking the ensemble…"</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel err=e /> }.into_any(),
                Some(Ok(r)) => view! {
                    <table id="ensemble">
                        <thead><tr><th>"Server"</th><th>"State"</th><th>"Mode / version"</th><th>"Zxid"</th><th>"RTT"</th><th>"Latency min/avg/max"</th><th>"Nodes"</th><th>"Watches"</th><th>"FDs"</th><th>"Refused"</th></tr></thead>
                        <tbody>{r.ensemble.iter().map(|s| {
                            let up = s.up && s.error.is_none();
                            let leader = r.ensemble.iter().find(|x| x.mode.as_deref() == Some("leader")).and_then(|x| x.zxid);
                            // Behind its leader, counted within one epoch (the zxid's high 32 bits).
                            let zxid = match (s.zxid, leader) {
                                (Some(z), Some(l)) if s.mode.as_deref() == Some("follower") && z >> 32 == l >> 32 => format!("{z:#x} (behind {})", l.saturating_sub(z)),
                                (Some(z), _) => format!("{z:#x}"),
                                (None, _) => "—".into(),
                            };
                            let synced = s.synced_followers.map(|n| format!(" · {n} synced, {} syncing", s.pending_syncs.unwrap_or(0))).unwrap_or_default();
                            let lat = s.latency.map(|(a, b, c)| format!("{a}/{b}/{c}")).unwrap_or_default();
                            let refused = s.refused.iter().map(|x| x.command.as_str()).collect::<Vec<_>>().join(", ");
                            let unanswered = s.unanswered.iter().map(|u| u.command.as_str()).collect::<Vec<_>>().join(", ");
                            let unanswered_why = s.unanswered.iter().map(|u| format!("{}: {}", u.command, u.why)).collect::<Vec<_>>().join("\n");
                            let count = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
                            view! {
                                <tr class=if up { "up" } else { "down" }>
                                    <td class="mono">{s.address.clone()}</td>
                                    <td>{match (s.up, &s.error) {
                                        (true, None) => "up".to_string(),
                                        (true, Some(e)) => format!("NOT SERVING: {e}"),
                                        (false, e) => format!("DOWN: {}", e.clone().unwrap_or_default()),
                                    }}</td>
                                    <td>{format!("{} {}{synced}", s.mode.as_deref().unwrap_or("?"), s.version.as_deref().unwrap_or(""))}</td>
                                    <td class="mono">{zxid}</td>
                                    <td class=if s.slow { "slow" } else { "" }>{s.rtt_ms.map(|v| format!("{v:.2} ms")).unwrap_or_default()}</td>
                                    <td>{lat}</td>
                                    <td>{count(s.znode_count)}</td>
                                    <td>{count(s.watch_count)}</td>
                                    <td>{s.file_descriptors.map(|(a, b)| format!("{a}/{b}")).unwrap_or_default()}</td>
                                    <td title=unanswered_why>{match (refused.is_empty(), unanswered.is_empty()) {
                                        (true, true) => "—".to_string(),
                                        (false, true) => format!("{refused} (add to 4lw.commands.whitelist)"),
                                        (true, false) => format!("no answer: {unanswered}"),
                                        (false, false) => format!("{refused} (add to 4lw.commands.whitelist) · no answer: {unanswered}"),
                                    }}</td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                    <p>{format!("Session timeout: asked {} ms, granted {} ms{}", r.requested_session_timeout_ms, r.negotiated_session_timeout_ms,
                        if r.negotiated_session_timeout_ms < r.requested_session_timeout_ms { " (capped by the server's maxSessionTimeout)" } else { "" })}</p>
                    <p id="protocol">{format!("Protocol: ZooKeeper {}", r.protocol)}</p>
                    {r.clock_offset_ms.map(|o| view! { <p>{format!("Clock: ZooKeeper − this machine = {o} ms")}</p> })}
                }.into_any(),
            }}
            <h4>"Findings"</h4>
            {move || {
                let f = findings.get();
                if f.is_empty() {
                    return view! { <p class="saved" id="no-findings">"Nothing wrong found in this root."</p> }.into_any();
                }
                view! {
                    <ul class="findings" id="findings">
                        {f.into_iter().map(|x| view! {
                            <li class=format!("finding {:?}", x.level).to_lowercase() data-code=x.code.clone()>
                                <strong>{x.message.clone()}</strong>" — "{x.why.clone()}
                                {(!x.nodes.is_empty()).then(|| view! { <div class="mono muted">{x.nodes.join(", ")}</div> })}
                                {x.fix.clone().map(|fix| {
                                    let label = match &fix { tbdesk_model::diagnose::Fix::RemoveDeadServers { .. } => "Remove dead server nodes" };
                                    view! {
                                        <button class="small fix-button" data-code=x.code.clone() on:click=move |_| {
                                            let fix = fix.clone();
                                            let Some(p) = ctx.profile.get_untracked() else { return };
                                            spawn_local(async move {
                                                match api::call::<cmd::ApplyFix>(cmd::ApplyFixArgs { profile: p, fix }).await {
                                                    Ok(_) => ctx.error.set(None),
                                                    Err(e) => ctx.error.set(Some(e)),
                                                }
                                            });
                                        }>{label}</button>
                                    }
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}

#[component]
pub fn Why(name: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let base = name.clone();
    let signs = Memo::new(move |_| {
        let mut v: Vec<String> = ctx.snap.with(|s| {
            s.as_ref()
                .and_then(|e| {
                    e.snapshot
                        .task_types
                        .iter()
                        .find(|t| t.name == base)
                        .map(|t| t.domains.iter().map(|d| d.own_sign.clone()).collect())
                })
                .unwrap_or_default()
        });
        if !v.iter().any(|x| x == "BASE") {
            v.push("BASE".into());
        }
        v
    });
    let sign = RwSignal::new(String::new());
    Effect::new(move |_| {
        if sign.get_untracked().is_empty() {
            if let Some(first) = signs.get().first() {
                sign.set(first.clone());
            }
        }
    });
    let base2 = name.clone();
    let diagnosis = Memo::new(move |_| {
        let tz = tbdesk_model::cron::parse_zone(&ctx.zone.get()).unwrap_or(chrono_tz::Tz::UTC);
        let s = sign.get();
        ctx.snap.with(|e| e.as_ref().map(|e| why_not_running(&e.snapshot, &base2, &s, tz)))
    });
    view! {
        <div class="why" id="why">
            <h3>{format!("Why is {name} not running?")}</h3>
            <label>"Own sign "</label>
            <select id="why-own-sign" on:change=move |ev| sign.set(event_target_value(&ev))>
                {move || signs.get().into_iter().map(|s| { let sel = s == sign.get_untracked(); view! { <option value=s.clone() selected=sel>{s.clone()}</option> } }).collect_view()}
            </select>
            {move || diagnosis.get().map(|d| view! {
                <p id="why-verdict" class=if d.broken.is_none() { "saved" } else { "error" }>
                    {match &d.broken { None => format!("{} is running.", d.task_type), Some(b) => format!("{} is not running: {}", d.task_type, d.links.iter().find(|l| &l.id == b).map(|l| l.check.clone()).unwrap_or_default()) }}
                </p>
                <ol class="chain">
                    {d.links.into_iter().map(|l| view! {
                        <li class=if l.ok { "ok" } else { "broken" } data-link=l.id.clone()>
                            <strong>{if l.ok { "✓ " } else { "✗ " }}{l.check.clone()}</strong>
                            <div>{l.detail.clone()}</div>
                            {(!l.ok && !l.evidence.is_empty()).then(|| view! { <div class="mono muted">{l.evidence.join(" · ")}</div> })}
                            {l.fix.clone().map(|f| view! { <div class="fix">{format!("Fix: {f}")}</div> })}
                        </li>
                    }).collect_view()}
                </ol>
            })}
        </div>
    }
}
