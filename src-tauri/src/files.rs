//! Export and import files through the native open / save dialogs (tauri's dialog plugin, used
//! from Rust): the backend reads or writes only the one file the user picked, nothing else of
//! the file system is reachable from the page. `TBDESK_FILE_DIALOG_ANSWER` answers every dialog
//! with its path instead of showing one (the GUI tests drive the buttons with it; scripts may).

use std::path::PathBuf;

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;
use tbdesk_api::{ApiError, ErrorCode};

/// The environment variable that answers the dialogs.
pub const ANSWER_ENV: &str = "TBDESK_FILE_DIALOG_ANSWER";

/// The path the user picks (save: a new or existing file to write; open: one to read), or
/// `None` when the dialog is cancelled.
pub async fn pick(app: &AppHandle, save: bool, file_name: &str) -> Result<Option<PathBuf>, ApiError> {
    if let Some(p) = std::env::var_os(ANSWER_ENV) {
        return Ok(Some(PathBuf::from(p)));
    }
    let dialog = app
        .dialog()
        .file()
        .add_filter("tbdesk export (JSON) or Java console lines", &["json", "txt"])
        .set_file_name(file_name);
    // The blocking calls wait for the user: off the async workers.
    let picked =
        tokio::task::spawn_blocking(
            move || if save { dialog.blocking_save_file() } else { dialog.blocking_pick_file() },
        )
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the file dialog failed: {e}")))?;
    Ok(picked.and_then(|f| f.as_path().map(|p| p.to_path_buf())))
}

/// Writes `text` to `path` whole: a temporary file beside it (its name `path` + this
/// process's id, never a file the user has), removed when the write fails, renamed over it.
pub fn write_whole(path: &std::path::Path, text: &str) -> Result<(), ApiError> {
    tbdesk_api::bundle::write_whole(path, text.as_bytes())
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot write {}: {e}", path.display())))
}
