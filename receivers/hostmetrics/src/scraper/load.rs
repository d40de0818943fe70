//! The `load` scraper: `/proc/loadavg`.

use std::sync::Arc;

use otelcol_component::build::unix_nanos_now;

use super::{Env, ScrapeOutput, Scraper, secs_to_nanos};
use crate::config::LoadConfig;
use crate::metadata::{LOAD, MetricsBuilder};
use crate::procfs;

/// Metrics lost when `/proc/loadavg` cannot be read.
const METRICS_LEN: usize = 3;

/// The `load` scraper.
#[derive(Debug)]
pub(crate) struct LoadScraper {
    env: Arc<Env>,
    mb: MetricsBuilder,
    cpu_average: bool,
}

impl LoadScraper {
    pub(crate) fn new(cfg: &LoadConfig, env: Arc<Env>) -> Self {
        LoadScraper {
            env,
            mb: MetricsBuilder::new(&LOAD, &cfg.metrics),
            cpu_average: cfg.cpu_average,
        }
    }
}

impl Scraper for LoadScraper {
    fn name(&self) -> &'static str {
        LOAD.name
    }

    fn start(&mut self, boot_time: u64) {
        self.mb.set_start(secs_to_nanos(boot_time));
    }

    fn scrape(&mut self, version: &str) -> ScrapeOutput {
        let mut out = ScrapeOutput::default();
        let now = unix_nanos_now();
        match self
            .env
            .fs
            .read_proc("loadavg")
            .and_then(|t| procfs::parse_loadavg(&t))
        {
            Ok(l) => {
                // `cpu_average`: per logical CPU available to the collector (Go's runtime.NumCPU).
                let d = if self.cpu_average {
                    self.env.num_cpu.max(1) as f64
                } else {
                    1.0
                };
                self.mb
                    .double("system.cpu.load_average.1m", now, l.load1 / d, &[]);
                self.mb
                    .double("system.cpu.load_average.5m", now, l.load5 / d, &[]);
                self.mb
                    .double("system.cpu.load_average.15m", now, l.load15 / d, &[]);
            }
            Err(e) => out.error(METRICS_LEN, e),
        }
        out.resource_metrics.extend(self.mb.emit(Vec::new(), version));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scraper::testutil::{env, table, tree};

    #[test]
    fn load_averages() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path(), &[("proc/loadavg", "2.00 1.00 0.50 1/100 42\n")]);
        // (cpu_average, 1m, 5m, 15m) with 2 CPUs
        for (avg, one, five, fifteen) in [(false, 2.0, 1.0, 0.5), (true, 1.0, 0.5, 0.25)] {
            let mut s = LoadScraper::new(
                &LoadConfig {
                    cpu_average: avg,
                    ..Default::default()
                },
                env(dir.path()),
            );
            let out = s.scrape("v");
            assert_eq!(
                table(&out.resource_metrics, "system.cpu.load_average.1m"),
                [(String::new(), one)]
            );
            assert_eq!(
                table(&out.resource_metrics, "system.cpu.load_average.5m"),
                [(String::new(), five)]
            );
            assert_eq!(
                table(&out.resource_metrics, "system.cpu.load_average.15m"),
                [(String::new(), fifteen)]
            );
            // Emitted in Go's (alphabetical) order.
            let names: Vec<_> = crate::scraper::testutil::metrics(&out.resource_metrics)
                .iter()
                .map(|m| m.name.clone())
                .collect();
            assert_eq!(
                names,
                [
                    "system.cpu.load_average.15m",
                    "system.cpu.load_average.1m",
                    "system.cpu.load_average.5m"
                ]
            );
        }
        tree(dir.path(), &[("proc/loadavg", "garbage\n")]);
        let mut s = LoadScraper::new(&LoadConfig::default(), env(dir.path()));
        let out = s.scrape("v");
        assert_eq!(out.failed, METRICS_LEN);
        assert!(out.resource_metrics.is_empty());
    }
}
