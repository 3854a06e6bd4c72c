//! The tbdesk desktop app: window, state and thin commands. Every command is one call into
//! `tbdesk_api::Console` plus error mapping; no business rule lives here. A followed root's new
//! states are announced to the webview by small `snapshot` notices; the page fetches the state
//! itself with the `snapshot` command.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, State};
use tbdesk_api::{ApiError, ConnectionReport, Console, HealthReport, RootListing, SchedulerView, SnapshotNotice};
use tbdesk_model::records::{Strategy, TaskType};
use tbdesk_profiles::{Profile, ProfileFields};
use tbdesk_store::Expect;

/// The follower whose notices are forwarded to the webview, per profile (by `Followed::id`): a
/// profile edited gets a new follower, and that one needs a forwarder of its own.
#[derive(Default)]
struct Forwarding(Mutex<HashMap<String, u64>>);

/// Profiles for the switcher; on the very first start this creates the `local` profile.
#[tauri::command]
async fn list_profiles(console: State<'_, Console>) -> Result<Vec<Profile>, ApiError> {
    console.profiles_for_ui().await
}

/// The children of a profile's root (the walking skeleton's overview).
#[tauri::command]
async fn root_listing(console: State<'_, Console>, profile: String) -> Result<RootListing, ApiError> {
    console.root_listing(&profile).await
}

/// Starts following a profile's root; returns the current state as raw JSON bytes. Later states
/// are announced by `snapshot` events (coalesced to at most one per 10 ms) and fetched with
/// [`snapshot`].
#[tauri::command]
async fn follow_profile(
    app: AppHandle,
    console: State<'_, Console>,
    forwarding: State<'_, Forwarding>,
    profile: String,
) -> Result<tauri::ipc::Response, ApiError> {
    let (name, handle) = (profile.clone(), app.clone());
    let followed = console
        .follow_with_progress(&profile, move |p| {
            let _ =
                handle.emit("load_progress", serde_json::json!({ "profile": name, "done": p.done, "total": p.total }));
        })
        .await?;
    let id = followed.id;
    let start = forwarding.0.lock().unwrap_or_else(|p| p.into_inner()).insert(profile.clone(), id) != Some(id);
    if start {
        tauri::async_runtime::spawn_blocking(release_free_memory);
        let mut rx = followed.live.subscribe();
        let name = profile.clone();
        tauri::async_runtime::spawn(async move {
            // Ends when the follower is dropped (profile edited or deleted).
            while rx.changed().await.is_ok() {
                tokio::time::sleep(Duration::from_millis(10)).await;
                let generation = rx.borrow_and_update().generation;
                if let Err(e) = app.emit("snapshot", SnapshotNotice { profile: &name, generation }) {
                    tracing::warn!(error = %e, "cannot tell the window about a snapshot");
                }
            }
            let forwarding = app.state::<Forwarding>();
            let mut map = forwarding.0.lock().unwrap_or_else(|p| p.into_inner());
            if map.get(&name) == Some(&id) {
                map.remove(&name);
            }
            drop(map);
        });
    }
    Ok(tauri::ipc::Response::new(followed.current_json(&profile)?))
}

/// Hands the heap pages freed after a root's first read (the read's batches, its raw replies)
/// back to the system; glibc keeps them otherwise.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only releases free memory of glibc's own arenas.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The current state of a followed profile, as raw JSON bytes (parsed in wasm).
#[tauri::command]
async fn snapshot(console: State<'_, Console>, profile: String) -> Result<tauri::ipc::Response, ApiError> {
    Ok(tauri::ipc::Response::new(console.followed(&profile).await?.current_json(&profile)?))
}

/// Saves a task type (validated again in the store).
#[tauri::command]
async fn save_task_type(
    console: State<'_, Console>,
    profile: String,
    task_type: TaskType,
    expected: Expect,
) -> Result<i32, ApiError> {
    console.save_task_type(&profile, &task_type, expected).await
}

/// Saves a strategy (validated again in the store).
#[tauri::command]
async fn save_strategy(
    console: State<'_, Console>,
    profile: String,
    strategy: Strategy,
    expected: Expect,
) -> Result<i32, ApiError> {
    console.save_strategy(&profile, &strategy, expected).await
}

/// Pauses or resumes a strategy.
#[tauri::command]
async fn pause_strategy(
    console: State<'_, Console>,
    profile: String,
    name: String,
    pause: bool,
) -> Result<i32, ApiError> {
    console.pause_strategy(&profile, &name, pause).await
}

/// Creates a profile; the password goes to the OS keyring only.
#[tauri::command]
async fn create_profile(
    console: State<'_, Console>,
    fields: ProfileFields,
    password: Option<String>,
) -> Result<Profile, ApiError> {
    console.create_profile(&fields, password.as_deref()).await
}

/// Changes a profile; `password`: absent keeps, "" removes, text replaces (keyring only).
#[tauri::command]
async fn update_profile(
    console: State<'_, Console>,
    name: String,
    fields: ProfileFields,
    password: Option<String>,
) -> Result<Profile, ApiError> {
    console.update_profile(&name, &fields, password.as_deref()).await
}

/// One profile's fields.
#[tauri::command]
async fn get_profile(console: State<'_, Console>, name: String) -> Result<Profile, ApiError> {
    console.profile(&name).await
}

/// Deletes a profile and its keyring entry.
#[tauri::command]
async fn delete_profile(console: State<'_, Console>, name: String) -> Result<(), ApiError> {
    console.delete_profile(&name).await
}

/// Connects with unsaved profile fields; writes nothing.
#[tauri::command]
async fn test_connection(
    console: State<'_, Console>,
    fields: ProfileFields,
    password: Option<String>,
) -> Result<ConnectionReport, ApiError> {
    console.test_connection(&fields, password.as_deref()).await
}

/// Starts the local development scheduler on `taskType$ownSign`.
#[tauri::command]
async fn start_scheduler(
    console: State<'_, Console>,
    profile: String,
    task_type: String,
    own_sign: String,
    exec: Option<String>,
    groups: i64,
    machine_zone: bool,
) -> Result<SchedulerView, ApiError> {
    console.start_scheduler(&profile, &task_type, &own_sign, exec, groups, machine_zone).await
}

/// Stops the local scheduler; with `remove`, deletes its strategy copy and domain.
#[tauri::command]
async fn stop_scheduler(console: State<'_, Console>, remove: bool) -> Result<(), ApiError> {
    console.stop_scheduler(remove).await
}

/// The local scheduler's live state.
#[tauri::command]
async fn scheduler_status(console: State<'_, Console>) -> Result<Option<SchedulerView>, ApiError> {
    Ok(console.scheduler_status().await)
}

/// The own sign last used with a profile.
#[tauri::command]
async fn last_own_sign(console: State<'_, Console>, profile: String) -> Result<Option<String>, ApiError> {
    console.last_own_sign(&profile).await
}

/// Ensemble and root health of a profile.
#[tauri::command]
async fn health(console: State<'_, Console>, profile: String) -> Result<HealthReport, ApiError> {
    console.health(&profile).await
}

/// Applies a safe fix offered by a health finding.
#[tauri::command]
async fn apply_fix(
    console: State<'_, Console>,
    profile: String,
    fix: tbdesk_model::diagnose::Fix,
) -> Result<Vec<String>, ApiError> {
    console.apply_fix(&profile, &fix).await
}

/// A profile's configuration as text (`json` or `java`).
#[tauri::command]
async fn export_config(console: State<'_, Console>, profile: String, format: String) -> Result<String, ApiError> {
    console.export_text(&profile, &format).await
}

/// The plan of an import (dry run) or, with `apply`, the import itself.
#[tauri::command]
async fn import_config(
    console: State<'_, Console>,
    profile: String,
    text: String,
    apply: bool,
    prune: bool,
) -> Result<Vec<tbdesk_store::transfer::Change>, ApiError> {
    console.import(&profile, &text, apply, prune).await
}

/// Configuration differences between two profiles.
#[tauri::command]
async fn diff_profiles(
    console: State<'_, Console>,
    from: String,
    to: String,
) -> Result<Vec<tbdesk_store::transfer::Change>, ApiError> {
    console.diff(&from, &to).await
}

/// The profile shown last.
#[tauri::command]
async fn last_profile(console: State<'_, Console>) -> Result<Option<String>, ApiError> {
    console.last_profile().await
}

/// WebKitGTK's accelerated compositing loads Mesa (and LLVM's 46 MiB) into the web process for
/// GPU layers this console does not need; software compositing paints the same pages with ~80 MiB
/// less memory and sidesteps the blank-window bugs of some GPU drivers. A value the user set wins.
fn prefer_software_compositing() {
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // Runs first in main, before any thread exists.
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

fn main() {
    prefer_software_compositing();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TBDESK_LOG")
                .unwrap_or_else(|_| "info,zookeeper_client=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    tracing::info!(ui = env!("TBDESK_UI_HASH"), "starting tbdesk");
    let result = tauri::Builder::default()
        .setup(|app| {
            // TBDESK_DATA_DIR lets tests and power users keep several independent app states.
            let dir = match std::env::var_os("TBDESK_DATA_DIR") {
                Some(d) => d.into(),
                None => app.path().app_data_dir()?,
            };
            let console = tauri::async_runtime::block_on(Console::open(&dir))?;
            if let (Some((w, h)), Some(win)) =
                (tauri::async_runtime::block_on(console.window_size()), app.get_webview_window("main"))
            {
                let _ = win.set_size(tauri::LogicalSize::new(w.max(640.0), h.max(420.0)));
            }
            app.manage(console);
            app.manage(Forwarding::default());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            list_profiles,
            root_listing,
            follow_profile,
            snapshot,
            save_task_type,
            save_strategy,
            pause_strategy,
            create_profile,
            delete_profile,
            test_connection,
            start_scheduler,
            stop_scheduler,
            scheduler_status,
            last_own_sign,
            health,
            apply_fix,
            export_config,
            import_config,
            diff_profiles,
            last_profile,
            update_profile,
            get_profile
        ])
        .on_window_event(|window, event| {
            // Remember the window size for the next start.
            if let tauri::WindowEvent::CloseRequested { .. } = event {
                let size = window.inner_size().ok().zip(window.scale_factor().ok());
                if let Some((size, scale)) = size {
                    let logical = size.to_logical::<f64>(scale);
                    let console = window.state::<Console>();
                    let _ = tauri::async_runtime::block_on(console.save_window_size(logical.width, logical.height));
                }
                // Closing the window stops the local scheduler the way its Stop button does (its
                // own nodes removed, never another runtime's), bounded in time.
                let console = window.state::<Console>();
                let _ = tauri::async_runtime::block_on(async {
                    tokio::time::timeout(std::time::Duration::from_secs(45), console.stop_scheduler(true)).await
                });
            }
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("tbdesk: {e}");
        std::process::exit(1);
    }
}
