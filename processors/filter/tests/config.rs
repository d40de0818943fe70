//! Config parsing and validation.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use otelcol_component::ComponentConfig;
use otelcol_componenttest::parse_config;
use otelcol_processor_filter::{ConditionsEntry, ErrorMode, FilterConfig};

fn err(yaml: &str) -> String {
    parse_config::<FilterConfig>(yaml).unwrap_err()
}

#[test]
fn empty_config_is_the_default() {
    let cfg = parse_config::<FilterConfig>("").unwrap();
    assert_eq!(cfg, FilterConfig::default());
    assert_eq!(cfg.error_mode, ErrorMode::Ignore);
    assert!(cfg.validate().is_ok());
}

#[test]
fn parses_every_style() {
    let cfg = parse_config::<FilterConfig>(
        r#"
error_mode: PROPAGATE
traces:
  span: ['attributes["container.name"] == "app_container_1"', 'name == "app_3"']
  spanevent: ['IsMatch(name, ".*grpc.*")']
metrics:
  metric: ['name == "my.metric" and resource.attributes["my_label"] == "abc123"', 'type == METRIC_DATA_TYPE_HISTOGRAM']
  datapoint: ['metric.type == METRIC_DATA_TYPE_SUMMARY']
log_conditions:
  - context: log
    error_mode: silent
    conditions: ['severity_number < SEVERITY_NUMBER_WARN']
  - conditions: ['resource.attributes["x"] == "y"']
"#,
    )
    .unwrap();
    assert_eq!(cfg.error_mode, ErrorMode::Propagate);
    assert_eq!(cfg.traces.span.len(), 2);
    assert!(
        matches!(&cfg.log_conditions[0], ConditionsEntry::Group(g) if g.error_mode == Some(ErrorMode::Silent))
    );
    // Round trip.
    let yaml = serde_yaml::to_string(&cfg).unwrap();
    assert_eq!(parse_config::<FilterConfig>(&yaml).unwrap(), cfg);
}

#[test]
fn the_worked_example_validates() {
    let cfg = parse_config::<FilterConfig>(
        r#"{error_mode: ignore, trace_conditions: ['span.attributes["http.route"] == "/healthz"']}"#,
    )
    .unwrap();
    assert!(matches!(&cfg.trace_conditions[0], ConditionsEntry::Condition(_)));
}

#[test]
fn syntax_errors_name_key_index_and_position() {
    let e = err(r#"traces: {span: ['name == "a"', 'name == ']}"#);
    assert!(
        e.starts_with("traces::span::1: unable to parse OTTL condition"),
        "{e}"
    );
    assert!(e.contains("at position 8"), "{e}");
    let e = err(r#"metrics: {datapoint: ['value_int > "x" and']}"#);
    assert!(e.starts_with("metrics::datapoint::0:"), "{e}");
    let e = err(r#"logs: {log_record: ['severity_number < SPAN_KIND_SERVER']}"#);
    assert!(
        e.starts_with("logs::log_record::0:") && e.contains("not defined in the log context"),
        "{e}"
    );
    let e = err(r#"trace_conditions: ['span.name == "a"', 'name == "b"']"#);
    assert!(
        e.starts_with("trace_conditions::1:") && e.contains("context name"),
        "{e}"
    );
    let e = err("metric_conditions: [{conditions: ['metric.name == \"a\"', 'metric.nme == 1']}]");
    assert!(e.starts_with("metric_conditions::0::conditions::1:"), "{e}");
    let e = err("log_conditions: [{context: span, conditions: ['name == \"a\"']}]");
    assert!(
        e.starts_with("log_conditions::0::context:") && e.contains("unknown context"),
        "{e}"
    );
}

#[test]
fn refuses_mixed_styles_and_conflicting_settings() {
    let e = err("trace_conditions: ['span.name == \"a\"', {conditions: ['span.name == \"b\"']}]");
    assert!(e.contains("multiple configuration styles"), "{e}");
    let e = err("{trace_conditions: ['span.name == \"a\"'], traces: {span: ['name == \"b\"']}}");
    assert!(
        e.contains(r#"cannot use context inferred trace conditions "trace_conditions""#),
        "{e}"
    );
    let e = err("metrics: {metric: ['name == \"a\"'], include: {match_type: strict, metric_names: [a]}}");
    assert!(e.contains(r#"cannot use "metrics.resource""#), "{e}");
    let e =
        err("{log_conditions: ['log.body == \"a\"'], logs: {exclude: {match_type: strict, bodies: [x]}}}");
    assert!(e.contains("log_conditions"), "{e}");
}

#[test]
fn legacy_blocks_are_validated() {
    let e = err("metrics: {exclude: {match_type: expr, expressions: ['MetricName == \"x\"']}}");
    assert!(
        e.starts_with("metrics::exclude::match_type:") && e.contains("not supported"),
        "{e}"
    );
    let e = err("spans: {include: {match_type: fuzzy, span_names: [x]}}");
    assert!(
        e.starts_with("spans::include:") && e.contains("unrecognized match_type"),
        "{e}"
    );
    let e = err("logs: {include: {severity_number: {min: LOUD}}}");
    assert!(e.starts_with("logs::include::severity_number::min:"), "{e}");
    parse_config::<FilterConfig>("logs: {include: {severity_number: {min: 9, match_undefined: true}}}")
        .unwrap();
}

#[test]
fn refuses_unknown_keys_and_bad_error_mode() {
    assert!(err("trace_condition: []").contains("unknown field"));
    assert!(err("error_mode: loud").contains("not a valid ErrorMode"));
    assert!(err("traces: {log_record: []}").contains("unknown field"));
}
