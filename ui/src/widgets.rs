//! Small pieces every view uses.

use leptos::prelude::*;
use tbdesk_model::wire::ApiError;

/// Whether the view that started a background loop is still shown: cleared when its owner is
/// cleaned up, readable after that (a signal read after its owner is disposed panics, and in
/// a wasm build with `panic = "abort"` that ends the whole page).
#[derive(Clone)]
pub struct Alive(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Alive {
    /// A flag for the current owner, set until its cleanup.
    pub fn new() -> Self {
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let cleared = flag.clone();
        on_cleanup(move || cleared.store(false, std::sync::atomic::Ordering::Relaxed));
        Alive(flag)
    }

    /// Still shown.
    pub fn get(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The one place errors are shown: the headline comes from the error's code (matched
/// exhaustively in `ErrorCode::title`), never from its text, or is `title` where the code's
/// would misname the action (a delete is not a save).
#[component]
pub fn ErrorPanel(err: ApiError, #[prop(optional)] title: Option<&'static str>) -> impl IntoView {
    view! {
        <div class="error" role="alert" data-code=err.code.as_str()>
            <strong>{title.unwrap_or_else(|| err.code.title())}</strong>
            <p>{err.message}</p>
        </div>
    }
}
