//! The hard and soft limits, and where a measurement falls.

use crate::config::MemoryLimiterConfig;
use crate::error::MemoryError;
use crate::memory::MemorySource;

/// One mebibyte.
pub(crate) const MIB: u64 = 1024 * 1024;

/// The hard limit and the spike headroom below it, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The hard limit.
    pub hard: u64,
    /// The headroom; the soft limit is `hard - spike`.
    pub spike: u64,
}

impl Limits {
    /// Limits in bytes; a spike of 0 means 20% of the hard limit (as Go).
    pub fn new(hard: u64, spike: u64) -> Self {
        let spike = if spike == 0 { hard / 5 } else { spike };
        Limits { hard, spike }
    }

    /// The limits `cfg` asks for: `limit_mib` when set, otherwise percentages
    /// of [`MemorySource::total`].
    pub fn from_config(cfg: &MemoryLimiterConfig, source: &dyn MemorySource) -> Result<Self, MemoryError> {
        if cfg.limit_mib != 0 {
            return Ok(Limits::new(
                u64::from(cfg.limit_mib) * MIB,
                u64::from(cfg.spike_limit_mib) * MIB,
            ));
        }
        let total = source.total()?;
        let pct = |p: u32| u64::try_from(u128::from(total) * u128::from(p) / 100).unwrap_or(u64::MAX);
        tracing::info!(
            total_memory_mib = total / MIB,
            limit_percentage = cfg.limit_percentage,
            spike_limit_percentage = cfg.spike_limit_percentage,
            "Using percentage memory limiter"
        );
        Ok(Limits::new(
            pct(cfg.limit_percentage),
            pct(cfg.spike_limit_percentage),
        ))
    }

    /// Where data starts to be refused.
    pub fn soft(&self) -> u64 {
        self.hard.saturating_sub(self.spike)
    }

    /// The level of a measured usage (Go compares with `>=`).
    pub fn level(&self, usage: u64) -> Level {
        if usage >= self.hard {
            Level::Hard
        } else if usage >= self.soft() {
            Level::Soft
        } else {
            Level::Normal
        }
    }
}

/// Where the last measurement put the process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Level {
    /// Below the soft limit: data passes.
    #[default]
    Normal,
    /// At or above the soft limit: data is refused.
    Soft,
    /// At or above the hard limit: data is refused.
    Hard,
}
