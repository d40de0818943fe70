//! `POST /chat`: the seed's request walk-through.
//!
//! SERVER `POST /chat` (middleware) → INTERNAL `chat_operation` (log record
//! `Processing chat request`) → CLIENT `llm.simulate_call` (a short sleep, the
//! optional backend call with the injected `traceparent`, token and duration
//! metrics, and a `tracing::info!` bridged to an OTLP log record).

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;
use http::header::CONTENT_TYPE;
use http_body_util::{BodyExt, Full};
use opentelemetry::logs::Severity;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, get_active_span};
use opentelemetry::{Context, KeyValue};
use serde::Deserialize;
use serde_json::json;

use crate::app::{AppState, Backend};
use crate::metrics::InFlight;

/// The route, as recorded on metrics.
pub const ROUTE: &str = "/chat";
/// The model name the simulation reports.
pub const MODEL: &str = "simulated-llm";
/// Longest wait for the backend.
pub const BACKEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Base latency of the simulated call, before the per-token part.
const SIMULATED_BASE_MS: u64 = 5;

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// The user's message.
    pub message: String,
}

/// Why a chat request failed after it was accepted.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The backend request could not be built.
    #[error("building the backend request: {0}")]
    Request(#[from] http::Error),
    /// The backend could not be reached.
    #[error("calling the backend: {0}")]
    Backend(#[from] hyper_util::client::legacy::Error),
    /// The backend did not answer in time.
    #[error("the backend did not answer within {BACKEND_TIMEOUT:?}")]
    Timeout,
    /// The backend answered with an error status.
    #[error("the backend answered {0}")]
    BackendStatus(StatusCode),
}

/// `POST /chat` with `{"message": "..."}` → `{"reply": ..., "trace_id": ...}`.
pub async fn chat(State(app): State<AppState>, body: Bytes) -> Response {
    let _in_flight = InFlight::enter(&app.metrics.in_flight, ROUTE);
    let trace_id = Context::current().span().span_context().trace_id().to_string();
    let (status, body) = match serde_json::from_slice::<ChatRequest>(&body) {
        Err(e) => (
            StatusCode::BAD_REQUEST,
            json!({"error": format!("the body must be {{\"message\": \"...\"}}: {e}")}),
        ),
        Ok(request) => {
            let attributes = vec![KeyValue::new("chat.message_length", request.message.len() as i64)];
            let operation = chat_operation(&app, request);
            match app
                .telemetry
                .in_span("chat_operation", SpanKind::Internal, attributes, operation)
                .await
            {
                Ok(reply) => (StatusCode::OK, json!({"reply": reply, "trace_id": trace_id})),
                Err(e) => (
                    StatusCode::BAD_GATEWAY,
                    json!({"error": e.to_string(), "trace_id": trace_id}),
                ),
            }
        }
    };
    let attributes = [
        KeyValue::new("route", ROUTE),
        KeyValue::new("status", status.as_u16().to_string()),
    ];
    app.metrics.requests.add(1, &attributes);
    (status, Json(body)).into_response()
}

async fn chat_operation(app: &AppState, request: ChatRequest) -> Result<String, ChatError> {
    app.telemetry.log(
        Severity::Info,
        "Processing chat request",
        vec![KeyValue::new("chat.message_length", request.message.len() as i64)],
    );
    let prompt_tokens = count_tokens(&request.message);
    let attributes = vec![
        KeyValue::new("llm.model", MODEL),
        KeyValue::new("llm.prompt_tokens", prompt_tokens as i64),
    ];
    let call = simulate_llm_call(app, request.message, prompt_tokens);
    let result = app
        .telemetry
        .in_span("llm.simulate_call", SpanKind::Client, attributes, call)
        .await;
    if let Err(e) = &result {
        get_active_span(|span| span.set_status(Status::error(e.to_string())));
    }
    result
}

/// Whitespace-separated words, at least one.
fn count_tokens(text: &str) -> u64 {
    (text.split_whitespace().count() as u64).max(1)
}

async fn simulate_llm_call(app: &AppState, message: String, prompt_tokens: u64) -> Result<String, ChatError> {
    let started = Instant::now();
    let completion_tokens = prompt_tokens.saturating_mul(2).min(64);
    tokio::time::sleep(Duration::from_millis(SIMULATED_BASE_MS + completion_tokens / 8)).await;
    let backend = match &app.backend {
        Some(backend) => call_backend(app, backend, &message).await,
        None => Ok(()),
    };
    let model = [KeyValue::new("llm.model", MODEL)];
    app.metrics
        .duration
        .record(started.elapsed().as_secs_f64(), &model);
    app.metrics.prompt_tokens.add(prompt_tokens, &model);
    if let Err(e) = backend {
        get_active_span(|span| span.set_status(Status::error(e.to_string())));
        tracing::warn!(error = %e, "LLM call failed");
        return Err(e);
    }
    app.metrics.completion_tokens.add(completion_tokens, &model);
    get_active_span(|span| {
        span.set_attribute(KeyValue::new("llm.completion_tokens", completion_tokens as i64));
    });
    tracing::info!(
        llm.model = MODEL,
        llm.completion_tokens = completion_tokens,
        "LLM call finished"
    );
    Ok(format!(
        "Simulated answer to your {prompt_tokens}-word message ({completion_tokens} tokens)."
    ))
}

/// `POST`s the message to the backend with the current context injected.
async fn call_backend(app: &AppState, backend: &Backend, message: &str) -> Result<(), ChatError> {
    let body = json!({"message": message}).to_string();
    let mut request = http::Request::post(backend.url.clone())
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))?;
    app.telemetry.inject_context(request.headers_mut());
    let response = tokio::time::timeout(BACKEND_TIMEOUT, backend.client.request(request))
        .await
        .map_err(|_| ChatError::Timeout)??;
    let status = response.status();
    get_active_span(|span| {
        span.set_attribute(KeyValue::new(
            "http.response.status_code",
            i64::from(status.as_u16()),
        ));
    });
    // Read the body so the connection returns to the pool; its content is unused.
    let _ = tokio::time::timeout(BACKEND_TIMEOUT, response.into_body().collect()).await;
    if status.is_success() {
        Ok(())
    } else {
        Err(ChatError::BackendStatus(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_words_with_a_floor_of_one() {
        assert_eq!(count_tokens("hello there  world"), 3);
        assert_eq!(count_tokens(""), 1);
    }
}
