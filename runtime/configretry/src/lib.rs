//! # otelcol-configretry
//!
//! `retry_on_failure` (Go `configretry.BackOffConfig`): the settings, their
//! validation with Go's messages, and [`BackOff`], the exponential backoff
//! schedule with jitter (as `cenkalti/backoff`, which Go uses).
//!
//! ```
//! use std::time::Duration;
//! use otelcol_configretry::{BackOff, BackOffConfig};
//!
//! let cfg: BackOffConfig = serde_yaml::from_str("initial_interval: 1s\nrandomization_factor: 0").unwrap();
//! cfg.validate().unwrap();
//! let mut backoff = BackOff::new(&cfg);
//! assert_eq!(backoff.next_delay(), Duration::from_secs(1));
//! assert_eq!(backoff.next_delay(), Duration::from_millis(1500));
//! ```
#![forbid(unsafe_code)]

mod backoff;
mod config;

pub use backoff::BackOff;
pub use config::{
    BackOffConfig, DEFAULT_INITIAL_INTERVAL, DEFAULT_MAX_ELAPSED_TIME, DEFAULT_MAX_INTERVAL,
    DEFAULT_MULTIPLIER, DEFAULT_RANDOMIZATION_FACTOR, DEFAULT_RETRY_ENABLED,
};
