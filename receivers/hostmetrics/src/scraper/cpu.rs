//! The `cpu` scraper: `/proc/stat` times per logical CPU, utilization from
//! the difference between two scrapes, CPU counts and frequencies.

use std::collections::BTreeSet;
use std::sync::Arc;

use otelcol_component::build::unix_nanos_now;

use super::{Env, ScrapeOutput, Scraper, secs_to_nanos};
use crate::config::CpuConfig;
use crate::error::ScrapeError;
use crate::metadata::{CPU, MetricsBuilder};
use crate::procfs::{self, CpuTicks};

const TIME: &str = "system.cpu.time";
const UTILIZATION: &str = "system.cpu.utilization";
const LOGICAL: &str = "system.cpu.logical.count";
const PHYSICAL: &str = "system.cpu.physical.count";
const FREQUENCY: &str = "system.cpu.frequency";

/// Metrics lost when `/proc/stat` cannot be read (Go's `metricsLen`).
const METRICS_LEN: usize = 2;

/// The `cpu` scraper.
#[derive(Debug)]
pub(crate) struct CpuScraper {
    env: Arc<Env>,
    mb: MetricsBuilder,
    /// The times of the previous scrape, for utilization.
    previous: Option<Vec<CpuTicks>>,
}

impl CpuScraper {
    pub(crate) fn new(cfg: &CpuConfig, env: Arc<Env>) -> Self {
        CpuScraper {
            env,
            mb: MetricsBuilder::new(&CPU, &cfg.metrics),
            previous: None,
        }
    }

    fn record_times(&mut self, now: u64, t: &CpuTicks) {
        let e = &self.env;
        for (state, ticks) in states(t) {
            self.mb.double(TIME, now, e.secs(ticks), &[&t.cpu, state]);
        }
    }

    /// Records utilization: each state's share of all time that passed on
    /// that CPU since the previous scrape (Go's `ucal`). Nothing on the
    /// first scrape.
    fn record_utilization(&mut self, now: u64, current: &[CpuTicks]) {
        let Some(previous) = &self.previous else {
            return;
        };
        let mut points = Vec::new();
        for cur in current {
            let Some(prev) = previous.iter().find(|p| p.cpu == cur.cpu) else {
                continue;
            };
            let total = |t: &CpuTicks| states(t).iter().map(|(_, v)| *v as f64).sum::<f64>();
            let elapsed = total(cur) - total(prev);
            for ((state, c), (_, p)) in states(cur).into_iter().zip(states(prev)) {
                let u = if elapsed > 0.0 {
                    (c as f64 - p as f64) / elapsed
                } else {
                    0.0
                };
                points.push((cur.cpu.clone(), state, u));
            }
        }
        for (cpu, state, u) in points {
            self.mb.double(UTILIZATION, now, u, &[&cpu, state]);
        }
    }

    fn logical_count(&self) -> Result<i64, ScrapeError> {
        let fs = &self.env.fs;
        let n = fs
            .read_proc("cpuinfo")
            .map(|t| procfs::parse_cpuinfo(&t).len())
            .unwrap_or(0);
        if n > 0 {
            return Ok(i64::try_from(n).unwrap_or(i64::MAX));
        }
        let stat = procfs::parse_stat(&fs.read_proc("stat")?)?;
        Ok(i64::try_from(stat.cpus.len()).unwrap_or(i64::MAX))
    }

    /// Physical cores: distinct `core_cpus_list` (or `thread_siblings_list`)
    /// of the CPUs in sysfs, else distinct (physical id, core id) pairs of
    /// `/proc/cpuinfo` (gopsutil's order).
    fn physical_count(&self) -> Result<i64, ScrapeError> {
        let fs = &self.env.fs;
        for file in ["core_cpus_list", "thread_siblings_list"] {
            let mut lists = BTreeSet::new();
            if let Ok(dir) = std::fs::read_dir(fs.sys("devices/system/cpu")) {
                for entry in dir.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if !name
                        .strip_prefix("cpu")
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    {
                        continue;
                    }
                    if let Ok(t) = fs.read(&entry.path().join("topology").join(file)) {
                        let mut lines = t.lines();
                        if let (Some(l), None) = (lines.next(), lines.next()) {
                            lists.insert(l.to_string());
                        }
                    }
                }
            }
            if !lists.is_empty() {
                return Ok(i64::try_from(lists.len()).unwrap_or(i64::MAX));
            }
        }
        let infos = procfs::parse_cpuinfo(&fs.read_proc("cpuinfo")?);
        let cores: BTreeSet<_> = infos
            .iter()
            .filter_map(|c| Some((c.physical_id.clone()?, c.core_id.clone()?)))
            .collect();
        Ok(i64::try_from(cores.len()).unwrap_or(i64::MAX))
    }

    fn record_frequencies(&mut self, now: u64) -> Result<(), ScrapeError> {
        let infos = procfs::parse_cpuinfo(&self.env.fs.read_proc("cpuinfo")?);
        for c in infos {
            if let Some(mhz) = c.mhz {
                self.mb.double(
                    FREQUENCY,
                    now,
                    mhz * 1_000_000.0,
                    &[&format!("cpu{}", c.processor)],
                );
            }
        }
        Ok(())
    }
}

/// The states Go records, in its order, with their ticks.
fn states(t: &CpuTicks) -> [(&'static str, u64); 8] {
    [
        ("user", t.user),
        ("system", t.system),
        ("idle", t.idle),
        ("interrupt", t.irq),
        ("nice", t.nice),
        ("softirq", t.softirq),
        ("steal", t.steal),
        ("wait", t.iowait),
    ]
}

impl Scraper for CpuScraper {
    fn name(&self) -> &'static str {
        CPU.name
    }

    fn start(&mut self, boot_time: u64) {
        self.mb.set_start(secs_to_nanos(boot_time));
    }

    fn scrape(&mut self, version: &str) -> ScrapeOutput {
        let mut out = ScrapeOutput::default();
        let now = unix_nanos_now();
        match self.env.fs.read_proc("stat").and_then(|t| procfs::parse_stat(&t)) {
            Ok(stat) => {
                for t in &stat.cpus {
                    self.record_times(now, t);
                }
                self.record_utilization(now, &stat.cpus);
                self.previous = Some(stat.cpus);
            }
            Err(e) => out.error(METRICS_LEN, e),
        }
        if self.mb.enabled(PHYSICAL) {
            match self.physical_count() {
                Ok(n) => self.mb.int(PHYSICAL, now, n, &[]),
                Err(e) => out.error(1, e),
            }
        }
        if self.mb.enabled(LOGICAL) {
            match self.logical_count() {
                Ok(n) => self.mb.int(LOGICAL, now, n, &[]),
                Err(e) => out.error(1, e),
            }
        }
        if self.mb.enabled(FREQUENCY) {
            if let Err(e) = self.record_frequencies(now) {
                out.error(1, e);
            }
        }
        out.resource_metrics.extend(self.mb.emit(Vec::new(), version));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{MetricToggle, MetricsConfig};
    use crate::scraper::testutil::{env, table, tree};

    fn on(names: &[&str]) -> CpuConfig {
        let mut metrics = MetricsConfig::new();
        for n in names {
            metrics.insert((*n).to_string(), MetricToggle { enabled: Some(true) });
        }
        CpuConfig { metrics }
    }

    const STAT1: &str =
        "cpu  0 0 0 0\ncpu0 100 0 50 850 0 0 0 0 0 0\ncpu1 200 10 20 760 5 3 2 0 0 0\nbtime 1000\n";
    const STAT2: &str =
        "cpu  0 0 0 0\ncpu0 150 0 50 900 0 0 0 0 0 0\ncpu1 200 10 20 760 5 3 2 0 0 0\nbtime 1000\n";

    #[test]
    fn times_per_cpu_and_state_then_utilization_from_deltas() {
        let dir = tempfile::tempdir().unwrap();
        tree(
            dir.path(),
            &[
                ("proc/stat", STAT1),
                (
                    "proc/cpuinfo",
                    "processor\t: 0\ncpu MHz\t: 1000.5\nphysical id\t: 0\ncore id\t: 0\nprocessor\t: 1\ncpu MHz\t: 2000\nphysical id\t: 0\ncore id\t: 0\n",
                ),
            ],
        );
        let mut s = CpuScraper::new(&on(&[UTILIZATION, LOGICAL, PHYSICAL, FREQUENCY]), env(dir.path()));
        s.start(1000);
        let out = s.scrape("v");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let times = table(&out.resource_metrics, TIME);
        assert_eq!(times.len(), 16);
        // (attributes, seconds)
        let want: &[(&str, f64)] = &[
            ("cpu=cpu0,state=user", 1.0),
            ("cpu=cpu0,state=system", 0.5),
            ("cpu=cpu0,state=idle", 8.5),
            ("cpu=cpu1,state=interrupt", 0.03),
            ("cpu=cpu1,state=nice", 0.1),
            ("cpu=cpu1,state=softirq", 0.02),
            ("cpu=cpu1,state=wait", 0.05),
        ];
        for (attrs, v) in want {
            assert!(
                times.contains(&((*attrs).to_string(), *v)),
                "{attrs} {v} in {times:?}"
            );
        }
        assert!(
            table(&out.resource_metrics, UTILIZATION).is_empty(),
            "none on the first scrape"
        );
        assert_eq!(table(&out.resource_metrics, LOGICAL), [(String::new(), 2.0)]);
        assert_eq!(table(&out.resource_metrics, PHYSICAL), [(String::new(), 1.0)]);
        assert_eq!(
            table(&out.resource_metrics, FREQUENCY),
            [
                ("cpu=cpu0".to_string(), 1_000_500_000.0),
                ("cpu=cpu1".to_string(), 2e9)
            ]
        );
        let start = crate::scraper::testutil::points(&out.resource_metrics, TIME)[0].start_time_unix_nano;
        assert_eq!(start, 1_000_000_000_000);

        tree(dir.path(), &[("proc/stat", STAT2)]);
        let out = s.scrape("v");
        let u = table(&out.resource_metrics, UTILIZATION);
        // cpu0: 50 user + 50 idle ticks passed; cpu1: nothing passed.
        assert!(u.contains(&("cpu=cpu0,state=user".into(), 0.5)), "{u:?}");
        assert!(u.contains(&("cpu=cpu0,state=idle".into(), 0.5)), "{u:?}");
        assert!(u.contains(&("cpu=cpu0,state=system".into(), 0.0)), "{u:?}");
        assert!(u.contains(&("cpu=cpu1,state=user".into(), 0.0)), "{u:?}");
        assert_eq!(u.len(), 16);
    }

    #[test]
    fn failures_are_partial() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = CpuScraper::new(&on(&[LOGICAL]), env(dir.path()));
        s.start(0);
        let out = s.scrape("v");
        assert_eq!(out.failed, METRICS_LEN + 1);
        assert!(out.resource_metrics.is_empty());
        // Counts fall back to /proc/stat when cpuinfo is missing.
        tree(dir.path(), &[("proc/stat", STAT1)]);
        let out = s.scrape("v");
        assert_eq!(out.failed, 0);
        assert_eq!(table(&out.resource_metrics, LOGICAL), [(String::new(), 2.0)]);
        tree(dir.path(), &[("proc/stat", "cpu0 1 2\n")]);
        let out = s.scrape("v");
        assert!(
            out.errors[0].to_string().contains("too few fields"),
            "{:?}",
            out.errors
        );
    }
}
