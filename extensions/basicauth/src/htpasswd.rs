//! htpasswd content, as Go's `github.com/tg123/go-htpasswd` reads it: one
//! `user:encoded-password` per line, blank lines skipped, surrounding
//! whitespace trimmed, a later line for the same user replacing an earlier
//! one. Encodings verified:
//!
//! - `{SHA}` (base64 SHA-1) and `{SSHA}` (base64 of SHA-1(password + salt)
//!   followed by the salt);
//! - bcrypt (`$2a$`/`$2b$`/`$2x$`/`$2y$`, what `htpasswd -B` writes), with
//!   the `bcrypt` crate;
//! - Apache MD5 (`$apr1$`, `htpasswd -m`), MD5-crypt (`$1$`) and SHA-crypt
//!   (`$5$` SHA-256, `$6$` SHA-512, with an optional `rounds=N$`), computed
//!   in the `crypt` submodule; passwords longer than 1024 bytes never match
//!   these;
//! - plain text (which, as in Go, also matches `{PLAIN}<password>`).
//!
//! bcrypt and the crypt formats cost real CPU time per check
//! ([`Htpasswd::is_slow`]): callers run those checks off the async workers.
//! Hash formats recognised but not verifiable here (yescrypt `$y$`, scrypt
//! `$7$`, Argon2, ...) are refused when the content is loaded, naming the
//! line: such an entry is never treated as a plain-text password. Malformed
//! entries are refused the same way, with the reason (Go skips them
//! silently); messages never contain the hash.

use std::collections::HashMap;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};

mod crypt;

use crypt::{Md5Crypt, Md5Magic, ShaCrypt, ShaVariant};

/// Length of a SHA-1 digest.
const SHA1_LEN: usize = 20;

/// Prefixes of crypt(3) hash formats that are recognised but cannot be
/// verified, with the name used in the refusal. (Go's go-htpasswd would
/// take them for plain-text passwords.)
const UNSUPPORTED: [(&str, &str); 7] = [
    ("$y$", "yescrypt ($y$)"),
    ("$gy$", "gost-yescrypt ($gy$)"),
    ("$7$", "scrypt ($7$)"),
    ("$argon2", "Argon2 ($argon2...$)"),
    ("$sha1$", "SHA1-crypt ($sha1$)"),
    ("$md5", "Sun MD5-crypt ($md5$)"),
    ("$3$", "NT hash ($3$)"),
];

/// Names of the crypt formats verified here, as malformed entries name them.
const APR1: &str = "Apache MD5 ($apr1$)";
const MD5_CRYPT: &str = "MD5-crypt ($1$)";
const SHA256_CRYPT: &str = "SHA-256-crypt ($5$)";
const SHA512_CRYPT: &str = "SHA-512-crypt ($6$)";

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
         otelcol-rs; use bcrypt (htpasswd -B), SHA-crypt ($5$/$6$), Apache MD5 (htpasswd -m), \
         {{SHA}}, {{SSHA}} or a plain entry"
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
    /// A `{SHA}` / `{SSHA}` / bcrypt / crypt entry that does not decode.
    #[error("{source_name} line {line} (user {user:?}): malformed {format} password: {reason}")]
    Malformed {
        /// `file <path>` or `inline`.
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// The user of the entry.
        user: String,
        /// `{SHA}`, `{SSHA}`, `bcrypt`, `Apache MD5 ($apr1$)`,
        /// `MD5-crypt ($1$)`, `SHA-256-crypt ($5$)` or `SHA-512-crypt ($6$)`.
        format: &'static str,
        /// What is wrong (e.g. `rounds= is not a number`), without any part
        /// of the entry.
        reason: &'static str,
    },
}

/// One verifiable entry.
#[derive(Clone, PartialEq, Eq)]
enum Entry {
    Plain(String),
    Sha([u8; SHA1_LEN]),
    Ssha { digest: [u8; SHA1_LEN], salt: Vec<u8> },
    Bcrypt(String),
    Md5Crypt(Md5Crypt),
    ShaCrypt(ShaCrypt),
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
            // Constant-time comparison of the encoded checksums.
            Entry::Md5Crypt(e) => e.matches(password),
            Entry::ShaCrypt(e) => e.matches(password),
        }
    }

    /// Whether checking a password costs real CPU time (bcrypt, SHA-crypt
    /// with its thousands of rounds, MD5-crypt's 1000): such checks run off
    /// the async workers.
    fn is_slow(&self) -> bool {
        matches!(self, Entry::Bcrypt(_) | Entry::Md5Crypt(_) | Entry::ShaCrypt(_))
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
                Refusal::Malformed(format, reason) => HtpasswdError::Malformed {
                    source_name: source_name.to_string(),
                    line: n,
                    user: user.to_string(),
                    format,
                    reason,
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

    /// Whether checking `user`'s password is slow (bcrypt, MD5-crypt,
    /// SHA-crypt): call
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

/// Why an encoded password was refused: the format's name, and for a
/// malformed entry the reason.
enum Refusal {
    Unsupported(&'static str),
    Malformed(&'static str, &'static str),
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
        const NOT_BCRYPT: &str = "not a bcrypt hash ($2y$, a 2-digit cost, $, 53 characters)";
        encoded
            .parse::<bcrypt::HashParts>()
            .map_err(|_| Refusal::Malformed("bcrypt", NOT_BCRYPT))?;
        return Ok(Entry::Bcrypt(encoded.to_string()));
    }
    if let Some(rest) = encoded.strip_prefix("$apr1$") {
        let e = Md5Crypt::parse(Md5Magic::Apr1, rest).map_err(|r| Refusal::Malformed(APR1, r))?;
        return Ok(Entry::Md5Crypt(e));
    }
    if let Some(rest) = encoded.strip_prefix("$1$") {
        let e = Md5Crypt::parse(Md5Magic::Bsd, rest).map_err(|r| Refusal::Malformed(MD5_CRYPT, r))?;
        return Ok(Entry::Md5Crypt(e));
    }
    if let Some(rest) = encoded.strip_prefix("$5$") {
        let e = ShaCrypt::parse(ShaVariant::Sha256, rest).map_err(|r| Refusal::Malformed(SHA256_CRYPT, r))?;
        return Ok(Entry::ShaCrypt(e));
    }
    if let Some(rest) = encoded.strip_prefix("$6$") {
        let e = ShaCrypt::parse(ShaVariant::Sha512, rest).map_err(|r| Refusal::Malformed(SHA512_CRYPT, r))?;
        return Ok(Entry::ShaCrypt(e));
    }
    if let Some(b64) = encoded.strip_prefix("{SHA}") {
        const NOT_SHA: &str = "not the base64 of a 20-byte SHA-1 digest";
        let bytes = STANDARD
            .decode(b64)
            .map_err(|_| Refusal::Malformed("{SHA}", NOT_SHA))?;
        let digest: [u8; SHA1_LEN] = bytes
            .try_into()
            .map_err(|_| Refusal::Malformed("{SHA}", NOT_SHA))?;
        return Ok(Entry::Sha(digest));
    }
    if let Some(b64) = encoded.strip_prefix("{SSHA}") {
        const NOT_SSHA: &str = "not the base64 of a 20-byte SHA-1 digest followed by a salt";
        let bytes = STANDARD
            .decode(b64)
            .map_err(|_| Refusal::Malformed("{SSHA}", NOT_SSHA))?;
        if bytes.len() <= SHA1_LEN {
            return Err(Refusal::Malformed("{SSHA}", NOT_SSHA));
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

    /// Entries made by `openssl passwd -apr1 / -1 / -5 / -6 -salt ...`
    /// (OpenSSL 3.0.19); the algorithms' own vectors are in `crypt`.
    #[test]
    fn crypt_entries_verify_and_are_slow() {
        let h = table(
            "apr:$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/\n\
             md5:$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/\n\
             s256:$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5\n\
             s512:$6$rounds=5000$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJu\
             esI68u4OTLiBFdcbYEdFCoEOfaS35inz1\n",
        );
        assert_eq!(h.len(), 4);
        for (user, pw) in [
            ("apr", "password"),
            ("md5", "password"),
            ("s256", "Hello world!"),
            ("s512", "Hello world!"),
        ] {
            assert!(h.is_slow(user.as_bytes()), "{user}");
            assert!(h.matches(user.as_bytes(), pw.as_bytes()), "{user}");
            assert!(!h.matches(user.as_bytes(), b"wrong"), "{user}");
            assert!(!h.matches(user.as_bytes(), b""), "{user}");
            let upper = pw.to_uppercase();
            assert!(!h.matches(user.as_bytes(), upper.as_bytes()), "{user}");
        }
        assert!(!h.is_slow(b"nobody"));
        assert!(!table("u:pw").is_slow(b"u"));
    }

    #[test]
    fn unverifiable_hashes_are_refused_naming_the_line() {
        for (hash, fmt) in [
            (
                "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
                "yescrypt",
            ),
            ("$7$CU..../....abc$def", "scrypt ($7$)"),
            ("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "Argon2"),
        ] {
            let mut h = Htpasswd::new();
            let err = h.add("file /etc/pw", &format!("ok:x\nbob:{hash}")).unwrap_err();
            assert!(
                matches!(err, HtpasswdError::Unsupported { line: 2, .. }),
                "{err:?}"
            );
            let msg = err.to_string();
            assert!(msg.starts_with("file /etc/pw line 2 (user \"bob\")"), "{msg}");
            assert!(msg.contains(fmt), "{msg}");
            assert!(msg.contains("not supported by otelcol-rs"), "{msg}");
            assert!(!msg.contains(hash), "the hash leaks: {msg}");
        }
    }

    #[test]
    fn malformed_hashes_are_refused_naming_the_line_and_reason() {
        for (hash, what) in [
            ("$2a$10$xyz", "malformed bcrypt password: not a bcrypt hash"),
            (
                "$apr1$salt$hash",
                "malformed Apache MD5 ($apr1$) password: the hash is not 22",
            ),
            ("$apr1$saltsalt", "malformed Apache MD5 ($apr1$) password: no `$`"),
            (
                "$1$sa!t$qjXMvbEw8oaL.CzflDtaK/",
                "malformed MD5-crypt ($1$) password: the salt",
            ),
            ("$1$saltsalt1$qjXMvbEw8oaL.CzflDtaK/", "longer than 8"),
            (
                "$5$rounds=lots$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
                "malformed SHA-256-crypt ($5$) password: rounds= is not a number",
            ),
            (
                "$6$salt$hash",
                "malformed SHA-512-crypt ($6$) password: the hash is not 86",
            ),
            ("$6$0123456789abcdefg$x", "longer than 16"),
        ] {
            let mut h = Htpasswd::new();
            let err = h.add("file /etc/pw", &format!("ok:x\n\nbob:{hash}")).unwrap_err();
            assert!(matches!(err, HtpasswdError::Malformed { line: 3, .. }), "{err:?}");
            let msg = err.to_string();
            assert!(msg.starts_with("file /etc/pw line 3 (user \"bob\")"), "{msg}");
            assert!(msg.contains(what), "{msg}");
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
        assert_eq!(
            err.to_string(),
            "inline line 1 (user \"u\"): malformed {SHA} password: not the base64 of a 20-byte \
             SHA-1 digest"
        );
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
