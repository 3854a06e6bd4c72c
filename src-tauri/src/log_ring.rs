//! The app's log, kept in memory for the support bundle as well as written to stderr: at most
//! [`CAP`] bytes (the oldest half is dropped when full), so a chatty session never grows it.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// The most bytes kept.
pub const CAP: usize = 2 << 20;

/// The shared buffer; a clone writes to the same one.
#[derive(Clone, Default)]
pub struct Ring(Arc<Mutex<String>>);

impl Ring {
    /// What is kept, oldest first.
    pub fn text(&self) -> String {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn push(&self, bytes: &[u8]) {
        let mut buf = self.0.lock().unwrap_or_else(|p| p.into_inner());
        buf.push_str(&String::from_utf8_lossy(bytes));
        if buf.len() > CAP {
            let mut cut = buf.len() - CAP / 2;
            while !buf.is_char_boundary(cut) {
                cut += 1;
            }
            buf.drain(..cut);
        }
    }
}

/// A writer to stderr and the ring.
pub struct Tee(Ring);

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.push(buf);
        std::io::stderr().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Ring {
    type Writer = Tee;
    fn make_writer(&'a self) -> Self::Writer {
        Tee(self.clone())
    }
}
