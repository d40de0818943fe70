//! The health state (ready or not, failing exporters) and the answer it gives.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use http::StatusCode;
use otelcol_component::{ComponentId, Kind, StatusEvent};
use serde::Serialize;

use crate::config::{Config, ResponseBodyConfig};
use otelcol_httpserver::gofmt::{GO_ZERO_TIME, go_duration, rfc3339_nano};

/// Status text of the 200 answer (Go's).
const AVAILABLE: &str = "Server available";
/// Status text of the 503 answer (Go's).
const NOT_AVAILABLE: &str = "Server not available";

/// Since when the collector is ready.
#[derive(Clone, Copy, Debug)]
struct UpSince {
    wall: SystemTime,
    mono: Instant,
}

/// An exporter that keeps failing.
#[derive(Clone, Debug)]
struct Failure {
    since: UpSince,
    error: String,
}

/// The answer to a health request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Answer {
    /// 200 or 503.
    pub(crate) status: StatusCode,
    /// `application/json` for the status document, text for an override.
    pub(crate) content_type: Option<&'static str>,
    /// The body.
    pub(crate) body: Vec<u8>,
}

/// The JSON status document, with Go's field names.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    status: &'a str,
    up_since: String,
    uptime: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failing_exporters: Vec<FailingExporter>,
}

/// One failing exporter in the status document (otelcol-rs only).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FailingExporter {
    id: String,
    failing_since: String,
    failing_for: String,
    error: String,
}

/// Readiness and exporter failures, shared by the extension and its server.
#[derive(Debug)]
pub(crate) struct Health {
    ready: Mutex<Option<UpSince>>,
    failures: Mutex<BTreeMap<ComponentId, Failure>>,
    /// `exporter_failure::duration` when enabled.
    failure_duration: Option<Duration>,
    response_body: Option<ResponseBodyConfig>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Health {
    /// Not ready, no failures.
    pub(crate) fn new(cfg: &Config) -> Self {
        Health {
            ready: Mutex::new(None),
            failures: Mutex::new(BTreeMap::new()),
            failure_duration: cfg
                .exporter_failure
                .enabled
                .then_some(cfg.exporter_failure.duration),
            response_body: cfg.response_body.clone(),
        }
    }

    /// The pipelines are running; keeps the first `upSince` if already ready.
    pub(crate) fn set_ready(&self) {
        let mut ready = lock(&self.ready);
        if ready.is_none() {
            *ready = Some(UpSince {
                wall: SystemTime::now(),
                mono: Instant::now(),
            });
        }
    }

    /// The collector is stopping or reloading.
    pub(crate) fn set_not_ready(&self) {
        *lock(&self.ready) = None;
    }

    /// Tracks exporters' errors; an `Ok` (or any non-error state) clears them.
    pub(crate) fn on_status(&self, id: &ComponentId, kind: Kind, event: &StatusEvent) {
        if kind != Kind::Exporter {
            return;
        }
        let mut failures = lock(&self.failures);
        match event {
            StatusEvent::RecoverableError(e)
            | StatusEvent::PermanentError(e)
            | StatusEvent::FatalError(e) => {
                let now = UpSince {
                    wall: SystemTime::now(),
                    mono: Instant::now(),
                };
                failures
                    .entry(id.clone())
                    .and_modify(|f| f.error.clone_from(e))
                    .or_insert_with(|| Failure {
                        since: now,
                        error: e.clone(),
                    });
            }
            StatusEvent::Starting | StatusEvent::Ok | StatusEvent::Stopping | StatusEvent::Stopped => {
                failures.remove(id);
            }
            // A status added to the API later: it says nothing about failures.
            _ => {}
        }
    }

    /// Exporters failing for at least `exporter_failure::duration`, by id.
    fn long_failures(&self) -> Vec<FailingExporter> {
        let Some(limit) = self.failure_duration else {
            return Vec::new();
        };
        lock(&self.failures)
            .iter()
            .filter(|(_, f)| f.since.mono.elapsed() >= limit)
            .map(|(id, f)| FailingExporter {
                id: id.to_string(),
                failing_since: rfc3339_nano(f.since.wall),
                failing_for: go_duration(f.since.mono.elapsed()),
                error: f.error.clone(),
            })
            .collect()
    }

    /// What a health request gets now.
    pub(crate) fn answer(&self) -> Answer {
        let ready = *lock(&self.ready);
        let failing = if ready.is_some() {
            self.long_failures()
        } else {
            Vec::new()
        };
        let healthy = ready.is_some() && failing.is_empty();
        let status = if healthy {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        if let Some(bodies) = &self.response_body {
            let body = if healthy {
                &bodies.healthy
            } else {
                &bodies.unhealthy
            };
            return Answer {
                status,
                content_type: (!body.is_empty()).then_some("text/plain; charset=utf-8"),
                body: body.clone().into_bytes(),
            };
        }
        let doc = match ready {
            Some(up) if healthy => Document {
                status: AVAILABLE,
                up_since: rfc3339_nano(up.wall),
                uptime: go_duration(up.mono.elapsed()),
                failing_exporters: Vec::new(),
            },
            _ => Document {
                status: NOT_AVAILABLE,
                up_since: GO_ZERO_TIME.to_string(),
                uptime: String::new(),
                failing_exporters: failing,
            },
        };
        Answer {
            status,
            content_type: Some("application/json"),
            body: serde_json::to_vec(&doc).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ComponentId {
        s.parse().unwrap()
    }

    fn json(a: &Answer) -> serde_json::Value {
        serde_json::from_slice(&a.body).unwrap()
    }

    #[test]
    fn not_ready_then_ready_then_not_ready() {
        let h = Health::new(&Config::default());
        let a = h.answer();
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            String::from_utf8(a.body).unwrap(),
            r#"{"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""}"#
        );
        h.set_ready();
        let a = h.answer();
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(json(&a)["status"], "Server available");
        h.set_not_ready();
        assert_eq!(h.answer().status, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn failures_of_other_kinds_are_ignored_and_ok_clears() {
        let mut cfg = Config::default();
        cfg.exporter_failure.enabled = true;
        cfg.exporter_failure.duration = Duration::from_nanos(1);
        let h = Health::new(&cfg);
        h.set_ready();
        h.on_status(
            &id("otlp"),
            Kind::Receiver,
            &StatusEvent::PermanentError("x".into()),
        );
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(h.answer().status, StatusCode::OK);
        h.on_status(
            &id("otlp/b"),
            Kind::Exporter,
            &StatusEvent::RecoverableError("down".into()),
        );
        std::thread::sleep(Duration::from_millis(2));
        let a = h.answer();
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
        let doc = json(&a);
        assert_eq!(doc["failingExporters"][0]["id"], "otlp/b");
        assert_eq!(doc["failingExporters"][0]["error"], "down");
        h.on_status(&id("otlp/b"), Kind::Exporter, &StatusEvent::Ok);
        assert_eq!(h.answer().status, StatusCode::OK);
    }

    #[test]
    fn overrides_replace_the_body() {
        let cfg = Config {
            response_body: Some(ResponseBodyConfig {
                healthy: "up".into(),
                unhealthy: String::new(),
            }),
            ..Config::default()
        };
        let h = Health::new(&cfg);
        let a = h.answer();
        assert_eq!(
            (a.status, a.content_type, a.body.len()),
            (StatusCode::SERVICE_UNAVAILABLE, None, 0)
        );
        h.set_ready();
        assert_eq!(h.answer().body, b"up");
    }
}
