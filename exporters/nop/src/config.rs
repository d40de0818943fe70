//! The `nop` exporter's config: it has no keys.

use otelcol_component::ComponentConfig;
use serde::{Deserialize, Serialize};

/// Config of the `nop` exporter. It has no keys; any key is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NopConfig {}

impl ComponentConfig for NopConfig {}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn empty_config_is_default() {
        assert_eq!(parse_config::<NopConfig>("").unwrap(), NopConfig::default());
        assert_eq!(parse_config::<NopConfig>("{}").unwrap(), NopConfig::default());
    }

    #[test]
    fn unknown_key_is_refused() {
        let err = parse_config::<NopConfig>("verbosity: basic").unwrap_err();
        assert!(err.contains("unknown field \"verbosity\""), "{err}");
    }
}
