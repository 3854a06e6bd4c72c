//! The benchmark's floor: a bare tauri 2 window showing one static page, with the same WebKit
//! and process settings as the app. The app benchmark measures its memory in the same
//! run so the app's figures can be read as "stack" + "ours".

// The app's own knobs, the same file.
#[path = "../../../src-tauri/src/webkit.rs"]
mod webkit;

fn main() {
    // The app's process settings, the same function.
    webkit::prepare_process();
    let app = tauri::Builder::default().setup(|app| {
        webkit::apply(app);
        Ok(())
    });
    if let Err(e) = app.run(tauri::generate_context!()) {
        eprintln!("tbdesk-floor: {e}");
        std::process::exit(1);
    }
}
