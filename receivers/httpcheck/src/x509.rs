//! The few fields of a server certificate that `httpcheck.tls.cert_remaining`
//! reports, read from its DER encoding: the issuer (as Go's
//! `pkix.Name.String` prints it), the subject common name, the subject
//! alternative names (IPs, URIs, DNS names, emails, in Go's order) and
//! `NotAfter`. A small DER walker: any malformed input gives `None`, never
//! a panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the receiver reports of a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CertInfo {
    /// The issuer, RFC 2253 style as Go prints it (`CN=My CA,O=Example,C=US`).
    pub(crate) issuer: String,
    /// The subject's common name (the last one, as Go keeps).
    pub(crate) common_name: String,
    /// IP addresses, URIs, DNS names, then email addresses.
    pub(crate) sans: Vec<String>,
    /// `NotAfter`, seconds since the Unix epoch.
    pub(crate) not_after: i64,
}

impl CertInfo {
    /// Seconds from `now_unix_nanos` until `NotAfter`, truncated toward
    /// zero (negative once expired), as Go's `int64(NotAfter.Sub(now).Seconds())`.
    pub(crate) fn remaining_seconds(&self, now_unix_nanos: u64) -> i64 {
        let diff = i128::from(self.not_after) * 1_000_000_000 - i128::from(now_unix_nanos);
        i64::try_from(diff / 1_000_000_000).unwrap_or(if diff < 0 { i64::MIN } else { i64::MAX })
    }

    /// Whether Go would report it: some issuer, common name or SAN.
    pub(crate) fn reportable(&self) -> bool {
        !self.issuer.is_empty() || !self.common_name.is_empty() || !self.sans.is_empty()
    }
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const OCTET_STRING: u8 = 0x04;
const BOOLEAN: u8 = 0x01;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// One TLV: tag, contents, and the whole encoding.
struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
    raw: &'a [u8],
}

/// Reads TLVs one after another.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.data.first().copied()
    }

    fn next(&mut self) -> Option<Tlv<'a>> {
        let tag = *self.data.first()?;
        if tag & 0x1f == 0x1f {
            return None; // multi-byte tags do not occur in certificates
        }
        let first = *self.data.get(1)?;
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return None;
            }
            let mut len = 0usize;
            for b in self.data.get(2..2 + n)? {
                len = (len << 8) | usize::from(*b);
            }
            (len, 2 + n)
        };
        let end = header.checked_add(len)?;
        let raw = self.data.get(..end)?;
        let body = raw.get(header..)?;
        self.data = self.data.get(end..)?;
        Some(Tlv { tag, body, raw })
    }

    fn expect(&mut self, tag: u8) -> Option<Tlv<'a>> {
        self.next().filter(|t| t.tag == tag)
    }
}

/// Parses a DER certificate; `None` if it is malformed.
pub(crate) fn parse(der: &[u8]) -> Option<CertInfo> {
    let cert = Reader::new(der).expect(SEQUENCE)?;
    let tbs = Reader::new(cert.body).expect(SEQUENCE)?;
    let mut r = Reader::new(tbs.body);
    if r.peek_tag() == Some(0xa0) {
        r.next()?; // version
    }
    r.next()?; // serial number
    r.expect(SEQUENCE)?; // signature algorithm
    let issuer = r.expect(SEQUENCE)?;
    let validity = r.expect(SEQUENCE)?;
    let subject = r.expect(SEQUENCE)?;
    r.expect(SEQUENCE)?; // subject public key info
    let mut sans = Vec::new();
    while let Some(field) = r.next() {
        if field.tag == 0xa3 {
            sans = subject_alt_names(field.body)?;
        }
    }
    let mut v = Reader::new(validity.body);
    v.next()?; // not before
    let not_after = time(&v.next()?)?;
    Some(CertInfo {
        issuer: name_string(issuer.body)?,
        common_name: common_name(subject.body)?,
        sans,
        not_after,
    })
}

/// An attribute of a name: OID (dotted) and value TLV.
fn attributes(name: &[u8]) -> Option<Vec<Vec<(String, Tlv<'_>)>>> {
    let mut rdns = Vec::new();
    let mut r = Reader::new(name);
    while !r.is_empty() {
        let set = r.expect(SET)?;
        let mut atvs = Vec::new();
        let mut s = Reader::new(set.body);
        while !s.is_empty() {
            let atv = s.expect(SEQUENCE)?;
            let mut a = Reader::new(atv.body);
            let oid = oid_string(a.expect(OID)?.body)?;
            let value = a.next()?;
            atvs.push((oid, value));
        }
        rdns.push(atvs);
    }
    Some(rdns)
}

/// Go's short names of the attributes it parses into fields.
fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.6" => "C",
        "2.5.4.8" => "ST",
        "2.5.4.7" => "L",
        "2.5.4.9" => "STREET",
        "2.5.4.17" => "POSTALCODE",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.3" => "CN",
        "2.5.4.5" => "SERIALNUMBER",
        _ => return None,
    })
}

/// A name as Go's `pkix.Name.String` prints it: the other attributes
/// first (as `OID=#hex`), then the known ones grouped in Go's order
/// (C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER), each group one
/// multi-valued RDN; the sequence printed last to first, RDNs joined by
/// `,`, values of one RDN by `+`, with RFC 2253 escapes.
fn name_string(name: &[u8]) -> Option<String> {
    const ORDER: [&str; 9] = [
        "C",
        "ST",
        "L",
        "STREET",
        "POSTALCODE",
        "O",
        "OU",
        "CN",
        "SERIALNUMBER",
    ];
    let rdns = attributes(name)?;
    let mut seq: Vec<Vec<String>> = Vec::new();
    for (oid, value) in rdns.iter().flatten() {
        if short_name(oid).is_none() {
            seq.push(vec![format!("{oid}=#{}", hex(value.raw))]);
        }
    }
    for short in ORDER {
        let group: Vec<String> = rdns
            .iter()
            .flatten()
            .filter(|(oid, _)| short_name(oid) == Some(short))
            .filter_map(|(_, v)| string_value(v))
            .map(|v| format!("{short}={}", escape(&v)))
            .collect();
        if !group.is_empty() {
            seq.push(group);
        }
    }
    Some(
        seq.iter()
            .rev()
            .map(|rdn| rdn.join("+"))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// The subject's common name (the last `CN`), empty when there is none.
fn common_name(name: &[u8]) -> Option<String> {
    let rdns = attributes(name)?;
    Some(
        rdns.iter()
            .flatten()
            .filter(|(oid, _)| oid == "2.5.4.3")
            .filter_map(|(_, v)| string_value(v))
            .next_back()
            .unwrap_or_default(),
    )
}

/// RFC 2253 escaping as Go's `RDNSequence.String` does it.
fn escape(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let last = chars.len().saturating_sub(1);
    let mut out = String::with_capacity(value.len());
    for (k, c) in chars.iter().enumerate() {
        let escaped = match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => true,
            ' ' => k == 0 || k == last,
            '#' => k == 0,
            _ => false,
        };
        if escaped {
            out.push('\\');
        }
        out.push(*c);
    }
    out
}

/// A directory string's text (UTF8, Printable, IA5, T61 as Latin-1, BMP).
fn string_value(v: &Tlv<'_>) -> Option<String> {
    match v.tag {
        0x0c | 0x13 | 0x16 | 0x12 | 0x1a => Some(String::from_utf8_lossy(v.body).into_owned()),
        0x14 => Some(v.body.iter().map(|b| char::from(*b)).collect()),
        0x1e => {
            let units: Vec<u16> = v
                .body
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A dotted OID.
fn oid_string(body: &[u8]) -> Option<String> {
    let (&first, rest) = body.split_first()?;
    let mut parts = vec![u64::from(first / 40).min(2), 0];
    parts[1] = u64::from(first) - parts[0] * 40;
    let mut acc: u64 = 0;
    for b in rest {
        acc = acc.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            parts.push(acc);
            acc = 0;
        }
    }
    Some(parts.iter().map(u64::to_string).collect::<Vec<_>>().join("."))
}

/// The subject alternative names in the extensions (`[3]` contents).
fn subject_alt_names(explicit: &[u8]) -> Option<Vec<String>> {
    let exts = Reader::new(explicit).expect(SEQUENCE)?;
    let mut r = Reader::new(exts.body);
    while !r.is_empty() {
        let ext = r.expect(SEQUENCE)?;
        let mut e = Reader::new(ext.body);
        let oid = e.expect(OID)?;
        if oid.body != [0x55, 0x1d, 0x11] {
            continue;
        }
        let mut value = e.next()?;
        if value.tag == BOOLEAN {
            value = e.next()?;
        }
        if value.tag != OCTET_STRING {
            return None;
        }
        return general_names(value.body);
    }
    Some(Vec::new())
}

/// `GeneralNames`, in Go's order: IPs, URIs, DNS names, emails.
fn general_names(der: &[u8]) -> Option<Vec<String>> {
    let seq = Reader::new(der).expect(SEQUENCE)?;
    let (mut ips, mut uris, mut dns, mut emails) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut r = Reader::new(seq.body);
    while !r.is_empty() {
        let n = r.next()?;
        let text = || String::from_utf8_lossy(n.body).into_owned();
        match n.tag {
            0x81 => emails.push(text()),
            0x82 => dns.push(text()),
            0x86 => uris.push(text()),
            0x87 => ips.push(ip_string(n.body)?),
            _ => {}
        }
    }
    ips.extend(uris);
    ips.extend(dns);
    ips.extend(emails);
    Some(ips)
}

/// An IP as Go's `net.IP.String` prints it (IPv4-mapped IPv6 as IPv4).
fn ip_string(b: &[u8]) -> Option<String> {
    let ip = match b.len() {
        4 => IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            let v6 = Ipv6Addr::from(a);
            match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(v6),
            }
        }
        _ => return None,
    };
    Some(ip.to_string())
}

/// `UTCTime` or `GeneralizedTime` (`Z`), as Unix seconds.
fn time(t: &Tlv<'_>) -> Option<i64> {
    let s = std::str::from_utf8(t.body).ok()?;
    let (year, rest) = match t.tag {
        UTC_TIME => {
            let yy: i64 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        GENERALIZED_TIME => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let (month, day, hour, minute, second) = (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        let utc = Tlv {
            tag: UTC_TIME,
            body: b"491231235959Z",
            raw: b"",
        };
        assert_eq!(time(&utc), Some(2_524_607_999));
        let generalized = Tlv {
            tag: GENERALIZED_TIME,
            body: b"40960101000000Z",
            raw: b"",
        };
        assert_eq!(time(&generalized), Some(days_from_civil(4096, 1, 1) * 86_400));
        assert_eq!(
            time(&Tlv {
                tag: UTC_TIME,
                body: b"99",
                raw: b""
            }),
            None
        );
    }

    #[test]
    fn names_print_like_go() {
        assert_eq!(escape("a,b"), "a\\,b");
        assert_eq!(escape(" lead#"), "\\ lead#");
        assert_eq!(escape("#x "), "\\#x\\ ");
        assert_eq!(oid_string(&[0x55, 0x04, 0x03]).unwrap(), "2.5.4.3");
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]).unwrap(),
            "1.2.840.113549"
        );
        assert_eq!(ip_string(&[127, 0, 0, 1]).unwrap(), "127.0.0.1");
        let mut mapped = [0u8; 16];
        mapped[10] = 0xff;
        mapped[11] = 0xff;
        mapped[12..].copy_from_slice(&[10, 0, 0, 1]);
        assert_eq!(ip_string(&mapped).unwrap(), "10.0.0.1");
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(ip_string(&v6).unwrap(), "::1");
    }

    #[test]
    fn garbage_is_none() {
        assert!(parse(&[]).is_none());
        assert!(parse(&[0x30, 0x82, 0xff]).is_none());
        assert!(parse(&[0x30, 0x03, 0x30, 0x01, 0x00]).is_none());
        for n in 0..64u8 {
            let junk: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37) ^ 0x30).collect();
            let _ = parse(&junk);
        }
    }

    #[test]
    fn remaining_truncates_toward_zero() {
        let c = CertInfo {
            issuer: String::new(),
            common_name: String::new(),
            sans: vec![],
            not_after: 100,
        };
        assert_eq!(c.remaining_seconds(98_500_000_000), 1);
        assert_eq!(c.remaining_seconds(101_500_000_000), -1);
        assert!(!c.reportable());
    }
}
