//! The output file: buffered writes, size-based rotation, flush and sync.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::backup;

/// Buffer size of the writer in front of the file.
const BUFFER_BYTES: usize = 64 * 1024;

/// When and how the file is rotated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rotation {
    /// Rotate before a record would take the file beyond this size.
    pub(crate) max_bytes: u64,
    /// Backups kept (0 = all).
    pub(crate) max_backups: u32,
    /// Backups older than this are deleted (None = no limit).
    pub(crate) max_age: Option<Duration>,
}

/// How the file is opened on start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpenMode {
    /// Truncate an existing file.
    Truncate,
    /// Keep an existing file and write after its end.
    Append,
}

/// The file being written, with its size so far.
#[derive(Debug)]
pub(crate) struct Sink {
    path: PathBuf,
    file: BufWriter<File>,
    size: u64,
    rotation: Option<Rotation>,
}

fn open(path: &Path, mode: OpenMode) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.create(true);
    match mode {
        OpenMode::Truncate => o.write(true).truncate(true),
        OpenMode::Append => o.append(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o644);
    }
    o.open(path)
}

impl Sink {
    /// Opens `path`. With rotation the file is always appended to (as
    /// lumberjack does) and old backups are pruned.
    pub(crate) fn open(path: &Path, mode: OpenMode, rotation: Option<Rotation>) -> io::Result<Sink> {
        let mode = if rotation.is_some() {
            OpenMode::Append
        } else {
            mode
        };
        let file = open(path, mode)?;
        let size = match mode {
            OpenMode::Append => file.metadata()?.len(),
            OpenMode::Truncate => 0,
        };
        let sink = Sink {
            path: path.to_path_buf(),
            file: BufWriter::with_capacity(BUFFER_BYTES, file),
            size,
            rotation,
        };
        sink.prune();
        Ok(sink)
    }

    /// The path written to.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record (a JSON line or a length-prefixed message), rotating
    /// first if it would not fit. A record larger than the limit goes alone
    /// into a fresh file rather than being refused.
    pub(crate) fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        let len = record.len() as u64;
        if let Some(r) = &self.rotation {
            if self.size > 0 && self.size.saturating_add(len) > r.max_bytes {
                self.rotate()?;
            }
        }
        self.file.write_all(record)?;
        self.size = self.size.saturating_add(len);
        Ok(())
    }

    /// Writes buffered data to the file.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    /// Flushes and asks the OS to put the data on disk.
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        self.file.flush()?;
        self.file.get_ref().sync_all()
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        let backup = backup::backup_path(&self.path, backup::millis(SystemTime::now()));
        std::fs::rename(&self.path, &backup)?;
        let new = BufWriter::with_capacity(BUFFER_BYTES, open(&self.path, OpenMode::Truncate)?);
        // The old handle now points at the backup; make sure it is on disk.
        let old = std::mem::replace(&mut self.file, new);
        if let Ok(f) = old.into_inner() {
            let _ = f.sync_all();
        }
        self.size = 0;
        tracing::debug!(path = %self.path.display(), backup = %backup.display(), "file exporter rotated its file");
        self.prune();
        Ok(())
    }

    /// Deletes backups beyond the limits; failures are logged, not fatal.
    fn prune(&self) {
        let Some(r) = &self.rotation else { return };
        if r.max_backups == 0 && r.max_age.is_none() {
            return;
        }
        let now = backup::millis(SystemTime::now());
        if let Err(e) = backup::prune(&self.path, r.max_backups, r.max_age, now) {
            tracing::warn!(path = %self.path.display(), error = %e, "file exporter cannot remove old backups");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rotation(max_bytes: u64, max_backups: u32) -> Option<Rotation> {
        Some(Rotation {
            max_bytes,
            max_backups,
            max_age: None,
        })
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap()
    }

    #[test]
    fn truncate_and_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, "old\n").unwrap();
        let mut s = Sink::open(&path, OpenMode::Append, None).unwrap();
        s.write_record(b"new\n").unwrap();
        s.sync().unwrap();
        assert_eq!(read(&path), "old\nnew\n");
        drop(s);
        let mut s = Sink::open(&path, OpenMode::Truncate, None).unwrap();
        s.write_record(b"only\n").unwrap();
        s.flush().unwrap();
        assert_eq!(read(&path), "only\n");
    }

    #[test]
    fn rotates_by_size_and_keeps_max_backups() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        let mut s = Sink::open(&path, OpenMode::Truncate, rotation(10, 2)).unwrap();
        for line in [
            "aaaa\n", "bbbb\n", "cccc\n", "dddd\n", "eeee\n", "ffff\n", "gggg\n",
        ] {
            s.write_record(line.as_bytes()).unwrap();
        }
        s.sync().unwrap();
        // 7 records of 5 bytes, 2 per file: 3 rotations, the oldest backup pruned.
        assert_eq!(read(&path), "gggg\n");
        let backups = backup::list_backups(&path).unwrap();
        assert_eq!(backups.len(), 2);
        assert_eq!(read(&backups[0].1), "eeee\nffff\n");
        assert_eq!(read(&backups[1].1), "cccc\ndddd\n");
        for (_, p) in &backups {
            let name = p.file_name().unwrap().to_str().unwrap();
            assert!(name.starts_with("f-") && name.ends_with(".json"), "{name}");
        }
    }

    #[test]
    fn rotation_appends_to_existing_file_and_oversized_records_go_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "12345678\n").unwrap();
        let mut s = Sink::open(&path, OpenMode::Truncate, rotation(10, 0)).unwrap();
        s.write_record(b"x\n").unwrap();
        s.write_record(b"a record longer than ten\n").unwrap();
        s.write_record(b"y\n").unwrap();
        s.sync().unwrap();
        assert_eq!(read(&path), "y\n");
        let backups = backup::list_backups(&path).unwrap();
        let contents: Vec<String> = backups.iter().rev().map(|(_, p)| read(p)).collect();
        assert_eq!(contents, ["12345678\n", "x\n", "a record longer than ten\n"]);
    }
}
