//! Config parsing and validation tests.

use std::time::Duration;

use otelcol_componenttest::parse_config;

use crate::config::*;

#[test]
fn defaults() {
    let cfg = FileConfig::default();
    assert_eq!(cfg.format, Format::Json);
    assert_eq!(cfg.flush_interval, Duration::from_secs(1));
    assert!(!cfg.append && cfg.rotation.is_none() && !cfg.group_by.enabled);
    // The default config has no path, which Go refuses too.
    assert_eq!(
        parse_config::<FileConfig>("").unwrap_err(),
        "path must be non-empty"
    );
    let cfg: FileConfig = parse_config("path: ./out.json").unwrap();
    assert_eq!(cfg.path, "./out.json");
    assert_eq!(cfg.effective_flush_interval(), Duration::from_secs(1));
}

#[test]
fn full_config() {
    let cfg: FileConfig = parse_config(
        "path: /tmp/x.pb\nformat: proto\nflush_interval: 200ms\ncompression: none\n\
         rotation: {max_megabytes: 10, max_days: 3, max_backups: 4}\n\
         group_by: {enabled: false, resource_attribute: svc, max_open_files: 5}\n\
         create_directory: true\ndirectory_permissions: \"0700\"\n",
    )
    .unwrap();
    assert_eq!(cfg.format, Format::Proto);
    assert_eq!(cfg.flush_interval, Duration::from_millis(200));
    let r = cfg.rotation.clone().unwrap();
    assert_eq!(
        (r.max_megabytes, r.max_days, r.max_backups, r.localtime),
        (10, 3, 4, false)
    );
    assert_eq!(r.max_bytes(), 10 * 1024 * 1024);
    assert_eq!(cfg.group_by.resource_attribute, "svc");
    assert_eq!(cfg.directory_mode(), 0o700);
}

#[test]
fn rotation_section_takes_defaults() {
    let cfg: FileConfig = parse_config("path: x\nrotation: {}").unwrap();
    assert_eq!(cfg.rotation, Some(RotationConfig::default()));
    let r = RotationConfig {
        max_megabytes: 0,
        ..Default::default()
    };
    assert_eq!(r.max_bytes(), 100 * 1024 * 1024);
    let cfg: FileConfig = parse_config("path: x\nflush_interval: 0s").unwrap();
    assert_eq!(cfg.effective_flush_interval(), Duration::from_secs(1));
}

#[test]
fn validate_errors() {
    let cases = [
        ("path: ''", "path must be non-empty"),
        (
            "path: x\nappend: true\ncompression: zstd",
            "append and compression enabled at the same time is not supported",
        ),
        (
            "path: x\nappend: true\nrotation: {max_backups: 5}",
            "append and rotation enabled at the same time is not supported",
        ),
        ("path: x\nformat: xml", "format type is not supported"),
        ("path: x\ncompression: gzip", "compression is not supported"),
        (
            "path: x\nencoding: otlp_encoding",
            "encoding: encoding extensions are not supported by this build yet",
        ),
        (
            "path: x\ngroup_by: {enabled: true}",
            "group_by is not supported by this build yet",
        ),
        (
            "path: x\ndirectory_permissions: '0755'",
            "directory_permissions requires create_directory to be true",
        ),
        (
            "path: x\ncreate_directory: true\ndirectory_permissions: '9z'",
            "directory_permissions value must be a valid octal representation",
        ),
        (
            "path: x\ncreate_directory: true\ndirectory_permissions: '1777'",
            "directory_permissions contain invalid bits for file access",
        ),
        ("path: x\nflush_interval: soon", "expected a duration"),
        ("path: x\nrotation: {max_size: 1}", "unknown field \"max_size\""),
        ("path: x\nformat_type: json", "unknown field \"format_type\""),
    ];
    for (yaml, want) in cases {
        let err = parse_config::<FileConfig>(yaml).unwrap_err();
        assert!(err.contains(want), "{yaml}: got {err}");
    }
}

#[test]
fn serializes_go_keys() {
    let cfg: FileConfig = parse_config("path: x\nformat: proto").unwrap();
    let yaml = serde_yaml::to_string(&cfg).unwrap();
    assert!(yaml.contains("format: proto"), "{yaml}");
    assert!(yaml.contains("flush_interval: 1s"), "{yaml}");
    let back: FileConfig = parse_config(&yaml).unwrap();
    assert_eq!(back, cfg);
}

#[test]
fn localtime_is_accepted_and_warned_about() {
    // Go accepts it; this build names backups in UTC and says so at start.
    let c = parse_config::<FileConfig>("path: x\nrotation: {localtime: true}").unwrap();
    let w = c.unapplied_settings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("rotation::localtime: true is not applied"),
        "{w:?}"
    );
    let c = parse_config::<FileConfig>("path: x\nrotation: {}").unwrap();
    assert!(c.unapplied_settings().is_empty());
}

#[test]
fn zstd_compression_is_accepted() {
    let cfg: FileConfig = parse_config("path: x\ncompression: zstd").unwrap();
    assert!(otelcol_component::ComponentConfig::validate(&cfg).is_ok());
    assert!(cfg.compressed());
}
