//! Config: sources, merging, expansion, the `service` section and validation.

pub mod error;
pub mod expand;
pub mod model;
pub mod resolve;
pub mod source;

pub use error::{ConfigErrors, ConfigIssue};
pub use resolve::Resolved;
pub use source::ConfigSource;
