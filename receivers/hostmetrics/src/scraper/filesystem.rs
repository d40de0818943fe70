//! The `filesystem` scraper: the mount table of pid 1 and `statfs` of
//! each mount point.

use std::collections::BTreeSet;
use std::sync::Arc;

use otelcol_component::build::unix_nanos_now;

use super::{Env, ScrapeOutput, Scraper, as_i64, diff_i64, secs_to_nanos};
use crate::config::FilesystemConfig;
use crate::error::ScrapeError;
use crate::filter::IncludeExclude;
use crate::metadata::{FILESYSTEM, MetricsBuilder};
use crate::procfs::{self, Mount};

/// Metrics lost when the mount table cannot be read.
const METRICS_LEN: usize = 2;

/// Sizes of one file system, as gopsutil's `disk.Usage` computes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) total: u64,
    pub(crate) free: u64,
    pub(crate) used: u64,
    pub(crate) inodes_free: u64,
    pub(crate) inodes_used: u64,
}

impl Usage {
    /// From `statfs` fields: sizes in `f_bsize` blocks; `free` is what
    /// unprivileged users may use (`f_bavail`), `used` excludes all free
    /// blocks (`f_bfree`), so `total - used - free` is the reserved part.
    pub(crate) fn from_statfs(
        bsize: u64,
        blocks: u64,
        bfree: u64,
        bavail: u64,
        files: u64,
        ffree: u64,
    ) -> Self {
        Usage {
            total: blocks.saturating_mul(bsize),
            free: bavail.saturating_mul(bsize),
            used: blocks.saturating_sub(bfree).saturating_mul(bsize),
            inodes_free: ffree,
            inodes_used: files.saturating_sub(ffree),
        }
    }
}

/// Reads the usage of a path.
fn statfs(path: &std::path::Path) -> std::io::Result<Usage> {
    let s = rustix::fs::statfs(path)?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    #[allow(clippy::useless_conversion)]
    Ok(Usage::from_statfs(
        n(i64::from(s.f_bsize)),
        s.f_blocks,
        s.f_bfree,
        s.f_bavail,
        s.f_files,
        s.f_ffree,
    ))
}

/// The `filesystem` scraper.
#[derive(Debug)]
pub(crate) struct FilesystemScraper {
    env: Arc<Env>,
    mb: MetricsBuilder,
    include_virtual: bool,
    devices: IncludeExclude,
    fs_types: IncludeExclude,
    mount_points: IncludeExclude,
}

impl FilesystemScraper {
    pub(crate) fn new(cfg: &FilesystemConfig, env: Arc<Env>) -> Result<Self, regex::Error> {
        Ok(FilesystemScraper {
            env,
            mb: MetricsBuilder::new(&FILESYSTEM, &cfg.metrics),
            include_virtual: cfg.include_virtual_filesystems,
            devices: IncludeExclude {
                include: cfg.include_devices.compile()?,
                exclude: cfg.exclude_devices.compile()?,
            },
            fs_types: IncludeExclude {
                include: cfg.include_fs_types.compile()?,
                exclude: cfg.exclude_fs_types.compile()?,
            },
            mount_points: IncludeExclude {
                include: cfg.include_mount_points.compile()?,
                exclude: cfg.exclude_mount_points.compile()?,
            },
        })
    }

    /// The mounted file systems (gopsutil's `disk.Partitions`): pid 1's
    /// mount table; without `include_virtual_filesystems` only those of a
    /// physical type (not `nodev` in `/proc/filesystems`) and not `none`.
    fn partitions(&self) -> Result<Vec<Mount>, ScrapeError> {
        let fs = &self.env.fs;
        let mounts = match fs.read_proc("1/mountinfo") {
            Ok(t) => procfs::parse_mountinfo(&t),
            Err(first) => match fs.read_proc("1/mounts") {
                Ok(t) => procfs::parse_mounts(&t),
                Err(_) => match fs.read_proc("self/mountinfo") {
                    Ok(t) => procfs::parse_mountinfo(&t),
                    Err(_) => return Err(first),
                },
            },
        };
        let physical = if self.include_virtual {
            None
        } else {
            Some(procfs::parse_filesystems(&fs.read_proc("filesystems")?))
        };
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for mut m in mounts {
            if let Some(types) = &physical {
                if m.device == "none" || !types.contains(&m.fstype) {
                    continue;
                }
            }
            if m.device.starts_with("/dev/mapper/") {
                if let Ok(p) = std::fs::canonicalize(&m.device) {
                    m.device = p.to_string_lossy().into_owned();
                }
            }
            if seen.insert((m.device.clone(), m.mountpoint.clone())) {
                out.push(m);
            }
        }
        Ok(out)
    }

    fn allows(&self, m: &Mount) -> bool {
        self.devices.allows(&m.device)
            && self.fs_types.allows(&m.fstype)
            && self.mount_points.allows(&m.mountpoint)
    }
}

impl Scraper for FilesystemScraper {
    fn name(&self) -> &'static str {
        FILESYSTEM.name
    }

    fn start(&mut self, boot_time: u64) {
        self.mb.set_start(secs_to_nanos(boot_time));
    }

    fn scrape(&mut self, version: &str) -> ScrapeOutput {
        let mut out = ScrapeOutput::default();
        let now = unix_nanos_now();
        let partitions = match self.partitions() {
            Ok(p) => p,
            Err(e) => {
                out.error(METRICS_LEN, e);
                return out;
            }
        };
        let mut usages = Vec::new();
        for m in partitions.into_iter().filter(|m| self.allows(m)) {
            match statfs(&self.env.fs.host_path(&m.mountpoint)) {
                Ok(u) => usages.push((m, u)),
                Err(source) => out.error(
                    0,
                    ScrapeError::Statfs {
                        mountpoint: m.mountpoint.clone(),
                        source,
                    },
                ),
            }
        }
        for (m, u) in &usages {
            let (dev, mode, mp, ty) = (
                m.device.as_str(),
                m.mode(),
                m.mountpoint.as_str(),
                m.fstype.as_str(),
            );
            let mb = &mut self.mb;
            mb.int(
                "system.filesystem.usage",
                now,
                as_i64(u.used),
                &[dev, mode, mp, ty, "used"],
            );
            mb.int(
                "system.filesystem.usage",
                now,
                as_i64(u.free),
                &[dev, mode, mp, ty, "free"],
            );
            mb.int(
                "system.filesystem.usage",
                now,
                diff_i64(u.total, u.used.saturating_add(u.free)),
                &[dev, mode, mp, ty, "reserved"],
            );
            mb.int(
                "system.filesystem.inodes.usage",
                now,
                as_i64(u.inodes_used),
                &[dev, mode, mp, ty, "used"],
            );
            mb.int(
                "system.filesystem.inodes.usage",
                now,
                as_i64(u.inodes_free),
                &[dev, mode, mp, ty, "free"],
            );
            // gopsutil's UsedPercent: used / (used + free).
            let denom = u.used.saturating_add(u.free);
            let utilization = if denom == 0 {
                0.0
            } else {
                u.used as f64 / denom as f64
            };
            mb.double(
                "system.filesystem.utilization",
                now,
                utilization,
                &[dev, mode, mp, ty],
            );
        }
        out.resource_metrics.extend(self.mb.emit(Vec::new(), version));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FsTypeMatch, MetricToggle, MountPointMatch};
    use crate::scraper::testutil::{env, table, tree};

    #[test]
    fn usage_from_statfs() {
        let u = Usage::from_statfs(4096, 100, 30, 20, 50, 10);
        assert_eq!(
            u,
            Usage {
                total: 409_600,
                free: 81_920,
                used: 286_720,
                inodes_free: 10,
                inodes_used: 40
            }
        );
        // Odd statfs values never panic.
        assert_eq!(Usage::from_statfs(4096, 1, 5, 9, 0, 3).used, 0);
    }

    fn fake(dir: &std::path::Path) {
        // The fake root is itself a mounted directory: mount "/" and "/data"
        // of the fake tree are both directories of the real file system.
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::create_dir_all(dir.join("dev")).unwrap();
        tree(
            dir,
            &[
                (
                    "proc/1/mountinfo",
                    "1 0 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n\
                     2 1 0:5 / /dev rw - devtmpfs udev rw\n\
                     3 1 8:2 / /data ro - xfs /dev/sdb ro\n\
                     4 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n\
                     5 1 0:6 / /gone rw - ext4 /dev/sdc rw\n",
                ),
                ("proc/filesystems", "nodev\tdevtmpfs\n\text4\n\txfs\n"),
            ],
        );
    }

    #[test]
    fn physical_file_systems_with_filters() {
        let dir = tempfile::tempdir().unwrap();
        fake(dir.path());
        let mut cfg = FilesystemConfig::default();
        cfg.metrics.insert(
            "system.filesystem.utilization".into(),
            MetricToggle { enabled: Some(true) },
        );
        let mut s = FilesystemScraper::new(&cfg, env(dir.path())).unwrap();
        let out = s.scrape("v");
        // /gone cannot be statfs'd: a partial error that loses no metric.
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert_eq!(out.failed, 0);
        assert!(out.errors[0].to_string().contains("/gone"));
        let usage = table(&out.resource_metrics, "system.filesystem.usage");
        // "/" (deduplicated) and "/data": 3 states each; devtmpfs is virtual.
        assert_eq!(usage.len(), 6, "{usage:?}");
        assert!(
            usage[0]
                .0
                .starts_with("device=/dev/sda1,mode=rw,mountpoint=/,type=ext4,state=used")
        );
        assert!(
            usage[3]
                .0
                .starts_with("device=/dev/sdb,mode=ro,mountpoint=/data,type=xfs,state=used")
        );
        let total: f64 = usage[..3].iter().map(|(_, v)| v).sum();
        let real = statfs(dir.path()).unwrap();
        assert_eq!(total, real.total as f64);
        assert_eq!(
            table(&out.resource_metrics, "system.filesystem.inodes.usage").len(),
            4
        );
        assert_eq!(
            table(&out.resource_metrics, "system.filesystem.utilization").len(),
            2
        );

        let cfg = FilesystemConfig {
            include_virtual_filesystems: true,
            exclude_fs_types: FsTypeMatch {
                fs_types: vec!["xfs".into()],
                match_type: "strict".into(),
                regexp: None,
            },
            exclude_mount_points: MountPointMatch {
                mount_points: vec!["/gone".into()],
                match_type: "regexp".into(),
                regexp: None,
            },
            ..Default::default()
        };
        let mut s = FilesystemScraper::new(&cfg, env(dir.path())).unwrap();
        let out = s.scrape("v");
        let mps: BTreeSet<_> = table(&out.resource_metrics, "system.filesystem.usage")
            .into_iter()
            .map(|(a, _)| {
                a.split(",mountpoint=")
                    .nth(1)
                    .unwrap()
                    .split(',')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            mps,
            ["/", "/dev"].into_iter().map(String::from).collect(),
            "{:?}",
            out.errors
        );
    }

    #[test]
    fn missing_mount_table_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = FilesystemScraper::new(&FilesystemConfig::default(), env(dir.path())).unwrap();
        let out = s.scrape("v");
        assert_eq!(out.failed, METRICS_LEN);
        assert!(out.resource_metrics.is_empty());
    }
}
