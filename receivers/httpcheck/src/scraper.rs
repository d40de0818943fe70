//! One scrape: every URL checked at once, then Go's data points recorded
//! from the outcomes (Go's `httpcheckScraper.scrape`).

use std::sync::Arc;
use std::time::Duration;

use otelcol_component::build::string_kv;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, ArrayValue, KeyValue, any_value};
use otelcol_component::{Host, Metrics, Payload};
use tokio::time::Instant;

use crate::config::HttpCheckConfig;
use crate::metadata::{Metric, MetricsBuilder, MetricsConfig, attr};
use crate::probe::{Endpoint, Outcome, TargetClient};
use crate::validate;

/// The status classes of `httpcheck.status`, in emission order.
const STATUS_CLASSES: [(&str, u16); 5] = [("1xx", 1), ("2xx", 2), ("3xx", 3), ("4xx", 4), ("5xx", 5)];

/// The URLs of every target and what the scrapes emit.
#[derive(Debug)]
pub(crate) struct Scraper {
    endpoints: Vec<Endpoint>,
    metrics: MetricsConfig,
    timeout: Duration,
    start_time: u64,
    scope_version: String,
}

impl Scraper {
    /// A scraper for a validated config. `start_time` (Unix ns) is the
    /// start of every cumulative point; `scope_version` the scope version
    /// (the collector's version, as Go sets it).
    pub(crate) fn new(
        cfg: &HttpCheckConfig,
        user_agent: &str,
        start_time: u64,
        scope_version: &str,
    ) -> Result<Self, String> {
        let mut endpoints = Vec::new();
        for (i, target) in cfg.targets.iter().enumerate() {
            let client =
                Arc::new(TargetClient::new(target, user_agent).map_err(|e| format!("targets::{i}::{e}"))?);
            for url in target.urls() {
                endpoints.push(Endpoint::new(url, client.clone()));
            }
        }
        Ok(Scraper {
            endpoints,
            metrics: cfg.metrics,
            timeout: cfg.timeout,
            start_time,
            scope_version: scope_version.to_string(),
        })
    }

    /// Resolves the authenticators and reads the TLS settings of the https
    /// targets; every failure is reported, joined.
    pub(crate) fn start(&self, host: &Arc<dyn Host>) -> Result<(), String> {
        let mut errors = Vec::new();
        let mut seen: Vec<*const TargetClient> = Vec::new();
        for ep in &self.endpoints {
            let key = Arc::as_ptr(&ep.target);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let urls: Vec<String> = self
                .endpoints
                .iter()
                .filter(|e| Arc::ptr_eq(&e.target, &ep.target))
                .map(|e| e.url.clone())
                .collect();
            if let Err(e) = ep.target.start(host, &urls) {
                tracing::error!(endpoint = %otelcol_component::redact::redact_url(&ep.url), error = %e, "failed to initialize HTTP client");
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// Number of URLs checked per scrape.
    pub(crate) fn endpoint_count(&self) -> usize {
        self.endpoints.len()
    }

    /// Checks every URL concurrently (each bounded by its target's
    /// `timeout`, all by the scrape's) and builds the payload. `None` when
    /// no metric recorded anything.
    pub(crate) async fn scrape(&mut self) -> Option<Metrics> {
        let deadline = (!self.timeout.is_zero()).then(|| Instant::now() + self.timeout);
        let outcomes =
            futures::future::join_all(self.endpoints.iter_mut().map(|ep| ep.check(deadline))).await;
        let mut mb = MetricsBuilder::new(self.metrics, self.start_time);
        for (ep, outcome) in self.endpoints.iter().zip(&outcomes) {
            record(&mut mb, ep, outcome);
        }
        mb.emit(&self.scope_version)
            .map(|req: ExportMetricsServiceRequest| Metrics::from_request(req))
            .filter(|m| m.item_count() > 0)
    }
}

fn url_kv(url: &str) -> KeyValue {
    string_kv(attr::HTTP_URL, url)
}

fn int_kv(key: &str, value: i64) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(value)),
        }),
        ..Default::default()
    }
}

fn strings_kv(key: &str, values: &[String]) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::ArrayValue(ArrayValue {
                values: values
                    .iter()
                    .map(|v| AnyValue {
                        value: Some(any_value::Value::StringValue(v.clone())),
                    })
                    .collect(),
            })),
        }),
        ..Default::default()
    }
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// Records the points of one check, as Go's scraper records them.
fn record(mb: &mut MetricsBuilder, ep: &Endpoint, o: &Outcome) {
    let url = ep.url.as_str();
    let t = o.time;
    let answer = o.result.as_ref().ok();
    if let Some(cert) = answer.and_then(|a| a.cert.as_ref()).filter(|c| c.reportable()) {
        if mb.enabled(Metric::TlsCertRemaining) {
            mb.record(
                Metric::TlsCertRemaining,
                t,
                cert.remaining_seconds(otelcol_component::build::unix_nanos_now()),
                vec![
                    url_kv(url),
                    string_kv(attr::HTTP_TLS_ISSUER, &cert.issuer),
                    string_kv(attr::HTTP_TLS_CN, &cert.common_name),
                    strings_kv(attr::HTTP_TLS_SAN, &cert.sans),
                ],
            );
        }
    }
    mb.record(
        Metric::Duration,
        t,
        i64::try_from(o.duration.as_millis()).unwrap_or(i64::MAX),
        vec![url_kv(url)],
    );
    let body = answer.and_then(|a| a.body.as_ref()).filter(|b| !b.is_empty());
    if let (Some(a), Some(_)) = (answer, body) {
        mb.record(
            Metric::ResponseSize,
            t,
            i64::try_from(a.size).unwrap_or(i64::MAX),
            vec![url_kv(url)],
        );
    }
    if let Some(body) = body.filter(|_| !ep.target.validations.is_empty()) {
        let counts = validate::validate(body, &ep.target.validations);
        for (metric, per_type) in [
            (Metric::ValidationPassed, counts.passed),
            (Metric::ValidationFailed, counts.failed),
        ] {
            for (ty, n) in validate::TYPES.iter().zip(per_type) {
                if n > 0 {
                    mb.record(
                        metric,
                        t,
                        n,
                        vec![url_kv(url), string_kv(attr::VALIDATION_TYPE, ty)],
                    );
                }
            }
        }
    }
    let timing = &o.timing;
    mb.record(Metric::DnsLookupDuration, t, nanos(timing.dns), vec![url_kv(url)]);
    mb.record(
        Metric::ClientConnectionDuration,
        t,
        nanos(timing.connect),
        vec![url_kv(url), string_kv(attr::NETWORK_TRANSPORT, "tcp")],
    );
    mb.record(
        Metric::TlsHandshakeDuration,
        t,
        nanos(timing.tls),
        vec![url_kv(url)],
    );
    mb.record(
        Metric::ClientRequestDuration,
        t,
        nanos(timing.request),
        vec![url_kv(url)],
    );
    mb.record(
        Metric::ResponseDuration,
        t,
        nanos(timing.response),
        vec![url_kv(url)],
    );
    let status = match &o.result {
        Ok(a) => a.status,
        Err(message) => {
            mb.record(
                Metric::Error,
                t,
                1,
                vec![url_kv(url), string_kv(attr::ERROR_MESSAGE, message)],
            );
            0
        }
    };
    for (class, digit) in STATUS_CLASSES {
        let matched = status / 100 == digit;
        let mut attrs = vec![url_kv(url)];
        if matched {
            attrs.push(int_kv(attr::HTTP_STATUS_CODE, i64::from(status)));
        }
        attrs.push(string_kv(attr::HTTP_METHOD, ep.target.method()));
        attrs.push(string_kv(attr::HTTP_STATUS_CLASS, class));
        mb.record(Metric::Status, t, i64::from(matched), attrs);
    }
}
