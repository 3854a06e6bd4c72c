//! WebKitGTK's memory knobs, applied alike to the app and to the benchmark's floor
//! (`tests/floor` includes this file), so the floor keeps meaning "the stack with the app's
//! settings". `TBDESK_WEBKIT` names the knobs, comma-separated (`none` for none); unset means
//! [`DEFAULT`], the set the app benchmark measured as lowering the app's PSS.
//!
//! - `doc-viewer`: the web context's cache model "document viewer" (no page or object caches);
//! - `no-page-cache`: the back/forward page cache off;
//! - `features-off`: WebGL, WebAudio, media, smooth scrolling, developer extras and hardware
//!   acceleration off (a console needs none of them);
//! - `pressure`: the network process's memory-pressure settings (a 64 MiB limit, so it drops its
//!   caches early).
//!
//! `GALLIUM_DRIVER` (softpipe or llvmpipe, Mesa's software renderers) is an environment knob and
//! set by the benchmark, not here.

/// The knobs used when `TBDESK_WEBKIT` is unset.
pub const DEFAULT: &str = "doc-viewer,no-page-cache,features-off,pressure";

/// The knobs asked for.
pub fn knobs() -> Vec<String> {
    let v = std::env::var("TBDESK_WEBKIT").unwrap_or_else(|_| DEFAULT.to_owned());
    v.split(',').map(|k| k.trim().to_owned()).filter(|k| !k.is_empty() && k != "none").collect()
}

/// Applies the knobs to every webview of the app (call from `setup`).
pub fn apply<R: tauri::Runtime>(app: &tauri::App<R>) {
    use tauri::Manager;
    let knobs = knobs();
    #[cfg(target_os = "linux")]
    if knobs.iter().any(|k| k == "pressure") {
        let mut s = webkit2gtk::MemoryPressureSettings::new();
        s.set_memory_limit(64);
        webkit2gtk::WebsiteDataManager::set_memory_pressure_settings(&mut s);
    }
    let mut views = 0;
    for (_, w) in app.webview_windows() {
        views += 1;
        let knobs = knobs.clone();
        let _ = w.with_webview(move |view| {
            #[cfg(target_os = "linux")]
            {
                use webkit2gtk::{SettingsExt, WebContextExt, WebViewExt};
                let view = view.inner();
                let on = |k: &str| knobs.iter().any(|x| x == k);
                if on("doc-viewer") {
                    if let Some(ctx) = view.context() {
                        ctx.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
                    }
                }
                if let Some(settings) = WebViewExt::settings(&view) {
                    if on("no-page-cache") {
                        settings.set_enable_page_cache(false);
                    }
                    if on("features-off") {
                        settings.set_enable_webgl(false);
                        settings.set_enable_webaudio(false);
                        settings.set_enable_media(false);
                        settings.set_enable_smooth_scrolling(false);
                        settings.set_enable_developer_extras(false);
                        settings.set_hardware_acceleration_policy(webkit2gtk::HardwareAccelerationPolicy::Never);
                    }
                }
            }
            #[cfg(not(target_os = "linux"))]
            let _ = (view, &knobs);
        });
    }
    // stderr, not tracing: the floor has no subscriber, and the benchmark reads this line.
    eprintln!(
        "webkit knobs: {} on {views} webview(s)",
        if knobs.is_empty() { "none".to_owned() } else { knobs.join(",") }
    );
}
