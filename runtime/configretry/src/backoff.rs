//! [`BackOff`]: the wait schedule of a [`BackOffConfig`].

use std::time::Duration;

use crate::config::BackOffConfig;

/// Exponential backoff as the Go collector's (`cenkalti/backoff`): each wait
/// is the current interval ± `randomization_factor`, and the interval grows
/// by `multiplier` up to `max_interval`. `max_elapsed_time` is the caller's
/// to enforce (it knows when the first attempt started).
#[derive(Clone, Debug)]
pub struct BackOff {
    current: Duration,
    randomization_factor: f64,
    multiplier: f64,
    max_interval: Duration,
}

impl BackOff {
    /// A schedule that starts at `initial_interval`.
    pub fn new(cfg: &BackOffConfig) -> Self {
        BackOff {
            current: cfg.initial_interval,
            randomization_factor: cfg.randomization_factor,
            multiplier: cfg.multiplier,
            max_interval: cfg.max_interval,
        }
    }

    /// The next wait, with random jitter.
    pub fn next_delay(&mut self) -> Duration {
        self.next_delay_with(rand::random())
    }

    /// The next wait, with `r` in `[0, 1]` as the jitter draw (0: the
    /// shortest wait, 1: the longest, 0.5: the interval itself).
    pub fn next_delay_with(&mut self, r: f64) -> Duration {
        let delay = jitter(self.current, self.randomization_factor, r);
        let grown = Duration::try_from_secs_f64(self.current.as_secs_f64() * self.multiplier)
            .unwrap_or(self.max_interval);
        self.current = grown.min(self.max_interval);
        delay
    }
}

fn jitter(interval: Duration, factor: f64, r: f64) -> Duration {
    if !(factor > 0.0 && factor <= 1.0) || r.is_nan() {
        return interval;
    }
    let secs = interval.as_secs_f64();
    let delta = secs * factor;
    Duration::try_from_secs_f64(secs - delta + r.clamp(0.0, 1.0) * 2.0 * delta).unwrap_or(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(initial: u64, mult: f64, max: u64, rf: f64) -> BackOffConfig {
        BackOffConfig {
            initial_interval: Duration::from_secs(initial),
            multiplier: mult,
            max_interval: Duration::from_secs(max),
            randomization_factor: rf,
            ..BackOffConfig::default()
        }
    }

    #[test]
    fn grows_by_multiplier_up_to_max() {
        let mut b = BackOff::new(&cfg(1, 2.0, 5, 0.0));
        let got: Vec<u64> = (0..5).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(got, vec![1, 2, 4, 5, 5]);
    }

    #[test]
    fn jitter_spans_the_factor() {
        let mut b = BackOff::new(&cfg(10, 1.0, 10, 0.5));
        assert_eq!(b.next_delay_with(0.0), Duration::from_secs(5));
        assert_eq!(b.next_delay_with(1.0), Duration::from_secs(15));
        assert_eq!(b.next_delay_with(0.5), Duration::from_secs(10));
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
        let mut b = BackOff::new(&cfg(u64::MAX / 2, f64::MAX, u64::MAX, 7.0));
        b.next_delay();
        b.next_delay();
        let mut b = BackOff::new(&cfg(1, f64::NAN, 3, f64::NAN));
        assert_eq!(b.next_delay(), Duration::from_secs(1));
        b.next_delay();
        assert_eq!(
            BackOff::new(&cfg(1, 1.0, 1, 0.5)).next_delay_with(f64::NAN),
            Duration::from_secs(1)
        );
    }
}
