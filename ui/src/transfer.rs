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
            {changes.into_iter().map(|c| view! {
                <li data-op=c.op()>
                    <strong>{format!("{} {} {}", c.op(), c.kind(), c.name())}</strong>
                    <ul>{c.fields().iter().cloned().map(|f| view! {
                        <li class="mono">{format!("{}: {} → {}", f.field,
                            f.before.map_or("(absent)".into(), |v| v.to_string()),
                            f.after.map_or("(absent)".into(), |v| v.to_string()))}</li>
                    }).collect_view()}</ul>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
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
            </div>
            <textarea id="t-exported" rows="6" readonly prop:value=move || exported.get()></textarea>
            <h3>"Import into this profile's root"</h3>
            <textarea id="t-import" rows="6" placeholder="Paste a tbdesk JSON export or Java console lines" prop:value=move || text.get() on:input=move |ev| { text.set(event_target_value(&ev)); plan.set(None); applied.set(None); }></textarea>
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
        </div>
    }
}
