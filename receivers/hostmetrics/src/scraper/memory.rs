//! The `memory` scraper: `/proc/meminfo`.

use std::collections::BTreeMap;
use std::sync::Arc;

use otelcol_component::build::unix_nanos_now;

use super::{Env, ScrapeOutput, Scraper, as_i64, diff_i64, secs_to_nanos};
use crate::config::MemoryConfig;
use crate::error::ScrapeError;
use crate::metadata::{MEMORY, MetricsBuilder};
use crate::procfs;

/// Metrics lost when `/proc/meminfo` cannot be read (Go's `metricsLen`).
const METRICS_LEN: usize = 2;

/// The `memory` scraper.
#[derive(Debug)]
pub(crate) struct MemoryScraper {
    env: Arc<Env>,
    mb: MetricsBuilder,
}

/// The values of `/proc/meminfo` the metrics use, in bytes (pages for huge pages).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct MemInfo {
    total: u64,
    free: u64,
    available: u64,
    buffers: u64,
    /// `Cached` plus `SReclaimable`, as gopsutil reports it.
    cached: u64,
    sreclaimable: u64,
    sunreclaim: u64,
    dirty: u64,
    shared: u64,
    huge_total: u64,
    huge_free: u64,
    huge_rsvd: u64,
    huge_surp: u64,
    huge_page_size: u64,
}

impl MemInfo {
    fn from(m: &BTreeMap<String, u64>) -> Self {
        let kb = |k: &str| m.get(k).copied().unwrap_or(0).saturating_mul(1024);
        let count = |k: &str| m.get(k).copied().unwrap_or(0);
        let free = kb("MemFree");
        let cached = kb("Cached").saturating_add(kb("SReclaimable"));
        MemInfo {
            total: kb("MemTotal"),
            free,
            // Kernels before 3.14 have no MemAvailable: gopsutil's simplest fallback.
            available: if m.contains_key("MemAvailable") {
                kb("MemAvailable")
            } else {
                free.saturating_add(cached)
            },
            buffers: kb("Buffers"),
            cached,
            sreclaimable: kb("SReclaimable"),
            sunreclaim: kb("SUnreclaim"),
            dirty: kb("Dirty"),
            shared: kb("Shmem"),
            huge_total: count("HugePages_Total"),
            huge_free: count("HugePages_Free"),
            huge_rsvd: count("HugePages_Rsvd"),
            huge_surp: count("HugePages_Surp"),
            huge_page_size: kb("Hugepagesize"),
        }
    }
}

impl MemoryScraper {
    pub(crate) fn new(cfg: &MemoryConfig, env: Arc<Env>) -> Self {
        MemoryScraper {
            env,
            mb: MetricsBuilder::new(&MEMORY, &cfg.metrics),
        }
    }

    fn record(&mut self, now: u64, m: &MemInfo) -> Result<(), ScrapeError> {
        // `used` is total minus available (Go's UseLinuxMemAvailable gate,
        // beta and on since v0.137).
        let used = m.total.saturating_sub(m.available);
        let states = [
            ("used", used),
            ("free", m.free),
            ("buffered", m.buffers),
            ("cached", m.cached),
            ("slab_reclaimable", m.sreclaimable),
            ("slab_unreclaimable", m.sunreclaim),
        ];
        for (state, v) in states {
            self.mb.int("system.memory.usage", now, as_i64(v), &[state]);
        }
        if m.total == 0 {
            return Err(ScrapeError::Invalid(format!("invalid total memory: {}", m.total)));
        }
        for (state, v) in states {
            self.mb.double(
                "system.memory.utilization",
                now,
                v as f64 / m.total as f64,
                &[state],
            );
        }
        self.mb.int("system.memory.limit", now, as_i64(m.total), &[]);
        self.mb
            .int("system.linux.memory.available", now, as_i64(m.available), &[]);
        self.mb
            .int("system.linux.memory.dirty", now, as_i64(m.dirty), &[]);
        self.mb
            .int("system.memory.linux.shared", now, as_i64(m.shared), &[]);
        self.mb.int(
            "system.memory.linux.hugepages.page_size",
            now,
            as_i64(m.huge_page_size),
            &[],
        );
        self.mb.int(
            "system.memory.linux.hugepages.limit",
            now,
            as_i64(m.huge_total),
            &[],
        );
        let huge_used = m.huge_total.saturating_sub(m.huge_free);
        self.mb.int(
            "system.memory.linux.hugepages.usage",
            now,
            as_i64(m.huge_free),
            &["free"],
        );
        self.mb.int(
            "system.memory.linux.hugepages.usage",
            now,
            diff_i64(m.huge_total, m.huge_free),
            &["used"],
        );
        self.mb.int(
            "system.memory.linux.hugepages.reserved",
            now,
            as_i64(m.huge_rsvd),
            &[],
        );
        self.mb.int(
            "system.memory.linux.hugepages.surplus",
            now,
            as_i64(m.huge_surp),
            &[],
        );
        if m.huge_total != 0 {
            let t = m.huge_total as f64;
            self.mb.double(
                "system.memory.linux.hugepages.utilization",
                now,
                m.huge_free as f64 / t,
                &["free"],
            );
            self.mb.double(
                "system.memory.linux.hugepages.utilization",
                now,
                huge_used as f64 / t,
                &["used"],
            );
        }
        self.mb
            .int("system.memory.page_size", now, as_i64(self.env.page_size), &[]);
        Ok(())
    }
}

impl Scraper for MemoryScraper {
    fn name(&self) -> &'static str {
        MEMORY.name
    }

    fn start(&mut self, boot_time: u64) {
        self.mb.set_start(secs_to_nanos(boot_time));
    }

    fn scrape(&mut self, version: &str) -> ScrapeOutput {
        let mut out = ScrapeOutput::default();
        let now = unix_nanos_now();
        match self.env.fs.read_proc("meminfo") {
            Ok(text) => {
                let m = MemInfo::from(&procfs::parse_meminfo(&text));
                if let Err(e) = self.record(now, &m) {
                    out.error(METRICS_LEN, e);
                }
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
    use crate::config::{MetricToggle, MetricsConfig};
    use crate::metadata::MEMORY;
    use crate::scraper::testutil::{env, table, tree};

    const MEMINFO: &str = "MemTotal:       1000 kB
MemFree:         100 kB
MemAvailable:    600 kB
Buffers:          50 kB
Cached:          300 kB
Shmem:            20 kB
SReclaimable:     40 kB
SUnreclaim:       10 kB
Dirty:             5 kB
HugePages_Total:       4
HugePages_Free:        1
HugePages_Rsvd:        1
HugePages_Surp:        0
Hugepagesize:       2048 kB
";

    fn all_on() -> MemoryConfig {
        MemoryConfig {
            metrics: MEMORY
                .metrics
                .iter()
                .map(|m| (m.name.to_string(), MetricToggle { enabled: Some(true) }))
                .collect::<MetricsConfig>(),
        }
    }

    #[test]
    fn meminfo_to_metrics() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path(), &[("proc/meminfo", MEMINFO)]);
        let mut s = MemoryScraper::new(&all_on(), env(dir.path()));
        s.start(7);
        let out = s.scrape("v");
        assert!(out.errors.is_empty());
        let k = 1024.0;
        // (metric, attributes, value)
        let want: &[(&str, &str, f64)] = &[
            ("system.memory.usage", "state=used", 400.0 * k),
            ("system.memory.usage", "state=free", 100.0 * k),
            ("system.memory.usage", "state=buffered", 50.0 * k),
            ("system.memory.usage", "state=cached", 340.0 * k),
            ("system.memory.usage", "state=slab_reclaimable", 40.0 * k),
            ("system.memory.usage", "state=slab_unreclaimable", 10.0 * k),
            ("system.memory.utilization", "state=used", 0.4),
            ("system.memory.utilization", "state=free", 0.1),
            ("system.memory.limit", "", 1000.0 * k),
            ("system.linux.memory.available", "", 600.0 * k),
            ("system.linux.memory.dirty", "", 5.0 * k),
            ("system.memory.linux.shared", "", 20.0 * k),
            ("system.memory.linux.hugepages.limit", "", 4.0),
            ("system.memory.linux.hugepages.page_size", "", 2048.0 * k),
            (
                "system.memory.linux.hugepages.usage",
                "system.memory.linux.hugepages.state=used",
                3.0,
            ),
            (
                "system.memory.linux.hugepages.utilization",
                "system.memory.linux.hugepages.state=free",
                0.25,
            ),
            ("system.memory.linux.hugepages.reserved", "", 1.0),
            ("system.memory.page_size", "", 4096.0),
        ];
        for (metric, attrs, v) in want {
            let t = table(&out.resource_metrics, metric);
            assert!(
                t.contains(&((*attrs).to_string(), *v)),
                "{metric} {attrs} {v}: {t:?}"
            );
        }
    }

    #[test]
    fn defaults_and_failures() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = MemoryScraper::new(&MemoryConfig::default(), env(dir.path()));
        let out = s.scrape("v");
        assert_eq!(out.failed, METRICS_LEN);
        // Only system.memory.usage by default; no MemAvailable → free + cached.
        tree(
            dir.path(),
            &[(
                "proc/meminfo",
                "MemTotal: 100 kB\nMemFree: 10 kB\nCached: 20 kB\n",
            )],
        );
        let out = s.scrape("v");
        let names: Vec<_> = crate::scraper::testutil::metrics(&out.resource_metrics)
            .iter()
            .map(|m| m.name.clone())
            .collect();
        assert_eq!(names, ["system.memory.usage"]);
        assert!(
            table(&out.resource_metrics, "system.memory.usage")
                .contains(&("state=used".into(), 70.0 * 1024.0))
        );
        // A zero total is an error; the usage recorded before it is kept.
        tree(dir.path(), &[("proc/meminfo", "MemFree: 10 kB\n")]);
        let out = s.scrape("v");
        assert_eq!(out.failed, METRICS_LEN);
        assert!(out.errors[0].to_string().contains("invalid total memory"));
    }
}
