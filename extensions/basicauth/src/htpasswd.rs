//! htpasswd content, as Go's `github.com/tg123/go-htpasswd` reads it: one
//! `user:encoded-password` per line, blank lines skipped, surrounding
//! whitespace trimmed, a later line for the same user replacing an earlier
//! one. Encodings verified: `{SHA}` (base64 SHA-1), `{SSHA}` (base64 of
//! SHA-1(password + salt) followed by the salt) and plain text (which, as in
//! Go, also matches `{PLAIN}<password>`).
//!
//! bcrypt (`$2a$`/`$2b$`/`$2x$`/`$2y$`, what `htpasswd -B` writes) is
//! verified with the `bcrypt` crate. Hashes otelcol-rs cannot verify
//! (Apache MD5 `$apr1$`, MD5-crypt `$1$`, SHA-crypt `$5$`/`$6$`) are refused
//! when the content is loaded, naming the line: such an entry is never
//! treated as a plain-text password. Malformed lines are refused the same
//! way (Go skips them silently).

use std::collections::HashMap;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};

/// Length of a SHA-1 digest.
const SHA1_LEN: usize = 20;

/// Prefixes of hash formats that are recognised but cannot be verified,
/// with the name used in the refusal.
const UNSUPPORTED: [(&str, &str); 4] = [
    ("$apr1$", "Apache MD5 ($apr1$)"),
    ("$1$", "MD5-crypt ($1$)"),
    ("$5$", "SHA-256-crypt ($5$)"),
    ("$6$", "SHA-512-crypt ($6$)"),
];

/// Why htpasswd content was refused. Messages name the source and line,
/// never the hash or password.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HtpasswdError {
    /// A line without `:` between user and password.
    #[error("{source_name} line {line}: malformed line, no colon")]
    NoColon {
        /// `file <path>` or `inline`.
        source_name: String,
        /// 1-based line number.
        line: usize,
    },
    /// A hash format this build cannot verify.
    #[error(
        "{source_name} line {line} (user {user:?}): {format} password hashes are not supported by \
         otelcol-rs; use a {{SHA}} or {{SSHA}} entry (htpasswd -s) or a plain one"
    )]
    Unsupported {
        /// `file <path>` or `inline`.
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// The user of the entry.
        user: String,
        /// The hash format.
        format: &'static str,
    },
    /// A `{SHA}` / `{SSHA}` / bcrypt entry that does not decode.
    #[error("{source_name} line {line} (user {user:?}): malformed {format} password")]
    Malformed {
        /// `file <path>` or `inline`.
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// The user of the entry.
        user: String,
        /// `{SHA}`, `{SSHA}` or `bcrypt`.
        format: &'static str,
    },
}

/// One verifiable entry.
#[derive(Clone, PartialEq, Eq)]
enum Entry {
    Plain(String),
    Sha([u8; SHA1_LEN]),
    Ssha { digest: [u8; SHA1_LEN], salt: Vec<u8> },
    Bcrypt(String),
}

impl Entry {
    fn matches(&self, password: &[u8]) -> bool {
        match self {
            Entry::Plain(stored) => {
                let stored = stored.as_bytes();
                // Both comparisons always run (no early exit on the first).
                let direct = ct_eq(password, stored);
                let prefixed = stored
                    .strip_prefix(b"{PLAIN}".as_slice())
                    .is_some_and(|rest| ct_eq(password, rest));
                direct | prefixed
            }
            Entry::Sha(expected) => ct_eq(sha1(&[password]).as_slice(), expected),
            Entry::Ssha { digest, salt } => ct_eq(sha1(&[password, salt]).as_slice(), digest),
            // The crate compares in constant time; an error (not possible
            // for a hash checked at load) is a mismatch.
            Entry::Bcrypt(hash) => bcrypt::verify(password, hash).unwrap_or(false),
        }
    }

    /// Whether checking a password costs real CPU time (bcrypt): such
    /// checks run off the async workers.
    fn is_slow(&self) -> bool {
        matches!(self, Entry::Bcrypt(_))
    }
}

fn sha1(parts: &[&[u8]]) -> [u8; SHA1_LEN] {
    let joined: Vec<u8> = parts.concat();
    let d = digest(&SHA1_FOR_LEGACY_USE_ONLY, &joined);
    let mut out = [0u8; SHA1_LEN];
    out.copy_from_slice(d.as_ref());
    out
}

/// Compares without an early exit on the first differing byte (lengths
/// are not secret).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A loaded htpasswd table. `Debug` shows only the number of users.
#[derive(Clone, Default)]
pub struct Htpasswd {
    users: HashMap<String, Entry>,
}

impl fmt::Debug for Htpasswd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Htpasswd")
            .field("users", &self.users.len())
            .finish()
    }
}

impl Htpasswd {
    /// An empty table (matches nothing).
    pub fn new() -> Self {
        Htpasswd::default()
    }

    /// Adds the entries of `content`, replacing those of users already
    /// present; `source_name` (`file <path>`, `inline`) names it in errors.
    pub fn add(&mut self, source_name: &str, content: &str) -> Result<(), HtpasswdError> {
        for (i, raw) in content.split('\n').enumerate() {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let n = i + 1;
            let Some((user, encoded)) = line.split_once(':') else {
                return Err(HtpasswdError::NoColon {
                    source_name: source_name.to_string(),
                    line: n,
                });
            };
            let entry = parse_entry(encoded).map_err(|kind| match kind {
                Refusal::Unsupported(format) => HtpasswdError::Unsupported {
                    source_name: source_name.to_string(),
                    line: n,
                    user: user.to_string(),
                    format,
                },
                Refusal::Malformed(format) => HtpasswdError::Malformed {
                    source_name: source_name.to_string(),
                    line: n,
                    user: user.to_string(),
                    format,
                },
            })?;
            self.users.insert(user.to_string(), entry);
        }
        Ok(())
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// True without users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Whether checking `user`'s password is slow (bcrypt): call
    /// [`Htpasswd::matches`] off the async workers then.
    pub fn is_slow(&self, user: &[u8]) -> bool {
        std::str::from_utf8(user)
            .ok()
            .and_then(|u| self.users.get(u))
            .is_some_and(Entry::is_slow)
    }

    /// True when `user` exists and `password` matches its entry.
    pub fn matches(&self, user: &[u8], password: &[u8]) -> bool {
        let Ok(user) = std::str::from_utf8(user) else {
            return false;
        };
        self.users.get(user).is_some_and(|e| e.matches(password))
    }
}

enum Refusal {
    Unsupported(&'static str),
    Malformed(&'static str),
}

/// The entry for an encoded password, in go-htpasswd's order: hashed
/// formats by prefix, anything else plain.
fn parse_entry(encoded: &str) -> Result<Entry, Refusal> {
    if let Some((_, format)) = UNSUPPORTED.iter().find(|(p, _)| encoded.starts_with(p)) {
        return Err(Refusal::Unsupported(format));
    }
    if ["$2a$", "$2b$", "$2x$", "$2y$"]
        .iter()
        .any(|p| encoded.starts_with(p))
    {
        encoded
            .parse::<bcrypt::HashParts>()
            .map_err(|_| Refusal::Malformed("bcrypt"))?;
        return Ok(Entry::Bcrypt(encoded.to_string()));
    }
    if let Some(b64) = encoded.strip_prefix("{SHA}") {
        let bytes = STANDARD.decode(b64).map_err(|_| Refusal::Malformed("{SHA}"))?;
        let digest: [u8; SHA1_LEN] = bytes.try_into().map_err(|_| Refusal::Malformed("{SHA}"))?;
        return Ok(Entry::Sha(digest));
    }
    if let Some(b64) = encoded.strip_prefix("{SSHA}") {
        let bytes = STANDARD.decode(b64).map_err(|_| Refusal::Malformed("{SSHA}"))?;
        if bytes.len() <= SHA1_LEN {
            return Err(Refusal::Malformed("{SSHA}"));
        }
        let (d, salt) = bytes.split_at(SHA1_LEN);
        let mut digest = [0u8; SHA1_LEN];
        digest.copy_from_slice(d);
        return Ok(Entry::Ssha {
            digest,
            salt: salt.to_vec(),
        });
    }
    Ok(Entry::Plain(encoded.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn table(content: &str) -> Htpasswd {
        let mut h = Htpasswd::new();
        h.add("inline", content).unwrap();
        h
    }

    #[test]
    fn plain_entries_match_exactly() {
        let h = table("alice:secret\n\n  bob:{PLAIN}pw  \r\n");
        assert_eq!(h.len(), 2);
        assert!(h.matches(b"alice", b"secret"));
        assert!(!h.matches(b"alice", b"secret2"));
        assert!(!h.matches(b"alice", b""));
        assert!(h.matches(b"bob", b"pw"));
        assert!(h.matches(b"bob", b"{PLAIN}pw"));
        assert!(!h.matches(b"carol", b"secret"));
        assert!(!h.matches(&[0xff, 0xfe], b"secret"));
    }

    #[test]
    fn a_password_may_contain_colons() {
        let h = table("u:a:b:c");
        assert!(h.matches(b"u", b"a:b:c"));
    }

    #[test]
    fn sha_entries() {
        // htpasswd -nbs user password
        let h = table("user:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=");
        assert!(h.matches(b"user", b"password"));
        assert!(!h.matches(b"user", b"Password"));
    }

    #[test]
    fn ssha_entries() {
        let salt = b"NaCl";
        let d = sha1(&[b"pw", salt]);
        let enc = STANDARD.encode([d.as_slice(), salt].concat());
        let h = table(&format!("u:{{SSHA}}{enc}"));
        assert!(h.matches(b"u", b"pw"));
        assert!(!h.matches(b"u", b"pw2"));
    }

    #[test]
    fn bcrypt_entries_verify() {
        // `htpasswd -nbB -C 5 u pw` style: a cost-5 hash made here.
        let hash = bcrypt::hash("pw", 5).unwrap();
        let h = table(&format!("u:{hash}"));
        assert!(h.is_slow(b"u"));
        assert!(h.matches(b"u", b"pw"));
        assert!(!h.matches(b"u", b"pw2"));
        // Apache's `$2y$` prefix is accepted as well.
        let y = hash.replacen("$2b$", "$2y$", 1);
        assert!(table(&format!("u:{y}")).matches(b"u", b"pw"));
    }

    #[test]
    fn later_lines_win() {
        let mut h = table("u:old");
        h.add("inline", "u:new").unwrap();
        assert!(h.matches(b"u", b"new"));
        assert!(!h.matches(b"u", b"old"));
    }

    #[test]
    fn unverifiable_hashes_are_refused_naming_the_line() {
        for (hash, fmt) in [
            ("$2a$10$xyz", "malformed bcrypt"),
            ("$apr1$salt$hash", "$apr1$"),
            ("$6$salt$hash", "$6$"),
        ] {
            let mut h = Htpasswd::new();
            let err = h.add("file /etc/pw", &format!("ok:x\nbob:{hash}")).unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("file /etc/pw line 2 (user \"bob\")"), "{msg}");
            assert!(msg.contains(fmt), "{msg}");
            assert!(!msg.contains(hash), "the hash leaks: {msg}");
        }
    }

    #[test]
    fn malformed_lines_are_refused() {
        let mut h = Htpasswd::new();
        let err = h.add("inline", "justauser").unwrap_err();
        assert_eq!(err.to_string(), "inline line 1: malformed line, no colon");
        let err = h.add("inline", "u:{SHA}not base64!").unwrap_err();
        assert!(err.to_string().contains("malformed {SHA}"), "{err}");
        let err = h.add("inline", "u:{SHA}YWJj").unwrap_err();
        assert!(err.to_string().contains("malformed {SHA}"), "{err}");
        let err = h.add("inline", "u:{SSHA}YWJj").unwrap_err();
        assert!(err.to_string().contains("malformed {SSHA}"), "{err}");
    }

    #[test]
    fn debug_shows_no_hash() {
        let h = table("u:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nv:plainpw");
        let dbg = format!("{h:?}");
        assert_eq!(dbg, "Htpasswd { users: 2 }");
    }
}
