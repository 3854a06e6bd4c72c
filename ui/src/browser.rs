//! What the UI asks of the page itself (no backend): the clock and zone, timers, dialogs,
//! focus, the theme in localStorage.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

thread_local! {
    /// This machine's zone as the backend names it, asked once before the app mounts.
    static MACHINE_ZONE: std::cell::Cell<chrono_tz::Tz> = const { std::cell::Cell::new(chrono_tz::Tz::UTC) };
}

/// Asks the backend for this machine's zone (the name it judges crons in when a profile has
/// none); until answered, or if it cannot answer, `UTC`. The page's own `Intl` zone is not
/// used: it is the same machine, and asking `Intl` loads ICU's formatting data into the web
/// process (~3 MiB) for one string.
pub async fn learn_local_zone() {
    if let Ok(zone) = crate::api::call::<crate::api::cmd::MachineZone>(crate::api::cmd::NoArgs {}).await {
        if let Some(tz) = tbdesk_model::cron::parse_zone(&zone) {
            MACHINE_ZONE.with(|z| z.set(tz));
        }
    }
}

/// This machine's IANA zone (the Java runtimes usually share the operator's zone).
pub fn local_zone() -> String {
    MACHINE_ZONE.with(|z| z.get().name().to_owned())
}

/// Now, epoch ms.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// "12:04:05" in this machine's zone (a change time, a reminder's).
pub fn time_of_day(ms: i64) -> String {
    tbdesk_model::inspect::time_of_day(ms, MACHINE_ZONE.with(|z| z.get()))
}

/// Waits `ms` milliseconds (a `setTimeout` promise).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Ok(f) = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout")) {
            if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                let _ = f.call2(&JsValue::NULL, &resolve, &JsValue::from(ms));
            }
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// `window.confirm` / `window.prompt`, for destructive actions.
pub fn confirm(message: &str) -> bool {
    let g = js_sys::global();
    js_sys::Reflect::get(&g, &JsValue::from_str("confirm"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call1(&JsValue::NULL, &JsValue::from_str(message)).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// `navigator.clipboard.writeText(text)` (best effort: a refused clipboard changes nothing).
pub fn copy_text(text: &str) {
    let g = js_sys::global();
    let clipboard = js_sys::Reflect::get(&g, &JsValue::from_str("navigator"))
        .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("clipboard")));
    if let Ok(clip) = clipboard {
        if let Some(f) = js_sys::Reflect::get(&clip, &JsValue::from_str("writeText"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        {
            let _ = f.call1(&clip, &JsValue::from_str(text));
        }
    }
}

/// `window.prompt`; `None` when cancelled.
pub fn prompt(message: &str) -> Option<String> {
    let g = js_sys::global();
    js_sys::Reflect::get(&g, &JsValue::from_str("prompt"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call1(&JsValue::NULL, &JsValue::from_str(message)).ok())
        .and_then(|v| v.as_string())
}

/// Moves the keyboard focus to the element `id`, if it exists.
pub fn focus(id: &str) {
    use leptos::web_sys;
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The theme chosen in this window (`light`, `dark`, or `""` for the system's), kept in
/// localStorage and applied as `data-theme` on the document element.
pub fn theme() -> String {
    storage_get("tbdesk-theme").unwrap_or_default()
}

/// Applies and remembers a theme.
pub fn set_theme(theme: &str) {
    let g = js_sys::global();
    if let Ok(doc) = js_sys::Reflect::get(&g, &JsValue::from_str("document")) {
        if let Ok(el) = js_sys::Reflect::get(&doc, &JsValue::from_str("documentElement")) {
            if let Ok(f) = js_sys::Reflect::get(&el, &JsValue::from_str("setAttribute")) {
                if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                    let _ = f.call2(&el, &JsValue::from_str("data-theme"), &JsValue::from_str(theme));
                }
            }
        }
    }
    if let Ok(ls) = js_sys::Reflect::get(&g, &JsValue::from_str("localStorage")) {
        if let Ok(f) = js_sys::Reflect::get(&ls, &JsValue::from_str("setItem")) {
            if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                let _ = f.call2(&ls, &JsValue::from_str("tbdesk-theme"), &JsValue::from_str(theme));
            }
        }
    }
}

fn storage_get(key: &str) -> Option<String> {
    let g = js_sys::global();
    let ls = js_sys::Reflect::get(&g, &JsValue::from_str("localStorage")).ok()?;
    let f = js_sys::Reflect::get(&ls, &JsValue::from_str("getItem")).ok()?;
    f.dyn_ref::<js_sys::Function>()?.call1(&ls, &JsValue::from_str(key)).ok()?.as_string()
}

/// Sets the document's and the native window's title (the window through tauri's window API;
/// outside tauri only the document's).
pub fn set_title(title: &str) {
    let w = js_sys::global();
    if let Ok(doc) = js_sys::Reflect::get(&w, &JsValue::from_str("document")) {
        let _ = js_sys::Reflect::set(&doc, &JsValue::from_str("title"), &JsValue::from_str(title));
    }
    let _ = (|| -> Option<()> {
        let get =
            |o: &wasm_bindgen::JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).ok().filter(|v| !v.is_undefined());
        let module = get(&get(&w, "__TAURI__")?, "window")?;
        let current: js_sys::Function = wasm_bindgen::JsCast::dyn_into(get(&module, "getCurrentWindow")?).ok()?;
        let win = current.call0(&module).ok()?;
        let set_title: js_sys::Function = wasm_bindgen::JsCast::dyn_into(get(&win, "setTitle")?).ok()?;
        // A promise: a refusal is only a missing title, never an error to show.
        let _ = set_title.call1(&win, &title.into());
        Some(())
    })();
}
