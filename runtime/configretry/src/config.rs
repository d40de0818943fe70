//! [`BackOffConfig`]: the `retry_on_failure` block, with Go's keys, defaults
//! and validation.

use std::time::Duration;

use otelcol_component::ConfigError;
use serde::{Deserialize, Deserializer, Serialize};

/// Default of `enabled`.
pub const DEFAULT_RETRY_ENABLED: bool = true;
/// Default of `initial_interval`.
pub const DEFAULT_INITIAL_INTERVAL: Duration = Duration::from_secs(5);
/// Default of `randomization_factor`.
pub const DEFAULT_RANDOMIZATION_FACTOR: f64 = 0.5;
/// Default of `multiplier`.
pub const DEFAULT_MULTIPLIER: f64 = 1.5;
/// Default of `max_interval`.
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(30);
/// Default of `max_elapsed_time`.
pub const DEFAULT_MAX_ELAPSED_TIME: Duration = Duration::from_secs(5 * 60);

/// `retry_on_failure`: exponential backoff for retryable failures (Go
/// `configretry.BackOffConfig`).
///
/// Deserializing fills keys left out from [`Default`]; a component with
/// other defaults uses [`BackOffConfig::deserialize_over`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BackOffConfig {
    /// Whether retryable failures are retried. Default: true.
    pub enabled: bool,
    /// Wait after the first failure. Default: 5s.
    #[serde(with = "otelcol_component::duration")]
    pub initial_interval: Duration,
    /// Jitter: each wait is `interval * (1 ± randomization_factor)`. Default: 0.5.
    pub randomization_factor: f64,
    /// Growth of the interval after each failure. Default: 1.5.
    pub multiplier: f64,
    /// Upper bound of the interval. Default: 30s.
    #[serde(with = "otelcol_component::duration")]
    pub max_interval: Duration,
    /// Total time spent trying one request before it is dropped; 0 retries
    /// forever. Default: 5m.
    #[serde(with = "otelcol_component::duration")]
    pub max_elapsed_time: Duration,
}

impl Default for BackOffConfig {
    fn default() -> Self {
        BackOffConfig {
            enabled: DEFAULT_RETRY_ENABLED,
            initial_interval: DEFAULT_INITIAL_INTERVAL,
            randomization_factor: DEFAULT_RANDOMIZATION_FACTOR,
            multiplier: DEFAULT_MULTIPLIER,
            max_interval: DEFAULT_MAX_INTERVAL,
            max_elapsed_time: DEFAULT_MAX_ELAPSED_TIME,
        }
    }
}

/// A duration read as Go writes it (see `otelcol_component::duration`).
#[derive(Clone, Copy)]
struct GoDuration(Duration);

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        otelcol_component::duration::deserialize(d).map(GoDuration)
    }
}

/// The block as written: which keys were given.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default, rename = "BackOffConfig")]
#[derive(Default)]
struct Given {
    enabled: Option<bool>,
    initial_interval: Option<GoDuration>,
    randomization_factor: Option<f64>,
    multiplier: Option<f64>,
    max_interval: Option<GoDuration>,
    max_elapsed_time: Option<GoDuration>,
}

impl BackOffConfig {
    /// Deserializes the block over `defaults`: keys left out (or a null
    /// block) keep the value in `defaults`, as Go's unmarshal over a
    /// component's default config does. Use it with
    /// `#[serde(deserialize_with = ...)]` when a component's defaults are not
    /// Go's `configretry` defaults.
    pub fn deserialize_over<'de, D: Deserializer<'de>>(d: D, defaults: Self) -> Result<Self, D::Error> {
        let given = Option::<Given>::deserialize(d)?.unwrap_or_default();
        let dur = |v: Option<GoDuration>, or: Duration| v.map_or(or, |g| g.0);
        Ok(BackOffConfig {
            enabled: given.enabled.unwrap_or(defaults.enabled),
            initial_interval: dur(given.initial_interval, defaults.initial_interval),
            randomization_factor: given
                .randomization_factor
                .unwrap_or(defaults.randomization_factor),
            multiplier: given.multiplier.unwrap_or(defaults.multiplier),
            max_interval: dur(given.max_interval, defaults.max_interval),
            max_elapsed_time: dur(given.max_elapsed_time, defaults.max_elapsed_time),
        })
    }

    /// Checks the config as Go's `configretry` does (durations cannot be
    /// negative here, they are refused while parsing). A disabled config is
    /// not checked.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.enabled {
            return Ok(());
        }
        if !(0.0..=1.0).contains(&self.randomization_factor) {
            return Err(ConfigError::at(
                "retry_on_failure::randomization_factor",
                "'randomization_factor' must be within [0, 1]",
            ));
        }
        if !(self.multiplier >= 0.0 && self.multiplier.is_finite()) {
            return Err(ConfigError::at(
                "retry_on_failure::multiplier",
                "'multiplier' must be non-negative",
            ));
        }
        if !self.max_elapsed_time.is_zero() {
            if self.max_elapsed_time < self.initial_interval {
                return Err(ConfigError::at(
                    "retry_on_failure::max_elapsed_time",
                    "'max_elapsed_time' must not be less than 'initial_interval'",
                ));
            }
            if self.max_elapsed_time < self.max_interval {
                return Err(ConfigError::at(
                    "retry_on_failure::max_elapsed_time",
                    "'max_elapsed_time' must not be less than 'max_interval'",
                ));
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for BackOffConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        BackOffConfig::deserialize_over(d, BackOffConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> BackOffConfig {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn defaults_match_go() {
        let r = BackOffConfig::default();
        assert!(r.enabled);
        assert_eq!(r.initial_interval, Duration::from_secs(5));
        assert_eq!(r.max_interval, Duration::from_secs(30));
        assert_eq!(r.max_elapsed_time, Duration::from_secs(300));
        assert_eq!((r.randomization_factor, r.multiplier), (0.5, 1.5));
        assert!(r.validate().is_ok());
        assert_eq!(parse("{}"), r);
        assert_eq!(parse("~"), r, "a null block means the defaults");
    }

    #[test]
    fn parses_go_durations_and_refuses_unknown_keys() {
        let r = parse("initial_interval: 200ms\nmax_interval: 1m\nmax_elapsed_time: 0");
        assert_eq!(r.initial_interval, Duration::from_millis(200));
        assert_eq!(r.max_interval, Duration::from_secs(60));
        assert!(r.max_elapsed_time.is_zero());
        assert!(r.validate().is_ok(), "0 means retry forever");
        let e = serde_yaml::from_str::<BackOffConfig>("initial_intervall: 1s").unwrap_err();
        assert!(e.to_string().contains("unknown field `initial_intervall`"), "{e}");
        let e = serde_yaml::from_str::<BackOffConfig>("max_interval: soon").unwrap_err();
        assert!(e.to_string().contains("expected a duration"), "{e}");
    }

    #[test]
    fn deserialize_over_keeps_the_component_defaults() {
        let fifty = BackOffConfig {
            initial_interval: Duration::from_millis(50),
            ..BackOffConfig::default()
        };
        let r = BackOffConfig::deserialize_over(
            serde_yaml::Deserializer::from_str("enabled: true"),
            fifty.clone(),
        )
        .unwrap();
        assert_eq!(r, fifty);
        let r = BackOffConfig::deserialize_over(
            serde_yaml::Deserializer::from_str("initial_interval: 1s"),
            fifty,
        )
        .unwrap();
        assert_eq!(r.initial_interval, Duration::from_secs(1));
    }

    #[test]
    fn round_trips_through_print_config() {
        let r = parse("initial_interval: 1s\nmultiplier: 2\nmax_elapsed_time: 1h30m");
        let back: BackOffConfig = serde_yaml::from_str(&serde_yaml::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn validation_matches_go_and_names_the_key() {
        let bad = |y: &str| parse(y).validate().unwrap_err();
        let e = bad("randomization_factor: 1.5");
        assert_eq!(e.key.as_deref(), Some("retry_on_failure::randomization_factor"));
        assert!(e.message.contains("[0, 1]"));
        assert!(bad("multiplier: -1").message.contains("non-negative"));
        let e = bad("max_elapsed_time: 1s");
        assert_eq!(e.key.as_deref(), Some("retry_on_failure::max_elapsed_time"));
        assert!(e.message.contains("initial_interval"));
        assert!(
            bad("initial_interval: 1s\nmax_elapsed_time: 10s")
                .message
                .contains("max_interval")
        );
        assert!(parse("enabled: false\nmultiplier: -1").validate().is_ok());
    }
}
