//! The axum service: routes, shared state and the tracing middleware.

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};

use crate::chat::chat;
use crate::metrics::AppMetrics;
use crate::telemetry::Telemetry;

/// The HTTP client used for the backend call.
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// State shared by every request.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The telemetry facade.
    pub telemetry: Telemetry,
    /// The app's instruments.
    pub metrics: Arc<AppMetrics>,
    /// Downstream service called with the trace context, if configured.
    pub backend: Option<Backend>,
}

/// A downstream HTTP service.
#[derive(Debug, Clone)]
pub struct Backend {
    /// Where `POST` requests go.
    pub url: http::Uri,
    /// hyper-util's pooled client.
    pub client: HttpClient,
}

impl AppState {
    /// Creates the instruments and, when `backend_url` is set, the HTTP client.
    pub fn new(telemetry: Telemetry, backend_url: Option<http::Uri>) -> AppState {
        let metrics = Arc::new(AppMetrics::new(&telemetry));
        let backend = backend_url.map(|url| Backend {
            url,
            client: Client::builder(TokioExecutor::new()).build_http(),
        });
        AppState {
            telemetry,
            metrics,
            backend,
        }
    }
}

/// `POST /chat`, `GET /health`, every request traced by [`trace_requests`].
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/chat", post(chat))
        .route("/health", get(health))
        .layer(from_fn_with_state(state.clone(), trace_requests))
        .with_state(state)
}

async fn health() -> impl IntoResponse {
    (StatusCode::OK, axum::Json(serde_json::json!({"status": "ok"})))
}

/// Continues the caller's trace: extracts `traceparent`/`tracestate`, starts a
/// SERVER span named `METHOD /route` as its child (a new trace without one),
/// and keeps it current while the handler runs.
pub async fn trace_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let telemetry = &state.telemetry;
    let parent = telemetry.extract_context(req.headers());
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut attributes = vec![
        KeyValue::new("http.request.method", method.clone()),
        KeyValue::new("url.path", req.uri().path().to_owned()),
    ];
    let name = match &route {
        Some(route) => {
            attributes.push(KeyValue::new("http.route", route.clone()));
            format!("{method} {route}")
        }
        None => method,
    };
    let cx: Context = telemetry.start_span(name, SpanKind::Server, attributes, &parent);
    let response = next.run(req).with_context(cx.clone()).await;
    let span = cx.span();
    let status = response.status();
    span.set_attribute(KeyValue::new(
        "http.response.status_code",
        i64::from(status.as_u16()),
    ));
    if status.is_server_error() {
        span.set_status(Status::error(status.to_string()));
    }
    span.end();
    response
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
