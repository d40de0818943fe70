//! Config parsing and validation: key paths, columns, styles, contexts.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use otelcol_component::ComponentConfig;
use otelcol_componenttest::parse_config;
use otelcol_processor_transform::{ErrorMode, StatementsEntry, TransformConfig};

fn err(yaml: &str) -> String {
    parse_config::<TransformConfig>(yaml).unwrap_err()
}

#[test]
fn empty_config_is_the_default_and_propagates() {
    let cfg = parse_config::<TransformConfig>("").unwrap();
    assert_eq!(cfg, TransformConfig::default());
    assert_eq!(cfg.error_mode, ErrorMode::Propagate);
    assert!(cfg.validate().is_ok());
}

#[test]
fn parses_both_styles_and_round_trips() {
    let cfg = parse_config::<TransformConfig>(
        r#"
error_mode: IGNORE
trace_statements:
  - context: span
    error_mode: silent
    conditions: ['name == "a"']
    statements: ['set(status.code, 1) where attributes["http.path"] == "/health"']
  - statements: ['set(resource.attributes["x"], "y")']
log_statements:
  - set(log.severity_text, "FAIL") where log.body == "request failed"
"#,
    )
    .unwrap();
    assert_eq!(cfg.error_mode, ErrorMode::Ignore);
    assert!(
        matches!(&cfg.trace_statements[0], StatementsEntry::Group(g) if g.error_mode == Some(ErrorMode::Silent) && g.conditions.len() == 1)
    );
    assert!(matches!(&cfg.log_statements[0], StatementsEntry::Statement(_)));
    let yaml = serde_yaml::to_string(&cfg).unwrap();
    assert_eq!(parse_config::<TransformConfig>(&yaml).unwrap(), cfg);
}

#[test]
fn statement_errors_name_key_path_and_column() {
    let e = err(r#"trace_statements: [{context: span, statements: ['set(name, "a")', 'set(name, )']}]"#);
    assert!(
        e.starts_with("trace_statements::0::statements::1: unable to parse OTTL statement"),
        "{e}"
    );
    assert!(e.contains("(column 11)"), "{e}");
    let e = err(r#"trace_statements: ['set(span.name, "a")', 'set(span.nme, "b")']"#);
    assert!(e.starts_with("trace_statements::1:"), "{e}");
    assert!(e.contains("(column 5)") && e.contains("not a valid path"), "{e}");
    let e = err(
        r#"metric_statements: [{context: metric, conditions: ['name == '], statements: ['set(name, "a")']}]"#,
    );
    assert!(
        e.starts_with("metric_statements::0::conditions::0: unable to parse OTTL condition"),
        "{e}"
    );
    let e = err(r#"log_statements: [{context: span, statements: ['set(name, "a")']}]"#);
    assert!(
        e.starts_with("log_statements::0::context:") && e.contains("unknown context"),
        "{e}"
    );
    let e = err(r#"log_statements: ['set(span.name, "a")']"#);
    assert!(
        e.starts_with("log_statements::0:") && e.contains("context name"),
        "{e}"
    );
    let e = err(r#"trace_statements: ['set(name, "a")']"#);
    assert!(e.contains("does not start with a context name"), "{e}");
}

#[test]
fn unknown_and_unimplemented_functions_are_refused_by_name() {
    let e = err(r#"metric_statements: [{context: metric, statements: ['copy_metric("x")']}]"#);
    assert!(
        e.contains(r#""copy_metric" is not implemented by otelcol-rs"#),
        "{e}"
    );
    let e = err(r#"log_statements: [{context: log, statements: ['frobnicate(body)']}]"#);
    assert!(e.contains(r#"undefined function "frobnicate""#), "{e}");
    let e = err(r#"log_statements: [{context: log, statements: ['set(body, Nope(body))']}]"#);
    assert!(e.contains(r#"undefined function "Nope""#), "{e}");
    let e = err(r#"metric_statements: [{context: datapoint, statements: ['convert_sum_to_gauge()']}]"#);
    assert!(e.contains("only available in the metric context"), "{e}");
    // Basic style: a datapoint path and a metric function cannot share a group (Go README).
    let e = err(
        r#"metric_statements: ['convert_sum_to_gauge() where metric.name == "a"', 'limit(datapoint.attributes, 100, ["host.name"])']"#,
    );
    assert!(
        e.starts_with("metric_statements::0:") && e.contains("metric context"),
        "{e}"
    );
}

#[test]
fn argument_errors_are_config_errors() {
    let cases = [
        (r#"limit(attributes, -1, [])"#, "cannot be negative"),
        (
            r#"limit(attributes, 1, ["a", "b"])"#,
            "less than number of priority attributes",
        ),
        (r#"truncate_all(attributes, -1)"#, "cannot be negative"),
        (
            r#"replace_all_patterns(attributes, "both", "a", "b")"#,
            "invalid mode both",
        ),
        (r#"replace_pattern(name, "(", "b")"#, "not valid"),
        (
            r#"merge_maps(attributes, attributes, "merge")"#,
            "invalid value for strategy",
        ),
        (r#"delete_key(name, "a")"#, "is not a map"),
        (r#"set(name)"#, "expects 2 argument(s)"),
        (r#"replace_pattern(name, "a", "b", SHA256)"#, "optional function"),
        (
            r#"set(attributes["x"], ConvertCase(name, "title"))"#,
            "invalid case: title",
        ),
        (
            r#"set(attributes["x"], ExtractPatterns(name, "(a)"))"#,
            "named capture group",
        ),
        (
            r#"set(attributes["x"], Time(name, "%Q"))"#,
            "unsupported format directive",
        ),
        (r#"set(Concat(["a"], ""), "b")"#, "the target must be a path"),
        (
            r#"Set(name, "a")"#,
            "editor names must start with a lowercase letter",
        ),
        (r#"set(name, "a") where"#, "expected a condition"),
    ];
    for (stmt, msg) in cases {
        let yaml = format!("trace_statements: [{{context: span, statements: ['{stmt}']}}]");
        let e = err(&yaml);
        assert!(
            e.starts_with("trace_statements::0::statements::0:"),
            "{stmt}: {e}"
        );
        assert!(e.contains(msg), "{stmt}: {e}");
    }
}

#[test]
fn refuses_mixed_styles_and_unknown_keys() {
    let e = err(r#"trace_statements: ['set(span.name, "a")', {statements: ['set(span.name, "b")']}]"#);
    assert!(e.contains("multiple configuration styles"), "{e}");
    let e = err("trace_statements: [{context: span, statements: [], flatten: true}]");
    assert!(!e.is_empty(), "{e}");
    assert!(err("error_mode: loud").contains("not a valid ErrorMode"));
}
