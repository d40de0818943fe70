//! The salted crypt(3) formats of htpasswd entries, computed here:
//!
//! - **MD5-crypt** (`$1$`, Poul-Henning Kamp's FreeBSD `md5crypt`) and
//!   **Apache MD5** (`$apr1$`, what `htpasswd -m` writes): one algorithm
//!   with two magic strings; a salt of at most 8 characters, 1000 rounds of
//!   MD5, a 22-character checksum.
//! - **SHA-crypt** (`$5$` SHA-256, `$6$` SHA-512, Ulrich Drepper's "Unix
//!   crypt using SHA-256 and SHA-512"): an optional `rounds=N$` (default
//!   5000, N clamped to 1000..=999999999 as the spec says), a salt of at
//!   most 16 characters, a 43- or 86-character checksum.
//!
//! An entry is parsed once, when the htpasswd content is loaded; checking a
//! password recomputes the checksum with the entry's salt and rounds and
//! compares it with the stored one in constant time. Salts and checksums
//! must use crypt's alphabet `./0-9A-Za-z`.
//!
//! Passwords longer than [`MAX_PASSWORD_LEN`] bytes never match: the cost
//! of SHA-crypt grows with the square of the password length (and that of
//! both formats with its length times the rounds), and the password is
//! whatever a client sends.

use md5::Md5;
use sha2::{Digest, Sha256, Sha512};

use super::ct_eq;

/// Longest password checked against a crypt entry, in bytes; longer ones
/// never match. Apache's `htpasswd` itself takes at most 255 bytes; 1 KiB
/// keeps a SHA-crypt check within a few times the cost of a short password.
pub(super) const MAX_PASSWORD_LEN: usize = 1024;

/// crypt's base64 alphabet (not RFC 4648's order).
const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Longest MD5-crypt salt.
const MD5_SALT_MAX: usize = 8;
/// Length of an encoded MD5-crypt checksum.
const MD5_CHECKSUM_LEN: usize = 22;
/// MD5-crypt's fixed number of rounds.
const MD5_ROUNDS: usize = 1000;

/// Longest SHA-crypt salt.
const SHA_SALT_MAX: usize = 16;
/// SHA-crypt rounds without `rounds=`.
const SHA_ROUNDS_DEFAULT: u32 = 5000;
/// Fewest SHA-crypt rounds (smaller `rounds=` values are raised to it).
const SHA_ROUNDS_MIN: u32 = 1000;
/// Most SHA-crypt rounds (larger `rounds=` values are lowered to it).
const SHA_ROUNDS_MAX: u32 = 999_999_999;

/// Whether `b` is in crypt's alphabet.
fn is_crypt_char(b: u8) -> bool {
    b == b'.' || b == b'/' || b.is_ascii_alphanumeric()
}

/// Appends the `n` low 6-bit groups of the 24 bits `b2 b1 b0`, least
/// significant first (crypt's `b64_from_24bit`).
fn b64_from_24bit(out: &mut String, b2: u8, b1: u8, b0: u8, n: usize) {
    let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
    for _ in 0..n {
        out.push(char::from(ITOA64[(w & 0x3f) as usize]));
        w >>= 6;
    }
}

/// Checks a salt: at most `max` characters of crypt's alphabet (empty is
/// allowed, as crypt(3) allows it).
fn check_salt(salt: &str, max: usize, too_long: &'static str) -> Result<(), &'static str> {
    if salt.len() > max {
        return Err(too_long);
    }
    if !salt.bytes().all(is_crypt_char) {
        return Err("the salt has characters outside ./0-9A-Za-z");
    }
    Ok(())
}

/// Checks an encoded checksum: exactly `len` characters of crypt's alphabet.
fn check_checksum(checksum: &str, len: usize, wrong: &'static str) -> Result<(), &'static str> {
    if checksum.len() == len && checksum.bytes().all(is_crypt_char) {
        Ok(())
    } else {
        Err(wrong)
    }
}

/// The two magic strings of MD5-crypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Md5Magic {
    /// Apache's `$apr1$`.
    Apr1,
    /// FreeBSD's `$1$`.
    Bsd,
}

impl Md5Magic {
    fn as_bytes(self) -> &'static [u8] {
        match self {
            Md5Magic::Apr1 => b"$apr1$",
            Md5Magic::Bsd => b"$1$",
        }
    }
}

/// A parsed `$apr1$` / `$1$` entry.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Md5Crypt {
    magic: Md5Magic,
    salt: String,
    checksum: String,
}

impl Md5Crypt {
    /// Parses what follows the magic string: `salt$checksum`. The error is
    /// the reason, without any part of the entry.
    pub(super) fn parse(magic: Md5Magic, rest: &str) -> Result<Self, &'static str> {
        let (salt, checksum) = rest
            .split_once('$')
            .ok_or("no `$` between the salt and the hash")?;
        check_salt(salt, MD5_SALT_MAX, "the salt is longer than 8 characters")?;
        check_checksum(
            checksum,
            MD5_CHECKSUM_LEN,
            "the hash is not 22 characters of ./0-9A-Za-z",
        )?;
        Ok(Md5Crypt {
            magic,
            salt: salt.to_string(),
            checksum: checksum.to_string(),
        })
    }

    /// Whether `password` hashes to the stored checksum.
    pub(super) fn matches(&self, password: &[u8]) -> bool {
        if password.len() > MAX_PASSWORD_LEN {
            return false;
        }
        let computed = md5_crypt(password, self.magic.as_bytes(), self.salt.as_bytes());
        ct_eq(computed.as_bytes(), self.checksum.as_bytes())
    }
}

/// The encoded MD5-crypt checksum of `password` (FreeBSD's `crypt_md5`,
/// Apache's `apr_md5_encode`).
fn md5_crypt(password: &[u8], magic: &[u8], salt: &[u8]) -> String {
    let alt = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut ctx = Md5::new();
    ctx.update(password);
    ctx.update(magic);
    ctx.update(salt);
    let mut left = password.len();
    while left > 0 {
        let n = left.min(alt.len());
        ctx.update(&alt[..n]);
        left -= n;
    }
    // The "weird" step: for each bit of the length, a NUL for a 1, the
    // first byte of the password for a 0 (only reached for a non-empty
    // password).
    let first = password.first().copied().unwrap_or(0);
    let mut bits = password.len();
    while bits > 0 {
        ctx.update(if bits & 1 == 1 { [0u8] } else { [first] });
        bits >>= 1;
    }
    let mut fin = ctx.finalize();
    for i in 0..MD5_ROUNDS {
        let mut round = Md5::new();
        if i % 2 == 1 {
            round.update(password);
        } else {
            round.update(fin);
        }
        if i % 3 != 0 {
            round.update(salt);
        }
        if i % 7 != 0 {
            round.update(password);
        }
        if i % 2 == 1 {
            round.update(fin);
        } else {
            round.update(password);
        }
        fin = round.finalize();
    }
    let f = fin;
    let mut out = String::with_capacity(MD5_CHECKSUM_LEN);
    for [a, b, c] in [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5]] {
        b64_from_24bit(&mut out, f[a], f[b], f[c], 4);
    }
    b64_from_24bit(&mut out, 0, 0, f[11], 2);
    out
}

/// The two SHA-crypt digests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ShaVariant {
    /// `$5$`.
    Sha256,
    /// `$6$`.
    Sha512,
}

impl ShaVariant {
    fn checksum_len(self) -> usize {
        match self {
            ShaVariant::Sha256 => 43,
            ShaVariant::Sha512 => 86,
        }
    }
}

/// A parsed `$5$` / `$6$` entry.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct ShaCrypt {
    variant: ShaVariant,
    rounds: u32,
    salt: String,
    checksum: String,
}

impl ShaCrypt {
    /// Parses what follows the magic string: `[rounds=N$]salt$checksum`.
    /// The error is the reason, without any part of the entry.
    pub(super) fn parse(variant: ShaVariant, rest: &str) -> Result<Self, &'static str> {
        let (rounds, rest) = match rest.strip_prefix("rounds=") {
            Some(after) => {
                let (n, rest) = after.split_once('$').ok_or("no `$` after rounds=N")?;
                (parse_rounds(n)?, rest)
            }
            None => (SHA_ROUNDS_DEFAULT, rest),
        };
        let (salt, checksum) = rest
            .split_once('$')
            .ok_or("no `$` between the salt and the hash")?;
        check_salt(salt, SHA_SALT_MAX, "the salt is longer than 16 characters")?;
        let wrong = match variant {
            ShaVariant::Sha256 => "the hash is not 43 characters of ./0-9A-Za-z",
            ShaVariant::Sha512 => "the hash is not 86 characters of ./0-9A-Za-z",
        };
        check_checksum(checksum, variant.checksum_len(), wrong)?;
        Ok(ShaCrypt {
            variant,
            rounds,
            salt: salt.to_string(),
            checksum: checksum.to_string(),
        })
    }

    /// Whether `password` hashes to the stored checksum.
    pub(super) fn matches(&self, password: &[u8]) -> bool {
        if password.len() > MAX_PASSWORD_LEN {
            return false;
        }
        let computed = sha_checksum(self.variant, password, self.salt.as_bytes(), self.rounds);
        ct_eq(computed.as_bytes(), self.checksum.as_bytes())
    }
}

/// The encoded SHA-crypt checksum of `password`.
fn sha_checksum(variant: ShaVariant, password: &[u8], salt: &[u8], rounds: u32) -> String {
    let mut out = String::with_capacity(variant.checksum_len());
    match variant {
        ShaVariant::Sha256 => {
            let f = sha_crypt::<Sha256>(password, salt, rounds);
            encode(&f, &SHA256_ORDER, &mut out);
            b64_from_24bit(&mut out, 0, f[31], f[30], 3);
        }
        ShaVariant::Sha512 => {
            let f = sha_crypt::<Sha512>(password, salt, rounds);
            encode(&f, &SHA512_ORDER, &mut out);
            b64_from_24bit(&mut out, 0, 0, f[63], 2);
        }
    }
    out
}

/// `N` of `rounds=N`: decimal digits only, clamped to
/// [`SHA_ROUNDS_MIN`]..=[`SHA_ROUNDS_MAX`] as crypt(3) does.
fn parse_rounds(n: &str) -> Result<u32, &'static str> {
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err("rounds= is not a number");
    }
    // Only digits: parsing fails only on overflow, far above the maximum.
    let n = n.parse::<u64>().unwrap_or(u64::MAX);
    let clamped = n.clamp(u64::from(SHA_ROUNDS_MIN), u64::from(SHA_ROUNDS_MAX));
    Ok(u32::try_from(clamped).unwrap_or(SHA_ROUNDS_MAX))
}

/// The byte triples (b2, b1, b0) of SHA-256-crypt's output permutation,
/// before the final `(0, f[31], f[30])` group of 3 characters.
const SHA256_ORDER: [[usize; 3]; 10] = [
    [0, 10, 20],
    [21, 1, 11],
    [12, 22, 2],
    [3, 13, 23],
    [24, 4, 14],
    [15, 25, 5],
    [6, 16, 26],
    [27, 7, 17],
    [18, 28, 8],
    [9, 19, 29],
];

/// The byte triples (b2, b1, b0) of SHA-512-crypt's output permutation,
/// before the final `(0, 0, f[63])` group of 2 characters.
const SHA512_ORDER: [[usize; 3]; 21] = [
    [0, 21, 42],
    [22, 43, 1],
    [44, 2, 23],
    [3, 24, 45],
    [25, 46, 4],
    [47, 5, 26],
    [6, 27, 48],
    [28, 49, 7],
    [50, 8, 29],
    [9, 30, 51],
    [31, 52, 10],
    [53, 11, 32],
    [12, 33, 54],
    [34, 55, 13],
    [56, 14, 35],
    [15, 36, 57],
    [37, 58, 16],
    [59, 17, 38],
    [18, 39, 60],
    [40, 61, 19],
    [62, 20, 41],
];

/// Appends 4 characters per triple of `order`.
fn encode(f: &[u8], order: &[[usize; 3]], out: &mut String) {
    for &[a, b, c] in order {
        b64_from_24bit(out, f[a], f[b], f[c], 4);
    }
}

/// The final digest of SHA-crypt (Drepper's steps 1 to 21) with digest `D`.
fn sha_crypt<D: Digest>(password: &[u8], salt: &[u8], rounds: u32) -> Vec<u8> {
    // Digest B: password, salt, password.
    let b = D::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    // Digest A: password, salt, then B once per byte of the password (in
    // whole digests, then a prefix), then per bit of the password length
    // B for a 1 or the password for a 0.
    let mut a = D::new();
    a.update(password);
    a.update(salt);
    let mut left = password.len();
    while left > 0 {
        let n = left.min(b.len());
        a.update(&b[..n]);
        left -= n;
    }
    let mut bits = password.len();
    while bits > 0 {
        if bits & 1 == 1 {
            a.update(&b);
        } else {
            a.update(password);
        }
        bits >>= 1;
    }
    let a = a.finalize();
    // Digest DP: the password once per byte of the password; the sequence
    // P is DP repeated to the password's length.
    let mut dp = D::new();
    for _ in 0..password.len() {
        dp.update(password);
    }
    let dp = dp.finalize();
    let p: Vec<u8> = dp.iter().copied().cycle().take(password.len()).collect();
    // Digest DS: the salt 16 + A[0] times; the sequence S is its prefix of
    // the salt's length.
    let mut ds = D::new();
    let repeat = 16 + a.first().map_or(0, |&x| usize::from(x));
    for _ in 0..repeat {
        ds.update(salt);
    }
    let ds = ds.finalize();
    let s: Vec<u8> = ds.iter().copied().cycle().take(salt.len()).collect();
    // The rounds.
    let mut c = a;
    for i in 0..rounds {
        let mut round = D::new();
        if i % 2 == 1 {
            round.update(&p);
        } else {
            round.update(&c);
        }
        if i % 3 != 0 {
            round.update(&s);
        }
        if i % 7 != 0 {
            round.update(&p);
        }
        if i % 2 == 1 {
            round.update(&c);
        } else {
            round.update(&p);
        }
        c = round.finalize();
    }
    c.to_vec()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Parses a whole `$...$` hash and checks `password` against it.
    fn verify(hash: &str, password: &str) -> bool {
        if let Some(rest) = hash.strip_prefix("$apr1$") {
            Md5Crypt::parse(Md5Magic::Apr1, rest)
                .unwrap()
                .matches(password.as_bytes())
        } else if let Some(rest) = hash.strip_prefix("$1$") {
            Md5Crypt::parse(Md5Magic::Bsd, rest)
                .unwrap()
                .matches(password.as_bytes())
        } else if let Some(rest) = hash.strip_prefix("$5$") {
            ShaCrypt::parse(ShaVariant::Sha256, rest)
                .unwrap()
                .matches(password.as_bytes())
        } else if let Some(rest) = hash.strip_prefix("$6$") {
            ShaCrypt::parse(ShaVariant::Sha512, rest)
                .unwrap()
                .matches(password.as_bytes())
        } else {
            panic!("not a crypt hash: {hash}")
        }
    }

    /// Checks each (password, hash) pair, and that a changed password fails:
    /// one byte flipped, and (unless the entry has more than 10000 rounds,
    /// slow in a debug build) one byte more and one byte less.
    fn check_vectors(vectors: &[(&str, &str)]) {
        for (password, hash) in vectors {
            assert!(verify(hash, password), "{hash} should match {password:?}");
            let flipped = match password.char_indices().last() {
                Some((i, c)) => format!("{}{}", &password[..i], if c == 'A' { 'B' } else { 'A' }),
                None => "A".to_string(),
            };
            assert!(!verify(hash, &flipped), "{hash} matches {flipped:?}");
            let heavy = ["$5$", "$6$"].iter().any(|m| {
                hash.strip_prefix(m)
                    .and_then(|rest| rest.strip_prefix("rounds="))
                    .and_then(|rest| rest.split_once('$'))
                    .is_some_and(|(n, _)| parse_rounds(n).is_ok_and(|n| n > 10_000))
            });
            if heavy {
                continue;
            }
            let longer = format!("{password}x");
            assert!(!verify(hash, &longer), "{hash} matches {longer:?}");
            if let Some((i, _)) = password.char_indices().last() {
                let shorter = &password[..i];
                assert!(!verify(hash, shorter), "{hash} matches {shorter:?}");
            }
        }
    }

    const X70: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    const Y130: &str = "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\
                        yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy";
    const UNICODE: &str = "pässwörd with spaces & $ymbols:colon";

    /// `openssl passwd -apr1 -salt SALT PASSWORD` (OpenSSL 3.0.19). The
    /// password lengths straddle MD5's 16-byte digest (15, 16, 17, 70).
    #[test]
    fn apr1_known_answers() {
        check_vectors(&[
            ("password", "$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/"),
            ("password", "$apr1$r31.$ImmIsg3WVsRyjed37FXxs0"),
            ("", "$apr1$saltsalt$a8ml/vK5HEjiZ5oypDWA7/"),
            ("a", "$apr1$Z/$sI61pXC3AUjhWjLPXX00p0"),
            ("password", "$apr1$$qjtLUZpoiD4RwXIYf4qVb0"),
            ("0123456789abcde", "$apr1$saltsalt$lQuiqJw2awxvdFLdcD2Jg."),
            ("0123456789abcdef", "$apr1$r31.$tmavf3VYih9z7i3KKsNex/"),
            ("0123456789abcdef0", "$apr1$Z/$I2WO/oiYYleuJoCUvuINr0"),
            (UNICODE, "$apr1$saltsalt$Dqed3k17Ry/0KlZ9LY3xD1"),
            (X70, "$apr1$r31.$GVWRCWlpZpEHY3.J1pGo7/"),
        ]);
    }

    /// `openssl passwd -1 -salt SALT PASSWORD` (OpenSSL 3.0.19).
    #[test]
    fn md5_crypt_known_answers() {
        check_vectors(&[
            ("password", "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"),
            ("password", "$1$r31.$JvYPRL2lRXg/bn/Ky6maS1"),
            ("", "$1$saltsalt$5Jhcit4zN9UlGiA0txPkO0"),
            ("a", "$1$Z/$1IJ8A5clGZr0vNWym5/O20"),
            ("password", "$1$$I2o9Z7NcvQAKp7wyCTlia0"),
            ("0123456789abcde", "$1$saltsalt$FfCpcVnZ3.2r77UIrb4o21"),
            ("0123456789abcdef", "$1$r31.$/5sBeQ5M.RiyqVGEs/WbR."),
            ("0123456789abcdef0", "$1$Z/$/57SP515ym.a24JkrGhIh0"),
            (UNICODE, "$1$saltsalt$1XKf9wSzcQVI9KqPgCaTp/"),
            (X70, "$1$r31.$p3I0Im03IlApJOFJc6nHU0"),
        ]);
    }

    /// The same password under the two magic strings gives different
    /// checksums: the magic is part of the hash.
    #[test]
    fn the_md5_magic_matters() {
        assert!(!verify("$1$saltsalt$yAAkm4libquA.ZWLHbSBq/", "password"));
        assert!(!verify("$apr1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "password"));
    }

    /// The test vectors of Ulrich Drepper's "Unix crypt using SHA-256 and
    /// SHA-512" (https://www.akkadia.org/drepper/SHA-crypt.txt, section
    /// "Test vectors"), checked on this machine with `openssl passwd -5` /
    /// `-6 -salt 'rounds=N$SALT'` too. The spec's salts longer than 16
    /// characters appear truncated, and `rounds=10` as `rounds=1000`, as
    /// crypt(3) writes them; `rounds=10` itself is tested in
    /// [`rounds_are_clamped`].
    const DREPPER_SHA256: [(&str, &str); 7] = [
        (
            "Hello world!",
            "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
        ),
        (
            "Hello world!",
            "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA",
        ),
        (
            "This is just a test",
            "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5",
        ),
        (
            "a very much longer text to encrypt.  This one even stretches over more\
             than one line.",
            "$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1",
        ),
        (
            "we have a short salt string but not a short password",
            "$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/",
        ),
        (
            "a short string",
            "$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD",
        ),
        (
            "the minimum number is still observed",
            "$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC",
        ),
    ];

    /// As [`DREPPER_SHA256`], for SHA-512.
    const DREPPER_SHA512: [(&str, &str); 7] = [
        (
            "Hello world!",
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdc\
             bYEdFCoEOfaS35inz1",
        ),
        (
            "Hello world!",
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/Urjm\
             M0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
        ),
        (
            "This is just a test",
            "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZx\
             Uhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0",
        ),
        (
            "a very much longer text to encrypt.  This one even stretches over more\
             than one line.",
            "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3Cm\
             Ls66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1",
        ),
        (
            "we have a short salt string but not a short password",
            "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaU\
             eOxFmtlcGZelFl5CxtgfiAc0",
        ),
        (
            "a short string",
            "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6yc\
             ULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1",
        ),
        (
            "the minimum number is still observed",
            "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58j\
             aTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.",
        ),
    ];

    #[test]
    fn sha256_crypt_drepper_vectors() {
        check_vectors(&DREPPER_SHA256);
    }

    #[test]
    fn sha512_crypt_drepper_vectors() {
        check_vectors(&DREPPER_SHA512);
    }

    /// Password lengths beyond one digest (70 > 64 > 32, 130 > 2 * 64),
    /// non-ASCII bytes, a 16-character salt: `openssl passwd -5` / `-6
    /// -salt SALT PASSWORD` (OpenSSL 3.0.19). OpenSSL refuses an empty
    /// password or salt; those vectors are glibc's crypt(3) (`perl -e
    /// 'print crypt(PASSWORD, SALT)'` on Debian).
    #[test]
    fn sha_crypt_more_known_answers() {
        assert_eq!((X70.len(), Y130.len()), (70, 130));
        check_vectors(&[
            (
                X70,
                "$5$rounds=1000$ab/.Z9$Vy6FQQBHc8LsrUP4Rc287FxoUQnky/Gps68yJv9DUr3",
            ),
            (
                Y130,
                "$5$0123456789abcdef$x4dJKcoENgXgfy9L.VEiUYNtK8g4jdJSXWM4GPTtJc6",
            ),
            (
                UNICODE,
                "$5$rounds=2000$Zz$fO7HEDirEwkU9KkSluux0keNMsmdlKg51Hd06PRa9pB",
            ),
            (
                X70,
                "$6$rounds=1000$ab/.Z9$sGVlD0k3IbF/zxdF6f/otxSvpBxCofinFtfbvfyy9iGARUuFz6dSEftMbE\
                 ixY9JYEW0GNalZHr7Scqx7WUfU40",
            ),
            (
                Y130,
                "$6$0123456789abcdef$ifjQwiiC7ArxZa1H6b54ju5PpluPH6o0vf8d/ejqi3WG69CUOKdb/0QXDaLQk\
                 Ze2qOi8kgVoxD1zItXabVYOI0",
            ),
            (
                UNICODE,
                "$6$rounds=2000$Zz$WlvLmUnqW3xTABF7VuID/cdgvJyALJYPXuQ/Ic003aYh8l3b/ruX1g6DoCGH/F\
                 GshYtbxpbekZ9Te3s9hSmQF/",
            ),
            ("", "$5$saltsalt$09agN5RZ2meWdEdnEusqsq5G7RwwghB8jCKoWWADxW/"),
            (
                "",
                "$6$saltsalt$qkTgsCrWMTAS9gBGcf9W60sFfH.hU0oTCAOJjhbz5tSp/sU3/xXZK4OFwCtq8lIIdpJ6\
                 CatVdOTSHKp97TPkt/",
            ),
            ("password", "$5$$V0edGK/GfSrNwzYCrbML4V/gvkNuNTfvn.Pt/LMSAf8"),
            (
                "password",
                "$6$$bLTg4cpho8PIUrjfsE7qlU08Qx2UEfw..xOc6I1wpGVtyVYToGrr7BzRdAAnEr5lYFr1Z9WcCf1\
                 xNZ1HG9qFW1",
            ),
        ]);
    }

    /// `rounds=` outside 1000..=999999999 is clamped, as the spec says:
    /// Drepper's `rounds=10$roundstoolow` input verifies with the
    /// checksum crypt(3) computes for 1000 rounds; an explicit
    /// `rounds=5000` is the default.
    #[test]
    fn rounds_are_clamped() {
        let pw = "the minimum number is still observed";
        assert!(verify(
            "$5$rounds=10$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC",
            pw
        ));
        assert!(verify(
            "$6$rounds=0$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58j\
             aTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.",
            pw
        ));
        assert!(verify(
            "$5$rounds=5000$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
            "Hello world!"
        ));
        // Other rounds give another checksum.
        assert!(!verify(
            "$5$rounds=5001$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
            "Hello world!"
        ));
        assert_eq!(parse_rounds("1"), Ok(SHA_ROUNDS_MIN));
        assert_eq!(parse_rounds("0001000"), Ok(1000));
        assert_eq!(parse_rounds("999999999"), Ok(SHA_ROUNDS_MAX));
        assert_eq!(parse_rounds("1000000000"), Ok(SHA_ROUNDS_MAX));
        assert_eq!(parse_rounds(&"9".repeat(40)), Ok(SHA_ROUNDS_MAX));
    }

    #[test]
    fn malformed_entries_give_a_reason() {
        fn md5(rest: &str) -> Option<&'static str> {
            Md5Crypt::parse(Md5Magic::Apr1, rest).err()
        }
        fn sha(rest: &str) -> Option<&'static str> {
            ShaCrypt::parse(ShaVariant::Sha256, rest).err()
        }
        let ok22 = "yAAkm4libquA.ZWLHbSBq/";
        let ok43 = "5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5";
        assert_eq!(md5(&format!("saltsalt${ok22}")), None);
        assert_eq!(md5("saltsalt"), Some("no `$` between the salt and the hash"));
        assert_eq!(
            md5(&format!("salt!${ok22}")),
            Some("the salt has characters outside ./0-9A-Za-z")
        );
        assert_eq!(
            md5(&format!("saltsalt9${ok22}")),
            Some("the salt is longer than 8 characters")
        );
        assert_eq!(
            md5("saltsalt$short"),
            Some("the hash is not 22 characters of ./0-9A-Za-z")
        );
        assert_eq!(
            md5(&format!("saltsalt${ok22}$")),
            Some("the hash is not 22 characters of ./0-9A-Za-z")
        );
        assert_eq!(
            md5("saltsalt$yAAkm4libquA-ZWLHbSBq/"),
            Some("the hash is not 22 characters of ./0-9A-Za-z")
        );
        assert_eq!(sha(&format!("rounds=5000$s${ok43}")), None);
        assert_eq!(
            sha(&format!("rounds=abc$s${ok43}")),
            Some("rounds= is not a number")
        );
        assert_eq!(sha(&format!("rounds=$s${ok43}")), Some("rounds= is not a number"));
        assert_eq!(
            sha(&format!("rounds=-5$s${ok43}")),
            Some("rounds= is not a number")
        );
        assert_eq!(
            sha(&format!("rounds=+5$s${ok43}")),
            Some("rounds= is not a number")
        );
        assert_eq!(
            sha(&format!("rounds= 5$s${ok43}")),
            Some("rounds= is not a number")
        );
        assert_eq!(sha("rounds=5000"), Some("no `$` after rounds=N"));
        assert_eq!(
            sha(&format!("rounds=5000${ok43}")),
            Some("no `$` between the salt and the hash")
        );
        assert_eq!(
            sha(&format!("s a l t${ok43}")),
            Some("the salt has characters outside ./0-9A-Za-z")
        );
        assert_eq!(
            sha(&format!("sält${ok43}")),
            Some("the salt has characters outside ./0-9A-Za-z")
        );
        assert_eq!(
            sha(&format!("0123456789abcdefg${ok43}")),
            Some("the salt is longer than 16 characters")
        );
        assert_eq!(sha("s$"), Some("the hash is not 43 characters of ./0-9A-Za-z"));
        let sha512 = ShaCrypt::parse(ShaVariant::Sha512, &format!("s${ok43}")).err();
        assert_eq!(sha512, Some("the hash is not 86 characters of ./0-9A-Za-z"));
    }

    /// Passwords past [`MAX_PASSWORD_LEN`] never match, even with a
    /// checksum made for them. (openssl and glibc's crypt(3) refuse or
    /// truncate such passwords, so the checksums are computed here by the
    /// functions the vectors above check.)
    #[test]
    fn overlong_passwords_never_match() {
        for (len, expected) in [(MAX_PASSWORD_LEN, true), (MAX_PASSWORD_LEN + 1, false)] {
            let pw = "z".repeat(len);
            let md5 = md5_crypt(pw.as_bytes(), b"$apr1$", b"saltsalt");
            assert_eq!(verify(&format!("$apr1$saltsalt${md5}"), &pw), expected, "{len}");
            let sha = sha_checksum(ShaVariant::Sha512, pw.as_bytes(), b"saltsalt", 1000);
            let entry = format!("$6$rounds=1000$saltsalt${sha}");
            assert_eq!(verify(&entry, &pw), expected, "{len}");
        }
    }
}
