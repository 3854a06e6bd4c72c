//! One typed function per tauri command; no command name appears anywhere else in the UI.

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// An error from the backend: the UI switches on `code` and shows `message`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
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
}

/// The children of a profile's root.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RootListing {
    pub profile: String,
    pub root: String,
    pub children: Vec<String>,
}

async fn call<A: Serialize, T: DeserializeOwned>(cmd: &str, args: &A) -> Result<T, ApiError> {
    let args = serde_wasm_bindgen::to_value(args).map_err(|e| ApiError { code: "ui".into(), message: e.to_string() })?;
    match invoke(cmd, args).await {
        Ok(v) => serde_wasm_bindgen::from_value(v).map_err(|e| ApiError { code: "ui".into(), message: e.to_string() }),
        Err(e) => Err(serde_wasm_bindgen::from_value(e.clone()).unwrap_or_else(|_| ApiError {
            code: "ipc".into(),
            message: e.as_string().unwrap_or_else(|| "the backend did not answer".into()),
        })),
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

pub async fn root_listing(profile: &str) -> Result<RootListing, ApiError> {
    call("root_listing", &ProfileArg { profile }).await
}
