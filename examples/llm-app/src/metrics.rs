//! The app's metric instruments, created once through the facade.

use std::time::Instant;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, ObservableGauge, UpDownCounter};

use crate::telemetry::Telemetry;

/// Requests served by `/chat`, by `route` and `status`.
pub const CHAT_REQUESTS: &str = "chat_requests_total";
/// Duration of one (simulated) LLM call, in seconds.
pub const LLM_DURATION: &str = "llm.request.duration";
/// Prompt tokens sent to the LLM.
pub const PROMPT_TOKENS: &str = "llm.tokens.prompt";
/// Completion tokens received from the LLM.
pub const COMPLETION_TOKENS: &str = "llm.tokens.completion";
/// `/chat` requests being served right now.
pub const IN_FLIGHT: &str = "chat.requests.in_flight";
/// Seconds since the app started (observable gauge).
pub const UPTIME: &str = "llm_app.uptime";

/// Bucket bounds for second-valued durations (OpenTelemetry HTTP semantic conventions).
pub const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The instruments the request path records into.
#[derive(Debug)]
pub struct AppMetrics {
    /// `chat_requests_total` (counter).
    pub requests: Counter<u64>,
    /// `llm.request.duration` (histogram, `s`).
    pub duration: Histogram<f64>,
    /// `llm.tokens.prompt` (counter).
    pub prompt_tokens: Counter<u64>,
    /// `llm.tokens.completion` (counter).
    pub completion_tokens: Counter<u64>,
    /// `chat.requests.in_flight` (up-down counter).
    pub in_flight: UpDownCounter<i64>,
    /// `llm_app.uptime` (observable gauge); kept so its callback lives with the app.
    _uptime: ObservableGauge<f64>,
}

impl AppMetrics {
    /// Creates every instrument on the facade's meter.
    pub fn new(telemetry: &Telemetry) -> AppMetrics {
        let started = Instant::now();
        AppMetrics {
            requests: telemetry.create_counter(CHAT_REQUESTS, "Chat requests served", "{request}"),
            duration: telemetry.create_histogram(
                LLM_DURATION,
                "Duration of LLM calls",
                "s",
                &DURATION_BUCKETS,
            ),
            prompt_tokens: telemetry.create_counter(PROMPT_TOKENS, "Prompt tokens sent", "{token}"),
            completion_tokens: telemetry.create_counter(
                COMPLETION_TOKENS,
                "Completion tokens received",
                "{token}",
            ),
            in_flight: telemetry.create_up_down_counter(IN_FLIGHT, "Chat requests being served", "{request}"),
            _uptime: telemetry.create_observable_gauge(
                UPTIME,
                "Seconds since the app started",
                "s",
                move |observer| observer.observe(started.elapsed().as_secs_f64(), &[]),
            ),
        }
    }
}

/// Counts one request in flight until dropped (also when the client goes away).
#[derive(Debug)]
pub struct InFlight<'a> {
    counter: &'a UpDownCounter<i64>,
    attributes: [KeyValue; 1],
}

impl<'a> InFlight<'a> {
    /// Adds 1 to `counter` for `route`; the drop subtracts it.
    pub fn enter(counter: &'a UpDownCounter<i64>, route: &'static str) -> InFlight<'a> {
        let attributes = [KeyValue::new("route", route)];
        counter.add(1, &attributes);
        InFlight { counter, attributes }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.counter.add(-1, &self.attributes);
    }
}
