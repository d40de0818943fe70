//! The `processes` scraper: process counts by status and processes created.

use std::collections::BTreeMap;
use std::sync::Arc;

use otelcol_component::build::unix_nanos_now;

use super::{Env, ScrapeOutput, Scraper, as_i64, secs_to_nanos};
use crate::config::ProcessesConfig;
use crate::error::ScrapeError;
use crate::metadata::{MetricsBuilder, PROCESSES};
use crate::procfs;

/// Metrics lost when the counts cannot be read.
const METRICS_LEN: usize = 2;

/// The `processes` scraper.
#[derive(Debug)]
pub(crate) struct ProcessesScraper {
    env: Arc<Env>,
    mb: MetricsBuilder,
}

/// The status gopsutil gives a `/proc/<pid>/stat` state letter, as the
/// `status` attribute value Go maps it to.
pub(crate) fn status_of(state: char) -> &'static str {
    match state {
        'A' => "daemon",
        'D' | 'U' => "blocked",
        'E' => "detached",
        'I' => "idle",
        'L' => "locked",
        'O' => "orphan",
        'R' => "running",
        'S' => "sleeping",
        'T' | 't' => "stopped",
        'W' => "paging",
        'Y' => "system",
        'Z' => "zombies",
        _ => "unknown",
    }
}

/// The numeric entries of `<root>/proc`: the process ids.
pub(crate) fn pids(env: &Env) -> Result<Vec<i64>, ScrapeError> {
    let dir = env.fs.proc("");
    let rd = std::fs::read_dir(&dir).map_err(|source| ScrapeError::Read {
        path: dir.clone(),
        source,
    })?;
    let mut out: Vec<i64> = rd
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    out.sort_unstable();
    Ok(out)
}

impl ProcessesScraper {
    pub(crate) fn new(cfg: &ProcessesConfig, env: Arc<Env>) -> Self {
        ProcessesScraper {
            env,
            mb: MetricsBuilder::new(&PROCESSES, &cfg.metrics),
        }
    }

    /// Counts by status (Go's Linux algorithm): the state of every process,
    /// then `procs_running` / `procs_blocked` of `/proc/stat` replace the
    /// running and blocked counts, and processes counted in `/proc/loadavg`
    /// but not seen are `unknown`.
    fn counts(&self) -> Result<(BTreeMap<&'static str, i64>, Option<u64>), ScrapeError> {
        let mut counts: BTreeMap<&'static str, i64> = BTreeMap::new();
        for pid in pids(&self.env)? {
            // A process that ended since the listing is not counted.
            let Ok(text) = self.env.fs.read_proc(&format!("{pid}/stat")) else {
                continue;
            };
            let Ok(stat) = procfs::parse_pid_stat(&text) else {
                continue;
            };
            *counts.entry(status_of(stat.state)).or_insert(0) += 1;
        }
        let stat = procfs::parse_stat(&self.env.fs.read_proc("stat")?)?;
        let total = procfs::parse_loadavg(&self.env.fs.read_proc("loadavg")?)?.total;
        counts.insert("blocked", as_i64(stat.procs_blocked.unwrap_or(0)));
        counts.insert("running", as_i64(stat.procs_running.unwrap_or(0)));
        let known: i64 = counts.values().sum();
        if as_i64(total) > known {
            counts.insert("unknown", as_i64(total) - known);
        }
        Ok((counts, stat.processes))
    }
}

impl Scraper for ProcessesScraper {
    fn name(&self) -> &'static str {
        PROCESSES.name
    }

    fn start(&mut self, boot_time: u64) {
        self.mb.set_start(secs_to_nanos(boot_time));
    }

    fn scrape(&mut self, version: &str) -> ScrapeOutput {
        let mut out = ScrapeOutput::default();
        let now = unix_nanos_now();
        match self.counts() {
            Ok((counts, created)) => {
                for (status, n) in counts {
                    self.mb.int("system.processes.count", now, n, &[status]);
                }
                if let Some(c) = created {
                    self.mb.int("system.processes.created", now, as_i64(c), &[]);
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
    use crate::scraper::testutil::{env, table, tree};

    #[test]
    fn status_letters() {
        // (letter, status)
        for (c, s) in [
            ('R', "running"),
            ('S', "sleeping"),
            ('D', "blocked"),
            ('Z', "zombies"),
            ('T', "stopped"),
            ('t', "stopped"),
            ('I', "idle"),
            ('W', "paging"),
            ('X', "unknown"),
        ] {
            assert_eq!(status_of(c), s, "{c}");
        }
    }

    #[test]
    fn counts_by_status() {
        let dir = tempfile::tempdir().unwrap();
        tree(
            dir.path(),
            &[
                (
                    "proc/stat",
                    "cpu0 1 1 1 1\nprocesses 500\nprocs_running 2\nprocs_blocked 1\n",
                ),
                ("proc/loadavg", "0 0 0 2/9 1\n"),
                (
                    "proc/1/stat",
                    "1 (init) S 0 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 10 0 0\n",
                ),
                (
                    "proc/2/stat",
                    "2 (k) I 0 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 10 0 0\n",
                ),
                (
                    "proc/3/stat",
                    "3 (z) Z 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 10 0 0\n",
                ),
                (
                    "proc/4/stat",
                    "4 (r) R 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 10 0 0\n",
                ),
                ("proc/self/stat", "ignored"),
                ("proc/5/stat", "garbage"),
            ],
        );
        let mut s = ProcessesScraper::new(&ProcessesConfig::default(), env(dir.path()));
        let out = s.scrape("v");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        // running and blocked from /proc/stat; 9 - 6 known = 3 unknown.
        assert_eq!(
            table(&out.resource_metrics, "system.processes.count"),
            [
                ("status=blocked".to_string(), 1.0),
                ("status=idle".to_string(), 1.0),
                ("status=running".to_string(), 2.0),
                ("status=sleeping".to_string(), 1.0),
                ("status=unknown".to_string(), 3.0),
                ("status=zombies".to_string(), 1.0),
            ]
        );
        assert_eq!(
            table(&out.resource_metrics, "system.processes.created"),
            [(String::new(), 500.0)]
        );
        std::fs::remove_file(dir.path().join("proc/loadavg")).unwrap();
        let out = s.scrape("v");
        assert_eq!(out.failed, METRICS_LEN);
    }
}
