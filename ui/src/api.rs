//! One typed function per tauri command, and the `snapshot` event subscription; no command
//! or event name appears anywhere else in the UI.

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use tbdesk_model::profile::ProfileFields;
use tbdesk_model::records::{Strategy, TaskType};
use tbdesk_model::snapshot::Snapshot;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], catch)]
    async fn listen(event: &str, handler: &js_sys::Function) -> Result<JsValue, JsValue>;
}

/// An error from the backend: the UI switches on `code` and shows `message`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
}

impl ApiError {
    fn ui(message: impl ToString) -> Self {
        ApiError { code: "ui".into(), message: message.to_string(), detail: None }
    }
}

/// A connection profile as the backend lists it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Profile {
    pub id: i64,
    pub name: String,
    pub connect: String,
    pub root_path: String,
    pub color: String,
    pub read_only: bool,
    /// Zone of the root's Java schedulers ('' = this machine's).
    #[serde(default)]
    pub zone: String,
}

/// One published state of a followed root.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SnapshotEvent {
    pub profile: String,
    pub status: serde_json::Value,
    pub follower: u64,
    pub generation: u64,
    pub snapshot: Snapshot,
    pub server_version: Option<String>,
    pub read_only: bool,
}

impl SnapshotEvent {
    /// The connection state in words.
    pub fn status_text(&self) -> String {
        match self.status.get("state").and_then(|s| s.as_str()) {
            Some("live") => "live".into(),
            Some("disconnected") => "disconnected, reconnecting…".into(),
            Some("resynced") => "reconnected (re-read)".into(),
            Some("reconnecting") => "session expired, reconnecting…".into(),
            Some(other) => other.into(),
            None => "unknown".into(),
        }
    }
}

/// The version a save expects (mirrors `tbdesk_store::Expect`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
#[serde(tag = "kind", content = "version", rename_all = "snake_case")]
pub enum Expect {
    Absent,
    Version(i32),
}

/// A rejected invoke: the command's `ApiError`, or tauri's own refusal in words.
fn ipc_error(e: JsValue) -> ApiError {
    serde_wasm_bindgen::from_value(e.clone()).unwrap_or_else(|_| ApiError {
        code: "ipc".into(),
        message: e.as_string().unwrap_or_else(|| "the backend did not answer".into()),
        detail: None,
    })
}

async fn call<A: Serialize, T: DeserializeOwned>(cmd: &str, args: &A) -> Result<T, ApiError> {
    let args = args.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(ApiError::ui)?;
    match invoke(cmd, args).await {
        Ok(v) => serde_wasm_bindgen::from_value(v).map_err(ApiError::ui),
        Err(e) => Err(ipc_error(e)),
    }
}

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct ProfileArg<'a> {
    profile: &'a str,
}

pub async fn list_profiles() -> Result<Vec<Profile>, ApiError> {
    call("list_profiles", &NoArgs {}).await
}

/// Calls a command whose answer is raw JSON bytes (an `ArrayBuffer` in the page), parsed here
/// in wasm: a whole root never becomes a JavaScript object tree.
async fn call_bytes<A: Serialize, T: DeserializeOwned>(cmd: &str, args: &A) -> Result<T, ApiError> {
    let args = args.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(ApiError::ui)?;
    match invoke(cmd, args).await {
        Ok(v) if v.is_instance_of::<js_sys::ArrayBuffer>() => {
            let bytes = js_sys::Uint8Array::new(&v).to_vec();
            serde_json::from_slice(&bytes).map_err(ApiError::ui)
        }
        Ok(_) => Err(ApiError::ui(format!("{cmd}: the backend did not answer with bytes"))),
        Err(e) => Err(ipc_error(e)),
    }
}

/// Starts following a profile and returns its current state.
pub async fn follow_profile(profile: &str) -> Result<SnapshotEvent, ApiError> {
    call_bytes("follow_profile", &ProfileArg { profile }).await
}

/// The current state of a followed profile.
pub async fn snapshot(profile: &str) -> Result<SnapshotEvent, ApiError> {
    call_bytes("snapshot", &ProfileArg { profile }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SaveTaskType<'a> {
    profile: &'a str,
    task_type: &'a TaskType,
    expected: Expect,
}

pub async fn save_task_type(profile: &str, task_type: &TaskType, expected: Expect) -> Result<i32, ApiError> {
    call("save_task_type", &SaveTaskType { profile, task_type, expected }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SaveStrategy<'a> {
    profile: &'a str,
    strategy: &'a Strategy,
    expected: Expect,
}

pub async fn save_strategy(profile: &str, strategy: &Strategy, expected: Expect) -> Result<i32, ApiError> {
    call("save_strategy", &SaveStrategy { profile, strategy, expected }).await
}

#[derive(Serialize)]
struct PauseArgs<'a> {
    profile: &'a str,
    name: &'a str,
    pause: bool,
}

pub async fn pause_strategy(profile: &str, name: &str, pause: bool) -> Result<i32, ApiError> {
    call("pause_strategy", &PauseArgs { profile, name, pause }).await
}

/// A followed profile published a new state (fetch it with [`snapshot`]).
#[derive(Debug, Clone, Deserialize)]
pub struct SnapshotNotice {
    pub profile: String,
}

/// Calls `f` with every `snapshot` notice for as long as the page lives.
pub async fn on_snapshot(f: impl Fn(SnapshotNotice) + 'static) {
    let cb = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        let payload = js_sys::Reflect::get(&e, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        match serde_wasm_bindgen::from_value::<SnapshotNotice>(payload) {
            Ok(ev) => f(ev),
            Err(err) => web_sys_log(&format!("bad snapshot event: {err}")),
        }
    });
    let _ = listen("snapshot", cb.as_ref().unchecked_ref()).await;
    cb.forget();
}

fn web_sys_log(msg: &str) {
    let console = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("console")).ok();
    if let Some(c) = console {
        if let Ok(log) = js_sys::Reflect::get(&c, &JsValue::from_str("warn")) {
            if let Some(f) = log.dyn_ref::<js_sys::Function>() {
                let _ = f.call1(&c, &JsValue::from_str(msg));
            }
        }
    }
}

/// The browser's IANA zone (the Java runtimes usually share the operator's zone).
pub fn local_zone() -> String {
    let fmt = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    let opts = fmt.resolved_options();
    js_sys::Reflect::get(&opts, &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// Now, epoch ms.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// What "Test connection" found.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ConnectionReport {
    pub server_version: Option<String>,
    pub session_timeout_ms: u64,
    pub marker: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct ProfileFieldsArgs<'a> {
    fields: &'a ProfileFields,
    password: Option<&'a str>,
}

pub async fn create_profile(fields: &ProfileFields, password: Option<&str>) -> Result<Profile, ApiError> {
    call("create_profile", &ProfileFieldsArgs { fields, password }).await
}

pub async fn test_connection(fields: &ProfileFields, password: Option<&str>) -> Result<ConnectionReport, ApiError> {
    call("test_connection", &ProfileFieldsArgs { fields, password }).await
}

#[derive(Serialize)]
struct NameArg<'a> {
    name: &'a str,
}

pub async fn delete_profile(name: &str) -> Result<(), ApiError> {
    call("delete_profile", &NameArg { name }).await
}

/// One thread group of the local scheduler.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct GroupStatus {
    pub server: String,
    pub items: Vec<String>,
    pub done: u64,
    pub failed: u64,
    #[serde(default)]
    pub state: String,
}

/// The local scheduler's live state.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
pub struct SchedStatus {
    pub factory: String,
    pub groups: Vec<GroupStatus>,
    pub strategies: Vec<String>,
    pub problems: Vec<String>,
    #[serde(default)]
    pub log: Vec<String>,
}

/// What the app shows of the local scheduler.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SchedulerView {
    pub profile: String,
    pub task_type: String,
    pub own_sign: String,
    pub strategy: String,
    pub capturing: Vec<String>,
    pub running: bool,
    pub error: Option<String>,
    #[serde(default)]
    pub zone: String,
    #[serde(default)]
    pub notes: Vec<String>,
    pub status: SchedStatus,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StartArgs<'a> {
    profile: &'a str,
    task_type: &'a str,
    own_sign: &'a str,
    exec: Option<&'a str>,
    groups: i64,
    machine_zone: bool,
}

pub async fn start_scheduler(
    profile: &str,
    task_type: &str,
    own_sign: &str,
    exec: Option<&str>,
    groups: i64,
    machine_zone: bool,
) -> Result<SchedulerView, ApiError> {
    call("start_scheduler", &StartArgs { profile, task_type, own_sign, exec, groups, machine_zone }).await
}

#[derive(Serialize)]
struct StopArgs {
    remove: bool,
}

pub async fn stop_scheduler(remove: bool) -> Result<(), ApiError> {
    call("stop_scheduler", &StopArgs { remove }).await
}

pub async fn scheduler_status() -> Result<Option<SchedulerView>, ApiError> {
    call("scheduler_status", &NoArgs {}).await
}

pub async fn last_own_sign(profile: &str) -> Result<Option<String>, ApiError> {
    call("last_own_sign", &ProfileArg { profile }).await
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

/// `window.prompt`; `None` when cancelled.
pub fn prompt(message: &str) -> Option<String> {
    let g = js_sys::global();
    js_sys::Reflect::get(&g, &JsValue::from_str("prompt"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call1(&JsValue::NULL, &JsValue::from_str(message)).ok())
        .and_then(|v| v.as_string())
}

/// A profile's health (ensemble part; root findings are computed from the live snapshot).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct HealthReport {
    pub summary: String,
    pub ensemble: Vec<serde_json::Value>,
    pub requested_session_timeout_ms: u64,
    pub negotiated_session_timeout_ms: u64,
    pub clock_offset_ms: Option<i64>,
    pub findings: Vec<tbdesk_model::diagnose::Finding>,
}

pub async fn health(profile: &str) -> Result<HealthReport, ApiError> {
    call("health", &ProfileArg { profile }).await
}

#[derive(Serialize)]
struct FixArgs<'a> {
    profile: &'a str,
    fix: &'a tbdesk_model::diagnose::Fix,
}

pub async fn apply_fix(profile: &str, fix: &tbdesk_model::diagnose::Fix) -> Result<Vec<String>, ApiError> {
    call("apply_fix", &FixArgs { profile, fix }).await
}

/// One object an import or diff would change (mirrors `tbdesk_store::transfer::Change`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Change {
    pub op: String,
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub fields: Vec<tbdesk_model::diff::FieldDiff>,
}

#[derive(Serialize)]
struct ExportArgs<'a> {
    profile: &'a str,
    format: &'a str,
}

pub async fn export_config(profile: &str, format: &str) -> Result<String, ApiError> {
    call("export_config", &ExportArgs { profile, format }).await
}

#[derive(Serialize)]
struct ImportArgs<'a> {
    profile: &'a str,
    text: &'a str,
    apply: bool,
    prune: bool,
}

pub async fn import_config(profile: &str, text: &str, apply: bool, prune: bool) -> Result<Vec<Change>, ApiError> {
    call("import_config", &ImportArgs { profile, text, apply, prune }).await
}

#[derive(Serialize)]
struct DiffArgs<'a> {
    from: &'a str,
    to: &'a str,
}

pub async fn diff_profiles(from: &str, to: &str) -> Result<Vec<Change>, ApiError> {
    call("diff_profiles", &DiffArgs { from, to }).await
}

pub async fn last_profile() -> Result<Option<String>, ApiError> {
    call("last_profile", &NoArgs {}).await
}

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

/// A stored profile: its fields, and whether the keyring holds a password for it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ProfileDetail {
    #[serde(flatten)]
    pub fields: ProfileFields,
    pub has_password: bool,
}

pub async fn get_profile(name: &str) -> Result<ProfileDetail, ApiError> {
    call("get_profile", &NameArg { name }).await
}

#[derive(Serialize)]
struct UpdateArgs<'a> {
    name: &'a str,
    fields: &'a ProfileFields,
    password: Option<&'a str>,
}

pub async fn update_profile(name: &str, fields: &ProfileFields, password: Option<&str>) -> Result<Profile, ApiError> {
    call("update_profile", &UpdateArgs { name, fields, password }).await
}

/// Calls `f(profile, done, total)` for every `load_progress` event.
pub async fn on_load_progress(f: impl Fn(String, u64, u64) + 'static) {
    let cb = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        let p = js_sys::Reflect::get(&e, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        let get = |k: &str| js_sys::Reflect::get(&p, &JsValue::from_str(k)).ok();
        let profile = get("profile").and_then(|v| v.as_string()).unwrap_or_default();
        let done = get("done").and_then(|v| v.as_f64()).unwrap_or(0.0) as u64;
        let total = get("total").and_then(|v| v.as_f64()).unwrap_or(0.0) as u64;
        f(profile, done, total);
    });
    let _ = listen("load_progress", cb.as_ref().unchecked_ref()).await;
    cb.forget();
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
