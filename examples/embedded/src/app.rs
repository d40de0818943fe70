//! The host service: an axum app whose handlers record spans and hand them
//! to the in-process pipeline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value::Value};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{Payload, Traces};

use crate::inprocess::InProcessHandle;

/// The service name put on every span.
pub const SERVICE_NAME: &str = "embedded-example";

/// The router: `POST /checkout` records a `checkout` span with the request
/// body as its `order.items` attribute and answers 202 once the pipeline
/// accepted it (503 if it did not); `GET /healthz` answers `ok`.
pub fn router(pipeline: InProcessHandle) -> Router {
    Router::new()
        .route("/checkout", post(checkout))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(pipeline)
}

async fn checkout(State(pipeline): State<InProcessHandle>, body: String) -> (StatusCode, String) {
    let start = now_nanos();
    // ... the real work of the handler would happen here ...
    let span = span(
        "checkout",
        start,
        now_nanos(),
        vec![string_kv("order.items", &body)],
    );
    match pipeline.traces(span).await {
        Ok(()) => (StatusCode::ACCEPTED, "accepted\n".into()),
        Err(e) => {
            tracing::warn!(error = %e, "telemetry not accepted");
            (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n"))
        }
    }
}

fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

fn string_kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(value.into())),
        }),
        ..Default::default()
    }
}

/// One span in its own payload, with a fresh trace and span id.
pub fn span(name: &str, start: u64, end: u64, attributes: Vec<KeyValue>) -> Traces {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut trace_id = start.to_be_bytes().to_vec();
    trace_id.extend_from_slice(&n.to_be_bytes());
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![string_kv("service.name", SERVICE_NAME)],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: env!("CARGO_PKG_NAME").into(),
                    ..Default::default()
                }),
                spans: vec![Span {
                    trace_id,
                    span_id: n.to_be_bytes().to_vec(),
                    name: name.into(),
                    start_time_unix_nano: start,
                    end_time_unix_nano: end,
                    attributes,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}
