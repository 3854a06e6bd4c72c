//! tbdesk's UI entry point: panic hook, then mount the app.
mod api;
mod app;
mod distribution;
mod forms;
mod health;
mod overview;
mod profiles;
mod scheduler;
mod transfer;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
