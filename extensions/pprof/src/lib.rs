//! # otelcol-extension-pprof
//!
//! The `pprof` extension, as the Go collector's contrib `pprofextension`:
//! an HTTP server on `localhost:1777` with Go's `net/http/pprof` routes.
//!
//! - `/debug/pprof/`: an index of the profiles and whether this build has them;
//! - `/debug/pprof/profile?seconds=N` (default 30, at most 300): a CPU profile
//!   sampled at 100 Hz, in the pprof `profile.proto` format, gzip-compressed,
//!   readable by `go tool pprof` and other pprof viewers. One CPU profile runs
//!   at a time per process; a second request gets **409 Conflict**;
//! - `/debug/pprof/cmdline`: the command line, arguments separated by NUL;
//! - `/debug/pprof/heap` (and Go's other runtime profiles): **501** with the reason.
//!
//! With `save_to_file: PATH`, a CPU profile runs from start to shutdown and
//! is written to `PATH` (same format) on shutdown.
//!
//! The [`profile`] module has the `profile.proto` messages, to decode a profile:
//!
//! ```
//! use otelcol_extension_pprof::profile::Profile;
//! use prost::Message;
//! let p = Profile { string_table: vec![String::new()], ..Profile::default() };
//! assert_eq!(Profile::decode(p.encode_to_vec().as_slice()).unwrap(), p);
//! ```

mod build;
mod config;
mod cpu;
mod error;
mod extension;
mod factory;
mod handlers;
pub mod profile;

pub use config::{Config, DEFAULT_ENDPOINT};
pub use error::ProfileError;
pub use extension::PprofExtension;
pub use factory::{PprofFactory, STABILITY, TYPE};
pub use handlers::{DEFAULT_PROFILE_SECONDS, MAX_PROFILE_SECONDS};

/// The factory to register with the runtime.
pub fn factory() -> PprofFactory {
    PprofFactory
}
