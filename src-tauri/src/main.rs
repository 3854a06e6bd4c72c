//! The tbdesk desktop app: window, state and thin commands. Every command is one call into
//! `tbdesk_api::Console` plus error mapping; no business rule lives here. Each command takes the
//! one argument `args` of the type `tbdesk_model::wire::cmd` declares for it, the type the UI
//! sends; `build.rs` checks this file's handler list and the window's permissions against that
//! one list. A followed root's new states are announced to the webview by small `snapshot`
//! notices; the page fetches the state itself with the `snapshot` command. Events reach the
//! page as answers to its `next_events` long poll (`tbdesk_api::events`), never as script.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod files;
mod log_ring;
mod webkit;
mod window_size;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tauri::{AppHandle, Manager, State};
use tbdesk_api::events::EventHub;
use tbdesk_api::{ApiError, Console};
use tbdesk_model::wire::cmd::{self, Command};
use tbdesk_model::wire::event;

/// A command's arguments and answer, as `tbdesk_model::wire::cmd` declares them.
type Args<C> = <C as Command>::Args;
type Answer<C> = Result<<C as Command>::Output, ApiError>;
/// The answer of a command declared `bytes`: its JSON, sent as a raw IPC body.
type Bytes = Result<tauri::ipc::Response, ApiError>;

/// The follower whose notices are forwarded to the webview, per profile (by `Followed::id`): a
/// profile edited gets a new follower, and that one needs a forwarder of its own.
#[derive(Default)]
struct Forwarding(Mutex<HashMap<String, u64>>);

/// The window's events (a long poll; see `tbdesk_api::events` for why not tauri's events).
#[tauri::command]
async fn next_events(hub: State<'_, EventHub>, args: Args<cmd::NextEvents>) -> Answer<cmd::NextEvents> {
    Ok(hub.next(args.after, tbdesk_api::events::WAIT).await)
}

#[tauri::command]
fn machine_zone(args: Args<cmd::MachineZone>) -> Answer<cmd::MachineZone> {
    let cmd::NoArgs {} = args;
    Ok(tbdesk_api::machine_zone_name())
}

#[tauri::command]
async fn list_profiles(console: State<'_, Console>, args: Args<cmd::ListProfiles>) -> Answer<cmd::ListProfiles> {
    let cmd::NoArgs {} = args;
    console.profiles_for_ui().await
}

/// Later states are announced by `snapshot` events (coalesced to at most one per 10 ms).
#[tauri::command]
async fn follow_profile(
    app: AppHandle,
    console: State<'_, Console>,
    forwarding: State<'_, Forwarding>,
    args: Args<cmd::FollowProfile>,
) -> Bytes {
    let profile = args.profile;
    let (name, handle) = (profile.clone(), app.clone());
    let followed = console
        .follow_with_progress(&profile, move |p| {
            let progress = event::Progress { profile: name.clone(), done: p.done as u64, total: p.total as u64 };
            handle.state::<EventHub>().publish_latest::<event::LoadProgress>(&name, &progress);
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
                let notice = event::SnapshotNotice { profile: name.clone(), generation };
                app.state::<EventHub>().publish_latest::<event::Snapshot>(&name, &notice);
            }
            let forwarding = app.state::<Forwarding>();
            let mut map = forwarding.0.lock().unwrap_or_else(|p| p.into_inner());
            if map.get(&name) == Some(&id) {
                map.remove(&name);
            }
            drop(map);
        });
    }
    let state = followed.current_json(&profile)?;
    release_free_memory_soon();
    Ok(tauri::ipc::Response::new(state))
}

/// [`release_free_memory`] once the answer in hand has gone to the page (a root's whole state
/// is megabytes of JSON, freed after it is sent): a second later, at most one pending.
fn release_free_memory_soon() {
    static PENDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if PENDING.swap(true, std::sync::atomic::Ordering::AcqRel) {
        return;
    }
    tauri::async_runtime::spawn(async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        PENDING.store(false, std::sync::atomic::Ordering::Release);
        let _ = tauri::async_runtime::spawn_blocking(release_free_memory).await;
    });
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

#[tauri::command]
async fn snapshot(console: State<'_, Console>, args: Args<cmd::Snapshot>) -> Bytes {
    let state = console.followed(&args.profile).await?.current_json(&args.profile)?;
    release_free_memory_soon();
    Ok(tauri::ipc::Response::new(state))
}

#[tauri::command]
async fn unlock_writes(console: State<'_, Console>, args: Args<cmd::UnlockWrites>) -> Answer<cmd::UnlockWrites> {
    let d = Duration::from_secs(u64::from(args.minutes.min(120)) * 60);
    Ok(console.unlock_writes(&args.profile, &args.typed, d).await?.map(|d| d.as_secs()))
}

#[tauri::command]
async fn write_lock(console: State<'_, Console>, args: Args<cmd::WriteLock>) -> Answer<cmd::WriteLock> {
    Ok(console.unlocked_for(&args.profile).map(|d| d.as_secs()))
}

#[tauri::command]
async fn replay(console: State<'_, Console>, args: Args<cmd::Replay>) -> Bytes {
    // As bytes parsed in the window: its mtimes and spans come from ZooKeeper, and JavaScript's
    // JSON.parse would round (or break on) integers past 2^53.
    as_bytes(&console.replay(&args.profile, &args.task_type).await?)
}

#[tauri::command]
async fn confirm_write(console: State<'_, Console>, args: Args<cmd::ConfirmWrite>) -> Answer<cmd::ConfirmWrite> {
    console.confirm_write(&args.profile, args.typed.as_deref(), &args.key).await
}

#[tauri::command]
async fn pause_matching(console: State<'_, Console>, args: Args<cmd::PauseMatching>) -> Answer<cmd::PauseMatching> {
    if let Some(m) = args.remind_in_minutes {
        console.check_reminder(m).await?;
    }
    let pause = console.pause_matching(&args.profile, &args.filter, args.own_sign.as_deref(), args.pause, args.dry_run);
    let (chosen, changed) = Console::confirmed_as::<cmd::PauseMatching, _>(&args, pause).await?;
    let remind_at_ms = match args.remind_in_minutes {
        Some(m) if args.pause && !args.dry_run && !chosen.is_empty() => {
            Some(console.remind_resume(&args.profile, &args.filter, args.own_sign.as_deref(), m).await?)
        }
        _ => None,
    };
    Ok(cmd::PauseReport { chosen, changed, remind_at_ms })
}

#[tauri::command]
async fn find_all(console: State<'_, Console>, args: Args<cmd::FindAll>) -> Answer<cmd::FindAll> {
    console.find_all_with(&args.query, Duration::from_secs(5), args.fuzzy).await
}

#[tauri::command]
async fn history(console: State<'_, Console>, args: Args<cmd::History>) -> Answer<cmd::History> {
    console.history(&args.profile, args.object.as_deref(), args.limit.clamp(1, 200)).await
}

#[tauri::command]
async fn revert(console: State<'_, Console>, args: Args<cmd::Revert>) -> Answer<cmd::Revert> {
    Console::confirmed_as::<cmd::Revert, _>(
        &args,
        console.revert(&args.profile, args.entry, args.overwrite, args.dry_run),
    )
    .await
}

#[tauri::command]
async fn node(console: State<'_, Console>, args: Args<cmd::Node>) -> Bytes {
    let view: <cmd::Node as Command>::Output = console.node(&args.profile, &args.path).await?;
    as_bytes(&view)
}

/// An answer as JSON bytes the window parses in wasm (`bytes = true` commands): integers from
/// ZooKeeper (session ids, zxids, counters) past 2^53 arrive exact.
fn as_bytes(v: &impl serde::Serialize) -> Bytes {
    let json = serde_json::to_vec(v).map_err(|e| {
        ApiError::new(tbdesk_model::wire::ErrorCode::Internal, format!("cannot encode the answer: {e}"))
    })?;
    Ok(tauri::ipc::Response::new(json))
}

#[tauri::command]
async fn set_node(console: State<'_, Console>, args: Args<cmd::SetNode>) -> Answer<cmd::SetNode> {
    Console::confirmed_as::<cmd::SetNode, _>(
        &args,
        console.set_node(&args.profile, &args.path, args.text.as_bytes(), args.version),
    )
    .await
}

#[tauri::command]
async fn support_bundle(
    console: State<'_, Console>,
    log: State<'_, log_ring::Ring>,
    args: Args<cmd::SupportBundle>,
) -> Answer<cmd::SupportBundle> {
    let text = log.text();
    let path = console.support_bundle(&args.profile, Some(&text), None).await?;
    Ok(path.display().to_string())
}

#[tauri::command]
async fn snapshot_since(console: State<'_, Console>, args: Args<cmd::SnapshotSince>) -> Bytes {
    Ok(tauri::ipc::Response::new(console.followed(&args.profile).await?.delta_json(&args.profile, args.shown)?))
}

#[tauri::command]
async fn save_task_type(console: State<'_, Console>, args: Args<cmd::SaveTaskType>) -> Answer<cmd::SaveTaskType> {
    Console::confirmed_as::<cmd::SaveTaskType, _>(
        &args,
        console.save_task_type(&args.profile, &args.task_type, args.expected),
    )
    .await
}

#[tauri::command]
async fn save_strategy(console: State<'_, Console>, args: Args<cmd::SaveStrategy>) -> Answer<cmd::SaveStrategy> {
    Console::confirmed_as::<cmd::SaveStrategy, _>(
        &args,
        console.save_strategy(&args.profile, &args.strategy, args.expected),
    )
    .await
}

#[tauri::command]
async fn pause_strategy(console: State<'_, Console>, args: Args<cmd::PauseStrategy>) -> Answer<cmd::PauseStrategy> {
    Console::confirmed_as::<cmd::PauseStrategy, _>(&args, console.pause_strategy(&args.profile, &args.name, args.pause))
        .await
}

#[tauri::command]
async fn delete_task_type(console: State<'_, Console>, args: Args<cmd::DeleteTaskType>) -> Answer<cmd::DeleteTaskType> {
    Console::confirmed_as::<cmd::DeleteTaskType, _>(
        &args,
        console.delete_task_type(&args.profile, &args.name, args.version),
    )
    .await
}

#[tauri::command]
async fn delete_strategy(console: State<'_, Console>, args: Args<cmd::DeleteStrategy>) -> Answer<cmd::DeleteStrategy> {
    Console::confirmed_as::<cmd::DeleteStrategy, _>(
        &args,
        console.delete_strategy(&args.profile, &args.name, args.version),
    )
    .await
}

#[tauri::command]
async fn set_factory(console: State<'_, Console>, args: Args<cmd::SetFactory>) -> Answer<cmd::SetFactory> {
    Console::confirmed_as::<cmd::SetFactory, _>(&args, console.set_factory(&args.profile, &args.uuid, args.start)).await
}

#[tauri::command]
async fn create_profile(console: State<'_, Console>, args: Args<cmd::CreateProfile>) -> Answer<cmd::CreateProfile> {
    console.create_profile(&args.fields, args.password.as_deref()).await
}

#[tauri::command]
async fn update_profile(console: State<'_, Console>, args: Args<cmd::UpdateProfile>) -> Answer<cmd::UpdateProfile> {
    console.update_profile(&args.name, &args.fields, args.password.as_deref()).await
}

#[tauri::command]
async fn get_profile(console: State<'_, Console>, args: Args<cmd::GetProfile>) -> Answer<cmd::GetProfile> {
    console.profile(&args.name).await
}

#[tauri::command]
async fn delete_profile(console: State<'_, Console>, args: Args<cmd::DeleteProfile>) -> Answer<cmd::DeleteProfile> {
    console.delete_profile(&args.name).await
}

#[tauri::command]
async fn test_connection(console: State<'_, Console>, args: Args<cmd::TestConnection>) -> Answer<cmd::TestConnection> {
    console.test_connection(&args.fields, args.password.as_deref()).await
}

#[tauri::command]
async fn start_scheduler(console: State<'_, Console>, args: Args<cmd::StartScheduler>) -> Answer<cmd::StartScheduler> {
    let a = &args;
    let start =
        console.start_scheduler(&a.profile, &a.task_type, &a.own_sign, a.exec.clone(), a.groups, a.machine_zone);
    Console::confirmed_as::<cmd::StartScheduler, _>(&args, start).await
}

#[tauri::command]
async fn stop_scheduler(console: State<'_, Console>, args: Args<cmd::StopScheduler>) -> Answer<cmd::StopScheduler> {
    console.stop_scheduler(args.remove).await
}

#[tauri::command]
async fn scheduler_status(
    console: State<'_, Console>,
    args: Args<cmd::SchedulerStatus>,
) -> Answer<cmd::SchedulerStatus> {
    let cmd::NoArgs {} = args;
    Ok(console.scheduler_status().await)
}

#[tauri::command]
async fn last_own_sign(console: State<'_, Console>, args: Args<cmd::LastOwnSign>) -> Answer<cmd::LastOwnSign> {
    console.last_own_sign(&args.profile).await
}

#[tauri::command]
async fn health(console: State<'_, Console>, args: Args<cmd::Health>) -> Bytes {
    // As bytes: zxids and the servers' counters are full-range integers (see `replay`).
    as_bytes(&console.health(&args.profile).await?)
}

#[tauri::command]
async fn apply_fix(console: State<'_, Console>, args: Args<cmd::ApplyFix>) -> Answer<cmd::ApplyFix> {
    Console::confirmed_as::<cmd::ApplyFix, _>(&args, console.apply_fix(&args.profile, &args.fix)).await
}

#[tauri::command]
async fn export_config(console: State<'_, Console>, args: Args<cmd::ExportConfig>) -> Answer<cmd::ExportConfig> {
    console.export_text(&args.profile, args.format).await
}

#[tauri::command]
async fn export_to_file(
    app: tauri::AppHandle,
    console: State<'_, Console>,
    args: Args<cmd::ExportToFile>,
) -> Answer<cmd::ExportToFile> {
    let text = console.export_text(&args.profile, args.format).await?;
    let ext = if matches!(args.format, tbdesk_api::ExportFormat::Java) { "txt" } else { "json" };
    let Some(path) = files::pick(&app, true, &format!("{}.{ext}", args.profile)).await? else { return Ok(None) };
    files::write_whole(&path, &text)?;
    Ok(Some(path.display().to_string()))
}

#[tauri::command]
async fn open_import_file(app: tauri::AppHandle, args: Args<cmd::OpenImportFile>) -> Answer<cmd::OpenImportFile> {
    let cmd::NoArgs {} = args;
    let Some(path) = files::pick(&app, false, "").await? else { return Ok(None) };
    let text = tbdesk_api::read_import_file(&path)?;
    Ok(Some(cmd::ImportFile { path: path.display().to_string(), text }))
}

#[tauri::command]
async fn import_config(console: State<'_, Console>, args: Args<cmd::ImportConfig>) -> Answer<cmd::ImportConfig> {
    Console::confirmed_as::<cmd::ImportConfig, _>(
        &args,
        console.import(&args.profile, &args.text, args.apply, args.prune),
    )
    .await
}

#[tauri::command]
async fn diff_profiles(console: State<'_, Console>, args: Args<cmd::DiffProfiles>) -> Answer<cmd::DiffProfiles> {
    console.diff(&args.from, &args.to).await
}

#[tauri::command]
async fn last_profile(console: State<'_, Console>, args: Args<cmd::LastProfile>) -> Answer<cmd::LastProfile> {
    let cmd::NoArgs {} = args;
    console.last_profile().await
}

#[tauri::command]
async fn status_all(console: State<'_, Console>, args: Args<cmd::StatusAll>) -> Answer<cmd::StatusAll> {
    let cmd::NoArgs {} = args;
    console.home(Duration::from_secs(10)).await
}

#[tauri::command]
async fn set_watch(console: State<'_, Console>, args: Args<cmd::SetWatch>) -> Answer<cmd::SetWatch> {
    // The profile open in the window stays followed whatever its switch says.
    let open = console.last_profile().await?;
    let (watch, alerts) = console.set_watch(&args.profile, args.watch, args.alerts, open.as_deref()).await?;
    Ok(cmd::WatchFlags { watch, alerts })
}

#[tauri::command]
async fn promote_config(console: State<'_, Console>, args: Args<cmd::PromoteConfig>) -> Answer<cmd::PromoteConfig> {
    Console::confirmed_as::<cmd::PromoteConfig, _>(
        &args,
        console.promote(&args.from, &args.to, &args.filter, args.own_sign.as_deref(), args.apply),
    )
    .await
}

/// Looks at the watched profiles every few seconds (`TBDESK_WATCH_EVERY_MS`, default 5,000),
/// from their followers; profiles not watched cost nothing here. The home gets each look as an
/// event; each new alert becomes a desktop notification, is logged, and (for tests and scripts)
/// appended as a JSON line to `TBDESK_ALERT_LOG` when set. Ends with the app.
fn watch_in_background(app: AppHandle) {
    let every = std::env::var("TBDESK_WATCH_EVERY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(Duration::from_secs(5), |ms| Duration::from_millis(ms.clamp(200, 3_600_000)));
    let hook = std::env::var_os("TBDESK_ALERT_LOG").map(std::path::PathBuf::from);
    tauri::async_runtime::spawn(async move {
        loop {
            let look = app.state::<Console>().watch_tick(&[]).await;
            match look {
                Ok((home, alerts)) => {
                    for a in &alerts {
                        tracing::warn!(profile = %a.profile, key = %a.key, "alert: {}: {}", a.title, a.body);
                        notify(&app, a);
                        if let Some(file) = &hook {
                            use std::io::Write;
                            let line = serde_json::to_string(a).unwrap_or_default();
                            let written = std::fs::OpenOptions::new()
                                .create(true)
                                .append(true)
                                .open(file)
                                .and_then(|mut f| writeln!(f, "{line}"));
                            if let Err(e) = written {
                                tracing::warn!(error = %e, "cannot append to TBDESK_ALERT_LOG");
                            }
                        }
                    }
                    app.state::<EventHub>().publish::<event::Watched>(&event::WatchLook { home, alerts });
                }
                Err(e) => tracing::warn!(error = %e.message, "the background watch could not look"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// SIGINT, SIGTERM or SIGHUP (Ctrl-C in a terminal, `kill`, a logout) ends the app as closing
/// its window does: the local scheduler stops and removes its own nodes (bounded, 45 s), the
/// journal notes the end of following, then the app exits. A second signal exits at once.
fn stop_on_signals(app: AppHandle) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) =
            (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup()))
        else {
            tracing::warn!("cannot listen for signals; a signal ends the app without stopping the local scheduler");
            return;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        tracing::info!("signal: stopping the local scheduler, then exiting (a second signal exits at once)");
        tokio::spawn(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            std::process::exit(130);
        });
        let console = app.state::<Console>();
        if tokio::time::timeout(Duration::from_secs(45), console.stop_scheduler(true)).await.is_err() {
            tracing::warn!("the local scheduler did not stop within 45 s");
        }
        console.end_watches().await;
        app.exit(0);
    });
    #[cfg(not(unix))]
    let _ = app;
}

/// Notifications waiting for a click at once (each holds a blocking thread until the
/// notification closes); past this, alerts are shown without a click action.
#[cfg(target_os = "linux")]
const MAX_WAITING: usize = 4;

/// Raises an alert as a desktop notification; clicking it brings the window up on what it
/// names (`open_alert` event). D-Bus may block (no notification service): never on an async
/// worker.
fn notify(app: &AppHandle, a: &tbdesk_model::alerts::Alert) {
    let (handle, alert) = (app.clone(), a.clone());
    #[cfg(target_os = "linux")]
    tauri::async_runtime::spawn_blocking(move || {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static WAITING: AtomicUsize = AtomicUsize::new(0);
        let shown = notify_rust::Notification::new()
            .appname("tbdesk")
            .summary(&alert.title)
            .body(&alert.body)
            .action("default", "Open")
            .timeout(notify_rust::Timeout::Milliseconds(30_000))
            .show();
        let n = match shown {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "cannot raise a desktop notification");
                return;
            }
        };
        if WAITING.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
            WAITING.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        n.wait_for_action(|action| {
            if action == "default" {
                if let Some(w) = handle.get_webview_window("main") {
                    let _ = w.unminimize();
                    let _ = w.show();
                    let _ = w.set_focus();
                }
                handle.state::<EventHub>().publish::<event::OpenAlert>(&alert);
            }
        });
        WAITING.fetch_sub(1, Ordering::SeqCst);
    });
    #[cfg(not(target_os = "linux"))]
    tauri::async_runtime::spawn_blocking(move || {
        use tauri_plugin_notification::NotificationExt;
        if let Err(e) = handle.notification().builder().title(&alert.title).body(&alert.body).show() {
            tracing::warn!(error = %e, "cannot raise a desktop notification");
        }
    });
}

fn main() {
    webkit::prepare_process();
    let log = log_ring::Ring::default();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TBDESK_LOG")
                .unwrap_or_else(|_| "info,zookeeper_client=warn".into()),
        )
        .with_ansi(false)
        .with_writer(log.clone())
        .init();
    tracing::info!(ui = env!("TBDESK_UI_HASH"), "starting tbdesk");
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            // TBDESK_DATA_DIR lets tests and power users keep several independent app states.
            let dir = match std::env::var_os("TBDESK_DATA_DIR") {
                Some(d) => d.into(),
                None => app.path().app_data_dir()?,
            };
            let console = tauri::async_runtime::block_on(Console::open(&dir))?;
            if let (Some((w, h)), Some(win)) = (window_size::load(&dir), app.get_webview_window("main")) {
                let _ = win.set_size(tauri::LogicalSize::new(w, h));
            }
            webkit::apply(app);
            app.manage(console);
            app.manage(window_size::Dir(dir));
            app.manage(Forwarding::default());
            app.manage(EventHub::default());
            app.manage(log);
            watch_in_background(app.handle().clone());
            stop_on_signals(app.handle().clone());
            Ok(())
        })
        // build.rs checks this list against tbdesk_model::wire::cmd::NAMES.
        .invoke_handler(tauri::generate_handler![
            list_profiles,
            follow_profile,
            snapshot,
            snapshot_since,
            save_task_type,
            save_strategy,
            pause_strategy,
            delete_task_type,
            delete_strategy,
            set_factory,
            create_profile,
            update_profile,
            get_profile,
            delete_profile,
            test_connection,
            start_scheduler,
            stop_scheduler,
            scheduler_status,
            last_own_sign,
            health,
            apply_fix,
            export_to_file,
            open_import_file,
            export_config,
            import_config,
            diff_profiles,
            last_profile,
            machine_zone,
            status_all,
            unlock_writes,
            write_lock,
            confirm_write,
            pause_matching,
            find_all,
            history,
            revert,
            node,
            set_node,
            support_bundle,
            set_watch,
            promote_config,
            replay,
            next_events,
        ])
        .on_window_event(|window, event| {
            // Remember the window size for the next start.
            if let tauri::WindowEvent::CloseRequested { .. } = event {
                let size = window.inner_size().ok().zip(window.scale_factor().ok());
                if let Some((size, scale)) = size {
                    let logical = size.to_logical::<f64>(scale);
                    window_size::save(&window.state::<window_size::Dir>().0, logical.width, logical.height);
                }
                // Closing the window stops the local scheduler the way its Stop button does (its
                // own nodes removed, never another runtime's), bounded in time.
                let console = window.state::<Console>();
                let _ = tauri::async_runtime::block_on(async {
                    let stopped =
                        tokio::time::timeout(std::time::Duration::from_secs(45), console.stop_scheduler(true)).await;
                    // The journal says when following ended (bounded: 3 s).
                    console.end_watches().await;
                    stopped
                });
            }
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("tbdesk: {e}");
        std::process::exit(1);
    }
}
