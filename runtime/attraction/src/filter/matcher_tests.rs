//! Tests of [`Matcher`] on every property kind, strict and regexp.

use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value::Value};
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::proto::metrics::v1::Metric;
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::Span;

use super::config::{
    AttributeMatchConfig, LibraryMatchConfig, LogSeverityNumberConfig, MatchConfig, MatchProperties,
};
use super::matcher::Matcher;
use crate::value::ConfigValue;

fn kv(key: &str, v: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

fn resource(service: Option<&str>, extra: &[(&str, &str)]) -> Resource {
    let mut attributes: Vec<KeyValue> = extra
        .iter()
        .map(|(k, v)| kv(k, Value::StringValue((*v).into())))
        .collect();
    if let Some(s) = service {
        attributes.push(kv("service.name", Value::StringValue(s.into())));
    }
    Resource {
        attributes,
        ..Default::default()
    }
}

fn scope(name: &str, version: &str) -> InstrumentationScope {
    InstrumentationScope {
        name: name.into(),
        version: version.into(),
        ..Default::default()
    }
}

fn span(name: &str, kind: i32, attrs: Vec<KeyValue>) -> Span {
    Span {
        name: name.into(),
        kind,
        attributes: attrs,
        ..Default::default()
    }
}

fn props(match_type: &str, f: impl FnOnce(&mut MatchProperties)) -> MatchProperties {
    let mut p = MatchProperties {
        match_type: match_type.into(),
        ..Default::default()
    };
    f(&mut p);
    p
}

fn include(p: MatchProperties) -> MatchConfig {
    MatchConfig {
        include: Some(p),
        exclude: None,
    }
}

fn exclude(p: MatchProperties) -> MatchConfig {
    MatchConfig {
        include: None,
        exclude: Some(p),
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn no_config_matches_everything() {
    let m = Matcher::for_spans(&MatchConfig::default()).unwrap();
    assert!(m.matches_everything());
    assert!(m.matches_span(None, None, &Span::default()));
}

#[test]
fn services_strict_and_regexp() {
    let strict = Matcher::for_spans(&include(props("strict", |p| {
        p.services = strs(&["svcA", "svcB"])
    })))
    .unwrap();
    let svc_a = resource(Some("svcA"), &[]);
    let svc_c = resource(Some("svcC"), &[]);
    let s = Span::default();
    assert!(strict.matches_span(Some(&svc_a), None, &s));
    assert!(!strict.matches_span(Some(&svc_c), None, &s));
    assert!(!strict.matches_span(None, None, &s));
    let nil = Matcher::for_spans(&include(props("strict", |p| {
        p.services = strs(&["<nil-service-name>"])
    })))
    .unwrap();
    assert!(nil.matches_span(None, None, &s));
    let re = Matcher::for_spans(&include(props("regexp", |p| {
        p.services = strs(&["auth.*", "login.*"])
    })))
    .unwrap();
    assert!(re.matches_span(Some(&resource(Some("auth-svc"), &[])), None, &s));
    assert!(!re.matches_span(Some(&svc_a), None, &s));
}

#[test]
fn span_names_and_kinds() {
    let names = Matcher::for_spans(&exclude(props("regexp", |p| p.span_names = strs(&["login.*"])))).unwrap();
    assert!(!names.matches_span(None, None, &span("login-user", 0, vec![])));
    assert!(names.matches_span(None, None, &span("logout", 0, vec![])));
    let kinds = Matcher::for_spans(&include(props("strict", |p| {
        p.span_kinds = strs(&["SPAN_KIND_SERVER"])
    })))
    .unwrap();
    assert!(kinds.matches_span(None, None, &span("x", 2, vec![])));
    assert!(!kinds.matches_span(None, None, &span("x", 3, vec![])));
    let re = Matcher::for_spans(&include(props("regexp", |p| p.span_kinds = strs(&["CLIENT$"])))).unwrap();
    assert!(re.matches_span(None, None, &span("x", 3, vec![])));
    assert!(!re.matches_span(None, None, &span("x", 99, vec![])));
}

#[test]
fn attributes_and_resources() {
    // Go's testdata "excludemulti": service in [svcA, svcB] and env=dev and test_request present.
    let m = Matcher::for_spans(&exclude(props("strict", |p| {
        p.services = strs(&["svcA", "svcB"]);
        p.attributes = vec![
            AttributeMatchConfig {
                key: "env".into(),
                value: Some("dev".into()),
            },
            AttributeMatchConfig {
                key: "test_request".into(),
                value: None,
            },
        ];
    })))
    .unwrap();
    let b = resource(Some("svcB"), &[]);
    let c = resource(Some("svcC"), &[]);
    let dev = |tr: Value| {
        vec![
            kv("env", Value::StringValue("dev".into())),
            kv("test_request", tr),
        ]
    };
    assert!(!m.matches_span(Some(&b), None, &span("s", 0, dev(Value::IntValue(123)))));
    assert!(m.matches_span(
        Some(&b),
        None,
        &span(
            "s",
            0,
            vec![
                kv("env", Value::IntValue(1)),
                kv("test_request", Value::StringValue("dev".into()))
            ]
        )
    ));
    assert!(m.matches_span(Some(&c), None, &span("s", 0, dev(Value::BoolValue(false)))));

    let r = Matcher::for_spans(&exclude(props("strict", |p| {
        p.resources = vec![AttributeMatchConfig {
            key: "host.type".into(),
            value: Some("n1-standard-1".into()),
        }];
    })))
    .unwrap();
    assert!(!r.matches_span(
        Some(&resource(None, &[("host.type", "n1-standard-1")])),
        None,
        &Span::default()
    ));
    assert!(r.matches_span(
        Some(&resource(None, &[("host.type", "n2")])),
        None,
        &Span::default()
    ));
    assert!(r.matches_span(None, None, &Span::default()));

    let rr = Matcher::for_spans(&include(props("regexp", |p| {
        p.resources = vec![AttributeMatchConfig {
            key: "host.type".into(),
            value: Some("^n1-".into()),
        }];
    })))
    .unwrap();
    assert!(rr.matches_span(
        Some(&resource(None, &[("host.type", "n1-standard-1")])),
        None,
        &Span::default()
    ));
    assert!(!rr.matches_span(
        Some(&resource(None, &[("host.type", "e2")])),
        None,
        &Span::default()
    ));
}

#[test]
fn libraries_and_versions() {
    let lib = |version: Option<&str>| {
        Matcher::for_spans(&include(props("strict", |p| {
            p.libraries = vec![LibraryMatchConfig {
                name: "mongo-java-driver".into(),
                version: version.map(Into::into),
            }];
        })))
        .unwrap()
    };
    let s = Span::default();
    let any = lib(None);
    assert!(any.matches_span(None, Some(&scope("mongo-java-driver", "")), &s));
    assert!(any.matches_span(None, Some(&scope("mongo-java-driver", "3.8.0")), &s));
    assert!(!any.matches_span(None, Some(&scope("other", "3.8.0")), &s));
    let blank = lib(Some(""));
    assert!(blank.matches_span(None, Some(&scope("mongo-java-driver", "")), &s));
    assert!(!blank.matches_span(None, Some(&scope("mongo-java-driver", "1")), &s));
    let v = lib(Some("3.8.0"));
    assert!(v.matches_span(None, Some(&scope("mongo-java-driver", "3.8.0")), &s));
    assert!(!v.matches_span(None, Some(&scope("mongo-java-driver", "")), &s));
    assert!(!v.matches_span(None, None, &s));
    let re = Matcher::for_spans(&include(props("regexp", |p| {
        p.libraries = vec![LibraryMatchConfig {
            name: "^mongo".into(),
            version: Some(r"^3\.".into()),
        }];
    })))
    .unwrap();
    assert!(re.matches_span(None, Some(&scope("mongo-java-driver", "3.8.0")), &s));
    assert!(!re.matches_span(None, Some(&scope("mongo-java-driver", "4.0")), &s));
}

#[test]
fn include_then_exclude() {
    // Go's testdata "selectiveprocessing".
    let m = Matcher::for_spans(&MatchConfig {
        include: Some(props("strict", |p| p.services = strs(&["svcA", "svcB"]))),
        exclude: Some(props("strict", |p| {
            p.attributes = vec![AttributeMatchConfig {
                key: "redact_trace".into(),
                value: Some(ConfigValue::Bool(false)),
            }];
        })),
    })
    .unwrap();
    let b = resource(Some("svcB"), &[]);
    let c = resource(Some("svcC"), &[]);
    assert!(m.matches_span(
        Some(&b),
        None,
        &span(
            "s",
            0,
            vec![kv("redact_trace", Value::StringValue("false".into()))]
        )
    ));
    assert!(m.matches_span(
        Some(&b),
        None,
        &span("s", 0, vec![kv("redact_trace", Value::BoolValue(true))])
    ));
    assert!(!m.matches_span(
        Some(&b),
        None,
        &span("s", 0, vec![kv("redact_trace", Value::BoolValue(false))])
    ));
    assert!(!m.matches_span(Some(&c), None, &span("s", 0, vec![])));
}

fn log(body: Option<Value>, sev_text: &str, sev: i32) -> LogRecord {
    LogRecord {
        body: body.map(|v| AnyValue { value: Some(v) }),
        severity_text: sev_text.into(),
        severity_number: sev,
        ..Default::default()
    }
}

#[test]
fn log_properties() {
    let bodies = Matcher::for_logs(&include(props("regexp", |p| p.log_bodies = strs(&["AUTH.*"])))).unwrap();
    assert!(bodies.matches_log(
        None,
        None,
        &log(Some(Value::StringValue("AUTH ok".into())), "", 0)
    ));
    assert!(!bodies.matches_log(None, None, &log(Some(Value::StringValue("other".into())), "", 0)));
    assert!(!bodies.matches_log(None, None, &log(None, "", 0)));
    let int_body = Matcher::for_logs(&include(props("strict", |p| p.log_bodies = strs(&["42"])))).unwrap();
    assert!(int_body.matches_log(None, None, &log(Some(Value::IntValue(42)), "", 0)));

    let texts = Matcher::for_logs(&include(props("strict", |p| {
        p.log_severity_texts = strs(&["debug"])
    })))
    .unwrap();
    assert!(texts.matches_log(None, None, &log(None, "debug", 5)));
    assert!(!texts.matches_log(None, None, &log(None, "debug2", 5)));

    let sev = |match_undefined| {
        Matcher::for_logs(&include(props("strict", |p| {
            p.log_severity_number = Some(LogSeverityNumberConfig {
                min: 9,
                match_undefined,
            });
        })))
        .unwrap()
    };
    assert!(sev(false).matches_log(None, None, &log(None, "", 9)));
    assert!(sev(false).matches_log(None, None, &log(None, "", 17)));
    assert!(!sev(false).matches_log(None, None, &log(None, "", 5)));
    assert!(!sev(false).matches_log(None, None, &log(None, "", 0)));
    assert!(sev(true).matches_log(None, None, &log(None, "", 0)));

    let attrs = Matcher::for_logs(&exclude(props("strict", |p| {
        p.attributes = vec![AttributeMatchConfig {
            key: "k".into(),
            value: Some(1i64.into()),
        }];
        p.libraries = vec![LibraryMatchConfig {
            name: "lib".into(),
            version: None,
        }];
    })))
    .unwrap();
    let mut l = log(None, "", 0);
    l.attributes = vec![kv("k", Value::IntValue(1))];
    assert!(!attrs.matches_log(None, Some(&scope("lib", "")), &l));
    assert!(attrs.matches_log(None, Some(&scope("lib2", "")), &l));
}

#[test]
fn metric_names() {
    let m = |mt: &str, names: &[&str]| {
        Matcher::for_metrics(&include(props(mt, |p| p.metric_names = strs(names)))).unwrap()
    };
    let metric = |name: &str| Metric {
        name: name.into(),
        ..Default::default()
    };
    assert!(m("strict", &["http.requests"]).matches_metric(None, None, &metric("http.requests")));
    assert!(!m("strict", &["http.requests"]).matches_metric(None, None, &metric("http.requests.total")));
    assert!(m("regexp", &["^http\\."]).matches_metric(None, None, &metric("http.requests.total")));
    assert!(!m("regexp", &["^http\\."]).matches_metric(None, None, &metric("rpc.calls")));
    let ex = Matcher::for_metrics(&exclude(props("strict", |p| p.metric_names = strs(&["drop"])))).unwrap();
    assert!(!ex.matches_metric(None, None, &metric("drop")));
    assert!(ex.matches_metric(None, None, &metric("keep")));
}

#[test]
fn metric_resources_are_ignored_like_go() {
    // Go's filtermetric matches names only: a block with only `resources`
    // is valid but filters nothing.
    let m = Matcher::for_metrics(&include(props("strict", |p| {
        p.resources = vec![AttributeMatchConfig {
            key: "host".into(),
            value: Some("a".into()),
        }];
    })))
    .unwrap();
    assert!(m.matches_everything());
    assert!(m.matches_metric(Some(&resource(None, &[("host", "b")])), None, &Metric::default()));
}

#[test]
fn build_errors_name_what_failed() {
    let e = Matcher::for_spans(&include(props("", |p| p.services = strs(&["a"])))).unwrap_err();
    assert_eq!(
        e.message(),
        "error creating service name filters: unrecognized match_type: '', valid types are: [regexp strict]"
    );
    let e = Matcher::for_spans(&include(props("regexp", |p| p.span_names = strs(&["("])))).unwrap_err();
    assert!(
        e.message()
            .starts_with("error creating span name filters: error parsing regexp: "),
        "{e}"
    );
    let e = Matcher::for_spans(&include(props("regexp", |p| {
        p.attributes = vec![AttributeMatchConfig {
            key: "k".into(),
            value: Some(true.into()),
        }];
    })))
    .unwrap_err();
    assert_eq!(
        e.message(),
        "error creating attribute filters: match_type=regexp for \"k\" only supports Str, but found Bool"
    );
    let e = Matcher::for_logs(&exclude(props("bogus", |p| p.log_bodies = strs(&["a"])))).unwrap_err();
    assert_eq!(
        e.message(),
        "error creating log record body filters: unrecognized match_type: 'bogus', valid types are: [regexp strict]"
    );
    let e = Matcher::for_logs(&include(props("strict", |p| p.span_names = strs(&["a"])))).unwrap_err();
    assert_eq!(
        e.to_config_error().to_string(),
        "include: services, span_names, span_kinds and metric_names are not valid for log records"
    );
    let e = Matcher::for_spans(&MatchConfig {
        include: Some(props("strict", |p| p.services = strs(&["a"]))),
        exclude: Some(props("strict", |_| {})),
    })
    .unwrap_err();
    assert_eq!(e.block(), Some("exclude"));
    assert_eq!(e.to_config_error().key.as_deref(), Some("exclude"));
    let e = Matcher::for_metrics(&include(props("", |p| p.metric_names = strs(&["a"])))).unwrap_err();
    assert_eq!(
        e.message(),
        "unrecognized match_type: '', valid types are: [regexp strict]"
    );
    let e = Matcher::for_spans(&include(props("strict", |p| {
        p.libraries = vec![LibraryMatchConfig {
            name: "(".into(),
            version: None,
        }];
        p.match_type = "regexp".into();
    })))
    .unwrap_err();
    assert!(
        e.message().starts_with("error creating library name filters: "),
        "{e}"
    );
}
