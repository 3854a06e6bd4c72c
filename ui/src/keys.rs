//! Keyboard: every key press on the page, as the shortcuts need it.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// One key press on the page, as the shortcuts need it.
pub struct KeyPress {
    pub ctrl: bool,
    pub alt: bool,
    pub key: String,
    /// Typing into an input, a text area or a select (plain keys belong to the field).
    pub in_field: bool,
    /// The id of the focused element, if any.
    pub focused: Option<String>,
}

/// Calls `f` with every key press on the page; `f` returns true when it used the key (its
/// default action is then prevented).
pub fn on_keydown(f: impl Fn(&KeyPress) -> bool + 'static) {
    use leptos::web_sys;
    let cb = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
        let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let in_field =
            target.as_ref().is_some_and(|t| matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let focused = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .map(|el| el.id())
            .filter(|id| !id.is_empty());
        let press = KeyPress { ctrl: e.ctrl_key() || e.meta_key(), alt: e.alt_key(), key: e.key(), in_field, focused };
        if f(&press) {
            e.prevent_default();
        }
    });
    if let Some(w) = leptos::web_sys::window() {
        let _ = w.add_event_listener_with_callback("keydown", cb.as_ref().unchecked_ref());
    }
    cb.forget();
}
