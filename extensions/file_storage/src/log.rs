//! The on-disk format: an append-only log of CRC-checked records, replayed
//! into memory when opened and rewritten (compacted) when it has grown to
//! more than twice its live data.
//!
//! ```text
//! file    = MAGIC record*
//! record  = len:u32le crc32(payload):u32le payload[len]
//! payload = op*
//! op      = 0x01 klen:u32le key vlen:u32le value     (set)
//!         | 0x02 klen:u32le key                      (delete)
//! ```
//!
//! One record is one `batch`, so a batch is atomic: after a crash a record
//! is either whole (its CRC matches) or it is the torn tail, which is cut off.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use otelcol_component::StorageOp;

/// The first bytes of every store file.
pub(crate) const MAGIC: &[u8; 8] = b"OTCRSKV1";
/// Largest record accepted on replay; a longer length is a torn or corrupt tail.
const MAX_RECORD: u32 = 1 << 30;
/// Bytes of a record header.
const HEADER: u64 = 8;
/// Files smaller than this are never compacted.
pub(crate) const DEFAULT_COMPACT_MIN: u64 = 1 << 20;

const OP_SET: u8 = 1;
const OP_DELETE: u8 = 2;

/// What replay found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recovery {
    /// Whole records replayed.
    pub(crate) records: u64,
    /// Bytes cut off the end (a torn or corrupt tail).
    pub(crate) truncated: u64,
}

/// One open store.
#[derive(Debug)]
pub(crate) struct Log {
    path: PathBuf,
    file: File,
    map: HashMap<String, Vec<u8>>,
    /// Bytes the live keys would take if rewritten.
    live: u64,
    /// Length of the valid file.
    len: u64,
    fsync: bool,
    compact_min: u64,
    /// Written since the last fsync.
    dirty: bool,
}

fn op_len(key: &str, value: Option<&[u8]>) -> u64 {
    1 + 4 + key.len() as u64 + value.map_or(0, |v| 4 + v.len() as u64)
}

fn put_u32(buf: &mut Vec<u8>, n: usize) -> io::Result<()> {
    let n = u32::try_from(n).map_err(|_| io::Error::other("key or value larger than 4 GiB"))?;
    buf.extend_from_slice(&n.to_le_bytes());
    Ok(())
}

fn encode_record(ops: &[StorageOp]) -> io::Result<Vec<u8>> {
    let mut payload = Vec::new();
    for op in ops {
        match op {
            StorageOp::Set(k, v) => {
                payload.push(OP_SET);
                put_u32(&mut payload, k.len())?;
                payload.extend_from_slice(k.as_bytes());
                put_u32(&mut payload, v.len())?;
                payload.extend_from_slice(v);
            }
            StorageOp::Delete(k) => {
                payload.push(OP_DELETE);
                put_u32(&mut payload, k.len())?;
                payload.extend_from_slice(k.as_bytes());
            }
            _ => return Err(io::Error::other("unsupported storage operation")),
        }
    }
    let mut rec = Vec::with_capacity(payload.len() + HEADER as usize);
    put_u32(&mut rec, payload.len())?;
    rec.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    rec.extend_from_slice(&payload);
    Ok(rec)
}

/// Reads `n` bytes at `*pos`, advancing it; `None` past the end.
fn take<'a>(buf: &'a [u8], pos: &mut usize, n: usize) -> Option<&'a [u8]> {
    let end = pos.checked_add(n)?;
    let s = buf.get(*pos..end)?;
    *pos = end;
    Some(s)
}

fn take_u32(buf: &[u8], pos: &mut usize) -> Option<u32> {
    let b: [u8; 4] = take(buf, pos, 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

fn decode_payload(p: &[u8]) -> Option<Vec<StorageOp>> {
    let mut ops = Vec::new();
    let mut pos = 0;
    while pos < p.len() {
        let tag = *take(p, &mut pos, 1)?.first()?;
        let klen = take_u32(p, &mut pos)? as usize;
        let key = String::from_utf8(take(p, &mut pos, klen)?.to_vec()).ok()?;
        match tag {
            OP_SET => {
                let vlen = take_u32(p, &mut pos)? as usize;
                ops.push(StorageOp::Set(key, take(p, &mut pos, vlen)?.to_vec()));
            }
            OP_DELETE => ops.push(StorageOp::Delete(key)),
            _ => return None,
        }
    }
    Some(ops)
}

/// Writes all of `buf` at `offset` (no seek state involved on Unix).
#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

/// Writes all of `buf` at `offset`.
#[cfg(windows)]
fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(file, buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        buf = buf.get(n..).unwrap_or_default();
        offset += n as u64;
    }
    Ok(())
}

/// Suffix of the temporary file compaction writes (`~` never appears
/// unescaped in a store's name, so it cannot clash with one).
pub(crate) const TMP_SUFFIX: &str = "~compact";

/// `path` with `suffix` appended to its file name.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Fsyncs the directory holding `path` (so a create or rename is durable).
pub(crate) fn sync_dir(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => File::open(dir)?.sync_all(),
        _ => Ok(()),
    }
}

impl Log {
    /// Opens (or creates) the store at `path` and replays it, cutting off a
    /// torn tail. A file that is not a store (wrong magic) is refused.
    pub(crate) fn open(path: &Path, fsync: bool, compact_min: u64) -> io::Result<(Log, Recovery)> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let mut buf = Vec::new();
        file.read_to_end(&mut buf)?;
        let mut rec = Recovery::default();
        if buf.len() < MAGIC.len() {
            if !MAGIC.starts_with(&buf) {
                return Err(io::Error::other(format!(
                    "{} is not a file_storage file",
                    path.display()
                )));
            }
            // New, or its creation was torn.
            file.set_len(0)?;
            write_all_at(&file, MAGIC, 0)?;
            file.sync_all()?;
            sync_dir(path)?;
            buf = MAGIC.to_vec();
        } else if !buf.starts_with(MAGIC) {
            return Err(io::Error::other(format!(
                "{} is not a file_storage file",
                path.display()
            )));
        }
        let mut log = Log {
            path: path.to_path_buf(),
            file,
            map: HashMap::new(),
            live: 0,
            len: MAGIC.len() as u64,
            fsync,
            compact_min,
            dirty: false,
        };
        let mut pos = MAGIC.len();
        while pos < buf.len() {
            let start = pos;
            let Some(ops) = Self::next_record(&buf, &mut pos) else {
                pos = start;
                break;
            };
            log.apply_in_memory(ops);
            rec.records += 1;
        }
        log.len = pos as u64;
        if pos < buf.len() {
            rec.truncated = (buf.len() - pos) as u64;
            log.file.set_len(log.len)?;
            log.file.sync_all()?;
        }
        Ok((log, rec))
    }

    fn next_record(buf: &[u8], pos: &mut usize) -> Option<Vec<StorageOp>> {
        let len = take_u32(buf, pos)?;
        let crc = take_u32(buf, pos)?;
        if len > MAX_RECORD {
            return None;
        }
        let payload = take(buf, pos, len as usize)?;
        if crc32fast::hash(payload) != crc {
            return None;
        }
        decode_payload(payload)
    }

    fn apply_in_memory(&mut self, ops: Vec<StorageOp>) {
        for op in ops {
            let (key, value) = match op {
                StorageOp::Set(k, v) => (k, Some(v)),
                StorageOp::Delete(k) => (k, None),
                _ => continue,
            };
            if let Some(old) = self.map.remove(&key) {
                self.live = self.live.saturating_sub(HEADER + op_len(&key, Some(&old)));
            }
            if let Some(v) = value {
                self.live += HEADER + op_len(&key, Some(&v));
                self.map.insert(key, v);
            }
        }
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&[u8]> {
        self.map.get(key).map(Vec::as_slice)
    }

    /// Number of keys.
    #[cfg(test)]
    pub(crate) fn keys(&self) -> usize {
        self.map.len()
    }

    /// Current file length in bytes.
    #[cfg(test)]
    pub(crate) fn file_len(&self) -> u64 {
        self.len
    }

    /// Appends `ops` as one record (fsynced first when `fsync` is on), then
    /// applies them; compacts when the file has grown too much. On a write
    /// error the file is cut back so that no partial record stays.
    pub(crate) fn apply(&mut self, ops: Vec<StorageOp>) -> io::Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        let rec = encode_record(&ops)?;
        let written = write_all_at(&self.file, &rec, self.len)
            .and_then(|()| if self.fsync { self.file.sync_data() } else { Ok(()) });
        if let Err(e) = written {
            let _ = self.file.set_len(self.len);
            return Err(e);
        }
        self.len += rec.len() as u64;
        self.dirty = !self.fsync;
        self.apply_in_memory(ops);
        if self.len > self.compact_min && self.len > 2 * (self.live + MAGIC.len() as u64) {
            self.compact()?;
        }
        Ok(())
    }

    /// Fsyncs what was written since the last fsync.
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        if self.dirty {
            self.file.sync_data()?;
            self.dirty = false;
        }
        Ok(())
    }

    /// Rewrites the live keys into a new file and renames it over the old
    /// one (atomic: a crash leaves either file whole).
    pub(crate) fn compact(&mut self) -> io::Result<()> {
        let tmp = sibling(&self.path, TMP_SUFFIX);
        let mut out = Vec::with_capacity(self.live as usize + MAGIC.len());
        out.extend_from_slice(MAGIC);
        for (k, v) in &self.map {
            out.extend_from_slice(&encode_record(&[StorageOp::Set(k.clone(), v.clone())])?);
        }
        {
            let mut f = File::create(&tmp)?;
            f.write_all(&out)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)?;
        sync_dir(&self.path)?;
        self.file = OpenOptions::new().read(true).write(true).open(&self.path)?;
        self.len = out.len() as u64;
        self.dirty = false;
        tracing::debug!(path = %self.path.display(), bytes = self.len, "compacted storage file");
        Ok(())
    }
}

#[cfg(test)]
#[path = "log_tests.rs"]
mod tests;
