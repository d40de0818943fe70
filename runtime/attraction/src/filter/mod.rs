//! `include` / `exclude` matching, as the Go collector's `internal/filter`
//! packages (`filterconfig`, `filterset`, `filtermatcher`, `filterspan`,
//! `filterlog`, `filtermetric`).

mod attributes;
mod config;
mod matcher;
mod set;
mod validate;

#[cfg(test)]
mod matcher_tests;

pub use config::{
    AttributeMatchConfig, LibraryMatchConfig, LogSeverityNumberConfig, MatchConfig, MatchProperties,
    RegexpConfig,
};
pub use matcher::Matcher;
