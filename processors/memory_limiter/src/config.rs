//! The `memory_limiter` processor's config (Go `memorylimiter.Config`).

use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// Default `check_interval`: 0, which is invalid (Go requires it to be set;
/// 1s is the recommended value).
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::ZERO;
/// Default `min_gc_interval_when_soft_limited` (Go's 10s).
pub const DEFAULT_MIN_GC_INTERVAL_WHEN_SOFT_LIMITED: Duration = Duration::from_secs(10);
/// Default `min_gc_interval_when_hard_limited` (Go's 0).
pub const DEFAULT_MIN_GC_INTERVAL_WHEN_HARD_LIMITED: Duration = Duration::ZERO;
/// Default `max_gc_interval_when_soft_limited` (Go's 30s).
pub const DEFAULT_MAX_GC_INTERVAL_WHEN_SOFT_LIMITED: Duration = Duration::from_secs(30);
/// Default `max_gc_interval_when_hard_limited` (Go's 30s).
pub const DEFAULT_MAX_GC_INTERVAL_WHEN_HARD_LIMITED: Duration = Duration::from_secs(30);

/// Go's validation messages, word for word.
pub(crate) mod msg {
    pub(crate) const CHECK_INTERVAL: &str = "'check_interval' must be greater than zero";
    pub(crate) const GC_MIN: &str =
        "'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'";
    pub(crate) const GC_MAX: &str = "'max_gc_interval_when_soft_limited' should be larger than or equal to \
         'max_gc_interval_when_hard_limited' (when both are set)";
    pub(crate) const GC_MAX_SOFT: &str = "'max_gc_interval_when_soft_limited' must be greater than or equal to \
         'min_gc_interval_when_soft_limited' (or 0 to disable)";
    pub(crate) const GC_MAX_HARD: &str = "'max_gc_interval_when_hard_limited' must be greater than or equal to \
         'min_gc_interval_when_hard_limited' (or 0 to disable)";
    pub(crate) const LIMIT: &str = "'limit_mib' or 'limit_percentage' must be greater than zero";
    pub(crate) const SPIKE: &str = "'spike_limit_mib' must be smaller than 'limit_mib'";
    pub(crate) const SPIKE_PERCENTAGE: &str =
        "'spike_limit_percentage' must be smaller than 'limit_percentage'";
    pub(crate) const PERCENTAGE: &str = "'limit_percentage' and 'spike_limit_percentage' must be greater than zero \
         and less than or equal to hundred";
}

/// Config of the `memory_limiter` processor, with the Go collector's keys.
///
/// `check_interval` and one of `limit_mib` / `limit_percentage` must be set.
/// The four `*_gc_interval_*` keys are accepted and validated as Go does, but
/// have no effect: Rust has no garbage collector to force (see the README).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryLimiterConfig {
    /// Time between measurements of the process's memory. Required, > 0;
    /// 1s is recommended. Default 0 (invalid).
    #[serde(with = "otelcol_component::duration")]
    pub check_interval: Duration,
    /// Hard limit in MiB of process memory (resident set size). Takes
    /// precedence over `limit_percentage`. Default 0 (unset).
    pub limit_mib: u32,
    /// Headroom in MiB below the hard limit; the soft limit, where data starts
    /// to be refused, is `limit_mib - spike_limit_mib`. Must be smaller than
    /// `limit_mib`. Default 0, which means 20% of `limit_mib`.
    pub spike_limit_mib: u32,
    /// Hard limit as a percentage (1-100) of total memory, or of the cgroup's
    /// memory limit when that is lower. Used only when `limit_mib` is 0.
    /// Default 0 (unset).
    pub limit_percentage: u32,
    /// Spike headroom as a percentage of total memory; must be smaller than
    /// `limit_percentage`. Default 0, which means 20% of the hard limit.
    pub spike_limit_percentage: u32,
    /// Go: minimum time between forced GCs above the soft limit. Accepted
    /// and validated; no effect (no GC in Rust). Default 10s.
    #[serde(with = "otelcol_component::duration")]
    pub min_gc_interval_when_soft_limited: Duration,
    /// Go: minimum time between forced GCs above the hard limit. Accepted
    /// and validated; no effect. Default 0.
    #[serde(with = "otelcol_component::duration")]
    pub min_gc_interval_when_hard_limited: Duration,
    /// Go: cap of the GC backoff above the soft limit (0 disables it).
    /// Accepted and validated; no effect. Default 30s.
    #[serde(with = "otelcol_component::duration")]
    pub max_gc_interval_when_soft_limited: Duration,
    /// Go: cap of the GC backoff above the hard limit (0 disables it).
    /// Accepted and validated; no effect. Default 30s.
    #[serde(with = "otelcol_component::duration")]
    pub max_gc_interval_when_hard_limited: Duration,
}

impl Default for MemoryLimiterConfig {
    fn default() -> Self {
        MemoryLimiterConfig {
            check_interval: DEFAULT_CHECK_INTERVAL,
            limit_mib: 0,
            spike_limit_mib: 0,
            limit_percentage: 0,
            spike_limit_percentage: 0,
            min_gc_interval_when_soft_limited: DEFAULT_MIN_GC_INTERVAL_WHEN_SOFT_LIMITED,
            min_gc_interval_when_hard_limited: DEFAULT_MIN_GC_INTERVAL_WHEN_HARD_LIMITED,
            max_gc_interval_when_soft_limited: DEFAULT_MAX_GC_INTERVAL_WHEN_SOFT_LIMITED,
            max_gc_interval_when_hard_limited: DEFAULT_MAX_GC_INTERVAL_WHEN_HARD_LIMITED,
        }
    }
}

impl ComponentConfig for MemoryLimiterConfig {
    /// The checks and messages of Go's `Config.Validate`, in its order. The
    /// messages name their keys, so they are not prefixed with one.
    fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: &str| Err(ConfigError::new(m));
        if self.check_interval.is_zero() {
            return err(msg::CHECK_INTERVAL);
        }
        if self.min_gc_interval_when_soft_limited < self.min_gc_interval_when_hard_limited {
            return err(msg::GC_MIN);
        }
        let (max_soft, max_hard) = (
            self.max_gc_interval_when_soft_limited,
            self.max_gc_interval_when_hard_limited,
        );
        if !max_soft.is_zero() && max_soft < self.min_gc_interval_when_soft_limited {
            return err(msg::GC_MAX_SOFT);
        }
        if !max_hard.is_zero() && max_hard < self.min_gc_interval_when_hard_limited {
            return err(msg::GC_MAX_HARD);
        }
        if !max_soft.is_zero() && !max_hard.is_zero() && max_soft < max_hard {
            return err(msg::GC_MAX);
        }
        if self.limit_mib == 0 && self.limit_percentage == 0 {
            return err(msg::LIMIT);
        }
        if self.limit_percentage > 100 || self.spike_limit_percentage > 100 {
            return err(msg::PERCENTAGE);
        }
        if self.limit_mib > 0 && self.limit_mib <= self.spike_limit_mib {
            return err(msg::SPIKE);
        }
        if self.limit_percentage > 0 && self.limit_percentage <= self.spike_limit_percentage {
            return err(msg::SPIKE_PERCENTAGE);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use otelcol_componenttest::parse_config;

    use super::*;

    #[test]
    fn empty_config_is_the_default_and_invalid() {
        let e = parse_config::<MemoryLimiterConfig>("").unwrap_err();
        assert_eq!(e, msg::CHECK_INTERVAL);
        let d = MemoryLimiterConfig::default();
        assert_eq!(d.min_gc_interval_when_soft_limited, Duration::from_secs(10));
        assert_eq!(d.min_gc_interval_when_hard_limited, Duration::ZERO);
        assert_eq!(d.max_gc_interval_when_soft_limited, Duration::from_secs(30));
        assert_eq!(d.max_gc_interval_when_hard_limited, Duration::from_secs(30));
    }

    #[test]
    fn full_config_parses() {
        let cfg = parse_config::<MemoryLimiterConfig>(
            "check_interval: 1s\nlimit_mib: 4000\nspike_limit_mib: 800\nlimit_percentage: 80\n\
             spike_limit_percentage: 15\nmin_gc_interval_when_soft_limited: 20s\n\
             min_gc_interval_when_hard_limited: 0\nmax_gc_interval_when_soft_limited: 1m\n\
             max_gc_interval_when_hard_limited: 30s\n",
        )
        .unwrap();
        assert_eq!(
            cfg,
            MemoryLimiterConfig {
                check_interval: Duration::from_secs(1),
                limit_mib: 4000,
                spike_limit_mib: 800,
                limit_percentage: 80,
                spike_limit_percentage: 15,
                min_gc_interval_when_soft_limited: Duration::from_secs(20),
                min_gc_interval_when_hard_limited: Duration::ZERO,
                max_gc_interval_when_soft_limited: Duration::from_secs(60),
                max_gc_interval_when_hard_limited: Duration::from_secs(30),
            }
        );
    }

    #[test]
    fn unknown_and_negative_values_are_refused() {
        let e = parse_config::<MemoryLimiterConfig>("check_interval: 1s\nlimit_mib: 10\nballast_size_mib: 5")
            .unwrap_err();
        assert!(e.contains("unknown field \"ballast_size_mib\""), "{e}");
        assert!(parse_config::<MemoryLimiterConfig>("check_interval: 1s\nlimit_mib: -1").is_err());
        assert!(parse_config::<MemoryLimiterConfig>("check_interval: -1s\nlimit_mib: 1").is_err());
    }

    /// Go's `TestConfigValidate` cases, plus the GC-interval rules.
    #[test]
    fn validation_table() {
        let base = "check_interval: 1s\n";
        let cases: &[(&str, Option<&str>)] = &[
            ("limit_mib: 5000\nspike_limit_mib: 4000", None),
            ("limit_percentage: 80\nspike_limit_percentage: 15", None),
            ("limit_mib: 100\nlimit_percentage: 101", Some(msg::PERCENTAGE)),
            ("limit_mib: 100", None),
            ("limit_mib: 0", Some(msg::LIMIT)),
            ("limit_mib: 5000\nspike_limit_mib: 5000", Some(msg::SPIKE)),
            ("limit_mib: 5000\nspike_limit_mib: 6000", Some(msg::SPIKE)),
            ("limit_percentage: 101", Some(msg::PERCENTAGE)),
            (
                "limit_percentage: 50\nspike_limit_percentage: 101",
                Some(msg::PERCENTAGE),
            ),
            (
                "limit_percentage: 50\nspike_limit_percentage: 50",
                Some(msg::SPIKE_PERCENTAGE),
            ),
            (
                "limit_percentage: 50\nspike_limit_percentage: 60",
                Some(msg::SPIKE_PERCENTAGE),
            ),
            (
                "limit_mib: 10\nmin_gc_interval_when_soft_limited: 5s\nmin_gc_interval_when_hard_limited: 10s",
                Some(msg::GC_MIN),
            ),
            (
                "limit_mib: 10\nmax_gc_interval_when_soft_limited: 5s\nmax_gc_interval_when_hard_limited: 1s",
                Some(msg::GC_MAX_SOFT),
            ),
            (
                "limit_mib: 10\nmin_gc_interval_when_hard_limited: 5s\nmax_gc_interval_when_hard_limited: 1s",
                Some(msg::GC_MAX_HARD),
            ),
            (
                "limit_mib: 10\nmax_gc_interval_when_soft_limited: 20s\nmax_gc_interval_when_hard_limited: 25s",
                Some(msg::GC_MAX),
            ),
            (
                "limit_mib: 10\nmax_gc_interval_when_soft_limited: 0\nmax_gc_interval_when_hard_limited: 0",
                None,
            ),
            ("limit_mib: 10\nmax_gc_interval_when_soft_limited: 0", None),
        ];
        for (yaml, want) in cases {
            let got = parse_config::<MemoryLimiterConfig>(&format!("{base}{yaml}")).err();
            assert_eq!(got.as_deref(), *want, "{yaml}");
        }
        let no_interval = parse_config::<MemoryLimiterConfig>("check_interval: 0\nlimit_mib: 10");
        assert_eq!(no_interval.unwrap_err(), msg::CHECK_INTERVAL);
    }

    #[test]
    fn round_trips() {
        let cfg = MemoryLimiterConfig {
            check_interval: Duration::from_millis(1500),
            limit_mib: 100,
            ..Default::default()
        };
        let yaml = serde_yaml::to_string(&cfg).unwrap();
        assert_eq!(parse_config::<MemoryLimiterConfig>(&yaml).unwrap(), cfg);
    }
}
