//! The IPC: a command is called through its type in `tbdesk_model::wire::cmd` (name, arguments
//! and answer come from there, the types the backend compiles too), an event is listened to
//! through its type in `wire::event`. No command or event name is written anywhere in the UI.
//! Events are fetched with the `next_events` long poll (one loop for every listener), not
//! tauri's events: those arrive as script the backend evaluates, and each evaluation starts
//! JavaScript machinery in the app's own process (see `tbdesk_api::events`).

use tbdesk_model::wire::cmd::Command;
use tbdesk_model::wire::event::Event;
use tbdesk_model::wire::{ApiError, ErrorCode};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub use tbdesk_model::wire::cmd;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

fn ui_error(message: impl ToString) -> ApiError {
    ApiError::new(ErrorCode::Ui, message.to_string())
}

/// A JavaScript value read as `T` through its JSON text (the glue's values are JSON already:
/// tauri parsed them from the backend's JSON).
fn from_js<T: serde::de::DeserializeOwned>(v: &JsValue) -> Result<T, ApiError> {
    let text = if v.is_undefined() {
        "null".to_owned()
    } else {
        js_sys::JSON::stringify(v).ok().and_then(|t| t.as_string()).ok_or_else(|| ui_error("not a JSON value"))?
    };
    serde_json::from_str(&text).map_err(ui_error)
}

/// `T` as a JavaScript value, through its JSON text; refused, naming the field, when an integer
/// in it would not survive as a JavaScript number.
fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, ApiError> {
    let value = serde_json::to_value(v).map_err(ui_error)?;
    tbdesk_model::wire::js_exact(&value).map_err(|e| ApiError::new(ErrorCode::Invalid, e))?;
    js_sys::JSON::parse(&value.to_string()).map_err(|_| ui_error("cannot encode the arguments"))
}

/// A rejected invoke: the command's `ApiError`, or tauri's own refusal in words.
fn ipc_error(e: JsValue) -> ApiError {
    from_js(&e).unwrap_or_else(|_| {
        ApiError::new(ErrorCode::Ipc, e.as_string().unwrap_or_else(|| "the backend did not answer".into()))
    })
}

/// Reads an `ArrayBuffer` from JavaScript 64 KiB at a time, so a whole root's JSON is parsed
/// without first being copied whole into the wasm heap (which never shrinks).
struct BufferReader {
    bytes: js_sys::Uint8Array,
    at: u32,
}

impl std::io::Read for BufferReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let len = self.bytes.length();
        let want = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        let end = self.at.saturating_add(want).min(len);
        let n = (end - self.at) as usize;
        if n > 0 {
            self.bytes.subarray(self.at, end).copy_to(&mut buf[..n]);
            self.at = end;
        }
        Ok(n)
    }
}

#[derive(serde::Serialize)]
struct Envelope<'a, A> {
    args: &'a A,
}

/// An [`Envelope`] read back, as the backend reads it.
#[derive(serde::Deserialize)]
struct Received<A> {
    args: A,
}

/// Calls command `C`. An answer declared `bytes` arrives as an `ArrayBuffer` of JSON, parsed
/// here in wasm: a whole root never becomes a JavaScript object tree. A command that writes to
/// a production profile's root is confirmed first (what it changes, and the profile's name).
pub async fn call<C: Command>(args: C::Args) -> Result<C::Output, ApiError> {
    let js = to_js(&Envelope { args: &args })?;
    if cmd::Intent::intent(&args).is_some() {
        // The key of the arguments as the backend will read them: after the same JSON trip
        // (JavaScript numbers, key order), so both sides hash the same bytes.
        let received: Received<C::Args> = from_js(&js)?;
        if let Some((w, key)) = cmd::confirmation::<C>(&received.args) {
            confirm(&w, key).await?;
        }
    }
    let answer = invoke(C::NAME, js).await.map_err(ipc_error)?;
    if C::BYTES {
        if !answer.is_instance_of::<js_sys::ArrayBuffer>() {
            return Err(ui_error(format!("{}: the backend did not answer with bytes", C::NAME)));
        }
        let reader = BufferReader { bytes: js_sys::Uint8Array::new(&answer), at: 0 };
        serde_json::from_reader(std::io::BufReader::with_capacity(64 * 1024, reader)).map_err(ui_error)
    } else {
        from_js(&answer)
    }
}

/// Asks the backend whether `w`'s profile wants each write confirmed (a production profile;
/// refused at once while its writes are locked) and, if so, shows what will change and asks
/// for the profile's name. Nothing is sent when the name is not typed; the confirmation names
/// these arguments (`key`), so it cannot be spent by another write.
async fn confirm(w: &cmd::WriteIntent, key: String) -> Result<(), ApiError> {
    let ask = |typed: Option<String>| cmd::ConfirmArgs { profile: w.profile.clone(), typed, key: key.clone() };
    if !Box::pin(call::<cmd::ConfirmWrite>(ask(None))).await? {
        return Ok(());
    }
    let message =
        format!("PRODUCTION · {}\n\nThis write will {}.\n\nType the profile's name to apply it.", w.profile, w.what);
    match crate::browser::prompt(&message) {
        Some(typed) => Box::pin(call::<cmd::ConfirmWrite>(ask(Some(typed)))).await.map(|_| ()),
        None => Err(ApiError::new(ErrorCode::Locked, "not applied: the profile's name was not typed")),
    }
}

/// A listener: an event's payload in, as the backend encoded it.
type Listener = std::rc::Rc<dyn Fn(serde_json::Value)>;

thread_local! {
    /// Every listener, by event name; the first one starts the fetch loop.
    static LISTENERS: std::cell::RefCell<Vec<(&'static str, Listener)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Calls `f` with every event `E` from now on, for as long as the page lives.
pub fn on<E: Event>(f: impl Fn(E::Payload) + 'static) {
    let listener: Listener = std::rc::Rc::new(move |payload| match serde_json::from_value::<E::Payload>(payload) {
        Ok(p) => f(p),
        Err(err) => warn(&format!("bad {} event: {err}", E::NAME)),
    });
    let first = LISTENERS.with(|l| {
        let mut l = l.borrow_mut();
        l.push((E::NAME, listener));
        l.len() == 1
    });
    if first {
        wasm_bindgen_futures::spawn_local(fetch_events());
    }
}

/// Fetches events for as long as the page lives and hands each to its listeners. A failed
/// fetch (no backend: the page outside the app) is retried, less often each time.
async fn fetch_events() {
    let mut after = None;
    let mut pause = 250;
    loop {
        match call::<cmd::NextEvents>(cmd::EventsArgs { after }).await {
            Ok(batch) => {
                pause = 250;
                after = Some(batch.last);
                for e in batch.events {
                    let listeners: Vec<Listener> = LISTENERS.with(|l| {
                        l.borrow().iter().filter(|(name, _)| *name == e.name).map(|(_, f)| f.clone()).collect()
                    });
                    for f in listeners {
                        f(e.payload.clone());
                    }
                }
            }
            Err(err) => {
                if pause == 250 {
                    warn(&format!("cannot fetch events: {}", err.message));
                }
                crate::browser::sleep_ms(pause).await;
                pause = (pause * 2).min(30_000);
            }
        }
    }
}

fn warn(msg: &str) {
    let console = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("console")).ok();
    if let Some(c) = console {
        if let Ok(log) = js_sys::Reflect::get(&c, &JsValue::from_str("warn")) {
            if let Some(f) = log.dyn_ref::<js_sys::Function>() {
                let _ = f.call1(&c, &JsValue::from_str(msg));
            }
        }
    }
}
