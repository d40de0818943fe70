//! Validation tests of [`AttrProc::new`]: Go's `TestInvalidConfig` and more.

use crate::{ActionConfig, ActionError, AttrProc};

#[test]
fn action_names_are_case_insensitive() {
    let proc = AttrProc::new(&[
        ActionConfig::new("one", "Delete"),
        ActionConfig::new("two", "INSERT").with_value(123),
        ActionConfig::new("three", "upDaTE").with_from_attribute("two"),
        ActionConfig::new("five", "upsert").with_from_attribute("two"),
        ActionConfig::new("two", "EXTRact").with_pattern("^/api/v1/document/(?P<documentId>.*)/update$"),
        ActionConfig::new("two", "Convert").with_converted_type("string"),
        ActionConfig::new("six", "HASH"),
    ])
    .unwrap();
    assert_eq!(proc.len(), 7);
    assert!(AttrProc::new(&[]).unwrap().is_empty());
}

#[test]
fn invalid_configs() {
    let a = ActionConfig::new;
    let cases: Vec<(Vec<ActionConfig>, &str)> = vec![
        (
            vec![a("one", "delete"), a("", "upsert").with_value(123)],
            r#"error creating AttrProc due to missing required field "key" at the 1-th actions"#,
        ),
        (
            vec![a("", "delete")],
            r#"error creating AttrProc due to missing required field (at least one of "key" and "pattern" have to be used) at the 0-th actions"#,
        ),
        (
            vec![a("", "HASH")],
            r#"error creating AttrProc due to missing required field (at least one of "key" and "pattern" have to be used) at the 0-th actions"#,
        ),
        (
            vec![a("invalid", "invalid")],
            r#"error creating AttrProc due to unsupported action "invalid" at the 0-th actions"#,
        ),
        (
            vec![a("k", "")],
            r#"error creating AttrProc due to unsupported action "" at the 0-th actions"#,
        ),
        (
            vec![a("MissingValueFromAttributes", "insert")],
            r#"error creating AttrProc. Either field "value", "from_attribute", "from_context" or "default_value" setting must be specified for 0-th action"#,
        ),
        (
            vec![a("BothSet", "upsert").with_value(123).with_from_attribute("aa")],
            r#"error creating AttrProc due to multiple value sources being set at the 0-th actions"#,
        ),
        (
            vec![
                a("k", "upsert")
                    .with_from_context("x")
                    .with_from_attribute("aa")
                    .with_default_value(1),
            ],
            r#"error creating AttrProc due to multiple value sources being set at the 0-th actions"#,
        ),
        (
            vec![
                a("key", "insert")
                    .with_pattern("(?P<operation_website>.*?)$")
                    .with_from_attribute("aa"),
            ],
            r#"error creating AttrProc. Action "insert" does not use the "pattern" field. This must not be specified for 0-th action"#,
        ),
        (
            vec![a("key", "update").with_value(1).with_converted_type("int")],
            r#"error creating AttrProc. Action "update" does not use the "converted_type" field. This must not be specified for 0-th action"#,
        ),
        (
            vec![a("key", "delete").with_value(1)],
            r#"error creating AttrProc. Action "delete" does not use "value" or "from_attribute" field. These must not be specified for 0-th action"#,
        ),
        (
            vec![a("key", "hash").with_from_attribute("x")],
            r#"error creating AttrProc. Action "hash" does not use "value" or "from_attribute" field. These must not be specified for 0-th action"#,
        ),
        (
            vec![a("key", "hash").with_converted_type("int")],
            r#"error creating AttrProc. Action "hash" does not use the "converted_type" field. This must not be specified for 0-th action"#,
        ),
        (
            vec![a("key", "delete").with_pattern("(")],
            r#"error creating AttrProc. Field "pattern" has invalid pattern: "(" to be set at the 0-th actions"#,
        ),
        (
            vec![a("aa", "extract")],
            r#"error creating AttrProc due to missing required field "pattern" for action "extract" at the 0-th action"#,
        ),
        (
            vec![
                a("Key", "extract")
                    .with_pattern("(?P<operation_website>.*?)$")
                    .with_value("value"),
            ],
            r#"error creating AttrProc. Action "extract" does not use a value source field. These must not be specified for 0-th action"#,
        ),
        (
            vec![
                a("key", "extract")
                    .with_pattern("(?P<operation_website>.*?)$")
                    .with_from_attribute("aa"),
            ],
            r#"error creating AttrProc. Action "extract" does not use a value source field. These must not be specified for 0-th action"#,
        ),
        (
            vec![
                a("k", "extract")
                    .with_pattern("(?P<x>.*)")
                    .with_converted_type("int"),
            ],
            r#"error creating AttrProc. Action "extract" does not use the "converted_type" field. This must not be specified for 0-th action"#,
        ),
        (
            vec![a("aa", "extract").with_pattern("(?P<invalid.regex>.*?)$")],
            r#"error creating AttrProc. Field "pattern" has invalid pattern: "(?P<invalid.regex>.*?)$" to be set at the 0-th actions"#,
        ),
        (
            vec![a("aa", "extract").with_pattern(".*$")],
            r#"error creating AttrProc. Field "pattern" contains no named matcher groups at the 0-th actions"#,
        ),
        (
            vec![
                a("aa", "extract").with_pattern(r"^\/api\/v1\/document\/(?P<new_user_key>.*)\/update\/(.*)$"),
            ],
            r#"error creating AttrProc. Field "pattern" contains at least one unnamed matcher group at the 0-th actions"#,
        ),
        (
            vec![a("k", "convert").with_value(1)],
            r#"error creating AttrProc. Action "convert" does not use value sources or "pattern" field. These must not be specified for 0-th action"#,
        ),
        (
            vec![a("k", "convert").with_pattern("x").with_converted_type("int")],
            r#"error creating AttrProc. Action "convert" does not use value sources or "pattern" field. These must not be specified for 0-th action"#,
        ),
        (
            vec![a("k", "convert")],
            r#"error creating AttrProc due to missing required field "converted_type" for action "convert" at the 0-th action"#,
        ),
        (
            vec![a("k", "CONVERT").with_converted_type("bool")],
            r#"error creating AttrProc due to invalid value "bool" in field "converted_type" for action "convert" at the 0-th action"#,
        ),
    ];
    for (actions, want) in cases {
        let err = AttrProc::new(&actions).unwrap_err();
        assert_eq!(err.to_string(), want, "{actions:?}");
    }
}

#[test]
fn error_names_the_action_index() {
    let err =
        AttrProc::new(&[ActionConfig::new("a", "delete"), ActionConfig::new("b", "bogus")]).unwrap_err();
    assert_eq!(err.index(), 1);
    assert!(matches!(err, ActionError::UnsupportedAction { .. }));
    let cfg = err.to_config_error("actions");
    assert_eq!(cfg.key.as_deref(), Some("actions::1"));
    assert_eq!(
        cfg.to_string(),
        r#"actions::1: error creating AttrProc due to unsupported action "bogus" at the 1-th actions"#
    );
}

#[test]
fn hash_and_delete_ignore_from_context() {
    // Go only refuses `value` and `from_attribute` on these actions.
    assert!(AttrProc::new(&[ActionConfig::new("k", "delete").with_from_context("metadata.x")]).is_ok());
}
