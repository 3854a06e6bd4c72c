//! Creating, editing and deleting connection profiles. The fields are checked as you type by
//! the same rules the backend applies (`tbdesk_model::profile`); the password field goes
//! straight to the backend, which keeps it only in the OS keyring.

use leptos::prelude::*;
use leptos::task::spawn_local;

use tbdesk_model::profile::{ProfileFields, ProfileViolation, COLORS};

use tbdesk_model::version::MarkerVerdict;
use tbdesk_model::wire::ApiError;

use crate::api::{self, cmd};
use crate::browser;
use crate::state::Ctx;
use crate::widgets::ErrorPanel;

/// How the profile form was opened.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// A new profile.
    New,
    /// Change this profile.
    Edit(String),
    /// A new profile starting from this one's fields (not its password).
    Duplicate(String),
}

#[component]
pub fn ProfileForm(mode: Mode, on_saved: Callback<String>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let connect = RwSignal::new("127.0.0.1:2181".to_string());
    let root = RwSignal::new("/taobao-pamirs-schedule".to_string());
    let timeout = RwSignal::new("60000".to_string());
    let user = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let color = RwSignal::new("none".to_string());
    let read_only = RwSignal::new(false);
    let local_server = RwSignal::new(false);
    // Default: this machine's zone; the Java runtimes of a root usually share one zone.
    let zone = RwSignal::new(browser::local_zone());
    let remove_password = RwSignal::new(false);
    // The profile as loaded for an edit, and whether it has a stored password.
    let loaded = RwSignal::new(None::<(ProfileFields, bool)>);
    let outcome = RwSignal::new(None::<Result<String, ApiError>>);
    if let Mode::Edit(n) | Mode::Duplicate(n) = mode.clone() {
        let dup = matches!(mode, Mode::Duplicate(_));
        spawn_local(async move {
            match api::call::<cmd::GetProfile>(cmd::NameArg { name: n.clone() }).await {
                Ok(p) => {
                    if !dup {
                        loaded.set(Some((p.fields.clone(), p.has_password)));
                    }
                    let f = p.fields;
                    name.set(if dup { format!("{} copy", f.name) } else { f.name });
                    connect.set(f.connect);
                    root.set(f.root_path);
                    timeout.set(f.session_timeout_ms.to_string());
                    user.set(f.digest_user.unwrap_or_default());
                    color.set(f.color);
                    read_only.set(f.read_only);
                    local_server.set(f.local_server && !dup);
                    zone.set(if f.zone.is_empty() { browser::local_zone() } else { f.zone });
                }
                Err(e) => outcome.set(Some(Err(e))),
            }
        });
    }
    let editing = match &mode {
        Mode::Edit(n) => Some(n.clone()),
        _ => None,
    };
    let title = match &mode {
        Mode::New => "New profile".to_string(),
        Mode::Edit(n) => format!("Profile {n}"),
        Mode::Duplicate(n) => format!("Copy of profile {n}"),
    };
    // Tracked: the violations below follow every keystroke.
    let fields = move || ProfileFields {
        name: name.get().trim().to_owned(),
        connect: connect.get().trim().to_owned(),
        root_path: root.get().trim().to_owned(),
        session_timeout_ms: timeout.get().trim().parse().unwrap_or(0),
        digest_user: Some(user.get().trim().to_owned()).filter(|u| !u.is_empty()),
        color: color.get(),
        read_only: read_only.get(),
        local_server: local_server.get(),
        zone: zone.get().trim().to_owned(),
    };
    let violations = Memo::new(move |_| {
        let mut v = fields().violations();
        if timeout.get().trim().parse::<i64>().is_err() {
            v.retain(|v| v.field != "session_timeout_ms");
            v.push(ProfileViolation { field: "session_timeout_ms", message: "must be a whole number of ms".into() });
        }
        // The backend's rule (`ProfileFields::keeps_password_for`), shown as you type.
        if let Some((old, true)) = loaded.get() {
            if password.get().is_empty() && !remove_password.get() && !old.keeps_password_for(&fields()) {
                v.push(ProfileViolation {
                    field: "password",
                    message: "a server or the digest user changed: type the password again, or remove it".into(),
                });
            }
        }
        v.extend(tbdesk_model::profile::password_violation(&fields(), Some(&password.get())));
        v
    });
    let blocked = move || !violations.get().is_empty();
    // Test connection needs everything but a name.
    let test_blocked = move || violations.get().iter().any(|v| v.field != "name");
    let error_at = move |field: &'static str| {
        move || {
            violations.get().into_iter().find(|v| v.field == field).map(|v| {
                view! { <p class="field-error" data-field=field>{format!("{} ({field})", v.message)}</p> }
            })
        }
    };
    let pw = move || Some(password.get_untracked()).filter(|p| !p.is_empty());
    let input = move |id: &'static str,
                      label: &'static str,
                      sig: RwSignal<String>,
                      kind: &'static str,
                      field: &'static str| {
        view! {
            <div class="field">
                <label>{label}</label>
                <input id=id type=kind prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev)) />
                {error_at(field)}
            </div>
        }
    };
    view! {
        <form class="form" id="profile-form" on:submit=|e| e.prevent_default()>
            <h3>{title}</h3>
            <div class="grid">
                {input("p-name", "Name", name, "text", "name")}
                {input("p-connect", "ZooKeeper (host:port, …)", connect, "text", "connect")}
                {input("p-root", "Root path", root, "text", "root_path")}
                {input("p-timeout", "Session timeout (ms)", timeout, "text", "session_timeout_ms")}
                {input("p-user", "Digest user (optional)", user, "text", "digest_user")}
                {input("p-password", "Password (kept in the system keyring)", password, "password", "password")}
                {input("p-zone", "Zone of this root's Java schedulers (IANA, e.g. Asia/Shanghai)", zone, "text", "zone")}
                <div class="field">
                    <label>"Colour"</label>
                    <select id="p-color" on:change=move |ev| color.set(event_target_value(&ev))>
                        {COLORS.into_iter().map(|c| view! { <option value=c selected=move || color.get() == c>{c}</option> }).collect_view()}
                    </select>
                    {error_at("color")}
                </div>
                <div class="field">
                    <label><input id="p-readonly" type="checkbox" prop:checked=move || read_only.get() on:change=move |ev| read_only.set(event_target_checked(&ev)) />" Read-only (no writes at all)"</label>
                    {editing.is_some().then(|| view! {
                        <label><input id="p-remove-password" type="checkbox" on:change=move |ev| remove_password.set(event_target_checked(&ev)) />" Remove the stored password (empty field: keep it)"</label>
                    })}
                </div>
            </div>
            <div class="toolbar">
                <button id="p-test" disabled=test_blocked on:click=move |_| {
                    let f = untrack(fields);
                    let p = pw();
                    spawn_local(async move {
                        outcome.set(Some(api::call::<cmd::TestConnection>(cmd::ProfileFieldsArgs { fields: f, password: p }).await.map(|r| format!(
                            "Connected: ZooKeeper {}, session timeout {} ms, root {}",
                            r.server_version.unwrap_or_else(|| "?".into()),
                            r.session_timeout_ms,
                            match r.marker {
                                None => "does not exist yet".to_string(),
                                Some(MarkerVerdict::Compatible(found)) => format!("is a TBSchedule root ({found})"),
                                Some(MarkerVerdict::Incompatible(found)) => format!("holds {found}, rejected by TBSchedule 3.2.12–3.3.x"),
                                Some(MarkerVerdict::Unmarked) => "exists but is not initialised".to_string(),
                            }
                        ))));
                    });
                }>"Test connection"</button>
                <button id="p-save" class="primary" disabled=blocked on:click={
                    let editing = editing.clone();
                    move |_| {
                    let f = untrack(fields);
                    let p = if remove_password.get_untracked() { Some(String::new()) } else { pw() };
                    let editing = editing.clone();
                    spawn_local(async move {
                        let r = match &editing {
                            Some(old) => api::call::<cmd::UpdateProfile>(cmd::UpdateProfileArgs { name: old.clone(), fields: f, password: p }).await,
                            None => api::call::<cmd::CreateProfile>(cmd::ProfileFieldsArgs { fields: f, password: p.filter(|x| !x.is_empty()) }).await,
                        };
                        match r {
                            Ok(pr) => {
                                outcome.set(Some(Ok(format!("Saved profile {}", pr.fields.name))));
                                on_saved.run(pr.fields.name);
                            }
                            Err(e) => outcome.set(Some(Err(e))),
                        }
                    });
                }}>"Save profile"</button>
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
        browser::prompt(&format!("Type the profile name \"{name}\" to delete this production profile")).as_deref()
            == Some(name.as_str())
    } else {
        browser::confirm(&format!("Delete profile {name}? Its password is removed from the keyring."))
    };
    if !ok {
        return;
    }
    spawn_local(async move {
        match api::call::<cmd::DeleteProfile>(cmd::NameArg { name: name.clone() }).await {
            Ok(()) => after(),
            Err(e) => ctx.error.set(Some(e)),
        }
    });
}
