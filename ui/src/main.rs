//! tbdesk's UI entry point: panic hook, then mount the app.
mod api;
mod app;
mod browser;
mod cron_builder;
mod distribution;
mod fields;
mod forms;
mod health;
mod history;
mod home;
mod keys;
mod overview;
mod palette;
mod profiles;
mod scheduler;
mod state;
mod timeline;
mod transfer;
mod widgets;

/// The UI's wasm linear memory in bytes (it only grows).
fn wasm_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| m.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64)
        .unwrap_or(0.0)
}

fn main() {
    console_error_panic_hook::set_once();
    // `window.tbdeskWasmBytes()`: the app benchmark reads it to split the web process's memory
    // into the UI's own heap and WebKit's.
    let probe = wasm_bindgen::closure::Closure::<dyn Fn() -> f64>::new(wasm_bytes);
    let _ = js_sys::Reflect::set(&js_sys::global(), &"tbdeskWasmBytes".into(), probe.as_ref());
    probe.forget();
    wasm_bindgen_futures::spawn_local(async {
        browser::learn_local_zone().await;
        leptos::mount::mount_to_body(app::App);
    });
}
