//! Sending one request: per-attempt timeout, retries with exponential
//! backoff and jitter, and the accounting of the final outcome.

use std::sync::Arc;
use std::time::Duration;

use otelcol_component::{ConsumeError, ConsumeErrorKind, Payload};
use tokio::time::Instant;

use crate::config::RetryConfig;
use crate::sender::Sender;
use crate::telemetry::Telemetry;

/// Exponential backoff as the Go collector's (`cenkalti/backoff`): each wait
/// is the current interval ± `randomization_factor`, and the interval grows by
/// `multiplier` up to `max_interval`.
#[derive(Clone, Debug)]
pub(crate) struct Backoff {
    current: Duration,
    randomization_factor: f64,
    multiplier: f64,
    max_interval: Duration,
}

impl Backoff {
    pub(crate) fn new(cfg: &RetryConfig) -> Self {
        Backoff {
            current: cfg.initial_interval,
            randomization_factor: cfg.randomization_factor,
            multiplier: cfg.multiplier,
            max_interval: cfg.max_interval,
        }
    }

    /// The next wait.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = jitter(self.current, self.randomization_factor);
        let grown = Duration::try_from_secs_f64(self.current.as_secs_f64() * self.multiplier)
            .unwrap_or(self.max_interval);
        self.current = grown.min(self.max_interval);
        delay
    }
}

fn jitter(interval: Duration, factor: f64) -> Duration {
    if !(factor > 0.0 && factor <= 1.0) {
        return interval;
    }
    let secs = interval.as_secs_f64();
    let delta = secs * factor;
    let r: f64 = rand::random();
    Duration::try_from_secs_f64(secs - delta + r * 2.0 * delta).unwrap_or(interval)
}

/// Sends requests through a [`Sender`] with timeout and retries, and
/// accounts for every outcome.
pub(crate) struct Delivery<T: Payload> {
    pub(crate) sender: Arc<dyn Sender<T>>,
    pub(crate) retry: RetryConfig,
    pub(crate) timeout: Duration,
    pub(crate) telemetry: Telemetry,
}

impl<T: Payload> Delivery<T> {
    async fn attempt(&self, data: T) -> Result<(), ConsumeError> {
        if self.timeout.is_zero() {
            return self.sender.send(data).await;
        }
        match tokio::time::timeout(self.timeout, self.sender.send(data)).await {
            Ok(r) => r,
            Err(_) => Err(ConsumeError::retryable(format!(
                "request timed out after {:?} (timeout)",
                self.timeout
            ))),
        }
    }

    /// Sends `data` until it is accepted, refused for good, or the retry
    /// budget is spent. Every outcome is counted and every drop logged; a
    /// partial success is success (the rejected items are counted as failed).
    pub(crate) async fn deliver(&self, data: T) -> Result<(), ConsumeError> {
        let items = data.item_count() as u64;
        let started = Instant::now();
        let mut backoff = Backoff::new(&self.retry);
        loop {
            let err = match self.attempt(data.clone()).await {
                Ok(()) => {
                    self.telemetry.status.ok();
                    self.telemetry.sent(items);
                    return Ok(());
                }
                Err(e) => e,
            };
            if let ConsumeErrorKind::PartiallyRejected { rejected } = err.kind() {
                self.telemetry.status.ok();
                self.telemetry.partially_rejected(items, *rejected, err.message());
                return Ok(());
            }
            self.telemetry.status.failing(&err.to_string());
            if err.is_permanent() {
                self.telemetry
                    .send_failed(items, &format!("not retryable error: {err}"));
                return Err(err);
            }
            if !self.retry.enabled {
                let reason =
                    format!("{err} (retry_on_failure is disabled; enable it to retry retryable errors)");
                self.telemetry.send_failed(items, &reason);
                return Err(ConsumeError::retryable(reason));
            }
            let mut delay = backoff.next_delay();
            if let Some(after) = err.retry_after() {
                delay = delay.max(after);
            }
            let max_elapsed = self.retry.max_elapsed_time;
            if !max_elapsed.is_zero() && started.elapsed().saturating_add(delay) > max_elapsed {
                let reason = format!("no more retries left: {err}");
                self.telemetry.send_failed(items, &reason);
                return Err(ConsumeError::retryable(reason));
            }
            tracing::info!(
                exporter = %self.telemetry.exporter,
                error = %err,
                interval = ?delay,
                "Exporting failed. Will retry the request after interval."
            );
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(initial: u64, mult: f64, max: u64, rf: f64) -> RetryConfig {
        RetryConfig {
            initial_interval: Duration::from_secs(initial),
            multiplier: mult,
            max_interval: Duration::from_secs(max),
            randomization_factor: rf,
            ..RetryConfig::default()
        }
    }

    #[test]
    fn grows_by_multiplier_up_to_max() {
        let mut b = Backoff::new(&cfg(1, 2.0, 5, 0.0));
        let got: Vec<u64> = (0..5).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(got, vec![1, 2, 4, 5, 5]);
    }

    #[test]
    fn jitter_stays_within_the_factor() {
        let mut b = Backoff::new(&cfg(10, 1.0, 10, 0.5));
        for _ in 0..200 {
            let d = b.next_delay();
            assert!(
                d >= Duration::from_secs(5) && d <= Duration::from_secs(15),
                "{d:?}"
            );
        }
    }

    #[test]
    fn odd_settings_never_panic() {
        let mut b = Backoff::new(&cfg(u64::MAX / 2, f64::MAX, u64::MAX, 7.0));
        b.next_delay();
        b.next_delay();
        let mut b = Backoff::new(&cfg(1, f64::NAN, 3, f64::NAN));
        assert_eq!(b.next_delay(), Duration::from_secs(1));
        b.next_delay();
    }
}
