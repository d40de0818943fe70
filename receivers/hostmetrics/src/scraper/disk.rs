//! The `disk` scraper: `/proc/diskstats`.

use std::sync::Arc;

use otelcol_component::build::unix_nanos_now;

use super::{Env, ScrapeOutput, Scraper, as_i64, secs_to_nanos};
use crate::config::DiskConfig;
use crate::filter::IncludeExclude;
use crate::metadata::{DISK, MetricsBuilder};
use crate::procfs;

/// Metrics lost when `/proc/diskstats` cannot be read.
const METRICS_LEN: usize = 7;

/// The `disk` scraper.
#[derive(Debug)]
pub(crate) struct DiskScraper {
    env: Arc<Env>,
    mb: MetricsBuilder,
    filter: IncludeExclude,
}

impl DiskScraper {
    pub(crate) fn new(cfg: &DiskConfig, env: Arc<Env>) -> Result<Self, regex::Error> {
        Ok(DiskScraper {
            env,
            mb: MetricsBuilder::new(&DISK, &cfg.metrics),
            filter: IncludeExclude {
                include: cfg.include.compile()?,
                exclude: cfg.exclude.compile()?,
            },
        })
    }
}

/// Milliseconds as seconds.
fn ms(v: u64) -> f64 {
    v as f64 / 1e3
}

impl Scraper for DiskScraper {
    fn name(&self) -> &'static str {
        DISK.name
    }

    fn start(&mut self, boot_time: u64) {
        self.mb.set_start(secs_to_nanos(boot_time));
    }

    fn scrape(&mut self, version: &str) -> ScrapeOutput {
        let mut out = ScrapeOutput::default();
        let now = unix_nanos_now();
        let stats = match self
            .env
            .fs
            .read_proc("diskstats")
            .and_then(|t| procfs::parse_diskstats(&t))
        {
            Ok(s) => s,
            Err(e) => {
                out.error(METRICS_LEN, e);
                return out;
            }
        };
        let mut stats: Vec<_> = stats
            .into_iter()
            .filter(|d| self.filter.allows(&d.name))
            .collect();
        stats.sort_by(|a, b| a.name.cmp(&b.name));
        for d in &stats {
            let dev = d.name.as_str();
            let mb = &mut self.mb;
            mb.int("system.disk.io", now, as_i64(d.read_bytes), &[dev, "read"]);
            mb.int("system.disk.io", now, as_i64(d.write_bytes), &[dev, "write"]);
            mb.int("system.disk.operations", now, as_i64(d.reads), &[dev, "read"]);
            mb.int("system.disk.operations", now, as_i64(d.writes), &[dev, "write"]);
            mb.double("system.disk.io_time", now, ms(d.io_time), &[dev]);
            mb.double("system.disk.operation_time", now, ms(d.read_time), &[dev, "read"]);
            mb.double(
                "system.disk.operation_time",
                now,
                ms(d.write_time),
                &[dev, "write"],
            );
            mb.double("system.disk.weighted_io_time", now, ms(d.weighted_io), &[dev]);
            mb.int(
                "system.disk.pending_operations",
                now,
                as_i64(d.in_progress),
                &[dev],
            );
            mb.int("system.disk.merged", now, as_i64(d.merged_reads), &[dev, "read"]);
            mb.int(
                "system.disk.merged",
                now,
                as_i64(d.merged_writes),
                &[dev, "write"],
            );
        }
        out.resource_metrics.extend(self.mb.emit(Vec::new(), version));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DeviceMatch;
    use crate::scraper::testutil::{env, table, tree};

    const DISKSTATS: &str = " 254 0 vda 4086 1330 410626 2227 6 9 104 12 2 3412 9431 0 0 0 0
   7 0 loop0 1 0 8 0 0 0 0 0 0 4 0 0 0 0 0
 254 1 vda1 10 0 20 1 0 0 0 0 0 1 1
";

    #[test]
    fn diskstats_to_metrics_with_filters() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path(), &[("proc/diskstats", DISKSTATS)]);
        let cfg = DiskConfig {
            exclude: DeviceMatch {
                devices: vec!["^loop".into()],
                match_type: "regexp".into(),
                regexp: None,
            },
            ..Default::default()
        };
        let mut s = DiskScraper::new(&cfg, env(dir.path())).unwrap();
        s.start(1);
        let out = s.scrape("v");
        assert!(out.errors.is_empty());
        assert_eq!(
            table(&out.resource_metrics, "system.disk.io"),
            [
                ("device=vda,direction=read".to_string(), 410_626.0 * 512.0),
                ("device=vda,direction=write".to_string(), 104.0 * 512.0),
                ("device=vda1,direction=read".to_string(), 20.0 * 512.0),
                ("device=vda1,direction=write".to_string(), 0.0),
            ]
        );
        // (metric, attributes, value)
        let want: &[(&str, &str, f64)] = &[
            ("system.disk.operations", "device=vda,direction=read", 4086.0),
            ("system.disk.io_time", "device=vda", 3.412),
            ("system.disk.operation_time", "device=vda,direction=write", 0.012),
            ("system.disk.weighted_io_time", "device=vda", 9.431),
            ("system.disk.pending_operations", "device=vda", 2.0),
            ("system.disk.merged", "device=vda,direction=read", 1330.0),
        ];
        for (m, a, v) in want {
            assert!(
                table(&out.resource_metrics, m).contains(&((*a).to_string(), *v)),
                "{m} {a}"
            );
        }
        let strict = DiskConfig {
            include: DeviceMatch {
                devices: vec!["loop0".into()],
                match_type: "strict".into(),
                regexp: None,
            },
            ..Default::default()
        };
        let mut s = DiskScraper::new(&strict, env(dir.path())).unwrap();
        let out = s.scrape("v");
        assert_eq!(table(&out.resource_metrics, "system.disk.io").len(), 2);
        std::fs::remove_file(dir.path().join("proc/diskstats")).unwrap();
        assert_eq!(s.scrape("v").failed, METRICS_LEN);
    }
}
