//! Export, import and diff from the window. An import always shows its plan first (create /
//! update / delete per object, field by field) and is applied as one multi only on "Apply".

use leptos::prelude::*;
use leptos::task::spawn_local;

use tbdesk_model::wire::{ApiError, Change, ExportFormat};

use crate::api::{self, cmd};
use crate::state::Ctx;
use crate::widgets::ErrorPanel;

fn plan_view(changes: Vec<Change>, id: &'static str) -> impl IntoView {
    if changes.is_empty() {
        return view! { <p class="saved" id=id>"No difference."</p> }.into_any();
    }
    view! {
        <ul class="plan" id=id>
            {changes.into_iter().map(|c| {
                let fields = view! {
                    <ul>{c.fields().iter().cloned().map(|f| view! {
                        <li class="mono">{format!("{}: {} → {}", f.field,
                            f.before.map_or("(absent)".into(), |v| v.to_string()),
                            f.after.map_or("(absent)".into(), |v| v.to_string()))}</li>
                    }).collect_view()}</ul>
                };
                // A new object's fields are all new: folded, one click away.
                let fields = match c.op() {
                    "create" if !c.fields().is_empty() => view! {
                        <details><summary>{format!("{} fields", c.fields().len())}</summary>{fields}</details>
                    }.into_any(),
                    _ => fields.into_any(),
                };
                view! {
                    <li data-op=c.op()>
                        <strong>{format!("{} {} {}", c.op(), c.kind(), c.name())}</strong>
                        {fields}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The largest file a drop reads (as the backend's import file).
const MAX_DROP_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

/// The name and text of the first file of a drop, `None` when none was dropped.
async fn dropped_text(ev: &leptos::ev::DragEvent) -> Result<Option<(String, String)>, String> {
    use wasm_bindgen::{JsCast, JsValue};
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let ev: &JsValue = ev.as_ref();
    let files = get(&get(ev, "dataTransfer"), "files");
    let file = get(&files, "0");
    if file.is_undefined() || file.is_null() {
        return Ok(None);
    }
    let name = get(&file, "name").as_string().unwrap_or_default();
    if get(&file, "size").as_f64().unwrap_or(0.0) > MAX_DROP_BYTES {
        return Err(format!("{name}: an import file is at most 16 MiB"));
    }
    let text_fn =
        get(&file, "text").dyn_into::<js_sys::Function>().map_err(|_| "cannot read the dropped file".to_string())?;
    let promise = text_fn.call0(&file).map_err(|_| "cannot read the dropped file".to_string())?;
    let text = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise))
        .await
        .map_err(|_| format!("cannot read {name}"))?;
    let text = text.as_string().unwrap_or_default();
    // `text()` reads UTF-8 and puts U+FFFD for every byte it cannot: a GBK file (the Java
    // console's export) would be imported with its Chinese turned to that.
    if text.contains('\u{FFFD}') {
        return Err(format!(
            "{name} is not UTF-8 text (the Java console exports GBK): import it with \"Open a file\", which reads GBK too"
        ));
    }
    Ok(Some((name, text)))
}

#[component]
pub fn Transfer(profiles: Vec<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let exported = RwSignal::new(String::new());
    let format = RwSignal::new(ExportFormat::Json);
    let text = RwSignal::new(String::new());
    let prune = RwSignal::new(false);
    let plan = RwSignal::new(None::<Result<Vec<Change>, ApiError>>);
    let applied = RwSignal::new(None::<Result<Vec<Change>, ApiError>>);
    let other = RwSignal::new(
        profiles.iter().find(|p| Some((*p).clone()) != ctx.profile.get_untracked()).cloned().unwrap_or_default(),
    );
    let diff = RwSignal::new(None::<Result<Vec<Change>, ApiError>>);
    let file_note = RwSignal::new(None::<String>);
    let promote_to = RwSignal::new(other.get_untracked());
    let promote_filter = RwSignal::new(String::new());
    let promote_sign = RwSignal::new(String::new());
    let promote_plan = RwSignal::new(None::<Result<Vec<Change>, ApiError>>);
    let promoted = RwSignal::new(None::<Result<Vec<Change>, ApiError>>);
    let promote_args = move |apply: bool| cmd::PromoteArgs {
        from: ctx.profile.get_untracked().unwrap_or_default(),
        to: promote_to.get_untracked(),
        filter: promote_filter.get_untracked(),
        own_sign: Some(promote_sign.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
        apply,
    };
    let profile = move || ctx.profile.get_untracked().unwrap_or_default();
    view! {
        <div class="transfer" id="transfer">
            <h3>"Export"</h3>
            <div class="toolbar">
                <select id="t-format" on:change=move |ev| format.set(if event_target_value(&ev) == "java" { ExportFormat::Java } else { ExportFormat::Json })>
                    <option value="json">"tbdesk JSON"</option>
                    <option value="java">"Java console lines"</option>
                </select>
                <button id="t-export" on:click=move |_| {
                    let (p, f) = (profile(), format.get_untracked());
                    spawn_local(async move {
                        match api::call::<cmd::ExportConfig>(cmd::ExportArgs { profile: p, format: f }).await {
                            Ok(t) => exported.set(t),
                            Err(e) => ctx.error.set(Some(e)),
                        }
                    });
                }>"Export"</button>
                <button id="t-export-file" title="Write the export to a file you choose" on:click=move |_| {
                    let (p, f) = (profile(), format.get_untracked());
                    spawn_local(async move {
                        match api::call::<cmd::ExportToFile>(cmd::ExportArgs { profile: p, format: f }).await {
                            Ok(Some(path)) => file_note.set(Some(format!("Written to {path}"))),
                            Ok(None) => {}
                            Err(e) => ctx.error.set(Some(e)),
                        }
                    });
                }>"Save to file…"</button>
            </div>
            {move || file_note.get().map(|n| view! { <p class="saved" id="t-file-note">{n}</p> })}
            <textarea id="t-exported" rows="6" readonly prop:value=move || exported.get()></textarea>
            <h3>"Import into this profile's root"</h3>
            <div class="toolbar">
                <button id="t-open-file" title="Read an export file you choose" on:click=move |_| {
                    spawn_local(async move {
                        match api::call::<cmd::OpenImportFile>(cmd::NoArgs {}).await {
                            Ok(Some(f)) => {
                                text.set(f.text);
                                plan.set(None);
                                applied.set(None);
                                file_note.set(Some(format!("Read {}", f.path)));
                            }
                            Ok(None) => {}
                            Err(e) => ctx.error.set(Some(e)),
                        }
                    });
                }>"Open a file…"</button>
                <span class="muted">" or drop a file on the box, or paste"</span>
            </div>
            <textarea id="t-import" rows="6" placeholder="Paste a tbdesk JSON export or Java console lines, or drop a file here"
                prop:value=move || text.get()
                on:input=move |ev| { text.set(event_target_value(&ev)); plan.set(None); applied.set(None); }
                on:dragover=move |ev| ev.prevent_default()
                on:drop=move |ev| {
                    ev.prevent_default();
                    spawn_local(async move {
                        match dropped_text(&ev).await {
                            Ok(Some((name, t))) => {
                                text.set(t);
                                plan.set(None);
                                applied.set(None);
                                file_note.set(Some(format!("Read {name}")));
                            }
                            Ok(None) => {}
                            Err(m) => ctx.error.set(Some(ApiError::new(tbdesk_model::wire::ErrorCode::Invalid, m))),
                        }
                    });
                }></textarea>
            <div class="toolbar">
                <label><input type="checkbox" on:change=move |ev| prune.set(event_target_checked(&ev)) />" also delete what the file does not have"</label>
                <button id="t-plan" on:click=move |_| {
                    let (p, t, pr) = (profile(), text.get_untracked(), prune.get_untracked());
                    spawn_local(async move { plan.set(Some(api::call::<cmd::ImportConfig>(cmd::ImportArgs { profile: p, text: t, apply: false, prune: pr }).await)); });
                }>"Show the plan"</button>
                <button id="t-apply" class="primary" prop:disabled=move || !plan.get().is_some_and(|p| p.is_ok_and(|c| !c.is_empty())) on:click=move |_| {
                    let (p, t, pr) = (profile(), text.get_untracked(), prune.get_untracked());
                    spawn_local(async move { applied.set(Some(api::call::<cmd::ImportConfig>(cmd::ImportArgs { profile: p, text: t, apply: true, prune: pr }).await)); });
                }>"Apply (all or nothing)"</button>
            </div>
            {move || plan.get().map(|r| match r {
                Ok(c) => plan_view(c, "t-plan-result").into_any(),
                Err(e) => view! { <ErrorPanel err=e /> }.into_any(),
            })}
            {move || applied.get().map(|r| match r {
                Ok(c) => view! { <p class="saved" id="t-applied">{format!("Imported: {} change(s) written.", c.len())}</p> }.into_any(),
                Err(e) => view! { <ErrorPanel err=e /> }.into_any(),
            })}
            <h3>"Compare with another profile"</h3>
            <div class="toolbar">
                <select id="t-other" on:change=move |ev| other.set(event_target_value(&ev))>
                    {profiles.iter().map(|p| { let sel = *p == other.get_untracked(); view! { <option value=p.clone() selected=sel>{p.clone()}</option> } }).collect_view()}
                </select>
                <button id="t-diff" on:click=move |_| {
                    let (a, b) = (profile(), other.get_untracked());
                    spawn_local(async move { diff.set(Some(api::call::<cmd::DiffProfiles>(cmd::DiffArgs { from: a, to: b }).await)); });
                }>"Diff (what importing it here would change)"</button>
            </div>
            {move || diff.get().map(|r| match r {
                Ok(c) => plan_view(c, "t-diff-result").into_any(),
                Err(e) => view! { <ErrorPanel err=e /> }.into_any(),
            })}
            <h3>"Promote to another profile"</h3>
            <p class="muted">"Copies the task types whose name holds the filter with the strategies that run them (or the strategies it names with their task types), never deletes, and is recorded in the target's history. A production target must be unlocked first."</p>
            <div class="toolbar">
                <select id="p-target" on:change=move |ev| { promote_to.set(event_target_value(&ev)); promote_plan.set(None); }>
                    {profiles.iter().map(|p| { let sel = *p == promote_to.get_untracked(); view! { <option value=p.clone() selected=sel>{p.clone()}</option> } }).collect_view()}
                </select>
                <input id="p-filter" class="narrow" placeholder="task type or strategy (empty: everything)" on:input=move |ev| { promote_filter.set(event_target_value(&ev)); promote_plan.set(None); } />
                <input id="p-own-sign" class="narrow" placeholder="own sign there (empty: as here; BASE: shared)" on:input=move |ev| { promote_sign.set(event_target_value(&ev)); promote_plan.set(None); } />
                <button id="p-plan" on:click=move |_| {
                    let args = promote_args(false);
                    promoted.set(None);
                    spawn_local(async move { promote_plan.set(Some(api::call::<cmd::PromoteConfig>(args).await)); });
                }>"Show the plan"</button>
                <button id="p-apply" class="primary" prop:disabled=move || !promote_plan.get().is_some_and(|p| p.is_ok_and(|c| !c.is_empty())) on:click=move |_| {
                    let args = promote_args(true);
                    spawn_local(async move { promoted.set(Some(api::call::<cmd::PromoteConfig>(args).await)); });
                }>"Promote (all or nothing)"</button>
            </div>
            {move || promote_plan.get().map(|r| match r {
                Ok(c) => plan_view(c, "p-plan-result").into_any(),
                Err(e) => view! { <ErrorPanel err=e /> }.into_any(),
            })}
            {move || promoted.get().map(|r| match r {
                Ok(c) => view! { <p class="saved" id="p-applied">{format!("Promoted to {}: {} change(s) written.", promote_to.get_untracked(), c.len())}</p> }.into_any(),
                Err(e) => view! { <ErrorPanel err=e /> }.into_any(),
            })}
        </div>
    }
}
