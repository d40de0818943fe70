//! Config parsing and validation.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use otelcol_component::{ExtensionFactory, Factory};
use otelcol_componenttest::parse_config;
use otelcol_extension_pprof::{Config, factory};

#[test]
fn defaults_and_full_config() {
    let cfg: Config = parse_config("").unwrap();
    assert_eq!(cfg, factory().default_config());
    assert_eq!(cfg.endpoint, "localhost:1777");
    assert_eq!((cfg.block_profile_fraction, cfg.mutex_profile_fraction), (0, 0));
    assert_eq!(cfg.save_to_file, "");
    assert_eq!(factory().type_name(), "pprof");
    assert_eq!(factory().stability().as_str(), "Beta");
    let cfg: Config = parse_config(
        "endpoint: 0.0.0.0:1777\nblock_profile_fraction: 3\nmutex_profile_fraction: 5\nsave_to_file: /tmp/cpu.pprof\n",
    )
    .unwrap();
    assert_eq!(cfg.endpoint, "0.0.0.0:1777");
    assert_eq!((cfg.block_profile_fraction, cfg.mutex_profile_fraction), (3, 5));
    assert_eq!(cfg.save_to_file, "/tmp/cpu.pprof");
}

#[test]
fn refusals() {
    assert!(
        parse_config::<Config>("endpoint: \"\"")
            .unwrap_err()
            .contains("endpoint must be specified")
    );
    assert!(
        parse_config::<Config>("endpoint: localhost")
            .unwrap_err()
            .contains("missing port")
    );
    assert!(
        parse_config::<Config>("dialer: {timeout: 1s}")
            .unwrap_err()
            .contains("unknown field")
    );
}
