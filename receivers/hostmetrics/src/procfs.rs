//! Reading the host: paths under `root_path`, and parsers of the text the
//! kernel writes in `/proc` and `/sys`. Parsers take the text (so tests
//! feed fixtures) and never panic: malformed lines are skipped or reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::ScrapeError;

/// The host file system as the receiver sees it: `/` or `root_path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostFs {
    root: PathBuf,
}

impl HostFs {
    /// The host under `root_path` (`""` is `/`).
    pub(crate) fn new(root_path: &str) -> Self {
        HostFs {
            root: if root_path.is_empty() {
                PathBuf::from("/")
            } else {
                PathBuf::from(root_path)
            },
        }
    }

    /// `<root>/proc/<rel>`.
    pub(crate) fn proc(&self, rel: &str) -> PathBuf {
        self.root.join("proc").join(rel)
    }

    /// `<root>/sys/<rel>`.
    pub(crate) fn sys(&self, rel: &str) -> PathBuf {
        self.root.join("sys").join(rel)
    }

    /// A host path (a mount point) seen from the collector: `<root><path>`.
    pub(crate) fn host_path(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }

    /// Reads a text file.
    pub(crate) fn read(&self, path: &Path) -> Result<String, ScrapeError> {
        let bytes = std::fs::read(path).map_err(|source| ScrapeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Reads a file under `<root>/proc`.
    pub(crate) fn read_proc(&self, rel: &str) -> Result<String, ScrapeError> {
        self.read(&self.proc(rel))
    }
}

fn num<T: std::str::FromStr>(path: &str, what: &str, s: Option<&str>) -> Result<T, ScrapeError> {
    let s = s.ok_or_else(|| ScrapeError::parse(path, format!("missing {what}")))?;
    s.parse()
        .map_err(|_| ScrapeError::parse(path, format!("invalid {what} {s:?}")))
}

/// Times of one CPU from `/proc/stat`, in clock ticks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CpuTicks {
    /// `cpu0`, `cpu1`...
    pub(crate) cpu: String,
    pub(crate) user: u64,
    pub(crate) nice: u64,
    pub(crate) system: u64,
    pub(crate) idle: u64,
    pub(crate) iowait: u64,
    pub(crate) irq: u64,
    pub(crate) softirq: u64,
    pub(crate) steal: u64,
}

/// What the scrapers use of `/proc/stat`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ProcStat {
    /// Per-CPU times (the aggregate `cpu` line is not kept).
    pub(crate) cpus: Vec<CpuTicks>,
    /// Boot time, seconds since the epoch.
    pub(crate) btime: Option<u64>,
    /// Processes created since boot.
    pub(crate) processes: Option<u64>,
    /// Runnable processes.
    pub(crate) procs_running: Option<u64>,
    /// Processes blocked on I/O.
    pub(crate) procs_blocked: Option<u64>,
}

/// Parses `/proc/stat`.
pub(crate) fn parse_stat(text: &str) -> Result<ProcStat, ScrapeError> {
    const P: &str = "/proc/stat";
    let mut out = ProcStat::default();
    for line in text.lines() {
        let mut f = line.split_ascii_whitespace();
        let Some(key) = f.next() else { continue };
        match key {
            "btime" => out.btime = Some(num(P, "btime", f.next())?),
            "processes" => out.processes = Some(num(P, "processes", f.next())?),
            "procs_running" => out.procs_running = Some(num(P, "procs_running", f.next())?),
            "procs_blocked" => out.procs_blocked = Some(num(P, "procs_blocked", f.next())?),
            k if k.starts_with("cpu") && k.len() > 3 && k[3..].bytes().all(|b| b.is_ascii_digit()) => {
                let v: Vec<u64> = f.map(|x| num(P, "cpu time", Some(x))).collect::<Result<_, _>>()?;
                if v.len() < 4 {
                    return Err(ScrapeError::parse(P, format!("too few fields for {k}")));
                }
                let at = |i: usize| v.get(i).copied().unwrap_or(0);
                out.cpus.push(CpuTicks {
                    cpu: k.to_string(),
                    user: at(0),
                    nice: at(1),
                    system: at(2),
                    idle: at(3),
                    iowait: at(4),
                    irq: at(5),
                    softirq: at(6),
                    steal: at(7),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Parses `/proc/meminfo` into key → number as written (kB for sizes,
/// counts for `HugePages_*`).
pub(crate) fn parse_meminfo(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            let n = v.split_ascii_whitespace().next()?.parse().ok()?;
            Some((k.trim().to_string(), n))
        })
        .collect()
}

/// `/proc/loadavg`: the three averages and the number of processes/threads.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct LoadAvg {
    pub(crate) load1: f64,
    pub(crate) load5: f64,
    pub(crate) load15: f64,
    pub(crate) total: u64,
}

/// Parses `/proc/loadavg` (`0.50 0.40 0.30 2/300 1234`).
pub(crate) fn parse_loadavg(text: &str) -> Result<LoadAvg, ScrapeError> {
    const P: &str = "/proc/loadavg";
    let mut f = text.split_ascii_whitespace();
    let load1 = num(P, "1m load", f.next())?;
    let load5 = num(P, "5m load", f.next())?;
    let load15 = num(P, "15m load", f.next())?;
    let total = match f.next().and_then(|s| s.split_once('/')) {
        Some((_, t)) => num(P, "process count", Some(t))?,
        None => 0,
    };
    Ok(LoadAvg {
        load1,
        load5,
        load15,
        total,
    })
}

/// One line of `/proc/diskstats`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DiskStat {
    pub(crate) name: String,
    pub(crate) reads: u64,
    pub(crate) merged_reads: u64,
    pub(crate) read_bytes: u64,
    /// Milliseconds.
    pub(crate) read_time: u64,
    pub(crate) writes: u64,
    pub(crate) merged_writes: u64,
    pub(crate) write_bytes: u64,
    /// Milliseconds.
    pub(crate) write_time: u64,
    pub(crate) in_progress: u64,
    /// Milliseconds.
    pub(crate) io_time: u64,
    /// Milliseconds.
    pub(crate) weighted_io: u64,
}

/// The sector size `/proc/diskstats` counts in (always 512 bytes).
const SECTOR_SIZE: u64 = 512;

/// Parses `/proc/diskstats`; lines with fewer than 14 fields are skipped (as gopsutil).
pub(crate) fn parse_diskstats(text: &str) -> Result<Vec<DiskStat>, ScrapeError> {
    const P: &str = "/proc/diskstats";
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 14 {
            continue;
        }
        let n = |i: usize| num::<u64>(P, "counter", f.get(i).copied());
        out.push(DiskStat {
            name: f[2].to_string(),
            reads: n(3)?,
            merged_reads: n(4)?,
            read_bytes: n(5)?.saturating_mul(SECTOR_SIZE),
            read_time: n(6)?,
            writes: n(7)?,
            merged_writes: n(8)?,
            write_bytes: n(9)?.saturating_mul(SECTOR_SIZE),
            write_time: n(10)?,
            in_progress: n(11)?,
            io_time: n(12)?,
            weighted_io: n(13)?,
        });
    }
    Ok(out)
}

/// One interface of `/proc/net/dev`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NetDev {
    pub(crate) name: String,
    pub(crate) bytes_recv: u64,
    pub(crate) packets_recv: u64,
    pub(crate) errin: u64,
    pub(crate) dropin: u64,
    pub(crate) bytes_sent: u64,
    pub(crate) packets_sent: u64,
    pub(crate) errout: u64,
    pub(crate) dropout: u64,
}

/// Parses `/proc/net/dev` (two header lines, then `name: 16 counters`).
pub(crate) fn parse_net_dev(text: &str) -> Result<Vec<NetDev>, ScrapeError> {
    const P: &str = "/proc/net/dev";
    let mut out = Vec::new();
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let f: Vec<&str> = rest.split_ascii_whitespace().collect();
        if f.len() < 16 {
            return Err(ScrapeError::parse(
                P,
                format!("too few fields for {}", name.trim()),
            ));
        }
        let n = |i: usize| num::<u64>(P, "counter", f.get(i).copied());
        out.push(NetDev {
            name: name.trim().to_string(),
            bytes_recv: n(0)?,
            packets_recv: n(1)?,
            errin: n(2)?,
            dropin: n(3)?,
            bytes_sent: n(8)?,
            packets_sent: n(9)?,
            errout: n(10)?,
            dropout: n(11)?,
        });
    }
    Ok(out)
}

/// The TCP state names gopsutil gives the hex states of `/proc/net/tcp`.
fn tcp_state(hex: &str) -> &'static str {
    match hex {
        "01" => "ESTABLISHED",
        "02" => "SYN_SENT",
        "03" => "SYN_RECV",
        "04" => "FIN_WAIT1",
        "05" => "FIN_WAIT2",
        "06" => "TIME_WAIT",
        "07" => "CLOSE",
        "08" => "CLOSE_WAIT",
        "09" => "LAST_ACK",
        "0A" => "LISTEN",
        "0B" => "CLOSING",
        _ => "",
    }
}

/// Counts the connections of `/proc/net/tcp` or `tcp6` by state into `counts`.
pub(crate) fn count_tcp_states(text: &str, counts: &mut BTreeMap<String, i64>) {
    for line in text.lines().skip(1) {
        if let Some(st) = line.split_ascii_whitespace().nth(3) {
            *counts.entry(tcp_state(st).to_string()).or_insert(0) += 1;
        }
    }
}

/// One swap device of `/proc/swaps`, in bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Swap {
    pub(crate) name: String,
    pub(crate) used: u64,
    pub(crate) free: u64,
    pub(crate) total: u64,
}

/// Parses `/proc/swaps`, checking the header as Go does.
pub(crate) fn parse_swaps(text: &str) -> Result<Vec<Swap>, ScrapeError> {
    const P: &str = "/proc/swaps";
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| ScrapeError::parse(P, "unexpected end-of-file"))?
        .split_ascii_whitespace()
        .collect();
    if header.len() < 4 || header[0] != "Filename" || header[2] != "Size" || header[3] != "Used" {
        return Err(ScrapeError::parse(P, format!("unexpected header {header:?}")));
    }
    let mut out = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        if f.len() < 4 {
            return Err(ScrapeError::parse(P, format!("too few fields in row {f:?}")));
        }
        let total: u64 = num(P, "'Size' column", Some(f[2]))?;
        let used: u64 = num(P, "'Used' column", Some(f[3]))?;
        out.push(Swap {
            name: f[0].to_string(),
            used: used.saturating_mul(1024),
            free: total.saturating_sub(used).saturating_mul(1024),
            total: total.saturating_mul(1024),
        });
    }
    Ok(out)
}

/// Parses `key value` lines (`/proc/vmstat`, `/proc/<pid>/io` with `key: value`).
pub(crate) fn parse_key_values(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_ascii_whitespace();
            let k = f.next()?.trim_end_matches(':');
            let v = f.next()?.parse().ok()?;
            Some((k.to_string(), v))
        })
        .collect()
}

/// One mounted file system.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mount {
    pub(crate) device: String,
    pub(crate) mountpoint: String,
    pub(crate) fstype: String,
    pub(crate) opts: Vec<String>,
}

impl Mount {
    /// `rw`, `ro` or `unknown`, from the mount options (Go's `getMountMode`).
    pub(crate) fn mode(&self) -> &'static str {
        if self.opts.iter().any(|o| o == "rw") {
            "rw"
        } else if self.opts.iter().any(|o| o == "ro") {
            "ro"
        } else {
            "unknown"
        }
    }
}

/// Undoes the octal escapes of mount tables (`\040` is a space).
pub(crate) fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() {
            let digits = &b[i + 1..i + 4];
            if digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                let v = digits.iter().fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                if let Ok(byte) = u8::try_from(v) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `/proc/<pid>/mountinfo`.
pub(crate) fn parse_mountinfo(text: &str) -> Vec<Mount> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        let Some(sep) = f.iter().position(|x| *x == "-") else {
            continue;
        };
        if sep < 6 || f.len() < sep + 3 {
            continue;
        }
        out.push(Mount {
            device: unescape_octal(f[sep + 2]),
            mountpoint: unescape_octal(f[4]),
            fstype: f[sep + 1].to_string(),
            opts: f[5].split(',').map(str::to_string).collect(),
        });
    }
    out
}

/// Parses `/proc/<pid>/mounts` (the fallback of kernels without mountinfo).
pub(crate) fn parse_mounts(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_ascii_whitespace().collect();
            (f.len() >= 4).then(|| Mount {
                device: unescape_octal(f[0]),
                mountpoint: unescape_octal(f[1]),
                fstype: f[2].to_string(),
                opts: f[3].split(',').map(str::to_string).collect(),
            })
        })
        .collect()
}

/// The physical file system types of `/proc/filesystems` (those not marked
/// `nodev`; `zfs` counts as physical, as in gopsutil).
pub(crate) fn parse_filesystems(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        match f.as_slice() {
            [fs] => out.push((*fs).to_string()),
            ["nodev", "zfs"] => out.push("zfs".to_string()),
            _ => {}
        }
    }
    out
}

/// One processor of `/proc/cpuinfo`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct CpuInfo {
    pub(crate) processor: u64,
    pub(crate) mhz: Option<f64>,
    pub(crate) physical_id: Option<String>,
    pub(crate) core_id: Option<String>,
}

/// Parses `/proc/cpuinfo` into its processors.
pub(crate) fn parse_cpuinfo(text: &str) -> Vec<CpuInfo> {
    let mut out: Vec<CpuInfo> = Vec::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k == "processor" {
            out.push(CpuInfo {
                processor: v.parse().unwrap_or(out.len() as u64),
                ..Default::default()
            });
            continue;
        }
        let Some(cur) = out.last_mut() else { continue };
        match k {
            "cpu MHz" => cur.mhz = v.parse().ok(),
            "physical id" => cur.physical_id = Some(v.to_string()),
            "core id" => cur.core_id = Some(v.to_string()),
            _ => {}
        }
    }
    out
}

/// What the process scraper uses of `/proc/<pid>/stat`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PidStat {
    pub(crate) state: char,
    pub(crate) ppid: i64,
    pub(crate) minflt: u64,
    pub(crate) majflt: u64,
    pub(crate) utime: u64,
    pub(crate) stime: u64,
    /// Clock ticks after boot.
    pub(crate) starttime: u64,
    /// Aggregated block I/O delays (`delayacct_blkio_ticks`).
    pub(crate) iowait: u64,
}

/// Parses `/proc/<pid>/stat`; the command (field 2) may hold spaces and
/// parentheses, so fields are counted after its last `)`.
pub(crate) fn parse_pid_stat(text: &str) -> Result<PidStat, ScrapeError> {
    const P: &str = "/proc/<pid>/stat";
    let close = text
        .rfind(')')
        .ok_or_else(|| ScrapeError::parse(P, "no command field"))?;
    // Fields from 3 (state) on; index 0 here is field 3.
    let f: Vec<&str> = text
        .get(close + 1..)
        .unwrap_or("")
        .split_ascii_whitespace()
        .collect();
    let field = |n: usize| f.get(n - 3).copied();
    Ok(PidStat {
        state: field(3).and_then(|s| s.chars().next()).unwrap_or('?'),
        ppid: num(P, "ppid", field(4))?,
        minflt: num(P, "minflt", field(10))?,
        majflt: num(P, "majflt", field(12))?,
        utime: num(P, "utime", field(14))?,
        stime: num(P, "stime", field(15))?,
        starttime: num(P, "starttime", field(22))?,
        iowait: field(42).and_then(|s| s.parse().ok()).unwrap_or(0),
    })
}

/// What the process scraper uses of `/proc/<pid>/status`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PidStatus {
    pub(crate) name: String,
    pub(crate) ppid: Option<i64>,
    /// The real user id.
    pub(crate) uid: Option<u32>,
    pub(crate) threads: Option<i64>,
    pub(crate) voluntary_ctxt_switches: Option<i64>,
    pub(crate) nonvoluntary_ctxt_switches: Option<i64>,
    /// `ShdPnd`, the shared pending signal mask (gopsutil's "pending
    /// signals" count is this mask read as a number).
    pub(crate) shd_pnd: Option<u64>,
}

/// Parses `/proc/<pid>/status`.
pub(crate) fn parse_pid_status(text: &str) -> PidStatus {
    let mut out = PidStatus::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        let first = v.split_ascii_whitespace().next();
        match k {
            "Name" => out.name = v.to_string(),
            "PPid" => out.ppid = first.and_then(|s| s.parse().ok()),
            "Uid" => out.uid = first.and_then(|s| s.parse().ok()),
            "Threads" => out.threads = first.and_then(|s| s.parse().ok()),
            "voluntary_ctxt_switches" => out.voluntary_ctxt_switches = first.and_then(|s| s.parse().ok()),
            "nonvoluntary_ctxt_switches" => {
                out.nonvoluntary_ctxt_switches = first.and_then(|s| s.parse().ok());
            }
            "ShdPnd" => {
                let hex = v.get(v.len().saturating_sub(16)..).unwrap_or(v);
                out.shd_pnd = u64::from_str_radix(hex, 16).ok();
            }
            _ => {}
        }
    }
    out
}

/// Parses `/proc/<pid>/statm`: (size, resident) in pages.
pub(crate) fn parse_statm(text: &str) -> Result<(u64, u64), ScrapeError> {
    const P: &str = "/proc/<pid>/statm";
    let mut f = text.split_ascii_whitespace();
    Ok((num(P, "size", f.next())?, num(P, "resident", f.next())?))
}

/// Splits `/proc/<pid>/cmdline` (NUL-separated, trailing NULs dropped) as
/// gopsutil's `CmdlineSlice`; empty for kernel threads.
pub(crate) fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    if end == 0 {
        return Vec::new();
    }
    bytes[..end]
        .split(|b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// The user name of `uid` in a `passwd` file.
pub(crate) fn lookup_user(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _pw = f.next()?;
        let id: u32 = f.next()?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  1181931 712445 489671 2034050 10582 0 30588 4508 0 0
cpu0 594134 326848 244828 1046336 3017 0 14124 2195 0 0
cpu1 587796 385596 244842 987714 7564 1 16464 2312 0 0
intr 1 2 3
ctxt 2402553463
btime 1700000000
processes 6220181
procs_running 3
procs_blocked 1
softirq 1 2
";

    #[test]
    fn stat() {
        let s = parse_stat(STAT).unwrap();
        assert_eq!(s.btime, Some(1_700_000_000));
        assert_eq!(s.processes, Some(6_220_181));
        assert_eq!((s.procs_running, s.procs_blocked), (Some(3), Some(1)));
        assert_eq!(s.cpus.len(), 2);
        assert_eq!(
            s.cpus[1],
            CpuTicks {
                cpu: "cpu1".into(),
                user: 587_796,
                nice: 385_596,
                system: 244_842,
                idle: 987_714,
                iowait: 7564,
                irq: 1,
                softirq: 16464,
                steal: 2312
            }
        );
        // Old kernels with fewer columns, and malformed input.
        let old = parse_stat("cpu0 1 2 3 4\n").unwrap();
        assert_eq!((old.cpus[0].idle, old.cpus[0].steal), (4, 0));
        for bad in ["cpu0 1 2\n", "cpu0 1 x 3 4\n", "btime soon\n", "btime\n"] {
            assert!(parse_stat(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_stat("").unwrap(), ProcStat::default());
    }

    #[test]
    fn meminfo() {
        let m = parse_meminfo(
            "MemTotal:       24683772 kB\nMemFree: 100 kB\nHugePages_Total:       4\nbroken line\nDirectMap2M: x kB\n",
        );
        assert_eq!(m.get("MemTotal"), Some(&24_683_772));
        assert_eq!(m.get("HugePages_Total"), Some(&4));
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn loadavg() {
        // (text, parsed)
        type Parsed = Option<(f64, f64, f64, u64)>;
        let table: &[(&str, Parsed)] = &[
            ("2.59 1.79 1.50 3/131 31228\n", Some((2.59, 1.79, 1.5, 131))),
            ("0.00 0.01 0.05\n", Some((0.0, 0.01, 0.05, 0))),
            ("0.00 x 0.05 1/2 3\n", None),
            ("", None),
        ];
        for (text, want) in table {
            let got = parse_loadavg(text)
                .ok()
                .map(|l| (l.load1, l.load5, l.load15, l.total));
            assert_eq!(got, *want, "{text:?}");
        }
    }

    #[test]
    fn diskstats() {
        let d = parse_diskstats(
            " 254       0 vda 4086 1330 410626 2227 6 9 104 12 2 3412 9431 0 0 0 0 0 0\n   7 0 loop0 0 0\n",
        )
        .unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0],
            DiskStat {
                name: "vda".into(),
                reads: 4086,
                merged_reads: 1330,
                read_bytes: 410_626 * 512,
                read_time: 2227,
                writes: 6,
                merged_writes: 9,
                write_bytes: 104 * 512,
                write_time: 12,
                in_progress: 2,
                io_time: 3412,
                weighted_io: 9431,
            }
        );
        assert!(parse_diskstats("1 2 sda x 0 0 0 0 0 0 0 0 0 0\n").is_err());
    }

    #[test]
    fn net_dev() {
        let text = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1156 748    1    2    0     0          0         0 1157 749    3    4    0     0       0          0
  eth0: 443884604   17065    0    0    0     0          0         0  1136458   10426    0    0    0     0       0          0
";
        let n = parse_net_dev(text).unwrap();
        assert_eq!(n.len(), 2);
        assert_eq!(
            n[0],
            NetDev {
                name: "lo".into(),
                bytes_recv: 1156,
                packets_recv: 748,
                errin: 1,
                dropin: 2,
                bytes_sent: 1157,
                packets_sent: 749,
                errout: 3,
                dropout: 4
            }
        );
        assert!(parse_net_dev("h\nh\n lo: 1 2 3\n").is_err());
    }

    #[test]
    fn tcp_states() {
        let mut c = BTreeMap::new();
        count_tcp_states(
            "  sl  local_address rem_address   st
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0
   1: 0100007F:9C40 0100007F:07E8 01 00000000:00000000 00:00000000 00000000     0
   2: 0100007F:9C41 0100007F:07E8 04 00000000:00000000 00:00000000 00000000     0
",
            &mut c,
        );
        count_tcp_states("header\n 0: a b 01 x\n", &mut c);
        assert_eq!(c["LISTEN"], 1);
        assert_eq!(c["ESTABLISHED"], 2);
        assert_eq!(c["FIN_WAIT1"], 1);
    }

    #[test]
    fn swaps() {
        let s = parse_swaps(
            "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sda2  partition\t1000\t250\t-2\n",
        )
        .unwrap();
        assert_eq!(
            s,
            vec![Swap {
                name: "/dev/sda2".into(),
                used: 250 * 1024,
                free: 750 * 1024,
                total: 1000 * 1024
            }]
        );
        assert!(
            parse_swaps("Filename Type Size Used Priority\n")
                .unwrap()
                .is_empty()
        );
        for bad in [
            "",
            "Name Type Size Used\n",
            "Filename Type Size Used\n/x p 1\n",
            "Filename Type Size Used\n/x p a 1\n",
        ] {
            assert!(parse_swaps(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn key_values() {
        let v = parse_key_values("pgpgin 54396277\npswpin 0\nrchar: 12\nbad\nx y\n");
        assert_eq!(v["pgpgin"], 54_396_277);
        assert_eq!(v["rchar"], 12);
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn mounts() {
        let mi = parse_mountinfo(
            "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
28 27 0:25 / /mnt/with\\040space ro,nosuid shared:1 - tmpfs tmpfs ro,size=4k
29 27 0:26 / /broken rw
",
        );
        assert_eq!(mi.len(), 2);
        assert_eq!(
            mi[0],
            Mount {
                device: "/dev/vda".into(),
                mountpoint: "/".into(),
                fstype: "ext4".into(),
                opts: vec!["rw".into(), "relatime".into()]
            }
        );
        assert_eq!(mi[1].mountpoint, "/mnt/with space");
        assert_eq!((mi[0].mode(), mi[1].mode()), ("rw", "ro"));
        let m = parse_mounts("/dev/vda / ext4 rw,relatime 0 0\nshort line\n");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].fstype, "ext4");
        assert_eq!(
            Mount {
                opts: vec!["defaults".into()],
                ..Default::default()
            }
            .mode(),
            "unknown"
        );
        assert_eq!(unescape_octal("a\\011b\\\\c\\9"), "a\tb\\\\c\\9");
        assert_eq!(unescape_octal("end\\04"), "end\\04");
    }

    #[test]
    fn filesystems() {
        assert_eq!(
            parse_filesystems("nodev\tsysfs\n\text4\nnodev\tzfs\n\tvfat\n\n"),
            ["ext4", "zfs", "vfat"]
        );
    }

    #[test]
    fn cpuinfo() {
        let c = parse_cpuinfo(
            "processor\t: 0\ncpu MHz\t\t: 2596.156\nphysical id\t: 0\ncore id\t\t: 0\n\nprocessor\t: 1\ncpu MHz\t: x\n",
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].mhz, Some(2596.156));
        assert_eq!(c[0].core_id.as_deref(), Some("0"));
        assert_eq!((c[1].processor, c[1].mhz), (1, None));
    }

    #[test]
    fn pid_stat() {
        let line = "31814 (my (odd) cmd) S 31803 31803 25153 0 -1 4194560 96 0 1 0 12 34 0 0 20 0 1 0 5000 3133440 432 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 7 0 0\n";
        let s = parse_pid_stat(line).unwrap();
        assert_eq!(
            s,
            PidStat {
                state: 'S',
                ppid: 31803,
                minflt: 96,
                majflt: 1,
                utime: 12,
                stime: 34,
                starttime: 5000,
                iowait: 7
            }
        );
        assert!(parse_pid_stat("1 (x) S 0 0").is_err());
        assert!(parse_pid_stat("no parens").is_err());
    }

    #[test]
    fn pid_status() {
        let s = parse_pid_status(
            "Name:\tcat\nPPid:\t31803\nUid:\t1000\t0\t0\t0\nThreads:\t3\nShdPnd:\t0000000000000101\nvoluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t1\n",
        );
        assert_eq!(s.name, "cat");
        assert_eq!((s.ppid, s.uid, s.threads), (Some(31803), Some(1000), Some(3)));
        assert_eq!(s.shd_pnd, Some(0x101));
        assert_eq!(
            (s.voluntary_ctxt_switches, s.nonvoluntary_ctxt_switches),
            (Some(5), Some(1))
        );
        assert_eq!(parse_pid_status("garbage"), PidStatus::default());
    }

    #[test]
    fn statm_cmdline_passwd() {
        assert_eq!(parse_statm("765 432 300 5 0 90 0\n").unwrap(), (765, 432));
        assert!(parse_statm("").is_err());
        assert_eq!(
            parse_cmdline(b"/bin/sh\0-c\0echo hi\0"),
            ["/bin/sh", "-c", "echo hi"]
        );
        assert_eq!(parse_cmdline(b"a\0\0b\0\0"), ["a", "", "b"]);
        assert!(parse_cmdline(b"").is_empty() && parse_cmdline(b"\0\0").is_empty());
        let pw = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/:/usr/sbin/nologin\nbad\n";
        assert_eq!(lookup_user(pw, 0).as_deref(), Some("root"));
        assert_eq!(lookup_user(pw, 65534).as_deref(), Some("nobody"));
        assert_eq!(lookup_user(pw, 7), None);
    }

    #[test]
    fn host_paths() {
        let h = HostFs::new("");
        assert_eq!(h.proc("stat"), PathBuf::from("/proc/stat"));
        assert_eq!(h.host_path("/"), PathBuf::from("/"));
        let h = HostFs::new("/hostfs");
        assert_eq!(h.proc("1/mountinfo"), PathBuf::from("/hostfs/proc/1/mountinfo"));
        assert_eq!(h.sys("class/net"), PathBuf::from("/hostfs/sys/class/net"));
        assert_eq!(h.host_path("/var/lib"), PathBuf::from("/hostfs/var/lib"));
        assert_eq!(h.host_path("/"), PathBuf::from("/hostfs/"));
        assert!(h.read_proc("nope").unwrap_err().is_not_found());
    }
}
