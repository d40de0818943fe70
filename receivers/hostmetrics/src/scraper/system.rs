//! The `system` scraper: uptime.

use std::sync::Arc;

use otelcol_component::build::unix_nanos_now;

use super::{Env, ScrapeOutput, Scraper, secs_to_nanos};
use crate::config::SystemConfig;
use crate::metadata::{MetricsBuilder, SYSTEM};

/// The `system` scraper.
#[derive(Debug)]
pub(crate) struct SystemScraper {
    mb: MetricsBuilder,
    boot_time: u64,
}

impl SystemScraper {
    pub(crate) fn new(cfg: &SystemConfig, _env: Arc<Env>) -> Self {
        SystemScraper {
            mb: MetricsBuilder::new(&SYSTEM, &cfg.metrics),
            boot_time: 0,
        }
    }
}

impl Scraper for SystemScraper {
    fn name(&self) -> &'static str {
        SYSTEM.name
    }

    fn start(&mut self, boot_time: u64) {
        self.boot_time = boot_time;
        self.mb.set_start(secs_to_nanos(boot_time));
    }

    /// Uptime in whole seconds: now minus the boot time (gopsutil's `host.Uptime`).
    fn scrape(&mut self, version: &str) -> ScrapeOutput {
        let mut out = ScrapeOutput::default();
        let now = unix_nanos_now();
        let uptime = (now / 1_000_000_000).saturating_sub(self.boot_time);
        self.mb.double("system.uptime", now, uptime as f64, &[]);
        out.resource_metrics.extend(self.mb.emit(Vec::new(), version));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scraper::testutil::{env, points, value};

    #[test]
    fn uptime_since_boot() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SystemScraper::new(&SystemConfig::default(), env(dir.path()));
        let boot = unix_nanos_now() / 1_000_000_000 - 3600;
        s.start(boot);
        let out = s.scrape("v");
        let p = points(&out.resource_metrics, "system.uptime");
        assert_eq!(p.len(), 1);
        assert!((3600.0..3700.0).contains(&value(p[0])), "{}", value(p[0]));
        assert_eq!(p[0].start_time_unix_nano, boot * 1_000_000_000);
    }
}
