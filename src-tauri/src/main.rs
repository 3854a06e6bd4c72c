//! The tbdesk desktop app: window, state and thin commands. Every command is one call into
//! `tbdesk_api::Console` plus error mapping; no business rule lives here.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::{Manager, State};
use tbdesk_api::{ApiError, Console, RootListing};
use tbdesk_profiles::Profile;

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

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TBDESK_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let result = tauri::Builder::default()
        .setup(|app| {
            // TBDESK_DATA_DIR lets tests and power users keep several independent app states.
            let dir = match std::env::var_os("TBDESK_DATA_DIR") {
                Some(d) => d.into(),
                None => app.path().app_data_dir()?,
            };
            let console = tauri::async_runtime::block_on(Console::open(&dir))?;
            app.manage(console);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![list_profiles, root_listing])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("tbdesk: {e}");
        std::process::exit(1);
    }
}
