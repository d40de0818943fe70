//! Blocks of an HTTP client (Go `confighttp.ClientConfig`) that are not
//! shared with servers.

use serde::{Deserialize, Serialize};

/// `cookies`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CookiesConfig {
    /// Keep cookies the server sets. Default: false.
    pub enabled: bool,
}
