//! Small pieces every view uses.

use leptos::prelude::*;
use tbdesk_model::wire::ApiError;

/// The one place errors are shown: the headline comes from the error's code (matched
/// exhaustively in `ErrorCode::title`), never from its text.
#[component]
pub fn ErrorPanel(err: ApiError) -> impl IntoView {
    view! {
        <div class="error" role="alert" data-code=err.code.as_str()>
            <strong>{err.code.title()}</strong>
            <p>{err.message}</p>
        </div>
    }
}
