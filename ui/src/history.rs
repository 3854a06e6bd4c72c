//! The journal of a profile's writes (what changed, field by field, who and when), one-click
//! revert with its conflict panel (before, after, now), and the node inspector.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tbdesk_model::inspect::Shown;
use tbdesk_model::journal::{JournalEntry, NodeState, RevertReport};
use tbdesk_model::wire::ApiError;

use crate::api::{self, cmd};
use crate::state::{Ctx, View};
use crate::widgets::ErrorPanel;

/// Entries listed at once.
const LIMIT: i64 = 100;

fn version(s: &NodeState) -> String {
    s.version.map_or("absent".to_owned(), |v| format!("v{v}"))
}

fn when(ms: i64, zone: &str) -> String {
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    tbdesk_model::inspect::time_text(ms, tz)
}

/// A profile's journal, newest first; `object` narrows it.
#[component]
pub fn History(object: Option<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let filter = RwSignal::new(object.unwrap_or_default());
    let reload = RwSignal::new(0u32);
    let report = RwSignal::new(None::<RevertReport>);
    let error = RwSignal::new(None::<ApiError>);
    let entries = LocalResource::new(move || {
        let (profile, object, _) = (ctx.profile.get(), filter.get(), reload.get());
        async move {
            let profile = profile.unwrap_or_default();
            let object = Some(object).filter(|o| !o.trim().is_empty());
            api::call::<cmd::History>(cmd::HistoryArgs { profile, object, limit: LIMIT }).await
        }
    });
    let read_only = Memo::new(move |_| ctx.snap.with(|s| s.as_ref().is_some_and(|s| s.read_only)));
    // Changes others make are recorded by the follower as they happen: read the journal again
    // every few seconds while shown.
    let alive = crate::widgets::Alive::new();
    spawn_local(async move {
        loop {
            crate::browser::sleep_ms(3000).await;
            if !alive.get() {
                break;
            }
            let _ = reload.try_update(|n| *n += 1);
        }
    });
    let revert = move |entry: i64, overwrite: bool| {
        let Some(profile) = ctx.profile.get_untracked() else { return };
        if overwrite
            && !crate::browser::confirm(&format!("Write entry #{entry}'s old bytes over the changes made since?"))
        {
            return;
        }
        spawn_local(async move {
            match api::call::<cmd::Revert>(cmd::RevertArgs { profile, entry, overwrite, dry_run: false }).await {
                Ok(r) => {
                    error.set(None);
                    report.set(Some(r));
                    reload.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let json_lines = RwSignal::new(None::<String>);
    // Only entries newer than this many ms (0: all).
    let since = RwSignal::new(0i64);
    let recent = move |e: &JournalEntry| {
        let window = since.get();
        window == 0 || e.time_ms >= crate::browser::now_ms().saturating_sub(window)
    };
    view! {
        <div class="history" id="history">
            <div class="toolbar">
                <input id="history-filter" placeholder="Object: a task type or strategy name, or a path"
                    prop:value=move || filter.get() on:change=move |ev| filter.set(event_target_value(&ev)) />
                <select id="history-since" on:change=move |ev| since.set(event_target_value(&ev).parse().unwrap_or(0))>
                    <option value="0">"Any time"</option>
                    <option value="3600000">"Last hour"</option>
                    <option value="86400000">"Last day"</option>
                    <option value="604800000">"Last week"</option>
                </select>
                <button id="history-export" on:click=move |_| {
                    let text = entries.get().and_then(|r| r.ok()).map(|list| {
                        list.iter().filter(|e| recent(e)).filter_map(|e| serde_json::to_string(e).ok()).collect::<Vec<_>>().join("\n")
                    });
                    json_lines.set(text);
                }>"Export as JSON lines"</button>
            </div>
            {move || error.get().map(|e| view! { <ErrorPanel err=e /> })}
            {move || report.get().map(|r| {
                let entry = r.entry;
                if r.conflicts.is_empty() {
                    view! { <p class="saved" id="reverted">{format!("Reverted #{entry}: {} node(s) written back{}", r.nodes.len(),
                        r.journal.map(|j| format!(", recorded as #{j}")).unwrap_or_default())}</p> }.into_any()
                } else {
                    view! {
                        <div class="conflict" id="revert-conflict">
                            <strong>{format!("#{entry} cannot be reverted as it is: {} node(s) changed since. Nothing was written.", r.conflicts.len())}</strong>
                            {r.conflicts.iter().map(|c| view! {
                                <div class="three" data-path=c.path.clone()>
                                    <p class="mono">{c.path.clone()}</p>
                                    <table>
                                        <tr><th>"Before #"{entry}</th><td class="mono">{version(&c.before)}</td><td><pre>{c.before.text().unwrap_or_default()}</pre></td></tr>
                                        <tr><th>"After #"{entry}</th><td class="mono">{version(&c.after)}</td><td><pre>{c.after.text().unwrap_or_default()}</pre></td></tr>
                                        <tr><th>"Now"</th><td class="mono">{version(&c.now)}</td><td><pre>{c.now.text().unwrap_or_default()}</pre></td></tr>
                                    </table>
                                </div>
                            }).collect_view()}
                            <button id="revert-overwrite" class="danger" disabled=move || read_only.get()
                                on:click=move |_| revert(entry, true)>"Write the old bytes anyway"</button>
                            <button on:click=move |_| report.set(None)>"Keep things as they are"</button>
                        </div>
                    }.into_any()
                }
            })}
            {move || json_lines.get().map(|t| view! { <textarea id="history-json" readonly rows="8">{t}</textarea> })}
            <Suspense fallback=|| view! { <p class="muted">"Reading the journal…"</p> }>
                {move || entries.get().map(|r| match r {
                    Err(e) => view! { <ErrorPanel err=e /> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted empty" id="history-empty">"Nothing recorded yet: every write tbdesk makes to this root appears here, with what it changed."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="journal" id="journal">
                            {list.into_iter().filter(|e| recent(e)).map(|e| entry_view(e, ctx.zone.get_untracked(), read_only, revert)).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Suspense>
        </div>
    }
}

fn entry_view(
    e: JournalEntry,
    zone: String,
    read_only: Memo<bool>,
    revert: impl Fn(i64, bool) + Copy + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let id = e.id;
    let objects = e.objects();
    let revertable = e.outcome == tbdesk_model::journal::Outcome::Applied && !e.nodes.is_empty();
    let external = e.command.starts_with("external");
    view! {
        <li class=format!("entry {}{}", e.outcome.as_str(), if external { " external" } else { "" }) data-entry=id data-command=e.command.clone()>
            <div class="entry-head">
                <strong>{format!("#{id}")}</strong>
                <span>{when(e.time_ms, &zone)}</span>
                <span class="mono">{e.who.clone()}</span>
                <span class="command">{e.command.clone()}{e.reverts.map(|r| format!(" (reverts #{r})"))}</span>
                <span class=format!("outcome {}", e.outcome.as_str())>{e.outcome.as_str()}</span>
                {revertable.then(|| view! {
                    <button class="small revert" disabled=move || read_only.get() on:click=move |_| revert(id, false)>"Revert"</button>
                })}
            </div>
            {e.error.clone().map(|x| view! { <p class="error-text">{x}</p> })}
            {e.nodes.iter().zip(objects).map(|(n, object)| {
                let fields = n.fields();
                let path = n.path.clone();
                view! {
                    <div class="entry-node">
                        <a href="#" class="mono" on:click=move |ev| { ev.prevent_default(); ctx.view.set(View::Node(path.clone())) }>{object}</a>
                        {format!(" {} → {}", version(&n.before), version(&n.after))}
                        {(!fields.is_empty()).then(|| view! {
                            <table class="fields">
                                {fields.into_iter().map(|f| view! {
                                    <tr><td>{f.field}</td>
                                        <td class="mono before">{f.before.map(|v| v.to_string()).unwrap_or_else(|| "—".into())}</td>
                                        <td>"→"</td>
                                        <td class="mono after">{f.after.map(|v| v.to_string()).unwrap_or_else(|| "—".into())}</td></tr>
                                }).collect_view()}
                            </table>
                        })}
                    </div>
                }
            }).collect_view()}
        </li>
    }
}

/// Any node of the root: data as JSON, text or hex, its stat, ACL and children.
#[component]
pub fn Inspector(path: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let start = if path.is_empty() {
        ctx.snap.with_untracked(|s| s.as_ref().map(|s| s.snapshot.root.clone())).unwrap_or_default()
    } else {
        path
    };
    let path = RwSignal::new(start);
    let reread = RwSignal::new(0u32);
    let node = LocalResource::new(move || {
        let (profile, path, _) = (ctx.profile.get(), path.get(), reread.get());
        async move { api::call::<cmd::Node>(cmd::NodeArgs { profile: profile.unwrap_or_default(), path }).await }
    });
    let copy = |text: String| crate::browser::copy_text(&text);
    let editing = RwSignal::new(None::<String>);
    let edit_error = RwSignal::new(None::<ApiError>);
    let read_only = Memo::new(move |_| ctx.snap.with(|s| s.as_ref().is_some_and(|s| s.read_only)));
    let save = move |target: String, version: i32| {
        let (Some(profile), Some(text)) = (ctx.profile.get_untracked(), editing.get_untracked()) else { return };
        if !crate::browser::confirm(&format!("Write {target} at version {version}? This node is outside tbdesk's forms: nothing checks what it means to TBSchedule.")) {
            return;
        }
        spawn_local(async move {
            match api::call::<cmd::SetNode>(cmd::SetNodeArgs { profile, path: target, text, version }).await {
                Ok(_) => {
                    edit_error.set(None);
                    editing.set(None);
                    reread.update(|n| *n += 1);
                }
                Err(e) => edit_error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="inspector" id="inspector">
            <div class="toolbar">
                <input id="node-path" prop:value=move || path.get() on:change=move |ev| path.set(event_target_value(&ev)) />
                <button id="node-up" on:click=move |_| path.update(|p| {
                    if let Some((parent, _)) = p.rsplit_once('/') { if !parent.is_empty() { *p = parent.to_owned(); } }
                })>"Up"</button>
                <button id="copy-path" on:click=move |_| copy(path.get_untracked())>"Copy path"</button>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Reading…"</p> }>
                {move || node.get().map(|r| match r {
                    Err(e) => view! { <ErrorPanel err=e /> }.into_any(),
                    Ok(n) => {
                        let st = n.stat.clone();
                        let value = n.data.as_deref().map(|d| String::from_utf8_lossy(d).into_owned()).unwrap_or_default();
                        view! {
                            <table id="node-stat">
                                <tr><th>"Version"</th><td>{format!("{} (children {}, ACL {})", st.version, st.cversion, st.aversion)}</td></tr>
                                <tr><th>"Created"</th><td>{n.ctime_text.clone()}</td></tr>
                                <tr><th>"Modified"</th><td>{n.mtime_text.clone()}</td></tr>
                                <tr><th>"Size"</th><td>{format!("{} bytes, {} children", st.data_length, st.num_children)}</td></tr>
                                <tr><th>"Owner"</th><td>{if st.ephemeral_owner == 0 { "persistent".to_string() } else { format!("ephemeral, session {:#x}", st.ephemeral_owner) }}</td></tr>
                                <tr><th>"ACL"</th><td id="node-acl">{n.acl.clone().map(|a| a.join("; ")).unwrap_or_else(|| "not readable by this session".into())}</td></tr>
                            </table>
                            {n.unreadable.clone().map(|why| view! { <p class="warning" id="node-unreadable">{format!("Unreadable: {why}")}</p> })}
                            {n.shown.clone().map(|s| {
                                let (kind, text) = match s {
                                    Shown::Empty => ("empty", "(empty or null)".to_owned()),
                                    Shown::Json(t) => ("json", t),
                                    Shown::Text(t) => ("text", t),
                                    Shown::Hex(t) => ("hex", t),
                                };
                                let editable = kind != "hex";
                                let raw = value.clone();
                                let target = n.path.clone();
                                let version = st.version;
                                view! {
                                    <div class="node-data">
                                        <span class="muted">{format!("Data ({kind})")}</span>
                                        <button class="small" id="copy-value" on:click=move |_| copy(value.clone())>"Copy value"</button>
                                        {editable.then(|| view! {
                                            <button class="small" id="node-edit" disabled=move || read_only.get()
                                                on:click=move |_| editing.set(Some(raw.clone()))>"Edit"</button>
                                        })}
                                        {move || match editing.get() {
                                            None => view! { <pre id="node-data" data-kind=kind>{text.clone()}</pre> }.into_any(),
                                            Some(v) => {
                                                let target = target.clone();
                                                view! {
                                                    <textarea id="node-text" rows="10" prop:value=v on:input=move |ev| editing.set(Some(event_target_value(&ev)))></textarea>
                                                    <button id="node-save" on:click=move |_| save(target.clone(), version)>{format!("Save at version {version}")}</button>
                                                    <button on:click=move |_| editing.set(None)>"Cancel"</button>
                                                }.into_any()
                                            }
                                        }}
                                        {move || edit_error.get().map(|e| view! { <ErrorPanel err=e /> })}
                                    </div>
                                }
                            })}
                            {n.children.clone().map(|c| {
                                let base = n.path.clone();
                                view! {
                                    <h4>{format!("Children ({})", c.len())}</h4>
                                    <ul class="children" id="node-children">
                                        {c.into_iter().take(500).map(|child| {
                                            let target = if base == "/" { format!("/{child}") } else { format!("{base}/{child}") };
                                            view! { <li><a href="#" class="mono" on:click=move |ev| { ev.prevent_default(); path.set(target.clone()) }>{child}</a></li> }
                                        }).collect_view()}
                                    </ul>
                                }
                            })}
                        }.into_any()
                    }
                })}
            </Suspense>
        </div>
    }
}
