//! The `file` exporter's config, with the Go collector's keys and defaults.

use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// Default `format`.
pub const DEFAULT_FORMAT: Format = Format::Json;
/// Default `flush_interval` (also used when it is set to 0, as in Go).
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Default `rotation::max_megabytes` (0 also means this, as in lumberjack).
pub const DEFAULT_MAX_MEGABYTES: u64 = 100;
/// Default `rotation::max_backups` (0 means keep every backup).
pub const DEFAULT_MAX_BACKUPS: u32 = 100;
/// Default `rotation::max_days` (0 means no age limit).
pub const DEFAULT_MAX_DAYS: u32 = 0;
/// Default `group_by::resource_attribute`.
pub const DEFAULT_GROUP_BY_ATTRIBUTE: &str = "fileexporter.path_segment";
/// Default `group_by::max_open_files`.
pub const DEFAULT_MAX_OPEN_FILES: u32 = 100;
/// Default `directory_permissions` when `create_directory` is true.
pub const DEFAULT_DIRECTORY_PERMISSIONS: &str = "0755";

/// How payloads are encoded in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Format {
    /// One OTLP/JSON object per line.
    Json,
    /// Each protobuf `Export*ServiceRequest` preceded by its length as a
    /// 4-byte big-endian unsigned integer.
    Proto,
}

impl TryFrom<String> for Format {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "json" => Ok(Format::Json),
            "proto" => Ok(Format::Proto),
            // Go's message, plus what is accepted.
            _ => Err(format!(
                "format type is not supported: \"{s}\" (expected json or proto)"
            )),
        }
    }
}

impl From<Format> for String {
    fn from(f: Format) -> String {
        match f {
            Format::Json => "json".into(),
            Format::Proto => "proto".into(),
        }
    }
}

/// The `rotation` section: present means size-based rotation is on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RotationConfig {
    /// Size in MiB at which the file is rotated; 0 means the default. Default 100.
    pub max_megabytes: u64,
    /// Backups older than this many days (by the time in their name) are
    /// deleted; 0 keeps them regardless of age. Default 0.
    pub max_days: u32,
    /// At most this many backups are kept; 0 keeps all. Default 100.
    pub max_backups: u32,
    /// Name backups in local time instead of UTC. Default false; `true` is
    /// refused by this build.
    pub localtime: bool,
}

impl Default for RotationConfig {
    fn default() -> Self {
        RotationConfig {
            max_megabytes: DEFAULT_MAX_MEGABYTES,
            max_days: DEFAULT_MAX_DAYS,
            max_backups: DEFAULT_MAX_BACKUPS,
            localtime: false,
        }
    }
}

impl RotationConfig {
    /// The rotation threshold in bytes.
    pub fn max_bytes(&self) -> u64 {
        let mb = if self.max_megabytes == 0 {
            DEFAULT_MAX_MEGABYTES
        } else {
            self.max_megabytes
        };
        mb.saturating_mul(1024 * 1024)
    }
}

/// The `group_by` section (one file per resource attribute value). Only the
/// disabled form is accepted by this build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupByConfig {
    /// Whether grouping is on. Default false; `true` is refused by this build.
    pub enabled: bool,
    /// The resource attribute whose value replaces the `*` in `path`.
    /// Default `fileexporter.path_segment`.
    pub resource_attribute: String,
    /// Most files open at once. Default 100.
    pub max_open_files: u32,
}

impl Default for GroupByConfig {
    fn default() -> Self {
        GroupByConfig {
            enabled: false,
            resource_attribute: DEFAULT_GROUP_BY_ATTRIBUTE.into(),
            max_open_files: DEFAULT_MAX_OPEN_FILES,
        }
    }
}

/// Config of the `file` exporter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileConfig {
    /// The file to write, relative to the working directory. Required (no default).
    pub path: String,
    /// Append to an existing file instead of truncating it. Default false.
    pub append: bool,
    /// Size-based rotation; absent (the default) means none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<RotationConfig>,
    /// `json` or `proto`. Default `json`.
    pub format: Format,
    /// An encoding extension id; refused by this build (no encoding extensions yet). Default unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// `""` or `none`; `zstd` is refused by this build. Default `""`.
    pub compression: String,
    /// How often buffered data is written to the file. Default `1s`; `0` means `1s`.
    #[serde(with = "otelcol_component::duration")]
    pub flush_interval: Duration,
    /// Writing to one file per resource attribute value. Default disabled.
    pub group_by: GroupByConfig,
    /// Create the directory of `path` on start if it is missing. Default false.
    pub create_directory: bool,
    /// Octal permissions for directories made by `create_directory`.
    /// Default unset, meaning `0755`; refused without `create_directory`.
    pub directory_permissions: String,
}

impl Default for FileConfig {
    fn default() -> Self {
        FileConfig {
            path: String::new(),
            append: false,
            rotation: None,
            format: DEFAULT_FORMAT,
            encoding: None,
            compression: String::new(),
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            group_by: GroupByConfig::default(),
            create_directory: false,
            directory_permissions: String::new(),
        }
    }
}

impl FileConfig {
    /// `flush_interval`, with 0 meaning the default.
    pub fn effective_flush_interval(&self) -> Duration {
        if self.flush_interval.is_zero() {
            DEFAULT_FLUSH_INTERVAL
        } else {
            self.flush_interval
        }
    }

    /// True with `compression: zstd` (the only codec, as in Go).
    pub fn compressed(&self) -> bool {
        !(self.compression.is_empty() || self.compression == "none")
    }

    /// The permissions for `create_directory` (already validated).
    pub fn directory_mode(&self) -> u32 {
        let s = if self.directory_permissions.is_empty() {
            DEFAULT_DIRECTORY_PERMISSIONS
        } else {
            &self.directory_permissions
        };
        u32::from_str_radix(s, 8).unwrap_or(0o755)
    }
}

impl ComponentConfig for FileConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        // Go's checks, in Go's order and words.
        if self.path.is_empty() {
            return Err(ConfigError::new("path must be non-empty"));
        }
        if self.append && self.compressed() {
            return Err(ConfigError::new(
                "append and compression enabled at the same time is not supported",
            ));
        }
        if self.append && self.rotation.is_some() {
            return Err(ConfigError::new(
                "append and rotation enabled at the same time is not supported",
            ));
        }
        if self.compressed() && self.compression != "zstd" {
            return Err(ConfigError::at(
                "compression",
                format!("compression is not supported: \"{}\"", self.compression),
            ));
        }
        if self.create_directory {
            let mode = u32::from_str_radix(&self.directory_permissions, 8);
            match mode {
                _ if self.directory_permissions.is_empty() => {}
                Err(_) => {
                    return Err(ConfigError::new(
                        "directory_permissions value must be a valid octal representation",
                    ));
                }
                Ok(m) if m & !0o777 != 0 => {
                    return Err(ConfigError::new(
                        "directory_permissions contain invalid bits for file access",
                    ));
                }
                Ok(_) => {}
            }
        } else if !self.directory_permissions.is_empty() {
            return Err(ConfigError::new(
                "directory_permissions requires create_directory to be true",
            ));
        }
        // What this build does not do yet: refuse loudly rather than ignore.
        if self.encoding.is_some() {
            return Err(ConfigError::at(
                "encoding",
                "encoding extensions are not supported by this build yet",
            ));
        }
        if self.group_by.enabled {
            return Err(ConfigError::at(
                "group_by::enabled",
                "group_by is not supported by this build yet",
            ));
        }
        Ok(())
    }
}

impl FileConfig {
    /// Settings Go accepts that this build accepts without applying them,
    /// each with why; the exporter logs them as warnings when it is created.
    pub fn unapplied_settings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.rotation.as_ref().is_some_and(|r| r.localtime) {
            out.push(
                "rotation::localtime: true is not applied: backups are named in UTC by this build"
                    .to_string(),
            );
        }
        out
    }
}
