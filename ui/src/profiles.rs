//! Creating and deleting connection profiles. The password field goes straight to the backend,
//! which keeps it only in the OS keyring.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError, ProfileFields};
use crate::app::{Ctx, ErrorPanel};

#[component]
pub fn ProfileForm(on_saved: Callback<String>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let connect = RwSignal::new("127.0.0.1:2181".to_string());
    let root = RwSignal::new("/taobao-pamirs-schedule/".to_string());
    let timeout = RwSignal::new("60000".to_string());
    let user = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let color = RwSignal::new("none".to_string());
    let read_only = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, ApiError>>);
    let fields = move || ProfileFields {
        name: name.get_untracked().trim().to_owned(),
        connect: connect.get_untracked().trim().to_owned(),
        root_path: root.get_untracked().trim().to_owned(),
        session_timeout_ms: timeout.get_untracked().trim().parse().unwrap_or(0),
        digest_user: Some(user.get_untracked().trim().to_owned()).filter(|u| !u.is_empty()),
        color: color.get_untracked(),
        read_only: read_only.get_untracked(),
        local_server: false,
    };
    let pw = move || Some(password.get_untracked()).filter(|p| !p.is_empty());
    let input = |id: &'static str, label: &'static str, sig: RwSignal<String>, kind: &'static str| {
        view! {
            <div class="field">
                <label>{label}</label>
                <input id=id type=kind prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev)) />
            </div>
        }
    };
    view! {
        <form class="form" id="profile-form" on:submit=|e| e.prevent_default()>
            <h3>"New profile"</h3>
            <div class="grid">
                {input("p-name", "Name", name, "text")}
                {input("p-connect", "ZooKeeper (host:port, …)", connect, "text")}
                {input("p-root", "Root path", root, "text")}
                {input("p-timeout", "Session timeout (ms)", timeout, "text")}
                {input("p-user", "Digest user (optional)", user, "text")}
                {input("p-password", "Password (kept in the system keyring)", password, "password")}
                <div class="field">
                    <label>"Colour"</label>
                    <select id="p-color" on:change=move |ev| color.set(event_target_value(&ev))>
                        {["none", "green", "blue", "amber", "production"].into_iter().map(|c| view! { <option value=c>{c}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label><input id="p-readonly" type="checkbox" on:change=move |ev| read_only.set(event_target_checked(&ev)) />" Read-only (no writes at all)"</label>
                </div>
            </div>
            <div class="toolbar">
                <button id="p-test" on:click=move |_| {
                    let f = fields();
                    let p = pw();
                    spawn_local(async move {
                        outcome.set(Some(api::test_connection(&f, p.as_deref()).await.map(|r| format!(
                            "Connected: ZooKeeper {}, session timeout {} ms, root {}",
                            r.server_version.unwrap_or_else(|| "?".into()),
                            r.session_timeout_ms,
                            match r.marker {
                                None => "does not exist yet".to_string(),
                                Some(m) => {
                                    let found = m.get("found").and_then(|f| f.as_str()).unwrap_or_default().to_owned();
                                    match m.get("kind").and_then(|k| k.as_str()) {
                                        Some("compatible") => format!("is a TBSchedule root ({found})"),
                                        Some("incompatible") => format!("holds {found}, rejected by TBSchedule 3.2.12–3.3.x"),
                                        _ => "exists but is not initialised".to_string(),
                                    }
                                }
                            }
                        ))));
                    });
                }>"Test connection"</button>
                <button id="p-save" class="primary" on:click=move |_| {
                    let f = fields();
                    let p = pw();
                    spawn_local(async move {
                        match api::create_profile(&f, p.as_deref()).await {
                            Ok(pr) => {
                                outcome.set(Some(Ok(format!("Saved profile {}", pr.name))));
                                on_saved.run(pr.name);
                            }
                            Err(e) => outcome.set(Some(Err(e))),
                        }
                    });
                }>"Save profile"</button>
            </div>
            {move || match outcome.get() {
                None => ().into_any(),
                Some(Ok(m)) => view! { <p class="saved" id="p-outcome">{m}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorPanel err=e /> }.into_any(),
            }}
        </form>
    }
}

/// Deletes a profile after confirmation; a production-coloured one needs its name typed.
pub fn delete_profile(ctx: Ctx, name: String, color: String, after: impl Fn() + 'static) {
    let ok = if color == "production" {
        api::prompt(&format!("Type the profile name \"{name}\" to delete this production profile")).as_deref() == Some(name.as_str())
    } else {
        api::confirm(&format!("Delete profile {name}? Its password is removed from the keyring."))
    };
    if !ok {
        return;
    }
    spawn_local(async move {
        match api::delete_profile(&name).await {
            Ok(()) => after(),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}
