//! The benchmark's floor: a bare tauri 2 window showing one static page, with the same WebKit
//! settings as the app (software compositing). The app benchmark measures its memory in the same
//! run so the app's figures can be read as "stack" + "ours".

// The app's own knobs, the same file.
#[path = "../../../src-tauri/src/webkit.rs"]
mod webkit;

fn main() {
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // Same default as tbdesk-app; runs before any thread exists.
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    let app = tauri::Builder::default().setup(|app| {
        webkit::apply(app);
        Ok(())
    });
    if let Err(e) = app.run(tauri::generate_context!()) {
        eprintln!("tbdesk-floor: {e}");
        std::process::exit(1);
    }
}
