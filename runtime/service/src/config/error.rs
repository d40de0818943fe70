//! Config errors: every problem found, each naming the source, the key path
//! and what was expected. The types live in `otelcol-confmap`, which also
//! decodes each component's config, so the test kit reports the same.

pub(crate) use otelcol_confmap::from_figment;
pub use otelcol_confmap::{ConfigErrors, ConfigIssue};
