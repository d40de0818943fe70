//! The `host_metrics` receiver's config, with Go's keys and defaults.

use std::collections::BTreeMap;
use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Deserializer, Serialize};

use crate::metadata::{self, ScraperMetadata};

/// Config of the `host_metrics` receiver (Go: `hostmetricsreceiver.Config`,
/// which squashes `scraperhelper.ControllerConfig`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostMetricsConfig {
    /// How often every scraper runs. Default `1m`; must be positive.
    #[serde(with = "otelcol_component::duration")]
    pub collection_interval: Duration,
    /// How long after start the first scrape runs. Default `1s`.
    #[serde(with = "otelcol_component::duration")]
    pub initial_delay: Duration,
    /// The longest one scrape may take; `0` means no limit. Default `0`.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// The host's root directory when the collector runs in a container
    /// with the host mounted (`/hostfs`): `/proc`, `/sys` and the mount
    /// points are read under it. Default empty (the collector's own root).
    pub root_path: String,
    /// Go's interval of host entity events (the logs signal, which this
    /// build does not emit); accepted for compatibility. Default `5m`.
    #[serde(with = "otelcol_component::duration")]
    pub metadata_collection_interval: Duration,
    /// The scrapers to run, each with its own settings. At least one.
    pub scrapers: ScrapersConfig,
}

impl Default for HostMetricsConfig {
    fn default() -> Self {
        HostMetricsConfig {
            collection_interval: Duration::from_secs(60),
            initial_delay: Duration::from_secs(1),
            timeout: Duration::ZERO,
            root_path: String::new(),
            metadata_collection_interval: Duration::from_secs(300),
            scrapers: ScrapersConfig::default(),
        }
    }
}

impl ComponentConfig for HostMetricsConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.collection_interval.is_zero() {
            return Err(ConfigError::at("collection_interval", "requires positive value"));
        }
        if !self.root_path.is_empty() && !self.root_path.starts_with('/') {
            return Err(ConfigError::at(
                "root_path",
                format!("invalid root_path {:?}: must be an absolute path", self.root_path),
            ));
        }
        self.scrapers.validate()
    }
}

/// Deserializes a present key: a null value (`cpu:`) is the default config.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<Option<T>, D::Error> {
    Ok(Some(Option::<T>::deserialize(d)?.unwrap_or_default()))
}

/// The `scrapers` section: one optional key per scraper. An unknown key is
/// refused, naming it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScrapersConfig {
    /// CPU times, utilization, counts and frequency.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuConfig>,
    /// Disk I/O per block device.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub disk: Option<DiskConfig>,
    /// File system usage per mount point.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<FilesystemConfig>,
    /// Load averages.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadConfig>,
    /// Memory usage.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemoryConfig>,
    /// Network interface I/O and TCP connections.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkConfig>,
    /// Swap usage, paging operations and faults.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub paging: Option<PagingConfig>,
    /// Process counts by status.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub processes: Option<ProcessesConfig>,
    /// Per-process CPU, memory, disk I/O...
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub process: Option<ProcessConfig>,
    /// System uptime.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemConfig>,
    /// Go's `nfs` scraper: not implemented by this build, refused when set.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub nfs: Option<UnsupportedScraper>,
    /// Go's `hardware` scraper: not implemented by this build, refused when set.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub hardware: Option<UnsupportedScraper>,
}

impl ScrapersConfig {
    /// The names of the configured scrapers, in scrape order.
    pub fn names(&self) -> Vec<&'static str> {
        let set = [
            ("cpu", self.cpu.is_some()),
            ("disk", self.disk.is_some()),
            ("filesystem", self.filesystem.is_some()),
            ("load", self.load.is_some()),
            ("memory", self.memory.is_some()),
            ("network", self.network.is_some()),
            ("paging", self.paging.is_some()),
            ("processes", self.processes.is_some()),
            ("process", self.process.is_some()),
            ("system", self.system.is_some()),
        ];
        set.into_iter().filter(|(_, on)| *on).map(|(n, _)| n).collect()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        for (name, set) in [("nfs", self.nfs.is_some()), ("hardware", self.hardware.is_some())] {
            if set {
                return Err(ConfigError::at(
                    format!("scrapers::{name}"),
                    format!(
                        "scraper {name:?} is not supported by this build (supported: cpu, disk, filesystem, load, memory, network, paging, processes, process, system)"
                    ),
                ));
            }
        }
        if self.names().is_empty() {
            return Err(ConfigError::new(
                "must specify at least one scraper when using hostmetrics receiver",
            ));
        }
        if let Some(c) = &self.cpu {
            validate_metrics(&metadata::CPU, &c.metrics)?;
        }
        if let Some(c) = &self.disk {
            validate_metrics(&metadata::DISK, &c.metrics)?;
            c.include.validate("scrapers::disk::include")?;
            c.exclude.validate("scrapers::disk::exclude")?;
        }
        if let Some(c) = &self.filesystem {
            validate_metrics(&metadata::FILESYSTEM, &c.metrics)?;
            c.include_devices
                .validate("scrapers::filesystem::include_devices")?;
            c.exclude_devices
                .validate("scrapers::filesystem::exclude_devices")?;
            c.include_fs_types
                .validate("scrapers::filesystem::include_fs_types")?;
            c.exclude_fs_types
                .validate("scrapers::filesystem::exclude_fs_types")?;
            c.include_mount_points
                .validate("scrapers::filesystem::include_mount_points")?;
            c.exclude_mount_points
                .validate("scrapers::filesystem::exclude_mount_points")?;
        }
        if let Some(c) = &self.load {
            validate_metrics(&metadata::LOAD, &c.metrics)?;
        }
        if let Some(c) = &self.memory {
            validate_metrics(&metadata::MEMORY, &c.metrics)?;
        }
        if let Some(c) = &self.network {
            validate_metrics(&metadata::NETWORK, &c.metrics)?;
            c.include.validate("scrapers::network::include")?;
            c.exclude.validate("scrapers::network::exclude")?;
        }
        if let Some(c) = &self.paging {
            validate_metrics(&metadata::PAGING, &c.metrics)?;
        }
        if let Some(c) = &self.processes {
            validate_metrics(&metadata::PROCESSES, &c.metrics)?;
        }
        if let Some(c) = &self.process {
            validate_metrics(&metadata::PROCESS, &c.metrics)?;
            validate_resource_attributes(&metadata::PROCESS, &c.resource_attributes)?;
            c.include.validate("scrapers::process::include")?;
            c.exclude.validate("scrapers::process::exclude")?;
        }
        if let Some(c) = &self.system {
            validate_metrics(&metadata::SYSTEM, &c.metrics)?;
        }
        Ok(())
    }
}

fn validate_metrics(meta: &ScraperMetadata, metrics: &MetricsConfig) -> Result<(), ConfigError> {
    for name in metrics.keys() {
        if meta.metric(name).is_none() {
            return Err(ConfigError::at(
                format!("scrapers::{}::metrics::{name}", meta.name),
                format!(
                    "error reading settings for scraper type {:?}: 'metrics' has invalid keys: {name}",
                    meta.name
                ),
            ));
        }
    }
    Ok(())
}

fn validate_resource_attributes(
    meta: &ScraperMetadata,
    attrs: &ResourceAttributesConfig,
) -> Result<(), ConfigError> {
    for (name, cfg) in attrs {
        let key = format!("scrapers::{}::resource_attributes::{name}", meta.name);
        if !meta.resource_attributes.iter().any(|a| a.name == name) {
            return Err(ConfigError::at(
                key,
                format!(
                    "error reading settings for scraper type {:?}: 'resource_attributes' has invalid keys: {name}",
                    meta.name
                ),
            ));
        }
        for (list, filters) in [
            ("metrics_include", &cfg.metrics_include),
            ("metrics_exclude", &cfg.metrics_exclude),
        ] {
            for (i, f) in filters.iter().enumerate() {
                f.validate(&format!("{key}::{list}::{i}"))?;
            }
        }
    }
    Ok(())
}

/// One metric's settings under a scraper's `metrics` key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MetricToggle {
    /// Emit the metric; unset means the metric's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

impl<'de> Deserialize<'de> for MetricToggle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            #[serde(default)]
            enabled: Option<bool>,
        }
        Ok(Option::<Raw>::deserialize(d)?
            .map_or_else(MetricToggle::default, |r| MetricToggle { enabled: r.enabled }))
    }
}

/// A scraper's `metrics` section: metric name → settings. Names not
/// declared by the scraper are refused.
pub type MetricsConfig = BTreeMap<String, MetricToggle>;

/// A resource attribute's settings (Go's `ResourceAttributeConfig`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ResourceAttributeToggle {
    /// Set the attribute; unset means its default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Emit a resource only when this attribute's value matches one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics_include: Vec<ValueFilter>,
    /// Drop a resource when this attribute's value matches one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics_exclude: Vec<ValueFilter>,
}

impl<'de> Deserialize<'de> for ResourceAttributeToggle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            #[serde(default)]
            enabled: Option<bool>,
            #[serde(default)]
            metrics_include: Vec<ValueFilter>,
            #[serde(default)]
            metrics_exclude: Vec<ValueFilter>,
        }
        Ok(
            Option::<Raw>::deserialize(d)?.map_or_else(ResourceAttributeToggle::default, |r| {
                ResourceAttributeToggle {
                    enabled: r.enabled,
                    metrics_include: r.metrics_include,
                    metrics_exclude: r.metrics_exclude,
                }
            }),
        )
    }
}

/// A scraper's `resource_attributes` section.
pub type ResourceAttributesConfig = BTreeMap<String, ResourceAttributeToggle>;

/// One value filter of `metrics_include` / `metrics_exclude` (Go's
/// `filter.Config`): exactly one of `strict` (equal) or `regexp` (matches
/// anywhere in the value).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ValueFilter {
    /// The exact value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strict: Option<String>,
    /// A regular expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regexp: Option<String>,
}

impl ValueFilter {
    fn validate(&self, key: &str) -> Result<(), ConfigError> {
        match (&self.strict, &self.regexp) {
            (Some(_), None) => Ok(()),
            (None, Some(re)) => regex::Regex::new(re)
                .map(|_| ())
                .map_err(|e| ConfigError::at(format!("{key}::regexp"), format!("invalid regexp: {e}"))),
            _ => Err(ConfigError::at(
                key,
                "must specify exactly one of strict or regexp",
            )),
        }
    }
}

/// Go's `filterset.RegexpConfig` (`regexp:` next to `match_type`): the
/// match cache settings, accepted and ignored (matching needs no cache here).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegexpCacheConfig {
    /// Go: cache match results.
    pub cacheenabled: bool,
    /// Go: the cache size.
    pub cachemaxnumentries: u64,
}

/// How the names of a filter are compared (Go's `filterset.MatchType`).
pub const MATCH_TYPES: [&str; 2] = ["regexp", "strict"];

fn validate_filter(key: &str, list_key: &str, items: &[String], match_type: &str) -> Result<(), ConfigError> {
    if items.is_empty() {
        return Ok(());
    }
    match match_type {
        "strict" => Ok(()),
        "regexp" => {
            for (i, item) in items.iter().enumerate() {
                regex::Regex::new(item).map_err(|e| {
                    ConfigError::at(format!("{key}::{list_key}::{i}"), format!("invalid regexp: {e}"))
                })?;
            }
            Ok(())
        }
        other => Err(ConfigError::at(
            format!("{key}::match_type"),
            format!("unrecognized match_type: '{other}', valid types are: [regexp strict]"),
        )),
    }
}

macro_rules! match_config {
    ($(#[$doc:meta])* $name:ident, $field:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            /// The names to match.
            pub $field: Vec<String>,
            /// `strict` (equal) or `regexp` (matches anywhere in the name);
            /// required when the list is not empty.
            pub match_type: String,
            /// Go's regexp cache settings (ignored).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub regexp: Option<RegexpCacheConfig>,
        }

        impl $name {
            fn validate(&self, key: &str) -> Result<(), ConfigError> {
                validate_filter(key, stringify!($field), &self.$field, &self.match_type)
            }

            /// The compiled filter, `None` when the list is empty (no filtering).
            pub(crate) fn compile(&self) -> Result<Option<crate::filter::FilterSet>, regex::Error> {
                crate::filter::FilterSet::new(&self.$field, &self.match_type)
            }
        }
    };
}

match_config!(
    /// Block device names to include or exclude (`disk`, `filesystem`).
    DeviceMatch,
    devices
);
match_config!(
    /// File system types to include or exclude (`filesystem`).
    FsTypeMatch,
    fs_types
);
match_config!(
    /// Mount points to include or exclude (`filesystem`).
    MountPointMatch,
    mount_points
);
match_config!(
    /// Network interface names to include or exclude (`network`).
    InterfaceMatch,
    interfaces
);
match_config!(
    /// Process executable names to include or exclude (`process`).
    NameMatch,
    names
);

/// Settings of the `cpu` scraper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CpuConfig {
    /// Per-metric settings.
    pub metrics: MetricsConfig,
}

/// Settings of the `disk` scraper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiskConfig {
    /// Per-metric settings.
    pub metrics: MetricsConfig,
    /// Only these devices (all when empty).
    pub include: DeviceMatch,
    /// Not these devices.
    pub exclude: DeviceMatch,
}

/// Settings of the `filesystem` scraper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilesystemConfig {
    /// Per-metric settings.
    pub metrics: MetricsConfig,
    /// Also report virtual file systems (`tmpfs`, `proc`...: those
    /// `/proc/filesystems` marks `nodev`). Default false.
    pub include_virtual_filesystems: bool,
    /// Only these devices.
    pub include_devices: DeviceMatch,
    /// Not these devices.
    pub exclude_devices: DeviceMatch,
    /// Only these file system types.
    pub include_fs_types: FsTypeMatch,
    /// Not these file system types.
    pub exclude_fs_types: FsTypeMatch,
    /// Only these mount points.
    pub include_mount_points: MountPointMatch,
    /// Not these mount points.
    pub exclude_mount_points: MountPointMatch,
}

/// Settings of the `load` scraper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoadConfig {
    /// Per-metric settings.
    pub metrics: MetricsConfig,
    /// Divide the load averages by the number of logical CPUs. Default false.
    pub cpu_average: bool,
}

/// Settings of the `memory` scraper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryConfig {
    /// Per-metric settings.
    pub metrics: MetricsConfig,
}

/// Settings of the `network` scraper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// Per-metric settings.
    pub metrics: MetricsConfig,
    /// Only these interfaces (all when empty).
    pub include: InterfaceMatch,
    /// Not these interfaces.
    pub exclude: InterfaceMatch,
}

/// Settings of the `paging` scraper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PagingConfig {
    /// Per-metric settings.
    pub metrics: MetricsConfig,
}

/// Settings of the `processes` scraper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProcessesConfig {
    /// Per-metric settings.
    pub metrics: MetricsConfig,
}

/// Settings of the `system` scraper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SystemConfig {
    /// Per-metric settings.
    pub metrics: MetricsConfig,
}

/// Settings of the `process` scraper.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProcessConfig {
    /// Per-metric settings.
    pub metrics: MetricsConfig,
    /// Per-resource-attribute settings.
    pub resource_attributes: ResourceAttributesConfig,
    /// Only processes whose executable name matches (all when empty).
    pub include: NameMatch,
    /// Not processes whose executable name matches.
    pub exclude: NameMatch,
    /// Report no per-process error at all. Default false.
    pub mute_process_all_errors: bool,
    /// Do not report failures to read a process name. Default false.
    pub mute_process_name_error: bool,
    /// Do not report failures to read `/proc/<pid>/io`. Default false.
    pub mute_process_io_error: bool,
    /// Do not report failures to read a process cgroup. Default false.
    pub mute_process_cgroup_error: bool,
    /// Do not report failures to read the executable path. Default false.
    pub mute_process_exe_error: bool,
    /// Do not report failures to find the owner's user name. Default false.
    pub mute_process_user_error: bool,
    /// Skip processes that started less than this long ago. Default `0s`.
    #[serde(with = "otelcol_component::duration")]
    pub scrape_process_delay: Duration,
}

/// The settings of a scraper Go has and this build does not: any keys are
/// accepted so that the refusal names the scraper, not a key inside it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsupportedScraper {}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    fn parse(yaml: &str) -> Result<HostMetricsConfig, String> {
        parse_config::<HostMetricsConfig>(yaml)
    }

    #[test]
    fn defaults_are_go_defaults() {
        let d = HostMetricsConfig::default();
        assert_eq!(d.collection_interval, Duration::from_secs(60));
        assert_eq!(d.initial_delay, Duration::from_secs(1));
        assert_eq!(d.timeout, Duration::ZERO);
        assert_eq!(d.metadata_collection_interval, Duration::from_secs(300));
        assert!(d.root_path.is_empty());
        // Go refuses a receiver without scrapers.
        let err = parse("").unwrap_err();
        assert!(err.contains("must specify at least one scraper"), "{err}");
    }

    #[test]
    fn null_scrapers_get_their_defaults() {
        let c = parse("scrapers:\n  cpu:\n  memory: {}\n  load:\n    cpu_average: true\n").unwrap();
        assert_eq!(c.scrapers.names(), ["cpu", "load", "memory"]);
        assert_eq!(c.scrapers.cpu, Some(CpuConfig::default()));
        assert!(c.scrapers.load.as_ref().unwrap().cpu_average);
    }

    #[test]
    fn config_errors_name_the_key() {
        // (yaml, expected fragment of the error)
        let table: &[(&str, &str)] = &[
            ("scrapers: {cpuu: }", "cpuu"),
            (
                "scrapers: {nfs: }",
                "scrapers::nfs: scraper \"nfs\" is not supported",
            ),
            ("scrapers: {hardware: {x: 1}}", "scrapers::hardware"),
            (
                "scrapers: {cpu: {metrics: {system.cpu.bogus: {enabled: true}}}}",
                "scrapers::cpu::metrics::system.cpu.bogus: error reading settings for scraper type \"cpu\": 'metrics' has invalid keys: system.cpu.bogus",
            ),
            (
                "scrapers: {cpu: {metrics: {system.cpu.time: {enabld: true}}}}",
                "enabld",
            ),
            (
                "scrapers: {cpu: {resource_attributes: {}}}",
                "resource_attributes",
            ),
            (
                "scrapers: {process: {resource_attributes: {host.name: {enabled: true}}}}",
                "'resource_attributes' has invalid keys: host.name",
            ),
            (
                "scrapers: {disk: {include: {devices: [sda]}}}",
                "scrapers::disk::include::match_type: unrecognized match_type: '', valid types are: [regexp strict]",
            ),
            (
                "scrapers: {network: {exclude: {interfaces: ['(lo'], match_type: regexp}}}",
                "scrapers::network::exclude::interfaces::0: invalid regexp",
            ),
            (
                "scrapers: {filesystem: {exclude_mount_points: {mount_points: [/], match_type: glob}}}",
                "unrecognized match_type: 'glob'",
            ),
            (
                "collection_interval: 0s\nscrapers: {cpu: }",
                "collection_interval: requires positive value",
            ),
            (
                "root_path: hostfs\nscrapers: {cpu: }",
                "root_path: invalid root_path",
            ),
            (
                "scrapers: {process: {resource_attributes: {process.pid: {metrics_include: [{}]}}}}",
                "exactly one of strict or regexp",
            ),
        ];
        for (yaml, want) in table {
            let err = parse(yaml).unwrap_err();
            assert!(err.contains(want), "{yaml}: {err}");
        }
    }

    #[test]
    fn go_keys_are_accepted() {
        let c = parse(
            r"
collection_interval: 10s
initial_delay: 0s
timeout: 5s
root_path: /hostfs
metadata_collection_interval: 1m
scrapers:
  cpu: {metrics: {system.cpu.utilization: {enabled: true}, system.cpu.time: }}
  disk: {include: {devices: [sda, 'nvme\d+'], match_type: regexp, regexp: {cacheenabled: true, cachemaxnumentries: 10}}}
  filesystem:
    include_virtual_filesystems: true
    include_devices: {devices: [/dev/sda1], match_type: strict}
    exclude_fs_types: {fs_types: [tmpfs], match_type: strict}
    include_mount_points: {mount_points: [/], match_type: strict}
  network: {include: {interfaces: [eth0], match_type: strict}}
  process:
    include: {names: [otelcol], match_type: regexp}
    mute_process_all_errors: true
    mute_process_name_error: true
    mute_process_io_error: true
    mute_process_cgroup_error: true
    mute_process_exe_error: true
    mute_process_user_error: true
    scrape_process_delay: 10s
    resource_attributes:
      process.cgroup: {enabled: true}
      process.executable.name: {metrics_include: [{regexp: otel}], metrics_exclude: [{strict: x}]}
  paging:
  processes:
  system: {metrics: {system.uptime: {enabled: false}}}
",
        )
        .unwrap();
        assert_eq!(c.collection_interval, Duration::from_secs(10));
        assert_eq!(c.timeout, Duration::from_secs(5));
        let p = c.scrapers.process.as_ref().unwrap();
        assert_eq!(p.scrape_process_delay, Duration::from_secs(10));
        assert_eq!(p.resource_attributes["process.cgroup"].enabled, Some(true));
        assert_eq!(
            c.scrapers.cpu.as_ref().unwrap().metrics["system.cpu.time"],
            MetricToggle::default()
        );
        // Round trip through serialize.
        let y = serde_yaml::to_string(&c).unwrap();
        assert_eq!(parse(&y).unwrap(), c, "{y}");
    }
}
