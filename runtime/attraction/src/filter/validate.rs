//! Which match properties each signal allows (Go's `filterconfig`
//! `ValidateForSpans` / `ValidateForLogs` / `ValidateForMetrics`).

use crate::error::MatchError;
use crate::filter::config::MatchProperties;

/// The item kind a matcher is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    Spans,
    Logs,
    Metrics,
}

const SPAN_KINDS: [&str; 5] = [
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_CONSUMER",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_SERVER",
];

/// Checks `mp` for `signal`, with Go's messages.
pub(crate) fn validate(mp: &MatchProperties, signal: Signal) -> Result<(), MatchError> {
    match signal {
        Signal::Spans => spans(mp),
        Signal::Logs => logs(mp),
        Signal::Metrics => metrics(mp),
    }
}

fn spans(mp: &MatchProperties) -> Result<(), MatchError> {
    if !mp.log_bodies.is_empty() {
        return Err(MatchError::new(
            "log_bodies should not be specified for trace spans",
        ));
    }
    if !mp.log_severity_texts.is_empty() {
        return Err(MatchError::new(
            "log_severity_texts should not be specified for trace spans",
        ));
    }
    if mp.log_severity_number.is_some() {
        return Err(MatchError::new(
            "log_severity_number should not be specified for trace spans",
        ));
    }
    if !mp.metric_names.is_empty() {
        return Err(MatchError::new(
            "metric_names should not be specified for trace spans",
        ));
    }
    if mp.services.is_empty()
        && mp.span_names.is_empty()
        && mp.attributes.is_empty()
        && mp.libraries.is_empty()
        && mp.resources.is_empty()
        && mp.span_kinds.is_empty()
    {
        return Err(MatchError::new(
            r#"at least one of "attributes", "libraries",  or "resources" field must be specified"#,
        ));
    }
    if mp.match_type == "strict" && mp.span_kinds.iter().any(|k| !SPAN_KINDS.contains(&k.as_str())) {
        return Err(MatchError::new(format!(
            "span_kinds string must match one of the standard span kinds when match_type=strict: [{}]",
            SPAN_KINDS.join(" ")
        )));
    }
    Ok(())
}

fn logs(mp: &MatchProperties) -> Result<(), MatchError> {
    if !mp.span_names.is_empty()
        || !mp.services.is_empty()
        || !mp.span_kinds.is_empty()
        || !mp.metric_names.is_empty()
    {
        return Err(MatchError::new(
            "services, span_names, span_kinds and metric_names are not valid for log records",
        ));
    }
    if mp.attributes.is_empty()
        && mp.libraries.is_empty()
        && mp.resources.is_empty()
        && mp.log_bodies.is_empty()
        && mp.log_severity_texts.is_empty()
        && mp.log_severity_number.is_none()
    {
        return Err(MatchError::new(
            r#"at least one of "attributes", "libraries", "span_kinds", "resources", "log_bodies", "log_severity_texts" or "log_severity_number" field must be specified"#,
        ));
    }
    Ok(())
}

fn metrics(mp: &MatchProperties) -> Result<(), MatchError> {
    if !mp.log_bodies.is_empty()
        || !mp.log_severity_texts.is_empty()
        || !mp.span_names.is_empty()
        || !mp.services.is_empty()
        || !mp.span_kinds.is_empty()
        || !mp.attributes.is_empty()
        || !mp.libraries.is_empty()
        || mp.log_severity_number.is_some()
    {
        return Err(MatchError::new(
            r#""span_names", "span_kinds", "log_bodies", "log_severity_texts", "log_severity_number", "services", "attributes" and "libraries" are not valid for metrics"#,
        ));
    }
    if mp.metric_names.is_empty() && mp.resources.is_empty() {
        return Err(MatchError::new(
            r#"at least one of "metric_names" or "resources" field must be specified"#,
        ));
    }
    if mp.match_type == "expr" {
        return Err(MatchError::new(
            "match_type \"expr\" is not supported (the Go collector ignores it for the attributes processor; use strict or regexp)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::config::{AttributeMatchConfig, LogSeverityNumberConfig};

    fn props(f: impl FnOnce(&mut MatchProperties)) -> MatchProperties {
        let mut p = MatchProperties {
            match_type: "strict".into(),
            ..Default::default()
        };
        f(&mut p);
        p
    }

    fn err(mp: &MatchProperties, s: Signal) -> String {
        validate(mp, s).unwrap_err().to_string()
    }

    #[test]
    fn spans_table() {
        let ok: Vec<MatchProperties> = vec![
            props(|p| p.services = vec!["a".into()]),
            props(|p| p.span_names = vec!["a".into()]),
            props(|p| p.span_kinds = vec!["SPAN_KIND_SERVER".into()]),
            props(|p| {
                p.resources = vec![AttributeMatchConfig {
                    key: "k".into(),
                    value: None,
                }]
            }),
            props(|p| {
                p.match_type = "regexp".into();
                p.span_kinds = vec!["SERVER".into()];
            }),
        ];
        for p in ok {
            assert!(validate(&p, Signal::Spans).is_ok(), "{p:?}");
        }
        let cases: Vec<(MatchProperties, &str)> = vec![
            (
                props(|p| p.log_bodies = vec!["b".into()]),
                "log_bodies should not be specified for trace spans",
            ),
            (
                props(|p| p.log_severity_texts = vec!["b".into()]),
                "log_severity_texts should not be specified for trace spans",
            ),
            (
                props(|p| p.log_severity_number = Some(LogSeverityNumberConfig::default())),
                "log_severity_number should not be specified for trace spans",
            ),
            (
                props(|p| p.metric_names = vec!["m".into()]),
                "metric_names should not be specified for trace spans",
            ),
            (
                props(|_| {}),
                r#"at least one of "attributes", "libraries",  or "resources" field must be specified"#,
            ),
            (
                props(|p| p.span_kinds = vec!["server".into()]),
                "span_kinds string must match one of the standard span kinds when match_type=strict: [SPAN_KIND_CLIENT SPAN_KIND_CONSUMER SPAN_KIND_INTERNAL SPAN_KIND_PRODUCER SPAN_KIND_SERVER]",
            ),
        ];
        for (p, want) in cases {
            assert_eq!(err(&p, Signal::Spans), want);
        }
    }

    #[test]
    fn logs_table() {
        assert!(validate(&props(|p| p.log_bodies = vec!["x".into()]), Signal::Logs).is_ok());
        assert!(
            validate(
                &props(|p| p.log_severity_number = Some(LogSeverityNumberConfig::default())),
                Signal::Logs
            )
            .is_ok()
        );
        for p in [
            props(|p| p.span_names = vec!["x".into()]),
            props(|p| p.services = vec!["x".into()]),
            props(|p| p.span_kinds = vec!["x".into()]),
            props(|p| p.metric_names = vec!["x".into()]),
        ] {
            assert_eq!(
                err(&p, Signal::Logs),
                "services, span_names, span_kinds and metric_names are not valid for log records"
            );
        }
        assert!(
            err(&props(|_| {}), Signal::Logs)
                .starts_with("at least one of \"attributes\", \"libraries\", \"span_kinds\"")
        );
    }

    #[test]
    fn metrics_table() {
        assert!(validate(&props(|p| p.metric_names = vec!["x".into()]), Signal::Metrics).is_ok());
        assert!(
            validate(
                &props(|p| p.resources = vec![AttributeMatchConfig {
                    key: "k".into(),
                    value: None
                }]),
                Signal::Metrics
            )
            .is_ok()
        );
        for p in [
            props(|p| p.span_names = vec!["x".into()]),
            props(|p| {
                p.attributes = vec![AttributeMatchConfig {
                    key: "k".into(),
                    value: None,
                }]
            }),
            props(|p| p.libraries = vec![Default::default()]),
            props(|p| p.log_severity_number = Some(LogSeverityNumberConfig::default())),
        ] {
            assert!(
                err(&p, Signal::Metrics).ends_with("are not valid for metrics"),
                "{p:?}"
            );
        }
        assert_eq!(
            err(&props(|_| {}), Signal::Metrics),
            r#"at least one of "metric_names" or "resources" field must be specified"#
        );
        assert!(
            err(
                &props(|p| {
                    p.match_type = "expr".into();
                    p.metric_names = vec!["x".into()];
                }),
                Signal::Metrics
            )
            .contains("\"expr\" is not supported")
        );
    }
}
