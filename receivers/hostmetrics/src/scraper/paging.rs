//! The `paging` scraper: swap devices (`/proc/swaps`) and paging counters
//! (`/proc/vmstat`).

use std::sync::Arc;

use otelcol_component::build::unix_nanos_now;

use super::{Env, ScrapeOutput, Scraper, as_i64, diff_i64, secs_to_nanos};
use crate::config::PagingConfig;
use crate::metadata::{MetricsBuilder, PAGING};
use crate::procfs;

/// gopsutil reports `/proc/vmstat` page counts multiplied by 4 KiB, and
/// Go's paging metrics carry those values: kept for identical output.
const GOPSUTIL_PAGE_FACTOR: u64 = 4 * 1024;

/// The `paging` scraper.
#[derive(Debug)]
pub(crate) struct PagingScraper {
    env: Arc<Env>,
    mb: MetricsBuilder,
}

impl PagingScraper {
    pub(crate) fn new(cfg: &PagingConfig, env: Arc<Env>) -> Self {
        PagingScraper {
            env,
            mb: MetricsBuilder::new(&PAGING, &cfg.metrics),
        }
    }
}

impl Scraper for PagingScraper {
    fn name(&self) -> &'static str {
        PAGING.name
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
            .read_proc("swaps")
            .and_then(|t| procfs::parse_swaps(&t))
        {
            Ok(swaps) => {
                for s in &swaps {
                    self.mb
                        .int("system.paging.usage", now, as_i64(s.used), &[&s.name, "used"]);
                    self.mb
                        .int("system.paging.usage", now, as_i64(s.free), &[&s.name, "free"]);
                }
                for s in &swaps {
                    if s.total == 0 {
                        continue;
                    }
                    let t = s.total as f64;
                    self.mb.double(
                        "system.paging.utilization",
                        now,
                        s.used as f64 / t,
                        &[&s.name, "used"],
                    );
                    self.mb.double(
                        "system.paging.utilization",
                        now,
                        s.free as f64 / t,
                        &[&s.name, "free"],
                    );
                }
            }
            Err(e) => out.error(2, e),
        }
        match self.env.fs.read_proc("vmstat") {
            Ok(text) => {
                let v = procfs::parse_key_values(&text);
                let get = |k: &str| {
                    v.get(k)
                        .copied()
                        .unwrap_or(0)
                        .saturating_mul(GOPSUTIL_PAGE_FACTOR)
                };
                let ops = "system.paging.operations";
                self.mb
                    .int(ops, now, as_i64(get("pswpin")), &["page_in", "major"]);
                self.mb
                    .int(ops, now, as_i64(get("pswpout")), &["page_out", "major"]);
                self.mb
                    .int(ops, now, as_i64(get("pgpgin")), &["page_in", "minor"]);
                self.mb
                    .int(ops, now, as_i64(get("pgpgout")), &["page_out", "minor"]);
                let faults = "system.paging.faults";
                self.mb.int(faults, now, as_i64(get("pgmajfault")), &["major"]);
                self.mb.int(
                    faults,
                    now,
                    diff_i64(get("pgfault"), get("pgmajfault")),
                    &["minor"],
                );
            }
            Err(e) => out.error(2, e),
        }
        out.resource_metrics.extend(self.mb.emit(Vec::new(), version));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MetricToggle;
    use crate::scraper::testutil::{env, table, tree};

    #[test]
    fn swaps_and_vmstat() {
        let dir = tempfile::tempdir().unwrap();
        tree(
            dir.path(),
            &[
                (
                    "proc/swaps",
                    "Filename Type Size Used Priority\n/swapfile file 1000 250 -2\n",
                ),
                (
                    "proc/vmstat",
                    "pgpgin 10\npgpgout 20\npswpin 1\npswpout 2\npgfault 100\npgmajfault 3\n",
                ),
            ],
        );
        let mut cfg = PagingConfig::default();
        cfg.metrics.insert(
            "system.paging.utilization".into(),
            MetricToggle { enabled: Some(true) },
        );
        let mut s = PagingScraper::new(&cfg, env(dir.path()));
        let out = s.scrape("v");
        assert!(out.errors.is_empty());
        let f = GOPSUTIL_PAGE_FACTOR as f64;
        assert_eq!(
            table(&out.resource_metrics, "system.paging.usage"),
            [
                ("device=/swapfile,state=used".to_string(), 250.0 * 1024.0),
                ("device=/swapfile,state=free".to_string(), 750.0 * 1024.0)
            ]
        );
        assert_eq!(
            table(&out.resource_metrics, "system.paging.utilization"),
            [
                ("device=/swapfile,state=used".to_string(), 0.25),
                ("device=/swapfile,state=free".to_string(), 0.75)
            ]
        );
        assert_eq!(
            table(&out.resource_metrics, "system.paging.operations"),
            [
                ("direction=page_in,type=major".to_string(), f),
                ("direction=page_out,type=major".to_string(), 2.0 * f),
                ("direction=page_in,type=minor".to_string(), 10.0 * f),
                ("direction=page_out,type=minor".to_string(), 20.0 * f),
            ]
        );
        assert_eq!(
            table(&out.resource_metrics, "system.paging.faults"),
            [
                ("type=major".to_string(), 3.0 * f),
                ("type=minor".to_string(), 97.0 * f)
            ]
        );
        // No swap file: the counters still come.
        tree(dir.path(), &[("proc/swaps", "bogus\n")]);
        let out = s.scrape("v");
        assert_eq!(out.failed, 2);
        assert!(table(&out.resource_metrics, "system.paging.usage").is_empty());
        assert_eq!(table(&out.resource_metrics, "system.paging.faults").len(), 2);
    }
}
