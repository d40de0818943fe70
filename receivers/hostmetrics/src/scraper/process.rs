//! The `process` scraper: one resource per process (`/proc/<pid>/...`),
//! with Go's resource attributes, start time = the process start time.

use otelcol_component::build::unix_nanos_now;
use otelcol_component::proto::common::v1::{KeyValue, any_value};
use std::collections::HashMap;
use std::sync::Arc;

use super::processes::pids;
use super::{Env, ScrapeOutput, Scraper, as_i64};
use crate::config::ProcessConfig;
use crate::error::ScrapeError;
use crate::filter::{IncludeExclude, ValueMatcher};
use crate::metadata::{AttrValue, MetricsBuilder, PROCESS, ResourceBuilder};
use crate::procfs::{self, PidStat, PidStatus};

/// Metrics lost when the process list cannot be read (Go's `metricsLen`).
const METRICS_LEN: usize = 11;

/// gopsutil's process name is `Name` of `/proc/<pid>/status`, which the
/// kernel truncates to 15 bytes; then the base name of `argv[0]` is used
/// if it starts with the truncated name.
const TASK_COMM_LEN: usize = 15;

/// CPU times of one process at one scrape, for utilization.
#[derive(Clone, Copy, Debug, PartialEq)]
struct CpuSample {
    at: u64,
    user: f64,
    system: f64,
    wait: f64,
}

/// The `process` scraper.
#[derive(Debug)]
pub(crate) struct ProcessScraper {
    env: Arc<Env>,
    mb: MetricsBuilder,
    rb: ResourceBuilder,
    names: IncludeExclude,
    /// `metrics_include` per resource attribute.
    include: Vec<(String, Vec<ValueMatcher>)>,
    /// `metrics_exclude` per resource attribute.
    exclude: Vec<(String, Vec<ValueMatcher>)>,
    cfg: ProcessConfig,
    boot_time: u64,
    previous: HashMap<i64, CpuSample>,
}

/// What is known of one process before its metrics are read.
#[derive(Debug, Default)]
struct ProcessMetadata {
    pid: i64,
    parent_pid: i64,
    name: String,
    exe: String,
    cgroup: String,
    command: String,
    command_line: String,
    owner: String,
    /// Milliseconds since the epoch.
    create_time_ms: u64,
    stat: Option<PidStat>,
    status: PidStatus,
}

fn compile(filters: &[crate::config::ValueFilter]) -> Result<Vec<ValueMatcher>, regex::Error> {
    let mut out = Vec::new();
    for f in filters {
        out.extend(ValueMatcher::new(f)?);
    }
    Ok(out)
}

impl ProcessScraper {
    pub(crate) fn new(cfg: &ProcessConfig, env: Arc<Env>) -> Result<Self, regex::Error> {
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for (attr, c) in &cfg.resource_attributes {
            if !c.metrics_include.is_empty() {
                include.push((attr.clone(), compile(&c.metrics_include)?));
            }
            if !c.metrics_exclude.is_empty() {
                exclude.push((attr.clone(), compile(&c.metrics_exclude)?));
            }
        }
        Ok(ProcessScraper {
            env,
            mb: MetricsBuilder::new(&PROCESS, &cfg.metrics),
            rb: ResourceBuilder::new(&PROCESS, &cfg.resource_attributes),
            names: IncludeExclude {
                include: cfg.include.compile()?,
                exclude: cfg.exclude.compile()?,
            },
            include,
            exclude,
            cfg: cfg.clone(),
            boot_time: 0,
            previous: HashMap::new(),
        })
    }

    fn read(&self, pid: i64, file: &str) -> Result<String, ScrapeError> {
        self.env.fs.read_proc(&format!("{pid}/{file}"))
    }

    /// Everything but the metrics of `pid`, or `None` to skip the process
    /// (gone, name unreadable, filtered out, too young).
    fn metadata(
        &self,
        pid: i64,
        passwd: &mut Option<String>,
        out: &mut ScrapeOutput,
    ) -> Option<ProcessMetadata> {
        let cfg = &self.cfg;
        let exe = match std::fs::read_link(self.env.fs.proc(&format!("{pid}/exe"))) {
            Ok(p) => p.to_string_lossy().into_owned(),
            Err(source) => {
                if !cfg.mute_process_exe_error {
                    let path = self.env.fs.proc(&format!("{pid}/exe"));
                    out.error(
                        1,
                        ScrapeError::Pid {
                            what: "process executable",
                            pid,
                            source: Box::new(ScrapeError::Read { path, source }),
                        },
                    );
                }
                String::new()
            }
        };
        let status = match self.read(pid, "status") {
            Ok(t) => procfs::parse_pid_status(&t),
            Err(e) => {
                if !cfg.mute_process_name_error {
                    out.error(
                        1,
                        ScrapeError::Pid {
                            what: "process name",
                            pid,
                            source: Box::new(e),
                        },
                    );
                }
                return None;
            }
        };
        let cmdline = std::fs::read(self.env.fs.proc(&format!("{pid}/cmdline")));
        let mut name = status.name.clone();
        if name.len() >= TASK_COMM_LEN {
            if let Some(first) = cmdline
                .as_ref()
                .ok()
                .and_then(|c| procfs::parse_cmdline(c).into_iter().next())
            {
                let base = first.rsplit('/').next().unwrap_or(&first).to_string();
                if base.starts_with(&name) {
                    name = base;
                }
            }
        }
        let mut cgroup = String::new();
        if self.rb.enabled("process.cgroup") {
            match self.read(pid, "cgroup") {
                Ok(t) => cgroup = t.trim().to_string(),
                Err(e) => {
                    if !cfg.mute_process_cgroup_error {
                        out.error(
                            1,
                            ScrapeError::Pid {
                                what: "process cgroup",
                                pid,
                                source: Box::new(e),
                            },
                        );
                    }
                    return None;
                }
            }
        }
        if !self.names.allows(&name) {
            return None;
        }
        let proc_err = |what, e| ScrapeError::Process {
            what,
            name: name.clone(),
            pid,
            source: Box::new(e),
        };
        let (command, command_line) = match cmdline {
            Ok(bytes) => {
                let parts = procfs::parse_cmdline(&bytes);
                (parts.first().cloned().unwrap_or_default(), parts.join(" "))
            }
            Err(source) => {
                let path = self.env.fs.proc(&format!("{pid}/cmdline"));
                out.error(0, proc_err("command", ScrapeError::Read { path, source }));
                (String::new(), String::new())
            }
        };
        let owner = match status.uid {
            Some(uid) => {
                if passwd.is_none() {
                    *passwd = Some(self.env.fs.read(&self.env.passwd).unwrap_or_default());
                }
                let found = passwd.as_deref().and_then(|p| procfs::lookup_user(p, uid));
                if found.is_none() && !cfg.mute_process_user_error {
                    out.error(
                        0,
                        proc_err(
                            "username",
                            ScrapeError::Invalid(format!("user: unknown userid {uid}")),
                        ),
                    );
                }
                found.unwrap_or_default()
            }
            None => String::new(),
        };
        let now_ms = unix_nanos_now() / 1_000_000;
        let stat = match self.read(pid, "stat").and_then(|t| procfs::parse_pid_stat(&t)) {
            Ok(s) => Some(s),
            Err(e) => {
                out.error(0, proc_err("create time", e));
                None
            }
        };
        // gopsutil: whole seconds after boot, plus the boot time, in ms.
        let create_time_ms = stat.as_ref().map_or(now_ms, |s| {
            (s.starttime / self.env.clk_tck.max(1))
                .saturating_add(self.boot_time)
                .saturating_mul(1000)
        });
        if u128::from(now_ms.saturating_sub(create_time_ms)) < cfg.scrape_process_delay.as_millis() {
            return None;
        }
        let parent_pid = stat.as_ref().map(|s| s.ppid).or(status.ppid).unwrap_or(0);
        Some(ProcessMetadata {
            pid,
            parent_pid,
            name,
            exe,
            cgroup,
            command,
            command_line,
            owner,
            create_time_ms,
            stat,
            status,
        })
    }

    /// Records the metrics of one process; each failure costs its metrics.
    fn record(
        &mut self,
        md: &ProcessMetadata,
        mem_total: &mut Option<Result<u64, String>>,
        out: &mut ScrapeOutput,
    ) {
        let now = unix_nanos_now();
        let pid = md.pid;
        let err = |what, e| ScrapeError::Process {
            what,
            name: md.name.clone(),
            pid,
            source: Box::new(e),
        };
        let missing =
            |file: &str| ScrapeError::parse(self.env.fs.proc(&format!("{pid}/{file}")), "unreadable");
        let secs = |t| self.env.secs(t);

        if self
            .mb
            .any_enabled(&["process.cpu.time", "process.cpu.utilization"])
        {
            match &md.stat {
                Some(s) => {
                    let sample = CpuSample {
                        at: now,
                        user: secs(s.utime),
                        system: secs(s.stime),
                        wait: secs(s.iowait),
                    };
                    self.mb.double("process.cpu.time", now, sample.user, &["user"]);
                    self.mb
                        .double("process.cpu.time", now, sample.system, &["system"]);
                    self.mb.double("process.cpu.time", now, sample.wait, &["wait"]);
                    if self.mb.enabled("process.cpu.utilization") {
                        if let Some(prev) = self.previous.get(&pid) {
                            let elapsed = now.saturating_sub(prev.at) as f64 / 1e9;
                            let cores = self.env.num_cpu.max(1) as f64;
                            let u = |a: f64, b: f64| {
                                if elapsed > 0.0 {
                                    (a - b) / elapsed / cores
                                } else {
                                    0.0
                                }
                            };
                            let (user, system, wait) = (
                                u(sample.user, prev.user),
                                u(sample.system, prev.system),
                                u(sample.wait, prev.wait),
                            );
                            self.mb.double("process.cpu.utilization", now, user, &["user"]);
                            self.mb
                                .double("process.cpu.utilization", now, system, &["system"]);
                            self.mb.double("process.cpu.utilization", now, wait, &["wait"]);
                        }
                        self.previous.insert(pid, sample);
                    }
                }
                None => out.error(1, err("cpu times", missing("stat"))),
            }
        }

        let mem_enabled = self
            .mb
            .any_enabled(&["process.memory.usage", "process.memory.virtual"]);
        let util_enabled = self.mb.enabled("process.memory.utilization");
        if mem_enabled || util_enabled {
            match self.read(pid, "statm").and_then(|t| procfs::parse_statm(&t)) {
                Ok((size, resident)) => {
                    let page = self.env.page_size;
                    let rss = resident.saturating_mul(page);
                    self.mb.int("process.memory.usage", now, as_i64(rss), &[]);
                    self.mb.int(
                        "process.memory.virtual",
                        now,
                        as_i64(size.saturating_mul(page)),
                        &[],
                    );
                    if util_enabled {
                        let total = mem_total.get_or_insert_with(|| {
                            self.env
                                .fs
                                .read_proc("meminfo")
                                .map_err(|e| e.to_string())
                                .and_then(|t| {
                                    procfs::parse_meminfo(&t)
                                        .get("MemTotal")
                                        .map(|kb| kb.saturating_mul(1024))
                                        .ok_or_else(|| "no MemTotal in meminfo".to_string())
                                })
                        });
                        match total {
                            // gopsutil's MemoryPercent: a percentage (0-100), as Go reports it.
                            Ok(t) if *t > 0 => self.mb.double(
                                "process.memory.utilization",
                                now,
                                100.0 * rss as f64 / *t as f64,
                                &[],
                            ),
                            Ok(_) => out.error(
                                1,
                                err(
                                    "memory utilization",
                                    ScrapeError::Invalid("total memory is 0".into()),
                                ),
                            ),
                            Err(e) => {
                                out.error(1, err("memory utilization", ScrapeError::Invalid(e.clone())))
                            }
                        }
                    }
                }
                Err(e) => out.error(if mem_enabled { 2 } else { 1 }, err("memory info", e)),
            }
        }

        if self
            .mb
            .any_enabled(&["process.disk.io", "process.disk.operations"])
        {
            match self.read(pid, "io") {
                Ok(t) => {
                    let io = procfs::parse_key_values(&t);
                    let g = |k: &str| as_i64(io.get(k).copied().unwrap_or(0));
                    self.mb.int("process.disk.io", now, g("read_bytes"), &["read"]);
                    self.mb.int("process.disk.io", now, g("write_bytes"), &["write"]);
                    self.mb.int("process.disk.operations", now, g("syscr"), &["read"]);
                    self.mb
                        .int("process.disk.operations", now, g("syscw"), &["write"]);
                }
                Err(e) => {
                    if !self.cfg.mute_process_io_error {
                        out.error(1, err("disk usage", e));
                    }
                }
            }
        }

        if self.mb.enabled("process.paging.faults") {
            match &md.stat {
                Some(s) => {
                    self.mb
                        .int("process.paging.faults", now, as_i64(s.majflt), &["major"]);
                    self.mb
                        .int("process.paging.faults", now, as_i64(s.minflt), &["minor"]);
                }
                None => out.error(1, err("memory paging info", missing("stat"))),
            }
        }

        if self.mb.enabled("process.threads") {
            match md.status.threads {
                Some(n) => self.mb.int("process.threads", now, n, &[]),
                None => out.error(1, err("thread info", missing("status"))),
            }
        }

        if self.mb.enabled("process.context_switches") {
            match (
                md.status.nonvoluntary_ctxt_switches,
                md.status.voluntary_ctxt_switches,
            ) {
                (Some(inv), Some(vol)) => {
                    self.mb
                        .int("process.context_switches", now, inv, &["involuntary"]);
                    self.mb.int("process.context_switches", now, vol, &["voluntary"]);
                }
                _ => out.error(1, err("context switch counts", missing("status"))),
            }
        }

        if self.mb.enabled("process.open_file_descriptors") {
            let dir = self.env.fs.proc(&format!("{pid}/fd"));
            match std::fs::read_dir(&dir) {
                Ok(rd) => {
                    let n = rd.flatten().count();
                    self.mb.int(
                        "process.open_file_descriptors",
                        now,
                        i64::try_from(n).unwrap_or(i64::MAX),
                        &[],
                    );
                }
                Err(source) => out.error(
                    1,
                    err(
                        "open file descriptor count",
                        ScrapeError::Read { path: dir, source },
                    ),
                ),
            }
        }

        if self.mb.enabled("process.signals_pending") {
            match md.status.shd_pnd {
                Some(v) => self.mb.int("process.signals_pending", now, as_i64(v), &[]),
                None => out.error(1, err("pending signals", missing("status"))),
            }
        }

        if self.mb.enabled("process.uptime") {
            let up = (now / 1_000_000).saturating_sub(md.create_time_ms) as f64 / 1e3;
            self.mb.double("process.uptime", now, up, &[]);
        }
    }

    /// The resource of a process, or `None` when `metrics_include` /
    /// `metrics_exclude` drop it.
    fn resource(&self, md: &ProcessMetadata) -> Option<Vec<KeyValue>> {
        let attrs = self.rb.build(vec![
            ("process.pid", AttrValue::Int(md.pid)),
            ("process.parent_pid", AttrValue::Int(md.parent_pid)),
            ("process.executable.name", AttrValue::Str(md.name.clone())),
            ("process.executable.path", AttrValue::Str(md.exe.clone())),
            ("process.cgroup", AttrValue::Str(md.cgroup.clone())),
            ("process.command", AttrValue::Str(md.command.clone())),
            ("process.command_line", AttrValue::Str(md.command_line.clone())),
            ("process.owner", AttrValue::Str(md.owner.clone())),
        ]);
        let value = |key: &str| {
            attrs.iter().find(|kv| kv.key == key).and_then(|kv| {
                kv.value.as_ref().and_then(|v| match &v.value {
                    Some(any_value::Value::StringValue(s)) => Some(s.clone()),
                    Some(any_value::Value::IntValue(i)) => Some(i.to_string()),
                    _ => None,
                })
            })
        };
        for (key, matchers) in &self.include {
            if let Some(v) = value(key) {
                if !matchers.iter().any(|m| m.matches(&v)) {
                    return None;
                }
            }
        }
        for (key, matchers) in &self.exclude {
            if let Some(v) = value(key) {
                if matchers.iter().any(|m| m.matches(&v)) {
                    return None;
                }
            }
        }
        Some(attrs)
    }
}

impl Scraper for ProcessScraper {
    fn name(&self) -> &'static str {
        PROCESS.name
    }

    fn start(&mut self, boot_time: u64) {
        self.boot_time = boot_time;
    }

    fn scrape(&mut self, version: &str) -> ScrapeOutput {
        let mut out = ScrapeOutput::default();
        let pids = match pids(&self.env) {
            Ok(p) => p,
            Err(e) => {
                out.error(METRICS_LEN, e);
                return out;
            }
        };
        let mut passwd = None;
        let mut mem_total = None;
        let mut present = Vec::with_capacity(pids.len());
        for pid in pids {
            let Some(md) = self.metadata(pid, &mut passwd, &mut out) else {
                continue;
            };
            present.push(pid);
            self.mb.set_start(md.create_time_ms.saturating_mul(1_000_000));
            self.record(&md, &mut mem_total, &mut out);
            match self.resource(&md) {
                Some(attrs) => out.resource_metrics.extend(self.mb.emit(attrs, version)),
                None => {
                    self.mb.emit_metrics();
                }
            }
        }
        self.previous.retain(|pid, _| present.binary_search(pid).is_ok());
        if self.cfg.mute_process_all_errors {
            out.errors.clear();
            out.failed = 0;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{MetricToggle, NameMatch, ResourceAttributeToggle, ValueFilter};
    use std::time::Duration;

    use crate::scraper::testutil::{attrs, env, points, table, tree, value};

    const BOOT: u64 = 1_700_000_000;

    fn fake(dir: &std::path::Path) {
        tree(
            dir,
            &[
                (
                    "etc/passwd",
                    "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n",
                ),
                ("proc/meminfo", "MemTotal: 1000 kB\n"),
                // A user process with a long name and arguments.
                (
                    "proc/42/status",
                    "Name:\tvery-long-proce\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\nThreads:\t4\nShdPnd:\t0000000000000002\nvoluntary_ctxt_switches:\t10\nnonvoluntary_ctxt_switches:\t3\n",
                ),
                (
                    "proc/42/cmdline",
                    "/opt/bin/very-long-process-name\0--flag\0value\0",
                ),
                (
                    "proc/42/stat",
                    "42 (very-long-proce) S 1 42 42 0 -1 0 100 0 5 0 250 50 0 0 20 0 4 0 1000 8192000 25 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 30 0 0\n",
                ),
                ("proc/42/statm", "2000 25 10 1 0 100 0\n"),
                (
                    "proc/42/io",
                    "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n",
                ),
                ("proc/42/cgroup", "0::/user.slice\n"),
                // A kernel thread: no cmdline, no exe, owned by root.
                (
                    "proc/2/status",
                    "Name:\tkthreadd\nPPid:\t0\nUid:\t0\t0\t0\t0\nThreads:\t1\n",
                ),
                ("proc/2/cmdline", ""),
                (
                    "proc/2/stat",
                    "2 (kthreadd) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 2 0 0 0\n",
                ),
                ("proc/2/statm", "0 0 0 0 0 0 0\n"),
                ("proc/2/cgroup", "0::/\n"),
                // Gone between the listing and the read.
                ("proc/77/cmdline", ""),
            ],
        );
        std::fs::create_dir_all(dir.join("proc/42/fd")).unwrap();
        for fd in ["0", "1", "2"] {
            std::fs::write(dir.join("proc/42/fd").join(fd), "").unwrap();
        }
        std::os::unix::fs::symlink("/opt/bin/very-long-process-name", dir.join("proc/42/exe")).unwrap();
    }

    fn all_metrics() -> ProcessConfig {
        let mut cfg = ProcessConfig::default();
        for m in PROCESS.metrics {
            cfg.metrics
                .insert(m.name.to_string(), MetricToggle { enabled: Some(true) });
        }
        cfg
    }

    fn resource_of(
        rms: &[otelcol_component::proto::metrics::v1::ResourceMetrics],
        pid: i64,
    ) -> &otelcol_component::proto::metrics::v1::ResourceMetrics {
        rms.iter()
            .find(|rm| {
                attrs(&rm.resource.as_ref().unwrap().attributes).contains(&format!("process.pid={pid}"))
            })
            .unwrap()
    }

    #[test]
    fn resources_and_metrics_per_process() {
        let dir = tempfile::tempdir().unwrap();
        fake(dir.path());
        let mut cfg = all_metrics();
        cfg.resource_attributes.insert(
            "process.cgroup".into(),
            ResourceAttributeToggle {
                enabled: Some(true),
                ..Default::default()
            },
        );
        let mut s = ProcessScraper::new(&cfg, env(dir.path())).unwrap();
        s.start(BOOT);
        let out = s.scrape("v");
        assert_eq!(out.resource_metrics.len(), 2, "{:?}", out.errors);
        let rm = resource_of(&out.resource_metrics, 42);
        assert_eq!(
            attrs(&rm.resource.as_ref().unwrap().attributes),
            [
                "process.pid=42",
                "process.parent_pid=1",
                "process.executable.name=very-long-process-name",
                "process.executable.path=/opt/bin/very-long-process-name",
                "process.cgroup=0::/user.slice",
                "process.command=/opt/bin/very-long-process-name",
                "process.command_line=/opt/bin/very-long-process-name --flag value",
                "process.owner=alice",
            ]
        );
        let one = std::slice::from_ref(rm);
        // (metric, attributes, value)
        let want: &[(&str, &str, f64)] = &[
            ("process.cpu.time", "state=user", 2.5),
            ("process.cpu.time", "state=system", 0.5),
            ("process.cpu.time", "state=wait", 0.3),
            ("process.memory.usage", "", 25.0 * 4096.0),
            ("process.memory.virtual", "", 2000.0 * 4096.0),
            (
                "process.memory.utilization",
                "",
                100.0 * 25.0 * 4096.0 / 1_024_000.0,
            ),
            ("process.disk.io", "direction=read", 4096.0),
            ("process.disk.operations", "direction=write", 4.0),
            ("process.paging.faults", "type=major", 5.0),
            ("process.paging.faults", "type=minor", 100.0),
            ("process.threads", "", 4.0),
            ("process.context_switches", "type=involuntary", 3.0),
            ("process.context_switches", "type=voluntary", 10.0),
            ("process.open_file_descriptors", "", 3.0),
            ("process.signals_pending", "", 2.0),
        ];
        for (m, a, v) in want {
            let t = table(one, m);
            assert!(t.contains(&((*a).to_string(), *v)), "{m} {a} {v}: {t:?}");
        }
        // Start time: boot + whole seconds of starttime (1000 ticks = 10 s).
        let p = points(one, "process.cpu.time");
        assert_eq!(p[0].start_time_unix_nano, (BOOT + 10) * 1_000_000_000);
        assert!(value(points(one, "process.uptime")[0]) > 0.0);
        assert!(
            table(one, "process.cpu.utilization").is_empty(),
            "none on the first scrape"
        );

        // Kernel thread: exe unreadable (an error, as in Go), command empty.
        let k = resource_of(&out.resource_metrics, 2);
        let ka = attrs(&k.resource.as_ref().unwrap().attributes);
        assert!(
            ka.contains(&"process.command_line=".to_string())
                && ka.contains(&"process.owner=root".to_string()),
            "{ka:?}"
        );
        let msgs: Vec<String> = out.errors.iter().map(ToString::to_string).collect();
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("error reading process executable for pid 2")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("error reading process name for pid 77")),
            "{msgs:?}"
        );
        assert!(out.failed >= 3, "{msgs:?}");

        let out = s.scrape("v");
        let t = table(
            std::slice::from_ref(resource_of(&out.resource_metrics, 42)),
            "process.cpu.utilization",
        );
        assert_eq!(t.len(), 3, "utilization on the second scrape: {t:?}");
        assert_eq!(t[0].1, 0.0, "no CPU time passed");
    }

    #[test]
    fn filters_mutes_and_delay() {
        let dir = tempfile::tempdir().unwrap();
        fake(dir.path());
        // (config, pids expected, errors expected)
        let name_filter = ProcessConfig {
            include: NameMatch {
                names: vec!["^very".into()],
                match_type: "regexp".into(),
                regexp: None,
            },
            mute_process_name_error: true,
            ..Default::default()
        };
        let mut value_filter = ProcessConfig {
            mute_process_all_errors: true,
            ..Default::default()
        };
        value_filter.resource_attributes.insert(
            "process.owner".into(),
            ResourceAttributeToggle {
                metrics_exclude: vec![ValueFilter {
                    strict: Some("alice".into()),
                    regexp: None,
                }],
                ..Default::default()
            },
        );
        let delayed = ProcessConfig {
            scrape_process_delay: Duration::from_secs(3600 * 24 * 365 * 100),
            mute_process_exe_error: true,
            mute_process_name_error: true,
            ..Default::default()
        };
        let mut no_owner = ProcessConfig {
            mute_process_exe_error: true,
            mute_process_name_error: true,
            ..Default::default()
        };
        no_owner.resource_attributes.insert(
            "process.owner".into(),
            ResourceAttributeToggle {
                enabled: Some(false),
                ..Default::default()
            },
        );
        let table: Vec<(ProcessConfig, Vec<i64>, usize)> = vec![
            (name_filter, vec![42], 2), // exe errors of pids 2 and 77 are not muted
            (value_filter, vec![2], 0),
            (delayed, vec![], 0),
            (no_owner, vec![2, 42], 1), // pid 2 has no io file
        ];
        for (i, (cfg, want, errors)) in table.into_iter().enumerate() {
            let mut s = ProcessScraper::new(&cfg, env(dir.path())).unwrap();
            s.start(BOOT);
            let out = s.scrape("v");
            let got: Vec<i64> = out
                .resource_metrics
                .iter()
                .map(|rm| {
                    let a = attrs(&rm.resource.as_ref().unwrap().attributes);
                    a[0].trim_start_matches("process.pid=").parse().unwrap()
                })
                .collect();
            assert_eq!(got, want, "case {i}");
            assert_eq!(out.errors.len(), errors, "case {i}: {:?}", out.errors);
            if i == 3 {
                let a = attrs(&out.resource_metrics[0].resource.as_ref().unwrap().attributes);
                assert!(!a.iter().any(|x| x.starts_with("process.owner")), "{a:?}");
            }
        }
    }
}
