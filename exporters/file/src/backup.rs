//! Rotated backups, named as lumberjack names them:
//! `name-2022-09-14T05-02-14.173.ext` (UTC), and their pruning.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Splits a file name as Go's `filepath.Ext` does: (`name`, `.ext`).
fn split_name(file_name: &str) -> (&str, &str) {
    match file_name.rfind('.') {
        Some(i) => (&file_name[..i], &file_name[i..]),
        None => (file_name, ""),
    }
}

/// `2022-09-14T05-02-14.173` for a time in milliseconds since the epoch (UTC).
pub(crate) fn format_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}-{:02}-{:02}.{:03}",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60,
        ms.rem_euclid(1000)
    )
}

/// The inverse of [`format_millis`]; `None` if `s` is not such a time.
pub(crate) fn parse_millis(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 23 || b.get(10) != Some(&b'T') || b.get(19) != Some(&b'.') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = s.get(from..to)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let seps = [(4, b'-'), (7, b'-'), (13, b'-'), (16, b'-')];
    if seps.iter().any(|(i, c)| b.get(*i) != Some(c)) {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, se, ms) = (num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + se) * 1000) + ms)
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Milliseconds since the epoch.
pub(crate) fn millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// A free backup path for `path` rotated at `now_ms`: when two rotations fall
/// in the same millisecond, the later one takes the next free millisecond.
pub(crate) fn backup_path(path: &Path, now_ms: i64) -> PathBuf {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let (stem, ext) = split_name(file_name);
    let mut ms = now_ms;
    loop {
        let candidate = path.with_file_name(format!("{stem}-{}{ext}", format_millis(ms)));
        if !candidate.exists() {
            return candidate;
        }
        ms += 1;
    }
}

/// Existing backups of `path`, newest first.
pub(crate) fn list_backups(path: &Path) -> io::Result<Vec<(i64, PathBuf)>> {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let (stem, ext) = split_name(file_name);
    let prefix = format!("{stem}-");
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut found = Vec::new();
    for entry in fs::read_dir(&dir)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ts = name
            .strip_prefix(prefix.as_str())
            .and_then(|rest| rest.strip_suffix(ext))
            .and_then(parse_millis);
        if let Some(ts) = ts {
            found.push((ts, entry.path()));
        }
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.0));
    Ok(found)
}

/// Deletes backups beyond the newest `max_backups` (0 = no limit) and those
/// older than `max_age` (None = no limit); returns the deleted paths.
pub(crate) fn prune(
    path: &Path,
    max_backups: u32,
    max_age: Option<Duration>,
    now_ms: i64,
) -> io::Result<Vec<PathBuf>> {
    let backups = list_backups(path)?;
    let cutoff = max_age.map(|a| now_ms.saturating_sub(i64::try_from(a.as_millis()).unwrap_or(i64::MAX)));
    let keep = if max_backups == 0 {
        usize::MAX
    } else {
        max_backups as usize
    };
    let mut removed = Vec::new();
    for (i, (ts, p)) in backups.into_iter().enumerate() {
        if i >= keep || cutoff.is_some_and(|c| ts < c) {
            fs::remove_file(&p)?;
            removed.push(p);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_lumberjack() {
        // 2022-09-14T05:02:14.173Z
        let ms = 1_663_131_734_173;
        assert_eq!(format_millis(ms), "2022-09-14T05-02-14.173");
        assert_eq!(parse_millis("2022-09-14T05-02-14.173"), Some(ms));
        assert_eq!(
            backup_path(Path::new("/nonexistent/dir/data.json"), ms),
            PathBuf::from("/nonexistent/dir/data-2022-09-14T05-02-14.173.json")
        );
        assert_eq!(
            backup_path(Path::new("/nonexistent/file"), ms),
            PathBuf::from("/nonexistent/file-2022-09-14T05-02-14.173")
        );
        assert_eq!(
            backup_path(Path::new("/nonexistent/a.b.pb"), 0),
            PathBuf::from("/nonexistent/a.b-1970-01-01T00-00-00.000.pb")
        );
    }

    #[test]
    fn parse_rejects_other_names() {
        for s in [
            "2022-09-14T05-02-14",
            "2022-09-14 05-02-14.173",
            "2022-13-14T05-02-14.173",
            "x022-09-14T05-02-14.173",
            "",
        ] {
            assert_eq!(parse_millis(s), None, "{s}");
        }
        assert_eq!(parse_millis("2000-02-29T00-00-00.000"), Some(951_782_400_000));
    }

    #[test]
    fn collisions_take_the_next_millisecond() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        let first = backup_path(&path, 5);
        fs::write(&first, "x").unwrap();
        let second = backup_path(&path, 5);
        assert_ne!(first, second);
        assert!(
            second
                .to_str()
                .unwrap()
                .ends_with("t-1970-01-01T00-00-00.006.json")
        );
    }

    #[test]
    fn prune_by_count_and_age() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        let day = 86_400_000;
        let now = 20 * day;
        for d in [1, 5, 18, 19] {
            fs::write(dir.path().join(format!("t-{}.json", format_millis(d * day))), "x").unwrap();
        }
        // Not backups of t.json: left alone.
        fs::write(dir.path().join("t.json"), "x").unwrap();
        fs::write(dir.path().join("t-garbage.json"), "x").unwrap();
        fs::write(dir.path().join(format!("u-{}.json", format_millis(day))), "x").unwrap();

        assert_eq!(list_backups(&path).unwrap().len(), 4);
        // Older than 10 days: days 1 and 5.
        let removed = prune(&path, 0, Some(Duration::from_secs(10 * 86_400)), now).unwrap();
        assert_eq!(removed.len(), 2);
        // Keep the newest one only.
        let removed = prune(&path, 1, None, now).unwrap();
        assert_eq!(
            removed,
            vec![dir.path().join(format!("t-{}.json", format_millis(18 * day)))]
        );
        let left: Vec<i64> = list_backups(&path).unwrap().into_iter().map(|(t, _)| t).collect();
        assert_eq!(left, vec![19 * day]);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 4);
    }
}
