//! # otelcol-attraction
//!
//! The attribute action list shared by the `attributes` and `resource`
//! processors — the Go collector's `internal/coreinternal/attraction` — and
//! the `include` / `exclude` matching of the `attributes` processor (Go's
//! `internal/filter`).
//!
//! ```
//! use otelcol_attraction::{ActionConfig, AttrProc};
//! use otelcol_component::RequestContext;
//!
//! let actions = vec![
//!     ActionConfig::new("env", "upsert").with_value("prod"),
//!     ActionConfig::new("password", "delete"),
//! ];
//! let proc = AttrProc::new(&actions).expect("valid actions");
//! let mut attrs = Vec::new();
//! proc.process(&mut attrs, &RequestContext::default());
//! assert_eq!(attrs.len(), 1);
//! assert_eq!(attrs[0].key, "env");
//! ```
//!
//! Actions run in order on an attribute list with the semantics of Go's
//! `pcommon.Map` (first entry with a key wins; writes overwrite in place or
//! append). Validation errors carry Go's wording and the action's index.

#![forbid(unsafe_code)]

mod attrs;
mod config;
mod context;
mod convert;
mod error;
mod filter;
mod format;
mod hash;
mod proc;
mod re;
mod value;

#[cfg(test)]
mod proc_tests;
#[cfg(test)]
mod validation_tests;

pub use config::ActionConfig;
pub use context::context_value;
pub use convert::ConvertTarget;
pub use error::{ActionError, MatchError};
pub use filter::{
    AttributeMatchConfig, LibraryMatchConfig, LogSeverityNumberConfig, MatchConfig, MatchProperties, Matcher,
    RegexpConfig,
};
pub use format::as_string;
pub use hash::sha256_hex;
pub use proc::AttrProc;
pub use value::ConfigValue;
