#![allow(clippy::unwrap_used)]

use super::*;

fn set(k: &str, v: &[u8]) -> StorageOp {
    StorageOp::Set(k.to_string(), v.to_vec())
}

fn del(k: &str) -> StorageOp {
    StorageOp::Delete(k.to_string())
}

#[test]
fn round_trip_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    {
        let (mut log, rec) = Log::open(&path, false, DEFAULT_COMPACT_MIN).unwrap();
        assert_eq!(rec, Recovery::default());
        log.apply(vec![set("a", b"1"), set("b", b"22")]).unwrap();
        log.apply(vec![del("a"), set("c", b"")]).unwrap();
        log.apply(vec![set("b", b"333")]).unwrap();
        assert_eq!(log.get("b"), Some(&b"333"[..]));
        // Dropped without sync: the page cache holds it, as after a SIGKILL.
    }
    let (log, rec) = Log::open(&path, false, DEFAULT_COMPACT_MIN).unwrap();
    assert_eq!((rec.records, rec.truncated), (3, 0));
    assert_eq!(log.get("a"), None);
    assert_eq!(log.get("b"), Some(&b"333"[..]));
    assert_eq!(log.get("c"), Some(&b""[..]));
    assert_eq!(log.keys(), 2);
}

#[test]
fn torn_tail_is_cut_and_earlier_batches_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let whole = {
        let (mut log, _) = Log::open(&path, true, DEFAULT_COMPACT_MIN).unwrap();
        log.apply(vec![set("a", b"1")]).unwrap();
        let whole = log.file_len();
        log.apply(vec![set("b", b"2"), set("c", b"3")]).unwrap();
        whole
    };
    let full = std::fs::metadata(&path).unwrap().len();
    // Every torn length of the second record: the first stays, the second
    // batch is gone as a whole.
    for cut in whole..full {
        let copy = dir.path().join(format!("t{cut}"));
        std::fs::copy(&path, &copy).unwrap();
        OpenOptions::new()
            .write(true)
            .open(&copy)
            .unwrap()
            .set_len(cut)
            .unwrap();
        let (mut log, rec) = Log::open(&copy, false, DEFAULT_COMPACT_MIN).unwrap();
        assert_eq!((rec.records, rec.truncated), (1, cut - whole), "cut at {cut}");
        assert_eq!(
            (log.get("a"), log.get("b"), log.get("c")),
            (Some(&b"1"[..]), None, None)
        );
        assert_eq!(
            std::fs::metadata(&copy).unwrap().len(),
            whole,
            "tail truncated on disk"
        );
        // Appending after recovery produces a valid file.
        log.apply(vec![set("d", b"4")]).unwrap();
        drop(log);
        let (log, rec) = Log::open(&copy, false, DEFAULT_COMPACT_MIN).unwrap();
        assert_eq!((rec.records, rec.truncated, log.keys()), (2, 0, 2));
    }
}

#[test]
fn a_flipped_bit_fails_the_crc() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    {
        let (mut log, _) = Log::open(&path, false, DEFAULT_COMPACT_MIN).unwrap();
        log.apply(vec![set("a", b"1")]).unwrap();
        log.apply(vec![set("b", b"value")]).unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let (log, rec) = Log::open(&path, false, DEFAULT_COMPACT_MIN).unwrap();
    assert_eq!(rec.records, 1);
    assert!(rec.truncated > 0);
    assert_eq!((log.get("a"), log.get("b")), (Some(&b"1"[..]), None));
}

#[test]
fn a_foreign_file_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    std::fs::write(&path, b"hello, this is not a store").unwrap();
    assert!(Log::open(&path, false, DEFAULT_COMPACT_MIN).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"hello, this is not a store");
}

#[test]
fn compaction_bounds_the_file_and_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let min = 4096;
    let value = vec![7u8; 100];
    let mut biggest = 0;
    {
        let (mut log, _) = Log::open(&path, false, min).unwrap();
        // A queue of at most 10 live items, cycled 1000 times.
        for i in 0..1000u32 {
            log.apply(vec![set(&i.to_string(), &value), set("wi", &i.to_le_bytes())])
                .unwrap();
            if i >= 10 {
                log.apply(vec![del(&(i - 10).to_string())]).unwrap();
            }
            biggest = biggest.max(std::fs::metadata(&path).unwrap().len());
        }
    }
    // 10 items of ~120 bytes: the file never passes the compaction floor
    // plus one record, instead of growing to ~150 kB.
    assert!(biggest < min + 200, "file grew to {biggest}");
    let (log, _) = Log::open(&path, false, min).unwrap();
    assert_eq!(log.keys(), 11);
    assert_eq!(log.get("999"), Some(&value[..]));
    assert_eq!(log.get("989"), None);
    assert_eq!(log.get("wi"), Some(&999u32.to_le_bytes()[..]));
    assert!(!sibling(&path, TMP_SUFFIX).exists());
}
