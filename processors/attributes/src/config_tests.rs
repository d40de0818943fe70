//! Config tests with the Go collector's README and `testdata/config.yaml` examples.

use otelcol_attraction::{
    ActionConfig, AttributeMatchConfig, ConfigValue, LibraryMatchConfig, MatchProperties,
};
use otelcol_component::{Kind, Logs, Metrics, ProcessorFactory, Traces};
use otelcol_componenttest::{Sink, nop_settings, parse_config};

use crate::{AttributesConfig, factory};

/// The error Go gives when it creates the processor (parse errors first).
fn build_err(yaml: &str) -> String {
    match parse_config::<AttributesConfig>(yaml) {
        Err(e) => e,
        Ok(c) => c.validate_for_build().unwrap_err().to_string(),
    }
}

/// Go's `processor/attributesprocessor/testdata/config.yaml`, one document per
/// processor, with the signal(s) each example is meant for.
const EXAMPLES: &[(&str, &str, &[&str])] = &[
    (
        "insert",
        r#"
actions:
  - key: "attribute1"
    value: 123
    action: insert
  - key: "string key"
    from_attribute: "anotherkey"
    action: insert
"#,
        &["traces", "logs", "metrics"],
    ),
    (
        // Go's example has an unnamed `(\?|\&)` group, which Go's own
        // NewAttrProc refuses when the processor is created; a non-capturing
        // group is what works (see `go_regex_insert_example_is_refused`).
        "regex_insert",
        r#"
actions:
  - key: "http.url"
    pattern: ^(?P<http_protocol>.*):\/\/(?P<http_domain>.*)\/(?P<http_path>.*)(?:\?|\&)(?P<http_query_params>.*)
    action: extract
"#,
        &["traces", "logs", "metrics"],
    ),
    (
        "update",
        r#"
actions:
  - key: "boo"
    from_attribute: "foo"
    action: update
  - key: db.secret
    value: redacted
    action: update
"#,
        &["traces"],
    ),
    (
        "upsert",
        r#"
actions:
  - key: region
    value: "planet-earth"
    action: upsert
  - key: new_user_key
    from_attribute: user_key
    action: upsert
"#,
        &["traces"],
    ),
    (
        "hash_convert",
        r#"
actions:
  - key: user.email
    action: hash
  - key: http.status_code
    action: convert
    converted_type: int
"#,
        &["traces", "logs", "metrics"],
    ),
    (
        "excludemulti",
        r#"
exclude:
  match_type: strict
  services: ["svcA", "svcB"]
  attributes:
    - {key: env, value: "dev"}
    - {key: test_request}
actions:
  - key: credit_card
    action: delete
  - key: duplicate_key
    action: delete
"#,
        &["traces"],
    ),
    (
        "excluderesources",
        r#"
exclude:
  match_type: strict
  resources:
    - {key: host.type, value: "n1-standard-1"}
actions:
  - key: credit_card
    action: delete
"#,
        &["traces", "logs", "metrics"],
    ),
    (
        "excludelibrary",
        r#"
exclude:
  match_type: strict
  libraries:
    - {name: "mongo-java-driver", version: "3.8.0"}
actions:
  - key: credit_card
    action: delete
"#,
        &["traces", "logs"],
    ),
    (
        "selectiveprocessing",
        r#"
include:
  match_type: strict
  services: ["svcA", "svcB"]
exclude:
  match_type: strict
  attributes:
    - { key: redact_trace, value: false}
actions:
  - key: credit_card
    action: delete
"#,
        &["traces"],
    ),
    (
        "regexp2",
        r#"
include:
  match_type: regexp
  attributes:
    - {key: "db.statement", value: 'SELECT \* FROM USERS.*'}
actions:
  - key: db.statement
    action: update
    value: "SELECT * FROM USERS [obfuscated]"
"#,
        &["traces", "logs"],
    ),
    (
        "log_body_regexp",
        r#"
include:
  match_type: regexp
  log_bodies: ["AUTH.*"]
actions:
  - key: password
    action: update
    value: "obfuscated"
  - key: token
    action: delete
"#,
        &["logs"],
    ),
    (
        "log_severity",
        r#"
include:
  match_type: regexp
  log_severity_texts: [ "debug.*" ]
  log_severity_number: {min: 9, match_undefined: true}
actions:
  - key: token
    action: delete
"#,
        &["logs"],
    ),
    (
        "metric_names",
        r#"
include:
  match_type: regexp
  regexp: {cacheenabled: true, cachemaxnumentries: 100}
  metric_names: ["^http\\."]
actions:
  - key: instance
    action: delete
"#,
        &["metrics"],
    ),
    (
        "from_context",
        r#"
actions:
- key: origin
  from_context: metadata.origin
  action: insert
- key: enduser.id
  from_context: auth.subject
  action: insert
- key: tenant_id
  from_context: "metadata.tenant"
  default_value: "default-tenant"
  action: upsert
- key: region
  from_attribute: cloud.region
  default_value: "us-east-1"
  action: insert
"#,
        &["traces", "logs", "metrics"],
    ),
];

#[test]
fn go_examples_parse_and_create() {
    let f = factory();
    let set = nop_settings("attributes", Kind::Processor);
    for (name, yaml, signals) in EXAMPLES {
        let cfg = parse_config::<AttributesConfig>(yaml).unwrap_or_else(|e| panic!("{name}: {e}"));
        for signal in *signals {
            let created = match *signal {
                "traces" => f.create::<Traces>(&set, &cfg, Sink::new()).map(|_| ()),
                "logs" => f.create::<Logs>(&set, &cfg, Sink::new()).map(|_| ()),
                _ => f.create::<Metrics>(&set, &cfg, Sink::new()).map(|_| ()),
            };
            created.unwrap_or_else(|e| panic!("{name} for {signal}: {e}"));
        }
    }
}

#[test]
fn example_parses_to_the_expected_struct() {
    let cfg = parse_config::<AttributesConfig>(EXAMPLES[5].1).unwrap();
    assert_eq!(
        cfg,
        AttributesConfig {
            actions: vec![
                ActionConfig::new("credit_card", "delete"),
                ActionConfig::new("duplicate_key", "delete"),
            ],
            include: None,
            exclude: Some(MatchProperties {
                match_type: "strict".into(),
                services: vec!["svcA".into(), "svcB".into()],
                attributes: vec![
                    AttributeMatchConfig {
                        key: "env".into(),
                        value: Some(ConfigValue::Str("dev".into())),
                    },
                    AttributeMatchConfig {
                        key: "test_request".into(),
                        value: None,
                    },
                ],
                ..Default::default()
            }),
        }
    );
    let lib = parse_config::<AttributesConfig>(EXAMPLES[7].1).unwrap();
    assert_eq!(
        lib.exclude.unwrap().libraries,
        vec![LibraryMatchConfig {
            name: "mongo-java-driver".into(),
            version: Some("3.8.0".into())
        }]
    );
}

#[test]
fn missing_actions_are_refused_like_go() {
    assert_eq!(AttributesConfig::default().actions.len(), 0);
    assert_eq!(build_err(""), "missing required field \"actions\"");
    assert_eq!(
        build_err("include: {match_type: strict, services: [a]}"),
        "missing required field \"actions\""
    );
}

#[test]
fn action_errors_name_the_index() {
    let err = build_err("actions: [{key: a, action: delete}, {action: insert, value: 1}]");
    assert_eq!(
        err,
        "actions::1: error creating AttrProc due to missing required field \"key\" at the 1-th actions"
    );
}

#[test]
fn unknown_keys_are_refused() {
    for yaml in [
        "actions: [{key: a, action: delete}]\nattributes: []",
        "actions: [{key: a, action: delete}]\ninclude: {match_type: strict, service: [a]}",
        "actions: [{key: a, action: delete}]\nexclude: {match_type: strict, attributes: [{key: a, val: 1}]}",
        "actions: [{key: a, action: delete}]\ninclude: {match_type: regexp, regexp: {cache: true}, services: [a]}",
    ] {
        let err = parse_config::<AttributesConfig>(yaml).unwrap_err();
        assert!(err.contains("unknown field"), "{yaml}: {err}");
    }
}

#[test]
fn signal_specific_properties_are_checked_at_create() {
    let f = factory();
    let set = nop_settings("attributes", Kind::Processor);
    let logs_only = parse_config::<AttributesConfig>(EXAMPLES[10].1).unwrap();
    let err = f.create::<Traces>(&set, &logs_only, Sink::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "include: log_bodies should not be specified for trace spans"
    );
    let err = f.create::<Metrics>(&set, &logs_only, Sink::new()).unwrap_err();
    assert!(err.to_string().ends_with("are not valid for metrics"), "{err}");
    let spans_only = parse_config::<AttributesConfig>(EXAMPLES[5].1).unwrap();
    let err = f.create::<Logs>(&set, &spans_only, Sink::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "exclude: services, span_names, span_kinds and metric_names are not valid for log records"
    );
    let no_type =
        parse_config::<AttributesConfig>("actions: [{key: a, action: delete}]\ninclude: {services: [svc]}")
            .unwrap();
    let err = f.create::<Traces>(&set, &no_type, Sink::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "include: error creating service name filters: unrecognized match_type: '', valid types are: [regexp strict]"
    );
}

#[test]
fn go_regex_insert_example_is_refused() {
    // Refused when the processor is built, as in Go; an unused one is valid.
    let yaml = r#"
actions:
  - key: "http.url"
    pattern: ^(?P<http_protocol>.*):\/\/(?P<http_domain>.*)\/(?P<http_path>.*)(\?|\&)(?P<http_query_params>.*)
    action: extract
"#;
    assert_eq!(
        build_err(yaml),
        "actions::0: error creating AttrProc. Field \"pattern\" contains at least one unnamed matcher group at the 0-th actions"
    );
}
