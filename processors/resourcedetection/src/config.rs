//! The `resource_detection` processor's config (Go `resourcedetectionprocessor.Config`).

use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// Detectors this build implements.
pub const SUPPORTED_DETECTORS: &[&str] = &["env", "system", "docker"];

/// Detectors of the Go processor that this build does not implement; each
/// is refused by name at validation.
pub const UNSUPPORTED_DETECTORS: &[&str] = &[
    "akamai",
    "aks",
    "alibaba_ecs",
    "azure",
    "azurecontainerapps",
    "consul",
    "digitalocean",
    "dynatrace",
    "ec2",
    "ecs",
    "eks",
    "elasticbeanstalk",
    "gcp",
    "gke",
    "heroku",
    "hetzner",
    "ibmcloud_classic",
    "ibmcloud_vpc",
    "k8s_api",
    "k8snode",
    "kubeadm",
    "lambda",
    "nova",
    "openshift",
    "oraclecloud",
    "scaleway",
    "tencent_cvm",
    "upcloud",
    "vultr",
];

/// Config of the `resource_detection` processor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceDetectionConfig {
    /// Detectors to run, in precedence order: when two detect the same
    /// attribute, the one listed first wins. Default: `[env]`.
    pub detectors: Vec<String>,
    /// Whether detected attributes replace attributes the resource already
    /// has (`true`) or are only added where missing (`false`). Default: `true`.
    #[serde(rename = "override")]
    pub override_existing: bool,
    /// How long detection may take, retries included. Default: 5s.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// Re-run detection this often; `0` detects once at start. Default: 0.
    #[serde(with = "otelcol_component::duration")]
    pub refresh_interval: Duration,
    /// Whether network detectors treat an unreachable metadata service as a
    /// failure. Accepted for compatibility; no detector of this build uses
    /// a metadata service. Default: false.
    pub fail_on_missing_metadata: bool,
    /// The `env` detector's settings.
    pub env: EnvConfig,
    /// The `system` detector's settings.
    pub system: SystemConfig,
    /// The `docker` detector's settings.
    pub docker: DockerConfig,
}

impl Default for ResourceDetectionConfig {
    fn default() -> Self {
        ResourceDetectionConfig {
            detectors: vec!["env".to_string()],
            override_existing: true,
            timeout: Duration::from_secs(5),
            refresh_interval: Duration::ZERO,
            fail_on_missing_metadata: false,
            env: EnvConfig::default(),
            system: SystemConfig::default(),
            docker: DockerConfig::default(),
        }
    }
}

impl ComponentConfig for ResourceDetectionConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        for (i, raw) in self.detectors.iter().enumerate() {
            // Go trims spaces around detector names.
            let name = raw.trim();
            if SUPPORTED_DETECTORS.contains(&name) {
                continue;
            }
            let key = format!("detectors::{i}");
            if UNSUPPORTED_DETECTORS.contains(&name) {
                return Err(ConfigError::at(
                    key,
                    format!("detector {name:?} is not supported by this build"),
                ));
            }
            return Err(ConfigError::at(key, format!("invalid detector key: {name}")));
        }
        self.system.validate()
    }
}

/// A resource attribute that is emitted unless disabled (`{enabled: false}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct On {
    /// Emit the attribute. Default: true.
    pub enabled: bool,
}

impl Default for On {
    fn default() -> Self {
        On { enabled: true }
    }
}

/// A resource attribute that is emitted only when enabled (`{enabled: true}`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Off {
    /// Emit the attribute. Default: false.
    pub enabled: bool,
}

/// The `env` detector's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvConfig {
    /// Which keys of `OTEL_RESOURCE_ATTRIBUTES` are kept.
    pub attributes: EnvAttributesConfig,
}

/// Key patterns for the `env` detector; `*` matches any run of characters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvAttributesConfig {
    /// Keep only keys matching one of these (all keys when empty).
    pub included: Vec<String>,
    /// Then drop keys matching one of these.
    pub excluded: Vec<String>,
}

/// Hostname sources of the `system` detector this build implements.
pub const SUPPORTED_HOSTNAME_SOURCES: &[&str] = &["dns", "os"];

/// The `system` detector's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SystemConfig {
    /// Where `host.name` comes from, first success wins: `dns` (the fully
    /// qualified name) and `os` (the kernel hostname). Empty means
    /// `[dns, os]`. Default: empty.
    pub hostname_sources: Vec<String>,
    /// Which attributes are emitted.
    pub resource_attributes: SystemResourceAttributes,
}

impl SystemConfig {
    /// The hostname sources in effect (`[dns, os]` when none is configured).
    pub fn effective_hostname_sources(&self) -> Vec<String> {
        if self.hostname_sources.is_empty() {
            vec!["dns".to_string(), "os".to_string()]
        } else {
            self.hostname_sources.clone()
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        for (i, source) in self.hostname_sources.iter().enumerate() {
            let key = format!("system::hostname_sources::{i}");
            match source.as_str() {
                "dns" | "os" => {}
                "cname" | "lookup" => {
                    return Err(ConfigError::at(
                        key,
                        format!(
                            "hostname source {source:?} is not supported by this build (it needs DNS queries)"
                        ),
                    ));
                }
                _ => {
                    return Err(ConfigError::at(
                        key,
                        format!("hostname_sources contains invalid value: {source:?}"),
                    ));
                }
            }
        }
        let ra = &self.resource_attributes;
        for (name, enabled) in [
            ("host.ip", ra.host_ip.enabled),
            ("host.mac", ra.host_mac.enabled),
            ("host.interface", ra.host_interface.enabled),
        ] {
            if enabled {
                return Err(ConfigError::at(
                    format!("system::resource_attributes::{name}"),
                    format!("resource attribute {name:?} is not supported by this build"),
                ));
            }
        }
        Ok(())
    }
}

/// The `system` detector's attributes, with Go's defaults (only `host.name`
/// and `os.type` are on).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(missing_docs)]
pub struct SystemResourceAttributes {
    #[serde(rename = "host.arch")]
    pub host_arch: Off,
    #[serde(rename = "host.cpu.cache.l2.size")]
    pub host_cpu_cache_l2_size: Off,
    #[serde(rename = "host.cpu.family")]
    pub host_cpu_family: Off,
    #[serde(rename = "host.cpu.model.id")]
    pub host_cpu_model_id: Off,
    #[serde(rename = "host.cpu.model.name")]
    pub host_cpu_model_name: Off,
    #[serde(rename = "host.cpu.stepping")]
    pub host_cpu_stepping: Off,
    #[serde(rename = "host.cpu.vendor.id")]
    pub host_cpu_vendor_id: Off,
    #[serde(rename = "host.id")]
    pub host_id: Off,
    /// Not supported by this build: refused when enabled.
    #[serde(rename = "host.interface")]
    pub host_interface: Off,
    /// Not supported by this build: refused when enabled.
    #[serde(rename = "host.ip")]
    pub host_ip: Off,
    /// Not supported by this build: refused when enabled.
    #[serde(rename = "host.mac")]
    pub host_mac: Off,
    #[serde(rename = "host.name")]
    pub host_name: On,
    #[serde(rename = "os.build.id")]
    pub os_build_id: Off,
    #[serde(rename = "os.description")]
    pub os_description: Off,
    #[serde(rename = "os.name")]
    pub os_name: Off,
    #[serde(rename = "os.type")]
    pub os_type: On,
    #[serde(rename = "os.version")]
    pub os_version: Off,
}

impl SystemResourceAttributes {
    /// Whether any `host.cpu.*` attribute is enabled (then `/proc/cpuinfo` is read).
    pub fn any_cpu(&self) -> bool {
        self.host_cpu_cache_l2_size.enabled
            || self.host_cpu_family.enabled
            || self.host_cpu_model_id.enabled
            || self.host_cpu_model_name.enabled
            || self.host_cpu_stepping.enabled
            || self.host_cpu_vendor_id.enabled
    }
}

/// The `docker` detector's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DockerConfig {
    /// Which attributes are emitted.
    pub resource_attributes: DockerResourceAttributes,
}

/// The `docker` detector's attributes (both on by default, as in Go).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DockerResourceAttributes {
    /// `host.name`: the Docker daemon's host name.
    #[serde(rename = "host.name")]
    pub host_name: On,
    /// `os.type`: the Docker daemon's OS type.
    #[serde(rename = "os.type")]
    pub os_type: On,
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn defaults_are_go_defaults() {
        let cfg = parse_config::<ResourceDetectionConfig>("").unwrap();
        assert_eq!(cfg, ResourceDetectionConfig::default());
        assert_eq!(cfg.detectors, vec!["env"]);
        assert!(cfg.override_existing);
        assert_eq!(cfg.timeout, Duration::from_secs(5));
        assert_eq!(cfg.refresh_interval, Duration::ZERO);
        let ra = &cfg.system.resource_attributes;
        assert!(ra.host_name.enabled && ra.os_type.enabled);
        assert!(!ra.host_id.enabled && !ra.host_arch.enabled && !ra.os_description.enabled);
        assert!(!ra.any_cpu());
        assert_eq!(cfg.system.effective_hostname_sources(), vec!["dns", "os"]);
        assert!(cfg.docker.resource_attributes.host_name.enabled);
        assert!(cfg.docker.resource_attributes.os_type.enabled);
    }

    #[test]
    fn full_config_parses() {
        let cfg = parse_config::<ResourceDetectionConfig>(
            r#"
detectors: [env, system, docker]
override: false
timeout: 2s
refresh_interval: 1m
system:
  hostname_sources: [os]
  resource_attributes:
    host.id: {enabled: true}
    host.name: {enabled: false}
    host.cpu.vendor.id: {enabled: true}
env:
  attributes: {included: ["service.*"], excluded: [service.version]}
docker:
  resource_attributes:
    os.type: {enabled: false}
"#,
        )
        .unwrap();
        assert!(!cfg.override_existing);
        assert_eq!(cfg.timeout, Duration::from_secs(2));
        assert_eq!(cfg.refresh_interval, Duration::from_secs(60));
        let ra = &cfg.system.resource_attributes;
        assert!(ra.host_id.enabled && !ra.host_name.enabled && ra.any_cpu());
        // Unset attributes keep their own defaults.
        assert!(ra.os_type.enabled);
        assert_eq!(cfg.env.attributes.included, vec!["service.*"]);
        assert!(!cfg.docker.resource_attributes.os_type.enabled);
        assert!(cfg.docker.resource_attributes.host_name.enabled);
    }

    #[test]
    fn an_empty_toggle_keeps_the_attribute_default() {
        let cfg = parse_config::<ResourceDetectionConfig>(
            "system: {resource_attributes: {host.name: {}, host.id: {}}}",
        )
        .unwrap();
        assert!(cfg.system.resource_attributes.host_name.enabled);
        assert!(!cfg.system.resource_attributes.host_id.enabled);
    }

    #[test]
    fn cloud_detectors_are_refused_by_name() {
        let err = parse_config::<ResourceDetectionConfig>("detectors: [env, ec2]").unwrap_err();
        assert_eq!(
            err,
            "detectors::1: detector \"ec2\" is not supported by this build"
        );
        for name in [
            "azure",
            "gcp",
            "eks",
            "k8snode",
            "heroku",
            "lambda",
            "openshift",
            "consul",
        ] {
            let err = parse_config::<ResourceDetectionConfig>(&format!("detectors: [{name}]")).unwrap_err();
            assert!(
                err.contains(&format!("detector {name:?} is not supported")),
                "{err}"
            );
        }
    }

    #[test]
    fn unknown_detectors_are_refused_as_go_does() {
        let err = parse_config::<ResourceDetectionConfig>("detectors: [bogus]").unwrap_err();
        assert_eq!(err, "detectors::0: invalid detector key: bogus");
        // Go trims spaces around names.
        parse_config::<ResourceDetectionConfig>("detectors: [' env ']").unwrap();
    }

    #[test]
    fn hostname_sources_are_checked() {
        let err =
            parse_config::<ResourceDetectionConfig>("system: {hostname_sources: [os, foo]}").unwrap_err();
        assert_eq!(
            err,
            "system::hostname_sources::1: hostname_sources contains invalid value: \"foo\""
        );
        let err = parse_config::<ResourceDetectionConfig>("system: {hostname_sources: [cname]}").unwrap_err();
        assert!(err.contains("\"cname\" is not supported by this build"), "{err}");
    }

    #[test]
    fn unsupported_attributes_are_refused_when_enabled() {
        let err = parse_config::<ResourceDetectionConfig>(
            "system: {resource_attributes: {host.ip: {enabled: true}}}",
        )
        .unwrap_err();
        assert_eq!(
            err,
            "system::resource_attributes::host.ip: resource attribute \"host.ip\" is not supported by this build"
        );
        parse_config::<ResourceDetectionConfig>(
            "system: {resource_attributes: {host.mac: {enabled: false}}}",
        )
        .unwrap();
    }

    #[test]
    fn unknown_keys_are_refused() {
        for yaml in [
            "attributes: [host.name]",
            "system: {hostname_source: [os]}",
            "system: {resource_attributes: {host.nam: {enabled: true}}}",
            "env: {allowlist: [a]}",
        ] {
            let err = parse_config::<ResourceDetectionConfig>(yaml).unwrap_err();
            assert!(err.contains("unknown field"), "{yaml}: {err}");
        }
    }
}
