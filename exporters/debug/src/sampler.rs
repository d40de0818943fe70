//! A per-second log sampler, as zap's `NewSamplerWithOptions` counts.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The sampling window.
pub(crate) const TICK: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug, Default)]
struct Counter {
    reset_at: Option<Instant>,
    count: u64,
}

/// In every window of [`TICK`] per key, lets the first `initial` messages
/// through, then every `thereafter`-th one (none when `thereafter` is 0).
#[derive(Debug)]
pub(crate) struct Sampler {
    initial: u64,
    thereafter: u64,
    counters: Mutex<[Counter; 3]>,
}

impl Sampler {
    pub(crate) fn new(initial: u32, thereafter: u32) -> Self {
        Sampler {
            initial: u64::from(initial),
            thereafter: u64::from(thereafter),
            counters: Mutex::new([Counter::default(); 3]),
        }
    }

    /// Counts one message for `key` (0..3) at `now`; true if it is to be logged.
    pub(crate) fn sample(&self, key: usize, now: Instant) -> bool {
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let Some(c) = counters.get_mut(key) else {
            return true;
        };
        match c.reset_at {
            Some(reset_at) if now <= reset_at => c.count = c.count.saturating_add(1),
            _ => {
                c.count = 1;
                c.reset_at = Some(now + TICK);
            }
        }
        if c.count <= self.initial {
            return true;
        }
        self.thereafter > 0 && (c.count - self.initial) % self.thereafter == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(s: &Sampler, key: usize, at: Instant, n: usize) -> Vec<bool> {
        (0..n).map(|_| s.sample(key, at)).collect()
    }

    #[test]
    fn default_logs_everything() {
        let s = Sampler::new(2, 1);
        assert!(pattern(&s, 0, Instant::now(), 50).into_iter().all(|b| b));
    }

    #[test]
    fn initial_then_every_nth_per_window() {
        let s = Sampler::new(2, 3);
        let t0 = Instant::now();
        assert_eq!(
            pattern(&s, 0, t0, 9),
            [true, true, false, false, true, false, false, true, false]
        );
        // Another key has its own counter.
        assert_eq!(pattern(&s, 1, t0, 3), [true, true, false]);
        // Still inside the window at exactly one tick.
        assert!(!s.sample(0, t0 + TICK));
        // The next window starts afresh.
        let t1 = t0 + TICK + Duration::from_millis(1);
        assert_eq!(pattern(&s, 0, t1, 3), [true, true, false]);
    }

    #[test]
    fn thereafter_zero_drops_after_initial() {
        let s = Sampler::new(1, 0);
        assert_eq!(pattern(&s, 2, Instant::now(), 4), [true, false, false, false]);
    }

    #[test]
    fn initial_zero_keeps_every_nth() {
        let s = Sampler::new(0, 2);
        assert_eq!(pattern(&s, 0, Instant::now(), 4), [false, true, false, true]);
    }

    #[test]
    fn unknown_key_is_not_sampled() {
        let s = Sampler::new(0, 0);
        assert!(s.sample(7, Instant::now()));
    }
}
