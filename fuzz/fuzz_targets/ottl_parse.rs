//! The filter processor's OTTL condition parser and compiler: any text, in
//! an explicit context and as a context-inferred group, parses or is refused
//! with an error — never a panic. Conditions that compile are evaluated once
//! on items of their context carrying attributes of every value type
//! (evaluation errors are fine, panics are not).
//!
//! Input: the first byte picks the context and the signal of the group (one
//! of each per input: compiling an `IsMatch` regex dominates the time), the
//! rest is the condition text; its lines form the group.

#![no_main]

use libfuzzer_sys::fuzz_target;
use otelcol_component::proto::common::v1::any_value::Value as V;
use otelcol_component::proto::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::proto::metrics::v1::{Metric, NumberDataPoint};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::Span;
use otelcol_component::proto::trace::v1::span::Event;
use otelcol_processor_filter::ottl::{Condition, ContextKind, EvalCtx, Point, parse_inferred};

const CONTEXTS: [ContextKind; 7] = [
    ContextKind::Resource,
    ContextKind::Scope,
    ContextKind::Span,
    ContextKind::SpanEvent,
    ContextKind::Metric,
    ContextKind::DataPoint,
    ContextKind::Log,
];

fn kv(key: &str, value: V) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

/// One attribute of each value type, a list and a map included.
fn attributes() -> Vec<KeyValue> {
    let s = |v: &str| AnyValue {
        value: Some(V::StringValue(v.into())),
    };
    vec![
        kv("http.route", V::StringValue("/healthz".into())),
        kv("n", V::IntValue(-3)),
        kv("d", V::DoubleValue(f64::NAN)),
        kv("b", V::BoolValue(true)),
        kv("raw", V::BytesValue(vec![0, 0xff])),
        kv(
            "l",
            V::ArrayValue(ArrayValue {
                values: vec![s("a"), s("")],
            }),
        ),
        kv(
            "m",
            V::KvlistValue(KeyValueList {
                values: vec![kv("k", V::StringValue("v".into()))],
            }),
        ),
    ]
}

const GROUPS: [&[ContextKind]; 3] = [
    &[
        ContextKind::Resource,
        ContextKind::Scope,
        ContextKind::Span,
        ContextKind::SpanEvent,
    ],
    &[
        ContextKind::Resource,
        ContextKind::Scope,
        ContextKind::Metric,
        ContextKind::DataPoint,
    ],
    &[ContextKind::Resource, ContextKind::Scope, ContextKind::Log],
];

fuzz_target!(|data: &[u8]| {
    let [pick, text @ ..] = data else { return };
    let Ok(src) = std::str::from_utf8(text) else {
        return;
    };
    let pick = usize::from(*pick);
    let resource = Resource {
        attributes: attributes(),
        ..Default::default()
    };
    let scope = InstrumentationScope {
        name: "scope".into(),
        attributes: attributes(),
        ..Default::default()
    };
    let span = Span {
        name: "GET /".into(),
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        attributes: attributes(),
        ..Default::default()
    };
    let event = Event {
        name: "ev".into(),
        attributes: attributes(),
        ..Default::default()
    };
    let metric = Metric {
        name: "m".into(),
        ..Default::default()
    };
    let point = NumberDataPoint {
        attributes: attributes(),
        ..Default::default()
    };
    let log = LogRecord {
        body: Some(AnyValue {
            value: Some(V::KvlistValue(KeyValueList { values: attributes() })),
        }),
        attributes: attributes(),
        severity_number: 9,
        ..Default::default()
    };
    let item = |kind: ContextKind| {
        let mut ctx = EvalCtx {
            resource: Some(&resource),
            scope: Some(&scope),
            ..Default::default()
        };
        match kind {
            ContextKind::Resource | ContextKind::Scope => {}
            ContextKind::Span => ctx.span = Some(&span),
            ContextKind::SpanEvent => {
                ctx.span = Some(&span);
                ctx.event = Some(&event);
            }
            ContextKind::Metric => ctx.metric = Some(&metric),
            ContextKind::DataPoint => {
                ctx.metric = Some(&metric);
                ctx.point = Some(Point::Number(&point));
            }
            ContextKind::Log => ctx.log = Some(&log),
        }
        ctx
    };
    let kind = CONTEXTS[pick % CONTEXTS.len()];
    if let Ok(cond) = Condition::parse(src, kind) {
        let _ = cond.eval(&item(kind));
    }
    // Lines form one group whose context comes from the path prefixes.
    let group: Vec<String> = src.lines().map(str::to_string).collect();
    if let Ok((kind, conds)) = parse_inferred(&group, GROUPS[pick / CONTEXTS.len() % GROUPS.len()]) {
        for cond in conds {
            let _ = cond.eval(&item(kind));
        }
    }
});
