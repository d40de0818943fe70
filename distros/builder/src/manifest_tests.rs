use super::*;

const OK: &str = r#"
dist:
  name: otelcol-custom
  output_path: ./out
receivers:
  - crate: otelcol-receiver-otlp
    version: 0.1.0
processors:
  - crate: my-proc
    path: ../my-proc
    factory: my_proc::redaction_factory
exporters:
  - crate: otelcol-exporter-x
    git: https://example.invalid/x.git
    rev: abc123
"#;

#[test]
fn parses_with_defaults() {
    let m = Manifest::parse(OK).unwrap();
    assert_eq!(m.dist.name, "otelcol-custom");
    assert_eq!(m.dist.version, DEFAULT_VERSION);
    assert_eq!(m.dist.description, DEFAULT_DESCRIPTION);
    assert!(!m.dist.workspace_member);
    assert_eq!(m.receivers[0].factory_path(), "otelcol_receiver_otlp::factory");
    assert_eq!(m.processors[0].factory_path(), "my_proc::redaction_factory");
    assert_eq!(m.components().len(), 3);
    assert_eq!(m.components()[2].1, "exporters[0]");
}

#[test]
fn duplicate_is_an_error_naming_both_places() {
    let yaml = format!("{OK}extensions:\n  - crate: my-proc\n    path: ../my-proc\n");
    let e = Manifest::parse(&yaml).unwrap_err().to_string();
    assert!(e.contains("extensions[0]"), "{e}");
    assert!(e.contains("listed twice (also at processors[0])"), "{e}");
}

#[test]
fn unknown_key_names_its_path() {
    let yaml = OK.replace("    rev: abc123", "    revision: abc123");
    let e = Manifest::parse(&yaml).unwrap_err().to_string();
    assert!(e.contains("exporters[0]"), "{e}");
    assert!(e.contains("unknown field `revision`"), "{e}");
}

#[test]
fn missing_source_and_bad_names_are_refused() {
    let e = Manifest::parse("dist: {name: x}\nreceivers: [{crate: a}]")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("receivers[0]: one of version, path or git is required"),
        "{e}"
    );
    let e = Manifest::parse("dist: {name: 'bad name'}\nreceivers: [{crate: a, version: '1'}]")
        .unwrap_err()
        .to_string();
    assert!(e.contains("dist.name"), "{e}");
    let e = Manifest::parse("dist: {name: x}\nreceivers: [{crate: a, version: '1', factory: 'a::f()'}]")
        .unwrap_err()
        .to_string();
    assert!(e.contains("receivers[0].factory"), "{e}");
    let e = Manifest::parse("dist: {name: x}").unwrap_err().to_string();
    assert!(e.contains("no components"), "{e}");
    let e = Manifest::parse("receivers: []").unwrap_err().to_string();
    assert!(e.contains("missing field `dist`"), "{e}");
}
