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

/// The process-wide settings, before GTK, WebKit or any thread starts (the first thing `main`
/// does, in the app and the floor alike). A variable the user set wins.
///
/// - `WEBKIT_DISABLE_COMPOSITING_MODE=1`: accelerated compositing gives the web process GL
///   buffers for GPU layers this console does not need; software compositing paints the same
///   pages with ~80 MiB less and sidesteps the blank-window bugs of some GPU drivers.
/// - glibc's mmap threshold fixed at 128 KiB (unless set by `MALLOC_MMAP_THRESHOLD_` or
///   `GLIBC_TUNABLES`): glibc otherwise raises it to the size of the
///   largest buffer freed (a root's 2 MiB state, a read's batches), after which such buffers stay
///   in the heap when freed. Fixed, they go back to the system (−6 MiB with the 32k root loaded).
pub fn prepare_process() {
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // Runs first in main, before any thread exists.
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        /// glibc's `M_MMAP_THRESHOLD` (malloc.h).
        const M_MMAP_THRESHOLD: i32 = -3;
        let tuned = std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("mmap_threshold"));
        if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() && !tuned {
            // SAFETY: mallopt only changes glibc's allocation policy; called before any thread.
            unsafe {
                mallopt(M_MMAP_THRESHOLD, 128 * 1024);
            }
        }
    }
}

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
