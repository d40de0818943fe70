//! The scrapers: each reads one part of the host and records its metrics.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use otelcol_component::build::unix_nanos_now;
use otelcol_component::proto::metrics::v1::ResourceMetrics;

use crate::config::HostMetricsConfig;
use crate::error::ScrapeError;
use crate::procfs::{self, HostFs};

mod cpu;
mod disk;
mod filesystem;
mod load;
mod memory;
mod network;
mod paging;
mod process;
mod processes;
mod system;

/// Facts about the host every scraper shares.
#[derive(Clone, Debug)]
pub(crate) struct Env {
    /// The host's file system (under `root_path`).
    pub(crate) fs: HostFs,
    /// Clock ticks per second (`USER_HZ`) of `/proc` times.
    pub(crate) clk_tck: u64,
    /// The page size in bytes.
    pub(crate) page_size: u64,
    /// Where user names are looked up (the collector's `/etc/passwd`, as
    /// Go's `os/user` does, not the one under `root_path`).
    pub(crate) passwd: PathBuf,
    /// Logical CPUs available to the collector (Go's `runtime.NumCPU`).
    pub(crate) num_cpu: usize,
}

impl Env {
    /// The environment of the running collector for `root_path`.
    pub(crate) fn new(root_path: &str) -> Self {
        let clk_tck = rustix::param::clock_ticks_per_second();
        Env {
            fs: HostFs::new(root_path),
            clk_tck: if clk_tck == 0 { 100 } else { clk_tck },
            page_size: u64::try_from(rustix::param::page_size()).unwrap_or(4096),
            passwd: PathBuf::from("/etc/passwd"),
            num_cpu: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// Ticks as seconds.
    pub(crate) fn secs(&self, ticks: u64) -> f64 {
        ticks as f64 / self.clk_tck as f64
    }

    /// The boot time in seconds since the epoch: `btime` of `/proc/stat`,
    /// else now minus `/proc/uptime`.
    pub(crate) fn boot_time(&self) -> Result<u64, ScrapeError> {
        let stat = self.fs.read_proc("stat")?;
        if let Some(b) = procfs::parse_stat(&stat)?.btime {
            return Ok(b);
        }
        let up = self.fs.read_proc("uptime")?;
        let secs: f64 = up
            .split_ascii_whitespace()
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| ScrapeError::parse(self.fs.proc("uptime"), "no uptime"))?;
        let now = unix_nanos_now() / 1_000_000_000;
        Ok(now.saturating_sub(secs as u64))
    }
}

/// What one scrape of one scraper produced.
#[derive(Debug, Default)]
pub(crate) struct ScrapeOutput {
    /// The metrics, one entry per resource.
    pub(crate) resource_metrics: Vec<ResourceMetrics>,
    /// What failed.
    pub(crate) errors: Vec<ScrapeError>,
    /// How many metrics could not be scraped (Go's `PartialScrapeError.Failed`).
    pub(crate) failed: usize,
}

impl ScrapeOutput {
    /// Records an error that cost `failed` metrics.
    pub(crate) fn error(&mut self, failed: usize, e: ScrapeError) {
        self.failed += failed;
        self.errors.push(e);
    }

    /// Data points produced.
    pub(crate) fn point_count(&self) -> usize {
        count_points(&self.resource_metrics)
    }
}

/// One scraper.
pub(crate) trait Scraper: Send + fmt::Debug {
    /// Its key under `scrapers` (`cpu`).
    fn name(&self) -> &'static str;
    /// Called once before the first scrape with the host's boot time
    /// (seconds since the epoch): the start time of cumulative host metrics.
    fn start(&mut self, boot_time: u64);
    /// Reads the host once. `version` is the scope version (the collector's).
    fn scrape(&mut self, version: &str) -> ScrapeOutput;
}

/// The boxed scrapers of a config.
pub(crate) type Scrapers = Vec<Box<dyn Scraper>>;

/// Builds the configured scrapers. Fails only on a filter that does not
/// compile, which a validated config never has.
pub(crate) fn build(cfg: &HostMetricsConfig, env: &Arc<Env>) -> Result<Scrapers, regex::Error> {
    let s = &cfg.scrapers;
    let mut out: Scrapers = Vec::new();
    if let Some(c) = &s.cpu {
        out.push(Box::new(cpu::CpuScraper::new(c, env.clone())));
    }
    if let Some(c) = &s.disk {
        out.push(Box::new(disk::DiskScraper::new(c, env.clone())?));
    }
    if let Some(c) = &s.filesystem {
        out.push(Box::new(filesystem::FilesystemScraper::new(c, env.clone())?));
    }
    if let Some(c) = &s.load {
        out.push(Box::new(load::LoadScraper::new(c, env.clone())));
    }
    if let Some(c) = &s.memory {
        out.push(Box::new(memory::MemoryScraper::new(c, env.clone())));
    }
    if let Some(c) = &s.network {
        out.push(Box::new(network::NetworkScraper::new(c, env.clone())?));
    }
    if let Some(c) = &s.paging {
        out.push(Box::new(paging::PagingScraper::new(c, env.clone())));
    }
    if let Some(c) = &s.processes {
        out.push(Box::new(processes::ProcessesScraper::new(c, env.clone())));
    }
    if let Some(c) = &s.process {
        out.push(Box::new(process::ProcessScraper::new(c, env.clone())?));
    }
    if let Some(c) = &s.system {
        out.push(Box::new(system::SystemScraper::new(c, env.clone())));
    }
    Ok(out)
}

/// Data points in `rms` (every metric type).
pub(crate) fn count_points(rms: &[ResourceMetrics]) -> usize {
    use otelcol_component::proto::metrics::v1::metric::Data;
    rms.iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .map(|m| match &m.data {
            Some(Data::Sum(s)) => s.data_points.len(),
            Some(Data::Gauge(g)) => g.data_points.len(),
            Some(Data::Histogram(h)) => h.data_points.len(),
            Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
            Some(Data::Summary(s)) => s.data_points.len(),
            None => 0,
        })
        .sum()
}

/// Seconds since the epoch as the nanoseconds of a start timestamp.
pub(crate) fn secs_to_nanos(secs: u64) -> u64 {
    secs.saturating_mul(1_000_000_000)
}

/// `a - b` as an `i64` point value, 0 when `b > a` (no panic on odd input).
pub(crate) fn diff_i64(a: u64, b: u64) -> i64 {
    i64::try_from(a.saturating_sub(b)).unwrap_or(i64::MAX)
}

/// A `u64` counter as an `i64` point value (saturating).
pub(crate) fn as_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
pub(crate) mod testutil {
    //! A fake `/proc` tree and helpers to read scraped metrics.
    use std::path::Path;
    use std::sync::Arc;

    use otelcol_component::proto::common::v1::{KeyValue, any_value};
    use otelcol_component::proto::metrics::v1::{
        Metric, NumberDataPoint, ResourceMetrics, metric, number_data_point,
    };

    use super::Env;
    use crate::procfs::HostFs;

    /// Writes `files` (path relative to the root → content) under `dir`.
    pub(crate) fn tree(dir: &Path, files: &[(&str, &str)]) {
        for (p, content) in files {
            let path = dir.join(p);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap();
            }
            std::fs::write(path, content).unwrap();
        }
    }

    /// An environment over the fake tree at `dir` (`USER_HZ` 100, 4 KiB pages, 2 CPUs).
    pub(crate) fn env(dir: &Path) -> Arc<Env> {
        Arc::new(Env {
            fs: HostFs::new(dir.to_str().unwrap()),
            clk_tck: 100,
            page_size: 4096,
            passwd: dir.join("etc/passwd"),
            num_cpu: 2,
        })
    }

    /// Every metric of `rms`.
    pub(crate) fn metrics(rms: &[ResourceMetrics]) -> Vec<&Metric> {
        rms.iter()
            .flat_map(|rm| &rm.scope_metrics)
            .flat_map(|sm| &sm.metrics)
            .collect()
    }

    /// The data points of the metric `name`.
    pub(crate) fn points<'a>(rms: &'a [ResourceMetrics], name: &str) -> Vec<&'a NumberDataPoint> {
        metrics(rms)
            .into_iter()
            .filter(|m| m.name == name)
            .flat_map(|m| match &m.data {
                Some(metric::Data::Sum(s)) => s.data_points.iter().collect::<Vec<_>>(),
                Some(metric::Data::Gauge(g)) => g.data_points.iter().collect(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// The attributes of a point as `k=v` strings.
    pub(crate) fn attrs(kvs: &[KeyValue]) -> Vec<String> {
        kvs.iter()
            .map(|kv| {
                let v = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                    Some(any_value::Value::StringValue(s)) => s.clone(),
                    Some(any_value::Value::IntValue(i)) => i.to_string(),
                    other => format!("{other:?}"),
                };
                format!("{}={v}", kv.key)
            })
            .collect()
    }

    /// A point's value as f64.
    pub(crate) fn value(p: &NumberDataPoint) -> f64 {
        match p.value {
            Some(number_data_point::Value::AsInt(i)) => i as f64,
            Some(number_data_point::Value::AsDouble(d)) => d,
            None => f64::NAN,
        }
    }

    /// `(attributes joined by ",", value)` of each point of `name`.
    pub(crate) fn table(rms: &[ResourceMetrics], name: &str) -> Vec<(String, f64)> {
        points(rms, name)
            .into_iter()
            .map(|p| (attrs(&p.attributes).join(","), value(p)))
            .collect()
    }
}
