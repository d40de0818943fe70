//! `retry_on_failure`: exponential backoff with jitter, as Go's
//! `configretry` + `cenkalti/backoff`, honouring `Retry-After`.
//!
//! This is the exporter's own small retry loop. It sits behind
//! [`with_retry`] so that it can be replaced by the shared
//! `otelcol-exporterhelper` retry sender later without touching the
//! translation or the HTTP client.

use std::future::Future;
use std::time::{Duration, Instant};

use otelcol_component::ConfigError;
use serde::{Deserialize, Serialize};

/// Default `initial_interval` of this exporter (Go sets 50ms for remote write).
pub const DEFAULT_INITIAL_INTERVAL: Duration = Duration::from_millis(50);
/// Default `randomization_factor`.
pub const DEFAULT_RANDOMIZATION_FACTOR: f64 = 0.5;
/// Default `multiplier`.
pub const DEFAULT_MULTIPLIER: f64 = 1.5;
/// Default `max_interval`.
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(30);
/// Default `max_elapsed_time`.
pub const DEFAULT_MAX_ELAPSED_TIME: Duration = Duration::from_secs(300);

/// `retry_on_failure` (Go `configretry.BackOffConfig`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryConfig {
    /// Retry failed requests. Default: true.
    pub enabled: bool,
    /// Wait before the first retry. Default: 50ms.
    #[serde(with = "otelcol_component::duration")]
    pub initial_interval: Duration,
    /// Jitter: each wait is drawn from `interval × [1 - f, 1 + f]`. Default: 0.5.
    pub randomization_factor: f64,
    /// Growth of the interval after each retry. Default: 1.5.
    pub multiplier: f64,
    /// Upper bound of the interval. Default: 30s.
    #[serde(with = "otelcol_component::duration")]
    pub max_interval: Duration,
    /// Give up after this long; 0 retries until the push `timeout`. Default: 5m.
    #[serde(with = "otelcol_component::duration")]
    pub max_elapsed_time: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            enabled: true,
            initial_interval: DEFAULT_INITIAL_INTERVAL,
            randomization_factor: DEFAULT_RANDOMIZATION_FACTOR,
            multiplier: DEFAULT_MULTIPLIER,
            max_interval: DEFAULT_MAX_INTERVAL,
            max_elapsed_time: DEFAULT_MAX_ELAPSED_TIME,
        }
    }
}

impl RetryConfig {
    /// Go `BackOffConfig.Validate`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.enabled {
            return Ok(());
        }
        if !(0.0..=1.0).contains(&self.randomization_factor) {
            return Err(ConfigError::at(
                "retry_on_failure::randomization_factor",
                "must be within [0, 1]",
            ));
        }
        if self.multiplier.is_nan() || self.multiplier < 0.0 {
            return Err(ConfigError::at(
                "retry_on_failure::multiplier",
                "must be non-negative",
            ));
        }
        if !self.max_elapsed_time.is_zero() {
            if self.max_elapsed_time < self.initial_interval {
                return Err(ConfigError::at(
                    "retry_on_failure::max_elapsed_time",
                    "must not be less than 'initial_interval'",
                ));
            }
            if self.max_elapsed_time < self.max_interval {
                return Err(ConfigError::at(
                    "retry_on_failure::max_elapsed_time",
                    "must not be less than 'max_interval'",
                ));
            }
        }
        Ok(())
    }
}

/// The outcome of one failed attempt.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttemptError {
    /// Worth retrying (5xx, 429, connection errors), after `retry_after` if the server said so.
    #[error("{message}")]
    Retryable {
        /// What happened.
        message: String,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Never retried (4xx other than 429, encoding errors).
    #[error("{0}")]
    Permanent(String),
}

/// The exponential backoff schedule.
#[derive(Debug)]
pub struct Backoff {
    cfg: RetryConfig,
    current: Duration,
    started: Instant,
}

impl Backoff {
    /// A schedule starting now.
    pub fn new(cfg: &RetryConfig) -> Self {
        Backoff {
            cfg: cfg.clone(),
            current: cfg.initial_interval,
            started: Instant::now(),
        }
    }

    /// The wait before the next attempt, or `None` when `max_elapsed_time`
    /// would be exceeded. A `retry_after` from the server replaces the
    /// backoff interval.
    pub fn next(&mut self, retry_after: Option<Duration>, jitter: f64) -> Option<Duration> {
        let f = self.cfg.randomization_factor;
        let base = self.current.as_secs_f64();
        let randomized = base * (1.0 - f + 2.0 * f * jitter.clamp(0.0, 1.0));
        let next = self.current.as_secs_f64() * self.cfg.multiplier;
        self.current = Duration::from_secs_f64(next.min(self.cfg.max_interval.as_secs_f64()).max(0.0));
        let wait = retry_after.unwrap_or_else(|| Duration::from_secs_f64(randomized.max(0.0)));
        let max = self.cfg.max_elapsed_time;
        if !max.is_zero() && self.started.elapsed() + wait > max {
            return None;
        }
        Some(wait)
    }
}

/// Runs `attempt` until it succeeds, fails permanently, the backoff gives
/// up or `deadline` passes. Without retries one attempt is made.
pub async fn with_retry<F, Fut>(
    cfg: &RetryConfig,
    deadline: Option<Instant>,
    mut attempt: F,
) -> Result<(), AttemptError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), AttemptError>>,
{
    let mut backoff = Backoff::new(cfg);
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let err = match attempt().await {
            Ok(()) => return Ok(()),
            Err(e @ AttemptError::Permanent(_)) => return Err(e),
            Err(e) => e,
        };
        if !cfg.enabled {
            return Err(err);
        }
        let AttemptError::Retryable { message, retry_after } = &err else {
            return Err(err);
        };
        let Some(wait) = backoff.next(*retry_after, rand::random::<f64>()) else {
            return Err(AttemptError::Permanent(format!(
                "giving up after {attempts} attempts: {message}"
            )));
        };
        if deadline.is_some_and(|d| Instant::now() + wait > d) {
            return Err(AttemptError::Permanent(format!(
                "timeout reached after {attempts} attempts: {message}"
            )));
        }
        tracing::debug!(error = %message, ?wait, "remote write failed; retrying");
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn fast() -> RetryConfig {
        RetryConfig {
            initial_interval: Duration::from_millis(1),
            max_interval: Duration::from_millis(4),
            max_elapsed_time: Duration::from_secs(5),
            ..Default::default()
        }
    }

    #[test]
    fn backoff_grows_to_the_max_interval() {
        let cfg = RetryConfig {
            randomization_factor: 0.0,
            ..Default::default()
        };
        let mut b = Backoff::new(&cfg);
        let waits: Vec<u128> = (0..4).map(|_| b.next(None, 0.5).unwrap().as_millis()).collect();
        assert_eq!(waits, vec![50, 75, 112, 168]);
        let cfg = RetryConfig {
            max_interval: Duration::from_millis(60),
            ..cfg
        };
        let mut b = Backoff::new(&cfg);
        let waits: Vec<u128> = (0..3).map(|_| b.next(None, 0.5).unwrap().as_millis()).collect();
        assert_eq!(waits, vec![50, 60, 60]);
    }

    #[test]
    fn jitter_and_retry_after() {
        let mut b = Backoff::new(&RetryConfig::default());
        assert_eq!(b.next(None, 0.0).unwrap(), Duration::from_millis(25));
        assert_eq!(b.next(None, 1.0).unwrap().as_micros(), 112_500);
        assert_eq!(
            b.next(Some(Duration::from_secs(3)), 0.5).unwrap(),
            Duration::from_secs(3)
        );
        let cfg = RetryConfig {
            max_elapsed_time: Duration::from_secs(1),
            max_interval: Duration::from_secs(1),
            ..Default::default()
        };
        assert_eq!(Backoff::new(&cfg).next(Some(Duration::from_secs(2)), 0.5), None);
    }

    #[tokio::test]
    async fn retries_until_success_and_stops_on_permanent() {
        let calls = AtomicU32::new(0);
        let r = with_retry(&fast(), None, || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(AttemptError::Retryable {
                    message: "503".into(),
                    retry_after: None,
                })
            } else {
                Ok(())
            }
        })
        .await;
        assert!(r.is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        calls.store(0, Ordering::SeqCst);
        let r = with_retry(&fast(), None, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(AttemptError::Permanent("400".into()))
        })
        .await;
        assert_eq!(r, Err(AttemptError::Permanent("400".into())));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn disabled_or_past_deadline_gives_up() {
        let calls = AtomicU32::new(0);
        let cfg = RetryConfig {
            enabled: false,
            ..fast()
        };
        let r = with_retry(&cfg, None, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(AttemptError::Retryable {
                message: "503".into(),
                retry_after: None,
            })
        })
        .await;
        assert!(matches!(r, Err(AttemptError::Retryable { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let deadline = Some(Instant::now() + Duration::from_millis(50));
        let r = with_retry(&fast(), deadline, || async {
            Err(AttemptError::Retryable {
                message: "down".into(),
                retry_after: Some(Duration::from_secs(1)),
            })
        })
        .await;
        assert!(matches!(r, Err(AttemptError::Permanent(m)) if m.contains("timeout")));
    }
}
