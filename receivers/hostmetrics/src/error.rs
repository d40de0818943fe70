//! Errors of the `host_metrics` receiver.

use std::io;
use std::path::PathBuf;

/// Why reading or parsing one host source failed. Every scrape error is
/// partial: the scraper reports what it could read and counts what it
/// could not (Go's `scrapererror.PartialScrapeError`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScrapeError {
    /// A file under `/proc`, `/sys` or `/etc` could not be read.
    #[error("failed to read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A file was read but its content is not what the kernel writes.
    #[error("failed to parse {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// `statfs` of a mount point failed.
    #[error("failed to read usage at {mountpoint}: {source}")]
    Statfs {
        /// The mount point, as reported (without `root_path`).
        mountpoint: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// A process-level failure, naming the process.
    #[error("error reading {what} for process {name:?} (pid {pid}): {source}")]
    Process {
        /// What was being read (`cpu times`, `memory info`...).
        what: &'static str,
        /// The process name (`Name` of `/proc/<pid>/status`), possibly empty.
        name: String,
        /// The process id.
        pid: i64,
        /// The underlying failure.
        #[source]
        source: Box<ScrapeError>,
    },
    /// A process-level failure before the process name is known.
    #[error("error reading {what} for pid {pid}: {source}")]
    Pid {
        /// What was being read (`process name`, `process executable`...).
        what: &'static str,
        /// The process id.
        pid: i64,
        /// The underlying failure.
        #[source]
        source: Box<ScrapeError>,
    },
    /// A value could not be computed (the total memory is 0...).
    #[error("{0}")]
    Invalid(String),
}

impl ScrapeError {
    /// A parse error about `path`.
    pub(crate) fn parse(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ScrapeError::Parse {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Whether the error says the file does not exist (a process that ended).
    pub(crate) fn is_not_found(&self) -> bool {
        match self {
            ScrapeError::Read { source, .. } => {
                source.kind() == io::ErrorKind::NotFound || source.raw_os_error() == Some(3) // ESRCH
            }
            ScrapeError::Process { source, .. } | ScrapeError::Pid { source, .. } => source.is_not_found(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_source() {
        let e = ScrapeError::Read {
            path: "/proc/stat".into(),
            source: io::Error::from(io::ErrorKind::NotFound),
        };
        assert!(e.to_string().starts_with("failed to read /proc/stat"), "{e}");
        assert!(e.is_not_found());
        let p = ScrapeError::Process {
            what: "cpu times",
            name: "sh".into(),
            pid: 7,
            source: Box::new(e),
        };
        assert!(
            p.to_string()
                .starts_with("error reading cpu times for process \"sh\" (pid 7): failed to read"),
            "{p}"
        );
        assert!(p.is_not_found());
        assert!(!ScrapeError::parse("/proc/x", "bad").is_not_found());
        assert_eq!(
            ScrapeError::parse("/proc/x", "bad").to_string(),
            "failed to parse /proc/x: bad"
        );
    }
}
