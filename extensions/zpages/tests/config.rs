//! Config parsing and validation.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use otelcol_component::{ExtensionFactory, Factory};
use otelcol_componenttest::parse_config;
use otelcol_extension_zpages::{Config, factory};

#[test]
fn defaults_and_full_config() {
    let cfg: Config = parse_config("").unwrap();
    assert_eq!(cfg, factory().default_config());
    assert_eq!(cfg.endpoint, "localhost:55679");
    assert!(!cfg.expvar.enabled);
    assert_eq!(factory().type_name(), "zpages");
    assert_eq!(factory().stability().as_str(), "Beta");
    let cfg: Config = parse_config("endpoint: \":55679\"\nexpvar:\n  enabled: true\n").unwrap();
    assert_eq!(cfg.endpoint, ":55679");
    assert!(cfg.expvar.enabled);
}

#[test]
fn refusals() {
    let e = parse_config::<Config>("endpoint: \"\"").unwrap_err();
    assert!(
        e.contains("\"endpoint\" is required when using the \"zpages\" extension"),
        "{e}"
    );
    assert!(
        parse_config::<Config>("endpoint: nowhere")
            .unwrap_err()
            .contains("missing port")
    );
    // A `tls` block needs a certificate (its files are read at start).
    assert!(
        parse_config::<Config>("tls: {}")
            .unwrap_err()
            .contains("tls::cert_file")
    );
    assert!(
        parse_config::<Config>("cors: {}")
            .unwrap_err()
            .contains("unknown field")
    );
    assert!(
        parse_config::<Config>("expvar: {on: true}")
            .unwrap_err()
            .contains("unknown field")
    );
}
