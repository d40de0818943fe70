//! The file consumer (Go's `fileconsumer`): each poll lists the files
//! matching the globs, identifies them by fingerprint (their first
//! `fingerprint_size` bytes), and reads what is new in each, in order:
//! files that disappeared from the globs since the last poll (rotated away
//! or deleted, still open), then known files (rotated ones continue where
//! they were), then new files from their start.
//!
//! Offsets: `offset` is what has been read and handed to the operators;
//! `committed` is what the next consumer has accepted (and what the
//! storage extension remembers). Only `committed` survives a restart, so
//! a crash re-reads what was not accepted and skips nothing.
//!
//! All I/O here is blocking: the receiver calls it on a blocking thread.

use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::checkpoint::FileCheckpoint;
use crate::config::{FileLogConfig, OnTruncate, StartAt};
use crate::entry::{Entry, Map, Origin, Value};
use crate::glob::Finder;
use crate::split::Splitter;

/// How many bytes are read at a time.
const READ_BLOCK: usize = 64 * 1024;

/// How many polls a file that is no longer seen is remembered (Go: 3).
const KEEP_POLLS: u32 = 3;

/// Settings the consumer needs, derived from the config.
#[derive(Clone, Debug)]
pub struct ConsumerSettings {
    finder: Finder,
    splitter: Splitter,
    fingerprint_size: usize,
    start_at_beginning: bool,
    force_flush: Duration,
    batch_files: usize,
    max_batches: usize,
    delete_after_read: bool,
    on_truncate: OnTruncate,
    include_name: bool,
    include_path: bool,
    include_name_resolved: bool,
    include_path_resolved: bool,
    include_owner: bool,
    include_group: bool,
    include_record_number: bool,
    include_record_offset: bool,
    attributes: Map,
    resource: Map,
}

impl ConsumerSettings {
    /// The settings of a validated config.
    pub fn new(cfg: &FileLogConfig) -> Result<Self, otelcol_component::ConfigError> {
        Ok(ConsumerSettings {
            finder: cfg.finder()?,
            splitter: cfg.splitter()?,
            fingerprint_size: usize::try_from(cfg.fingerprint_size.0).unwrap_or(usize::MAX),
            start_at_beginning: cfg.start_at == StartAt::Beginning,
            force_flush: cfg.force_flush_period,
            batch_files: (cfg.max_concurrent_files / 2).max(1),
            max_batches: cfg.max_batches,
            delete_after_read: cfg.delete_after_read,
            on_truncate: cfg.on_truncate,
            include_name: cfg.include_file_name,
            include_path: cfg.include_file_path,
            include_name_resolved: cfg.include_file_name_resolved,
            include_path_resolved: cfg.include_file_path_resolved,
            include_owner: cfg.include_file_owner_name,
            include_group: cfg.include_file_owner_group_name,
            include_record_number: cfg.include_file_record_number,
            include_record_offset: cfg.include_file_record_offset,
            attributes: cfg
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect(),
            resource: cfg
                .resource
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect(),
        })
    }
}

/// A file the consumer knows.
#[derive(Debug)]
struct Tracked {
    id: u64,
    fingerprint: Vec<u8>,
    offset: u64,
    committed: u64,
    record_num: i64,
    attributes: Map,
    path: PathBuf,
    file: Option<File>,
    dev_ino: Option<(u64, u64)>,
    /// Polls since the file was last matched.
    generation: u32,
    /// Unsplit bytes after `offset` at the last read, and since when.
    pending_len: usize,
    pending_since: Instant,
    /// Dropping the rest of a truncated entry (`max_log_size_behavior: truncate`).
    skipping: bool,
    /// Read to its end and to be deleted once committed (`delete_after_read`).
    delete_when_committed: bool,
}

/// A file to read in this poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadTarget {
    /// The reader's id.
    pub id: u64,
}

/// What one read returned.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The entries read.
    pub entries: Vec<Entry>,
    /// Whether more is to be read from this file now.
    pub more: bool,
}

/// The file consumer's state.
#[derive(Debug)]
pub struct Consumer {
    set: ConsumerSettings,
    known: Vec<Tracked>,
    next_id: u64,
    from_beginning: bool,
    /// Paths still to be handled in this poll (batches of `max_concurrent_files / 2`).
    queued: Vec<PathBuf>,
    batches_done: usize,
    owners: Owners,
    /// The set of known files changed since the last checkpoint.
    dirty: bool,
}

fn fingerprint_of(f: &File, size: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; size];
    let mut n = 0;
    while n < size {
        match f.read_at(&mut buf[n..], n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(n);
    Ok(buf)
}

fn starts_with(fp: &[u8], old: &[u8]) -> bool {
    !old.is_empty() && fp.len() >= old.len() && &fp[..old.len()] == old
}

impl Consumer {
    /// A consumer that remembers `restored` files (from the storage).
    pub fn new(set: ConsumerSettings, restored: Vec<FileCheckpoint>) -> Self {
        let now = Instant::now();
        // Resuming from stored offsets: new files are read from their start.
        let from_beginning = set.start_at_beginning || !restored.is_empty();
        let known = restored
            .into_iter()
            .enumerate()
            .map(|(i, c)| Tracked {
                id: i as u64 + 1,
                fingerprint: c.fingerprint,
                offset: c.offset,
                committed: c.offset,
                record_num: c.record_num,
                attributes: c.attributes,
                path: PathBuf::new(),
                file: None,
                dev_ino: None,
                generation: 0,
                pending_len: 0,
                pending_since: now,
                skipping: false,
                delete_when_committed: false,
            })
            .collect::<Vec<_>>();
        Consumer {
            next_id: known.len() as u64 + 1,
            set,
            known,
            from_beginning,
            queued: Vec::new(),
            batches_done: 0,
            owners: Owners::default(),
            dirty: false,
        }
    }

    fn index(&self, id: u64) -> Option<usize> {
        self.known.iter().position(|t| t.id == id)
    }

    /// Starts a poll: lists the files.
    pub fn begin_poll(&mut self) {
        for t in &mut self.known {
            t.generation = t.generation.saturating_add(1);
        }
        self.queued = self.set.finder.find();
        self.batches_done = 0;
    }

    /// Opens the next batch of files and returns what to read, in order.
    /// Empty when the poll is done.
    pub fn next_batch(&mut self) -> Vec<ReadTarget> {
        let limited = self.set.max_batches > 0 && self.batches_done >= self.set.max_batches;
        if (self.queued.is_empty() && self.batches_done > 0) || limited {
            self.queued.clear();
            return Vec::new();
        }
        if self.batches_done > 0 {
            // More files than fit in one batch: at most one batch open at a time.
            for t in &mut self.known {
                t.file = None;
            }
        }
        let take = self.queued.len().min(self.set.batch_files);
        let paths: Vec<PathBuf> = self.queued.drain(..take).collect();
        let keep_open = self.batches_done == 0 && self.queued.is_empty();
        self.batches_done += 1;
        self.open_batch(paths, keep_open)
    }

    fn open_batch(&mut self, paths: Vec<PathBuf>, single_batch: bool) -> Vec<ReadTarget> {
        let mut seen: Vec<Vec<u8>> = Vec::new();
        let mut matched: Vec<usize> = Vec::new();
        let mut new: Vec<usize> = Vec::new();
        let mut inodes: Vec<(u64, u64)> = Vec::new();
        let now = Instant::now();
        for path in paths {
            let file = match File::open(&path) {
                Ok(f) => f,
                Err(e) => {
                    tracing::debug!(path = %path.display(), error = %e, "Failed to open file");
                    continue;
                }
            };
            let Ok(meta) = file.metadata() else { continue };
            let fp = match fingerprint_of(&file, self.set.fingerprint_size) {
                Ok(fp) => fp,
                Err(e) => {
                    tracing::debug!(path = %path.display(), error = %e, "Failed to read fingerprint");
                    continue;
                }
            };
            if fp.is_empty() {
                continue; // empty: not comparable yet
            }
            // The same first bytes as a file already seen in this poll: a
            // copy (copytruncate) or a duplicate; read only the first.
            if seen.iter().any(|s| starts_with(&fp, s) || starts_with(s, &fp)) {
                continue;
            }
            seen.push(fp.clone());
            let dev_ino = (meta.dev(), meta.ino());
            inodes.push(dev_ino);
            let size = meta.len();
            let attributes = self.attributes(&path, &meta);
            // Newest first: the most recently known file with a matching prefix.
            let found = self
                .known
                .iter()
                .enumerate()
                .rev()
                .find(|(i, t)| !matched.contains(i) && starts_with(&fp, &t.fingerprint))
                .map(|(i, _)| i);
            match found {
                Some(i) => {
                    let t = &mut self.known[i];
                    if size < t.offset {
                        match self.set.on_truncate {
                            OnTruncate::Ignore => {}
                            OnTruncate::ReadWholeFile => {
                                t.offset = 0;
                                t.committed = 0;
                                t.record_num = 0;
                            }
                            OnTruncate::ReadNew => {
                                t.offset = size;
                                t.committed = size;
                            }
                        }
                        t.pending_len = 0;
                    }
                    if fp.len() > t.fingerprint.len() {
                        t.fingerprint = fp;
                    }
                    if t.path != path {
                        t.pending_len = 0;
                    }
                    t.path = path;
                    t.file = Some(file);
                    t.dev_ino = Some(dev_ino);
                    t.attributes = attributes;
                    t.generation = 0;
                    matched.push(i);
                }
                None => {
                    let offset = if self.from_beginning { 0 } else { size };
                    if !self.from_beginning {
                        tracing::info!(
                            path = %path.display(),
                            "Started watching file from end. To read preexisting logs, configure the argument 'start_at' to 'beginning'"
                        );
                    } else {
                        tracing::info!(path = %path.display(), "Started watching file");
                    }
                    self.known.push(Tracked {
                        id: self.next_id,
                        fingerprint: fp,
                        offset,
                        committed: offset,
                        record_num: 0,
                        attributes,
                        path,
                        file: Some(file),
                        dev_ino: Some(dev_ino),
                        generation: 0,
                        pending_len: 0,
                        pending_since: now,
                        skipping: false,
                        delete_when_committed: false,
                    });
                    self.next_id += 1;
                    self.dirty = true;
                    new.push(self.known.len() - 1);
                }
            }
        }
        // Files seen before but not now: rotated out of the globs or
        // deleted. Read what is left through the handle still open, if it
        // is still the same file.
        let mut lost = Vec::new();
        if single_batch {
            for (i, t) in self.known.iter_mut().enumerate() {
                if matched.contains(&i) || new.contains(&i) || t.file.is_none() {
                    continue;
                }
                let valid = t.generation <= KEEP_POLLS
                    && !t.dev_ino.is_some_and(|d| inodes.contains(&d))
                    && t.file
                        .as_ref()
                        .and_then(|f| fingerprint_of(f, t.fingerprint.len()).ok())
                        .is_some_and(|fp| starts_with(&fp, &t.fingerprint));
                if valid {
                    lost.push(i);
                } else {
                    t.file = None;
                }
            }
        }
        // New files after the first poll are read from their start.
        self.from_beginning = true;
        lost.iter()
            .chain(matched.iter())
            .chain(new.iter())
            .map(|i| ReadTarget {
                id: self.known[*i].id,
            })
            .collect()
    }

    fn attributes(&mut self, path: &Path, meta: &std::fs::Metadata) -> Map {
        let mut m = Map::new();
        let s = &self.set;
        if s.include_name {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            m.insert("log.file.name".into(), Value::Str(name));
        }
        if s.include_path {
            m.insert(
                "log.file.path".into(),
                Value::Str(path.to_string_lossy().into_owned()),
            );
        }
        if s.include_owner {
            if let Some(n) = self.owners.user(meta.uid()) {
                m.insert("log.file.owner.name".into(), Value::Str(n));
            }
        }
        if s.include_group {
            if let Some(n) = self.owners.group(meta.gid()) {
                m.insert("log.file.owner.group.name".into(), Value::Str(n));
            }
        }
        if s.include_name_resolved || s.include_path_resolved {
            if let Ok(resolved) = std::fs::canonicalize(path) {
                if s.include_name_resolved {
                    let name = resolved.file_name().map(|n| n.to_string_lossy().into_owned());
                    m.insert(
                        "log.file.name_resolved".into(),
                        Value::Str(name.unwrap_or_default()),
                    );
                }
                if s.include_path_resolved {
                    m.insert(
                        "log.file.path_resolved".into(),
                        Value::Str(resolved.to_string_lossy().into_owned()),
                    );
                }
            }
        }
        m
    }

    /// Reads up to `max` entries from file `id`.
    pub fn read(&mut self, target: ReadTarget, max: usize) -> Chunk {
        let Some(i) = self.index(target.id) else {
            return Chunk::default();
        };
        let now = Instant::now();
        let set = &self.set;
        let t = &mut self.known[i];
        let Some(file) = &t.file else {
            return Chunk::default();
        };
        let size = match file.metadata() {
            Ok(m) => m.len(),
            Err(_) => return Chunk::default(),
        };
        let mut out = Vec::new();
        let mut more = false;
        // Read in blocks, larger ones only while no entry fits (an entry is
        // at most max_log_size, so a block one byte larger always yields one).
        let largest = set.splitter.max_log_size.saturating_add(1);
        let mut block = READ_BLOCK.min(largest);
        'outer: while t.offset < size {
            let want = usize::try_from(size - t.offset).unwrap_or(usize::MAX).min(block);
            let mut buf = vec![0u8; want];
            let n = match file.read_at(&mut buf, t.offset) {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(path = %t.path.display(), error = %e, "failed during scan");
                    break;
                }
            };
            buf.truncate(n);
            if n == 0 {
                break;
            }
            let at_end = t.offset + n as u64 >= size;
            let mut pos = 0usize;
            loop {
                let rest = &buf[pos..];
                let mut step = set.splitter.step(rest, false);
                if step.is_none() && at_end && !rest.is_empty() {
                    // The end of the file, with a partial entry: flushed once
                    // it has not changed for force_flush_period.
                    if rest.len() != t.pending_len {
                        t.pending_len = rest.len();
                        t.pending_since = now;
                    } else if !set.force_flush.is_zero()
                        && now.saturating_duration_since(t.pending_since) >= set.force_flush
                    {
                        step = set.splitter.step(rest, true);
                    }
                }
                let Some(step) = step else { break };
                if step.advance == 0 {
                    break;
                }
                let start = t.offset;
                let end = t.offset + step.advance as u64;
                if let Some(range) = step.token {
                    let keep = !t.skipping;
                    t.skipping = set.splitter.truncate && step.cut;
                    let body = if keep {
                        set.splitter.finish(&rest[range])
                    } else {
                        None
                    };
                    if let Some(body) = body {
                        let mut e = Entry::new(body);
                        e.attributes = t.attributes.clone();
                        t.record_num += 1;
                        if set.include_record_number {
                            e.attributes
                                .insert("log.file.record_number".into(), Value::Int(t.record_num));
                        }
                        if set.include_record_offset {
                            e.attributes.insert(
                                "log.file.record_offset".into(),
                                Value::Int(i64::try_from(start).unwrap_or(i64::MAX)),
                            );
                        }
                        for (k, v) in &set.attributes {
                            e.attributes.insert(k.clone(), v.clone());
                        }
                        e.resource = set.resource.clone();
                        e.origin = Some(Origin {
                            reader: t.id,
                            start,
                            end,
                        });
                        out.push(e);
                    }
                }
                t.offset = end;
                t.pending_len = 0;
                t.pending_since = now;
                pos += step.advance;
                if out.len() >= max {
                    more = true;
                    break 'outer;
                }
            }
            if pos == 0 {
                if at_end || block >= largest {
                    break;
                }
                block = block.saturating_mul(4).min(largest);
            }
        }
        if !more && t.pending_len == 0 && t.offset >= size && set.delete_after_read {
            t.delete_when_committed = true;
        }
        // A file shorter than the fingerprint size: its fingerprint grows with it.
        if t.fingerprint.len() < set.fingerprint_size {
            if let Ok(fp) = fingerprint_of(file, set.fingerprint_size) {
                if starts_with(&fp, &t.fingerprint) {
                    t.fingerprint = fp;
                }
            }
        }
        Chunk { entries: out, more }
    }

    /// Ends a poll: forgets files not seen for a few polls, and closes
    /// handles no longer needed.
    pub fn end_poll(&mut self, keep_handles: bool) {
        let before = self.known.len();
        self.known.retain(|t| t.generation <= KEEP_POLLS);
        self.dirty |= self.known.len() != before;
        for t in &mut self.known {
            if !keep_handles || t.generation > KEEP_POLLS {
                t.file = None;
            }
        }
    }

    /// Marks what was read as accepted, except offsets `held` still holds
    /// (entries kept by a stateful operator); deletes files read to their
    /// end when `delete_after_read` is set. Returns whether the checkpoint
    /// changed (offsets, or the set of known files) since the last commit.
    pub fn commit(&mut self, held: &dyn Fn(u64) -> Option<u64>) -> bool {
        let mut changed = std::mem::take(&mut self.dirty);
        for t in &mut self.known {
            let target = held(t.id).map_or(t.offset, |h| h.min(t.offset));
            if target != t.committed {
                t.committed = target;
                changed = true;
            }
        }
        let mut deleted = Vec::new();
        for t in &self.known {
            if t.delete_when_committed && t.committed == t.offset && held(t.id).is_none() {
                match std::fs::remove_file(&t.path) {
                    Ok(()) => deleted.push(t.id),
                    Err(e) => tracing::error!(path = %t.path.display(), error = %e, "could not delete"),
                }
            }
        }
        if !deleted.is_empty() {
            self.known.retain(|t| !deleted.contains(&t.id));
            changed = true;
        }
        changed
    }

    /// What the storage extension should remember.
    pub fn checkpoint(&self) -> Vec<FileCheckpoint> {
        self.known
            .iter()
            .map(|t| FileCheckpoint {
                fingerprint: t.fingerprint.clone(),
                offset: t.committed,
                record_num: t.record_num,
                attributes: t.attributes.clone(),
            })
            .collect()
    }

    /// How many files are open.
    pub fn open_files(&self) -> usize {
        self.known.iter().filter(|t| t.file.is_some()).count()
    }

    /// Whether the last poll's handles may stay open until the next poll
    /// (all files fit in one batch).
    pub fn single_batch(&self) -> bool {
        self.batches_done <= 1
    }
}

/// User and group names from `/etc/passwd` and `/etc/group`, read once.
#[derive(Debug, Default)]
struct Owners {
    users: Option<std::collections::HashMap<u32, String>>,
    groups: Option<std::collections::HashMap<u32, String>>,
}

fn read_names(path: &str) -> std::collections::HashMap<u32, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut parts = l.split(':');
            let name = parts.next()?;
            let id = parts.nth(1)?.parse().ok()?;
            Some((id, name.to_string()))
        })
        .collect()
}

impl Owners {
    fn user(&mut self, uid: u32) -> Option<String> {
        let users = self.users.get_or_insert_with(|| read_names("/etc/passwd"));
        Some(users.get(&uid).cloned().unwrap_or_else(|| uid.to_string()))
    }
    fn group(&mut self, gid: u32) -> Option<String> {
        let groups = self.groups.get_or_insert_with(|| read_names("/etc/group"));
        Some(groups.get(&gid).cloned().unwrap_or_else(|| gid.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use otelcol_componenttest::parse_config;

    fn consumer(dir: &Path, extra: &str) -> Consumer {
        let cfg: FileLogConfig = parse_config(&format!(
            "include: ['{}/*.log*']\nstart_at: beginning\n{extra}",
            dir.display()
        ))
        .unwrap();
        Consumer::new(ConsumerSettings::new(&cfg).unwrap(), Vec::new())
    }

    /// One full poll; the bodies read, in order.
    fn poll(c: &mut Consumer) -> Vec<String> {
        c.begin_poll();
        let mut out = Vec::new();
        loop {
            let batch = c.next_batch();
            if batch.is_empty() {
                break;
            }
            for t in batch {
                loop {
                    let chunk = c.read(t, 1000);
                    out.extend(
                        chunk
                            .entries
                            .into_iter()
                            .map(|e| e.body.as_str().unwrap_or("").to_string()),
                    );
                    if !chunk.more {
                        break;
                    }
                }
            }
        }
        let keep = c.single_batch();
        c.end_poll(keep);
        c.commit(&|_| None);
        out
    }

    fn append(path: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn reads_new_lines_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "one\ntwo\npart");
        let mut c = consumer(dir.path(), "");
        assert_eq!(poll(&mut c), ["one", "two"]);
        assert_eq!(poll(&mut c), Vec::<String>::new());
        append(&log, "ial\nthree\n");
        assert_eq!(poll(&mut c), ["partial", "three"]);
    }

    #[test]
    fn follows_a_rename_then_reads_the_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "1\n2\n");
        let mut c = consumer(dir.path(), "");
        assert_eq!(poll(&mut c), ["1", "2"]);
        append(&log, "3\n");
        std::fs::rename(&log, dir.path().join("a.log.1")).unwrap();
        append(&dir.path().join("a.log.1"), "4\n");
        append(&log, "5\n");
        assert_eq!(poll(&mut c), ["3", "4", "5"]);
        assert_eq!(poll(&mut c), Vec::<String>::new());
    }

    #[test]
    fn a_file_renamed_out_of_the_glob_is_read_to_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "1\n");
        let mut c = consumer(dir.path(), "");
        assert_eq!(poll(&mut c), ["1"]);
        append(&log, "2\n");
        std::fs::rename(&log, dir.path().join("old.txt")).unwrap();
        append(&dir.path().join("old.txt"), "3\n");
        append(&log, "4\n");
        assert_eq!(poll(&mut c), ["2", "3", "4"]);
    }

    #[test]
    fn copytruncate_restarts_at_zero() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "line 1\nline 2\n");
        let mut c = consumer(dir.path(), "");
        assert_eq!(poll(&mut c), ["line 1", "line 2"]);
        append(&log, "line 3\n");
        std::fs::copy(&log, dir.path().join("a.log.1")).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&log)
            .unwrap();
        append(&log, "line 4\n");
        assert_eq!(poll(&mut c), ["line 3", "line 4"]);
        assert_eq!(poll(&mut c), Vec::<String>::new());
    }

    #[test]
    fn start_at_end_skips_what_was_there() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "old\n");
        let mut c = consumer(dir.path(), "start_at: end");
        assert_eq!(poll(&mut c), Vec::<String>::new());
        append(&log, "new\n");
        append(&dir.path().join("b.log"), "fresh\n");
        assert_eq!(poll(&mut c), ["new", "fresh"]);
    }

    #[test]
    fn partial_lines_are_flushed_after_the_period() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "no newline");
        let mut c = consumer(dir.path(), "force_flush_period: 50ms");
        assert_eq!(poll(&mut c), Vec::<String>::new());
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(poll(&mut c), ["no newline"]);
    }

    #[test]
    fn offsets_survive_through_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "1\n2\n");
        let mut c = consumer(dir.path(), "");
        assert_eq!(poll(&mut c), ["1", "2"]);
        let saved = c.checkpoint();
        assert_eq!(saved[0].offset, 4);
        append(&log, "3\n");
        let cfg: FileLogConfig =
            parse_config(&format!("include: ['{}/*.log']", dir.path().display())).unwrap();
        let mut again = Consumer::new(ConsumerSettings::new(&cfg).unwrap(), saved);
        assert_eq!(poll(&mut again), ["3"]);
    }

    #[test]
    fn held_offsets_are_not_committed() {
        let dir = tempfile::tempdir().unwrap();
        append(&dir.path().join("a.log"), "1\n2\n");
        let mut c = consumer(dir.path(), "");
        c.begin_poll();
        let t = c.next_batch()[0];
        let chunk = c.read(t, 1);
        assert!(chunk.more);
        assert_eq!(chunk.entries[0].origin.map(|o| (o.start, o.end)), Some((0, 2)));
        let chunk = c.read(t, 10);
        assert_eq!(chunk.entries[0].origin.map(|o| (o.start, o.end)), Some((2, 4)));
        assert!(c.commit(&|_| Some(2)));
        assert_eq!(c.checkpoint()[0].offset, 2);
        assert!(c.commit(&|_| None));
        assert_eq!(c.checkpoint()[0].offset, 4);
    }

    #[test]
    fn attributes_and_deletion() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.log");
        append(&log, "x\ny\n");
        let mut c = consumer(
            dir.path(),
            "include_file_path: true\ninclude_file_record_number: true\ninclude_file_owner_name: true\n\
             delete_after_read: true\nattributes: {team: a}\nresource: {host: h}",
        );
        c.begin_poll();
        let t = c.next_batch()[0];
        let entries = c.read(t, 10).entries;
        let e = &entries[1];
        assert_eq!(e.attributes.get("log.file.name"), Some(&Value::from("a.log")));
        assert_eq!(
            e.attributes.get("log.file.path"),
            Some(&Value::from(log.to_string_lossy().as_ref()))
        );
        assert_eq!(e.attributes.get("log.file.record_number"), Some(&Value::Int(2)));
        assert!(e.attributes.contains_key("log.file.owner.name"));
        assert_eq!(e.attributes.get("team"), Some(&Value::from("a")));
        assert_eq!(e.resource.get("host"), Some(&Value::from("h")));
        c.end_poll(true);
        assert!(log.exists(), "deleted only once committed");
        c.commit(&|_| None);
        assert!(!log.exists());
    }
}
