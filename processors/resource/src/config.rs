//! The `resource` processor's config.

use otelcol_attraction::{ActionConfig, AttrProc};
use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// The config key holding the action list.
pub(crate) const ATTRIBUTES_KEY: &str = "attributes";

/// Config of the `resource` processor (Go `resourceprocessor.Config`).
///
/// The default (no actions) is not valid on its own, as in Go: `attributes`
/// must be given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceConfig {
    /// Actions applied in order to every resource's attributes; the same
    /// actions as the `attributes` processor. Required, non-empty. Default: empty.
    pub attributes: Vec<ActionConfig>,
}

impl ResourceConfig {
    /// Compiles the action list, with errors at `attributes::<index>`.
    pub fn attr_proc(&self) -> Result<AttrProc, ConfigError> {
        AttrProc::new(&self.attributes).map_err(|e| e.to_config_error(ATTRIBUTES_KEY))
    }
}

impl ComponentConfig for ResourceConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.attributes.is_empty() {
            return Err(ConfigError::new(format!(
                "missing required field \"{ATTRIBUTES_KEY}\""
            )));
        }
        self.attr_proc().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_attraction::ConfigValue;
    use otelcol_componenttest::parse_config;

    #[test]
    fn readme_example_parses() {
        let yaml = r#"
attributes:
- key: cloud.availability_zone
  value: "zone-1"
  action: upsert
- key: k8s.cluster.name
  from_attribute: k8s-cluster
  action: insert
- key: redundant-attribute
  action: delete
"#;
        let cfg = parse_config::<ResourceConfig>(yaml).unwrap();
        assert_eq!(
            cfg.attributes,
            vec![
                ActionConfig::new("cloud.availability_zone", "upsert").with_value("zone-1"),
                ActionConfig::new("k8s.cluster.name", "insert").with_from_attribute("k8s-cluster"),
                ActionConfig::new("redundant-attribute", "delete"),
            ]
        );
    }

    #[test]
    fn every_action_kind_parses() {
        let yaml = r#"
attributes:
  - {key: deployment.environment.name, value: production, action: upsert}
  - {key: replicas, value: 3, action: insert}
  - {key: host.id, action: hash}
  - {pattern: ^internal\..*, action: delete}
  - {key: service.port, action: convert, converted_type: int}
  - {key: url, pattern: "^(?P<scheme>[a-z]+)://", action: extract}
  - {key: tenant, from_context: metadata.x-tenant, default_value: none, action: upsert}
"#;
        let cfg = parse_config::<ResourceConfig>(yaml).unwrap();
        assert_eq!(cfg.attributes.len(), 7);
        assert_eq!(cfg.attributes[1].value, Some(ConfigValue::Int(3)));
        assert_eq!(cfg.attr_proc().unwrap().len(), 7);
    }

    #[test]
    fn empty_config_is_refused_like_go() {
        assert_eq!(ResourceConfig::default(), ResourceConfig { attributes: vec![] });
        let err = parse_config::<ResourceConfig>("").unwrap_err();
        assert_eq!(err, "missing required field \"attributes\"");
        let err = parse_config::<ResourceConfig>("attributes: []").unwrap_err();
        assert_eq!(err, "missing required field \"attributes\"");
    }

    #[test]
    fn action_errors_name_the_index() {
        let yaml = "attributes:\n  - {key: a, action: delete}\n  - {key: b, action: insert}\n";
        let err = parse_config::<ResourceConfig>(yaml).unwrap_err();
        assert_eq!(
            err,
            "attributes::1: error creating AttrProc. Either field \"value\", \"from_attribute\", \"from_context\" or \"default_value\" setting must be specified for 1-th action"
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = parse_config::<ResourceConfig>("actions: []").unwrap_err();
        assert!(err.contains("unknown field \"actions\""), "{err}");
        let err =
            parse_config::<ResourceConfig>("attributes: [{key: a, action: delete, vale: 1}]").unwrap_err();
        assert!(err.contains("unknown field \"vale\""), "{err}");
    }
}
