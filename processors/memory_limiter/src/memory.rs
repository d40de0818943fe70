//! Where memory numbers come from: the process's resident set size and the
//! memory available to it (total, or the cgroup limit when lower).
//!
//! [`MemorySource`] is a trait so tests (and embedders with their own
//! accounting) can inject numbers; [`ProcMemory`] reads Linux's `/proc` and
//! `/sys/fs/cgroup`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::MemoryError;

/// Reads memory numbers, in bytes.
pub trait MemorySource: Send + Sync + fmt::Debug {
    /// The process's current memory use (resident set size).
    fn rss(&self) -> Result<u64, MemoryError>;

    /// The memory the process may use: total physical memory, or the cgroup
    /// limit when that is lower. Only read for `limit_percentage`.
    fn total(&self) -> Result<u64, MemoryError>;

    /// Bytes the program holds on the heap (allocated, not yet freed), when
    /// the global allocator counts them; `None` (the default) when it does
    /// not, and then the resident set size is all there is.
    fn heap_allocated(&self) -> Option<u64> {
        None
    }

    /// Hands memory the allocator keeps after frees back to the operating
    /// system, when the allocator can (the default does nothing).
    fn release_free_memory(&self) {}
}

/// Linux memory numbers: `VmRSS` of `/proc/self/status`; the heap from the
/// allocator statistics the distribution registered
/// ([`otelcol_component::allocator_stats`]: the `otelcol-rs` binary's
/// counting mimalloc), when there are any; `MemTotal` of
/// `/proc/meminfo`, lowered to the cgroup v2 `memory.max` (the process's
/// own cgroup, then the mount root) or the cgroup v1
/// `memory/memory.limit_in_bytes` when one of those is a smaller number.
#[derive(Clone, Debug)]
pub struct ProcMemory {
    proc_root: PathBuf,
    cgroup_root: PathBuf,
}

impl Default for ProcMemory {
    fn default() -> Self {
        ProcMemory::with_roots("/proc", "/sys/fs/cgroup")
    }
}

impl ProcMemory {
    /// Reads `/proc` and `/sys/fs/cgroup`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `<proc_root>/self/status`, `<proc_root>/meminfo`,
    /// `<proc_root>/self/cgroup` and the cgroup files under `cgroup_root`.
    pub fn with_roots(proc_root: impl Into<PathBuf>, cgroup_root: impl Into<PathBuf>) -> Self {
        ProcMemory {
            proc_root: proc_root.into(),
            cgroup_root: cgroup_root.into(),
        }
    }

    /// The cgroup limit files to look at, most specific first.
    fn cgroup_limit_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        if let Ok(own) = std::fs::read_to_string(self.proc_root.join("self/cgroup")) {
            if let Some(path) = cgroup_v2_path(&own) {
                let rel = path.trim_start_matches('/');
                if !rel.is_empty() {
                    files.push(self.cgroup_root.join(rel).join("memory.max"));
                }
            }
        }
        files.push(self.cgroup_root.join("memory.max"));
        files.push(self.cgroup_root.join("memory/memory.limit_in_bytes"));
        files
    }
}

fn read(path: &Path) -> Result<String, MemoryError> {
    std::fs::read_to_string(path).map_err(|source| MemoryError::Read {
        path: path.to_path_buf(),
        source,
    })
}

impl MemorySource for ProcMemory {
    fn rss(&self) -> Result<u64, MemoryError> {
        let path = self.proc_root.join("self/status");
        parse_kib_field(&read(&path)?, "VmRSS:").ok_or(MemoryError::Missing { path, field: "VmRSS" })
    }

    fn heap_allocated(&self) -> Option<u64> {
        otelcol_component::allocator_stats().map(|s| s.allocated())
    }

    fn release_free_memory(&self) {
        if let Some(s) = otelcol_component::allocator_stats() {
            s.release_free_memory();
        }
    }

    fn total(&self) -> Result<u64, MemoryError> {
        let path = self.proc_root.join("meminfo");
        let total = parse_kib_field(&read(&path)?, "MemTotal:").ok_or(MemoryError::Missing {
            path,
            field: "MemTotal",
        })?;
        let cgroup = self
            .cgroup_limit_files()
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .filter_map(|s| parse_cgroup_limit(&s))
            .min();
        Ok(match cgroup {
            Some(limit) if limit > 0 && limit < total => limit,
            _ => total,
        })
    }
}

/// A `Name:   1234 kB` line of `/proc/self/status` or `/proc/meminfo`, in bytes.
pub(crate) fn parse_kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let mut words = line.get(name.len()..)?.split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => value.checked_mul(1024),
        Some(_) => None,
    }
}

/// A cgroup memory limit file: a byte count, or `max` (v2: no limit).
pub(crate) fn parse_cgroup_limit(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// The cgroup v2 path of the process (`0::/path` in `/proc/self/cgroup`).
pub(crate) fn cgroup_v2_path(text: &str) -> Option<&str> {
    text.lines().find_map(|l| l.strip_prefix("0::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_fields() {
        let status = "Name:\totelcol-rs\nVmPeak:\t  20000 kB\nVmRSS:\t   12345 kB\nThreads:\t4\n";
        assert_eq!(parse_kib_field(status, "VmRSS:"), Some(12345 * 1024));
        assert_eq!(parse_kib_field(status, "VmSwap:"), None);
        assert_eq!(parse_kib_field("VmRSS: lots kB", "VmRSS:"), None);
        assert_eq!(parse_kib_field("VmRSS: 1 MB", "VmRSS:"), None);
        let meminfo = "MemTotal:       16315912 kB\nMemFree:         1000 kB\n";
        assert_eq!(parse_kib_field(meminfo, "MemTotal:"), Some(16_315_912 * 1024));
    }

    #[test]
    fn parses_cgroup_files() {
        assert_eq!(parse_cgroup_limit("max\n"), None);
        assert_eq!(parse_cgroup_limit("536870912\n"), Some(512 << 20));
        assert_eq!(
            parse_cgroup_limit("9223372036854771712\n"),
            Some(9_223_372_036_854_771_712)
        );
        assert_eq!(
            cgroup_v2_path("0::/kubepods/pod1/ctr\n"),
            Some("/kubepods/pod1/ctr")
        );
        assert_eq!(cgroup_v2_path("12:memory:/docker/abc\n"), None);
    }

    #[test]
    fn total_prefers_a_lower_cgroup_limit() {
        let dir = std::env::temp_dir().join(format!("otelcol-memlimit-{}", std::process::id()));
        let proc_root = dir.join("proc");
        let cg = dir.join("cgroup");
        std::fs::create_dir_all(proc_root.join("self")).unwrap();
        std::fs::create_dir_all(cg.join("app.slice")).unwrap();
        std::fs::write(proc_root.join("meminfo"), "MemTotal: 1048576 kB\n").unwrap(); // 1 GiB
        std::fs::write(proc_root.join("self/status"), "VmRSS: 2048 kB\n").unwrap();
        std::fs::write(proc_root.join("self/cgroup"), "0::/app.slice\n").unwrap();
        let m = ProcMemory::with_roots(&proc_root, &cg);
        assert_eq!(m.rss().unwrap(), 2 << 20);
        assert_eq!(m.total().unwrap(), 1 << 30, "no cgroup file: MemTotal");
        std::fs::write(cg.join("memory.max"), "max\n").unwrap();
        assert_eq!(m.total().unwrap(), 1 << 30, "`max` means no limit");
        std::fs::write(cg.join("app.slice/memory.max"), "268435456\n").unwrap();
        assert_eq!(m.total().unwrap(), 256 << 20, "the process's own cgroup");
        std::fs::create_dir_all(cg.join("memory")).unwrap();
        std::fs::write(cg.join("memory/memory.limit_in_bytes"), "9223372036854771712\n").unwrap();
        assert_eq!(m.total().unwrap(), 256 << 20, "v1 'unlimited' is above MemTotal");
        std::fs::write(cg.join("memory/memory.limit_in_bytes"), "134217728\n").unwrap();
        assert_eq!(m.total().unwrap(), 128 << 20, "the lowest limit wins");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(m.rss(), Err(MemoryError::Read { .. })));
    }
}
