#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::body::Body;
use http::Request;
use http_body_util::BodyExt;
use opentelemetry::trace::{SpanId, Status};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use tower::ServiceExt;

use super::*;
use crate::telemetry::tests::{Harness, ids};

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const PARENT: &str = "b7ad6b7169203331";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Sends one request through the router with the harness's subscriber.
fn send(h: &Harness, backend: Option<http::Uri>, req: Request<Body>) -> (StatusCode, serde_json::Value) {
    let app = router(AppState::new(h.telemetry.clone(), backend));
    tracing::subscriber::with_default(h.telemetry.subscriber(false), || {
        runtime().block_on(async {
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice(&body).unwrap())
        })
    })
}

fn chat_request(body: &str) -> Request<Body> {
    Request::post("/chat")
        .header("content-type", "application/json")
        .header("traceparent", format!("00-{TRACE}-{PARENT}-01"))
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn sum_u64(data: &AggregatedMetrics) -> Vec<(Vec<KeyValue>, u64)> {
    let AggregatedMetrics::U64(MetricData::Sum(s)) = data else {
        panic!("u64 sum expected: {data:?}")
    };
    s.data_points()
        .map(|p| (p.attributes().cloned().collect(), p.value()))
        .collect()
}

#[test]
fn chat_walks_server_internal_client_with_logs_and_metrics() {
    let h = Harness::new();
    let (status, body) = send(&h, None, chat_request(r#"{"message": "hello there"}"#));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["trace_id"], TRACE);
    assert!(body["reply"].as_str().unwrap().contains("2-word"), "{body}");
    h.flush();

    let server = h.span("POST /chat");
    let op = h.span("chat_operation");
    let call = h.span("llm.simulate_call");
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(server.span_context.trace_id().to_string(), TRACE);
    assert_eq!(server.parent_span_id.to_string(), PARENT);
    assert!(server.attributes.contains(&KeyValue::new("http.route", "/chat")));
    assert!(
        server
            .attributes
            .contains(&KeyValue::new("http.response.status_code", 200))
    );
    assert_eq!(op.parent_span_id, server.span_context.span_id());
    assert_eq!(call.parent_span_id, op.span_context.span_id());
    assert_eq!(call.span_kind, SpanKind::Client);
    assert!(call.attributes.contains(&KeyValue::new("llm.prompt_tokens", 2)));
    assert!(
        call.attributes
            .contains(&KeyValue::new("llm.completion_tokens", 4))
    );
    assert!(
        call.attributes
            .contains(&KeyValue::new("llm.model", crate::chat::MODEL))
    );

    let log = h.log("Processing chat request");
    assert_eq!(ids(&log), (op.span_context.trace_id(), op.span_context.span_id()));
    let finished = h.log("LLM call finished");
    assert_eq!(ids(&finished).1, call.span_context.span_id());

    let m = h.metrics();
    let ok = vec![KeyValue::new("route", "/chat"), KeyValue::new("status", "200")];
    assert_eq!(sum_u64(m.metric("chat_requests_total").data()), vec![(ok, 1)]);
    assert_eq!(m.metric("llm.request.duration").unit(), "s");
    let model = vec![KeyValue::new("llm.model", crate::chat::MODEL)];
    assert_eq!(
        sum_u64(m.metric("llm.tokens.prompt").data()),
        vec![(model.clone(), 2)]
    );
    assert_eq!(
        sum_u64(m.metric("llm.tokens.completion").data()),
        vec![(model, 4)]
    );
    let AggregatedMetrics::I64(MetricData::Sum(inflight)) = m.metric("chat.requests.in_flight").data() else {
        panic!("in-flight is an i64 sum")
    };
    assert_eq!(
        inflight.data_points().next().unwrap().value(),
        0,
        "back to zero after the request"
    );
    assert!(m.get("llm_app.uptime").is_some());
}

#[test]
fn bad_body_is_400_counted_and_traced_without_child_spans() {
    let h = Harness::new();
    let (status, body) = send(&h, None, chat_request(r#"{"msg": 1}"#));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("message"), "{body}");
    h.flush();
    assert_eq!(h.span_count(), 1, "only the server span");
    let m = h.metrics();
    let bad = vec![KeyValue::new("route", "/chat"), KeyValue::new("status", "400")];
    assert_eq!(sum_u64(m.metric("chat_requests_total").data()), vec![(bad, 1)]);
}

#[test]
fn health_is_200_and_a_root_server_span() {
    let h = Harness::new();
    let req = Request::get("/health").body(Body::empty()).unwrap();
    let (status, body) = send(&h, None, req);
    assert_eq!(
        (status, &body["status"]),
        (StatusCode::OK, &serde_json::json!("ok"))
    );
    h.flush();
    let span = h.span("GET /health");
    assert_eq!(
        span.parent_span_id,
        SpanId::INVALID,
        "no traceparent: a new trace"
    );
}

/// A backend on a real socket that records the `traceparent` it receives.
fn backend(status: u16) -> (http::Uri, Arc<Mutex<Vec<String>>>, tokio::runtime::Runtime) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let record = seen.clone();
    let app = Router::new().route(
        "/generate",
        post(move |headers: http::HeaderMap| {
            let record = record.clone();
            async move {
                let tp = headers.get("traceparent").map(|v| v.to_str().unwrap().to_owned());
                record.lock().unwrap().push(tp.unwrap_or_default());
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    rt.spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/generate").parse().unwrap(), seen, rt)
}

#[test]
fn backend_call_carries_the_client_span_as_parent() {
    let h = Harness::new();
    let (url, seen, _rt) = backend(200);
    let (status, _) = send(&h, Some(url), chat_request(r#"{"message": "hi"}"#));
    assert_eq!(status, StatusCode::OK);
    h.flush();
    let call = h.span("llm.simulate_call");
    assert!(
        call.attributes
            .contains(&KeyValue::new("http.response.status_code", 200))
    );
    let want = format!("00-{TRACE}-{}-01", call.span_context.span_id());
    assert_eq!(*seen.lock().unwrap(), vec![want]);
}

#[test]
fn backend_error_is_502_with_error_spans() {
    let h = Harness::new();
    let (url, seen, _rt) = backend(503);
    let (status, body) = send(&h, Some(url), chat_request(r#"{"message": "hi"}"#));
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(body["error"].as_str().unwrap().contains("503"), "{body}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    h.flush();
    for name in ["llm.simulate_call", "chat_operation"] {
        assert!(
            matches!(h.span(name).status, Status::Error { .. }),
            "{name} is an error"
        );
    }
    let m = h.metrics();
    let failed = vec![KeyValue::new("route", "/chat"), KeyValue::new("status", "502")];
    assert_eq!(sum_u64(m.metric("chat_requests_total").data()), vec![(failed, 1)]);
    assert!(
        m.get("llm.tokens.completion").is_none(),
        "no completion on failure"
    );
}
