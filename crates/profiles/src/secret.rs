//! Digest passwords in the OS keyring (secret-service on Linux, through `keyring`).
//!
//! The keyring calls are blocking D-Bus round trips, so each runs on a thread of its own, with
//! a time limit.

use crate::Error;

const SERVICE: &str = "tbdesk";

/// The keyring entry of a profile, keyed by its stable unique secret id (a UUID stored with the
/// profile, never reused), so two data dirs never share an entry.
fn entry(id: &str) -> Result<keyring::Entry, Error> {
    keyring::Entry::new(SERVICE, &format!("profile:{id}")).map_err(|e| Error::Keyring(e.to_string()))
}

/// The longest a keyring call is waited for: an unlock prompt left open (or a secret service
/// that hangs) must not hold a save, a profile's first open or the app's exit forever.
pub const KEYRING_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs a keyring call on a thread of its own, given [`KEYRING_LIMIT`]: a call that never
/// returns leaves that thread behind, never a caller (nor tokio's blocking pool, whose
/// shutdown would wait for it).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    blocking_undone(f, |_| {}).await
}

/// [`blocking`], with `undo` run on the call's thread when the call succeeds after its caller
/// gave up: a password stored once the prompt was answered, minutes late, is removed again
/// rather than left under an entry no profile names.
async fn blocking_undone<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
    undo: impl FnOnce(&T) + Send + 'static,
) -> Result<T, Error> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("tbdesk-keyring".into())
        .spawn(move || {
            if let Err(Ok(late)) = tx.send(f()) {
                undo(&late);
            }
        })
        .map_err(|e| Error::Keyring(e.to_string()))?;
    // `TBDESK_KEYRING_LIMIT_MS` sets another (a test proves the limit with a short one).
    let limit = std::env::var("TBDESK_KEYRING_LIMIT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|ms| *ms > 0)
        .map_or(KEYRING_LIMIT, std::time::Duration::from_millis);
    match tokio::time::timeout(limit, rx).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => Err(Error::Keyring("the keyring call ended without an answer".into())),
        Err(_) => Err(Error::Keyring(format!(
            "the keyring did not answer within {:.0} s (an unlock prompt waiting, or the secret service hung)",
            limit.as_secs_f64()
        ))),
    }
}

/// Stores the password of the profile with secret id `id`.
pub async fn store(id: &str, password: &str) -> Result<(), Error> {
    let (id, pw) = (id.to_owned(), password.to_owned());
    let undo_id = id.clone();
    blocking_undone(
        move || entry(&id)?.set_password(&pw).map_err(|e| Error::Keyring(e.to_string())),
        move |()| {
            if let Ok(e) = entry(&undo_id) {
                let _ = e.delete_credential();
            }
        },
    )
    .await
}

/// Reads the password of the profile with secret id `id`.
pub async fn load(id: &str) -> Result<String, Error> {
    let id = id.to_owned();
    blocking(move || entry(&id)?.get_password().map_err(|e| Error::Keyring(e.to_string()))).await
}

/// Removes the password of the profile with secret id `id`; a missing entry is fine.
pub async fn remove(id: &str) -> Result<(), Error> {
    let id = id.to_owned();
    blocking(move || match entry(&id)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(Error::Keyring(e.to_string())),
    })
    .await
}
