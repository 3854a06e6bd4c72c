//! Digest passwords in the OS keyring (secret-service on Linux, through `keyring`).
//!
//! The keyring calls are blocking D-Bus round trips, so they run on tokio's blocking pool.

use crate::Error;

const SERVICE: &str = "tbdesk";

/// The keyring entry of a profile, keyed by its stable unique secret id (a UUID stored with the
/// profile, never reused), so two data dirs never share an entry.
fn entry(id: &str) -> Result<keyring::Entry, Error> {
    keyring::Entry::new(SERVICE, &format!("profile:{id}")).map_err(|e| Error::Keyring(e.to_string()))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Keyring(e.to_string()))?
}

/// Stores the password of the profile with secret id `id`.
pub async fn store(id: &str, password: &str) -> Result<(), Error> {
    let (id, pw) = (id.to_owned(), password.to_owned());
    blocking(move || entry(&id)?.set_password(&pw).map_err(|e| Error::Keyring(e.to_string()))).await
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
