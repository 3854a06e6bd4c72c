//! Digest passwords in the OS keyring (secret-service on Linux, through `keyring`).
//!
//! The keyring calls are blocking D-Bus round trips, so they run on tokio's blocking pool.

use crate::Error;

const SERVICE: &str = "tbdesk";

fn entry(id: i64) -> Result<keyring::Entry, Error> {
    keyring::Entry::new(SERVICE, &format!("profile:{id}")).map_err(|e| Error::Keyring(e.to_string()))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Keyring(e.to_string()))?
}

/// Stores the password of profile `id`.
pub async fn store(id: i64, password: &str) -> Result<(), Error> {
    let pw = password.to_owned();
    blocking(move || entry(id)?.set_password(&pw).map_err(|e| Error::Keyring(e.to_string()))).await
}

/// Reads the password of profile `id`.
pub async fn load(id: i64) -> Result<String, Error> {
    blocking(move || entry(id)?.get_password().map_err(|e| Error::Keyring(e.to_string()))).await
}

/// Removes the password of profile `id`; a missing entry is fine.
pub async fn remove(id: i64) -> Result<(), Error> {
    blocking(move || match entry(id)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(Error::Keyring(e.to_string())),
    })
    .await
}
