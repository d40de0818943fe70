//! The `nop` receiver's config: it has no keys.

use otelcol_component::ComponentConfig;
use serde::{Deserialize, Serialize};

/// Config of the `nop` receiver (Go: an empty struct). It has no keys; any
/// key is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NopReceiverConfig {}

impl ComponentConfig for NopReceiverConfig {}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn empty_config_is_the_default() {
        assert_eq!(
            parse_config::<NopReceiverConfig>("").unwrap(),
            NopReceiverConfig::default()
        );
        assert_eq!(
            parse_config::<NopReceiverConfig>("{}").unwrap(),
            NopReceiverConfig::default()
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = parse_config::<NopReceiverConfig>("endpoint: 0.0.0.0:4317").unwrap_err();
        assert!(err.contains("unknown field \"endpoint\""), "{err}");
    }
}
