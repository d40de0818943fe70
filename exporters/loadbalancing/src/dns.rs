//! A small DNS client for A and AAAA lookups over UDP, for the `dns`
//! resolver when `nameserver` names the server to ask (otelcol-rs only; Go
//! always asks the system resolver, which is what an unset `nameserver`
//! does here too).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;

const TYPE_A: u16 = 1;
const TYPE_AAAA: u16 = 28;
const CLASS_IN: u16 = 1;

/// Why a lookup failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DnsError {
    /// The name cannot be put in a query.
    BadName(String),
    /// The network failed.
    Io(String),
    /// No answer in time.
    Timeout,
    /// The server answered with an error code.
    Rcode(u8),
    /// The answer does not parse.
    Malformed(&'static str),
}

impl std::fmt::Display for DnsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DnsError::BadName(n) => write!(f, "invalid DNS name {n:?}"),
            DnsError::Io(e) => write!(f, "{e}"),
            DnsError::Timeout => f.write_str("timed out"),
            DnsError::Rcode(3) => f.write_str("no such host (NXDOMAIN)"),
            DnsError::Rcode(c) => write!(f, "server error (rcode {c})"),
            DnsError::Malformed(why) => write!(f, "malformed answer: {why}"),
        }
    }
}

/// A query for `name` of `qtype` with id `id`.
pub(crate) fn query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, DnsError> {
    let mut q = Vec::with_capacity(18 + name.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00]); // recursion desired
    q.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // 1 question
    let name = name.trim_end_matches('.');
    if name.is_empty() || name.len() > 253 {
        return Err(DnsError::BadName(name.to_string()));
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(DnsError::BadName(name.to_string()));
        }
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(q)
}

fn u16_at(b: &[u8], i: usize) -> Result<u16, DnsError> {
    b.get(i..i + 2)
        .map(|s| u16::from_be_bytes([s[0], s[1]]))
        .ok_or(DnsError::Malformed("truncated"))
}

/// Skips a (possibly compressed) name at `i`; returns the index after it.
fn skip_name(b: &[u8], mut i: usize) -> Result<usize, DnsError> {
    loop {
        let len = *b.get(i).ok_or(DnsError::Malformed("truncated name"))?;
        match len {
            0 => return Ok(i + 1),
            l if l & 0xC0 == 0xC0 => return Ok(i + 2),
            l if l & 0xC0 != 0 => return Err(DnsError::Malformed("bad label")),
            l => i += 1 + l as usize,
        }
    }
}

/// The addresses of type `qtype` in the answer `b` to query `id`.
pub(crate) fn parse_answer(b: &[u8], id: u16, qtype: u16) -> Result<Vec<IpAddr>, DnsError> {
    if u16_at(b, 0)? != id {
        return Err(DnsError::Malformed("another query's id"));
    }
    let flags = u16_at(b, 2)?;
    if flags & 0x8000 == 0 {
        return Err(DnsError::Malformed("not a response"));
    }
    let rcode = (flags & 0x000F) as u8;
    if rcode != 0 {
        return Err(DnsError::Rcode(rcode));
    }
    let (qd, an) = (u16_at(b, 4)?, u16_at(b, 6)?);
    let mut i = 12;
    for _ in 0..qd {
        i = skip_name(b, i)? + 4;
    }
    let mut out = Vec::new();
    for _ in 0..an {
        i = skip_name(b, i)?;
        let (ty, class) = (u16_at(b, i)?, u16_at(b, i + 2)?);
        let len = u16_at(b, i + 8)? as usize;
        let data = b
            .get(i + 10..i + 10 + len)
            .ok_or(DnsError::Malformed("truncated record"))?;
        i += 10 + len;
        if class != CLASS_IN || ty != qtype {
            continue; // a CNAME on the way, or another type
        }
        match (ty, data.len()) {
            (TYPE_A, 4) => out.push(IpAddr::V4(Ipv4Addr::new(data[0], data[1], data[2], data[3]))),
            (TYPE_AAAA, 16) => {
                let mut a = [0u8; 16];
                a.copy_from_slice(data);
                out.push(IpAddr::V6(Ipv6Addr::from(a)));
            }
            _ => return Err(DnsError::Malformed("bad address length")),
        }
    }
    Ok(out)
}

async fn ask(server: SocketAddr, name: &str, qtype: u16) -> Result<Vec<IpAddr>, DnsError> {
    let id: u16 = rand_id();
    let q = query(id, name, qtype)?;
    let bind: SocketAddr = if server.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = UdpSocket::bind(bind)
        .await
        .map_err(|e| DnsError::Io(e.to_string()))?;
    sock.connect(server)
        .await
        .map_err(|e| DnsError::Io(e.to_string()))?;
    sock.send(&q).await.map_err(|e| DnsError::Io(e.to_string()))?;
    let mut buf = vec![0u8; 4096];
    loop {
        let n = sock
            .recv(&mut buf)
            .await
            .map_err(|e| DnsError::Io(e.to_string()))?;
        match parse_answer(&buf[..n], id, qtype) {
            // A stray datagram: keep waiting for ours.
            Err(DnsError::Malformed("another query's id")) => continue,
            other => return other,
        }
    }
}

fn rand_id() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    h.finish() as u16
}

/// The A and AAAA addresses of `name` from `server`, within `timeout`.
pub(crate) async fn lookup(
    server: SocketAddr,
    name: &str,
    timeout: Duration,
) -> Result<Vec<IpAddr>, DnsError> {
    let both = async {
        let (a, aaaa) = tokio::join!(ask(server, name, TYPE_A), ask(server, name, TYPE_AAAA));
        match (a, aaaa) {
            (Ok(mut a), Ok(b)) => {
                a.extend(b);
                Ok(a)
            }
            (Ok(a), Err(_)) => Ok(a),
            (Err(_), Ok(b)) => Ok(b),
            (Err(e), Err(_)) => Err(e),
        }
    };
    tokio::time::timeout(timeout, both)
        .await
        .map_err(|_| DnsError::Timeout)?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer to `q` with the given A records (and a CNAME first).
    fn answer(q: &[u8], ips: &[[u8; 4]], rcode: u8) -> Vec<u8> {
        let mut a = q.to_vec();
        a[2] = 0x81;
        a[3] = 0x80 | rcode;
        a[7] = (ips.len() + 1) as u8;
        // CNAME: name pointer to the question (offset 12), type 5.
        a.extend_from_slice(&[0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xC0, 12]);
        for ip in ips {
            a.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
            a.extend_from_slice(ip);
        }
        a
    }

    #[test]
    fn queries_and_answers_round_trip() {
        let q = query(0x1234, "gateways.otel.test.", TYPE_A).unwrap();
        assert_eq!(&q[..2], &[0x12, 0x34]);
        assert_eq!(q[12], 8);
        assert_eq!(&q[13..21], b"gateways");
        let a = answer(&q, &[[127, 0, 0, 2], [127, 0, 0, 3]], 0);
        assert_eq!(
            parse_answer(&a, 0x1234, TYPE_A).unwrap(),
            vec![IpAddr::from([127, 0, 0, 2]), IpAddr::from([127, 0, 0, 3])]
        );
        assert_eq!(
            parse_answer(&a, 0x9999, TYPE_A),
            Err(DnsError::Malformed("another query's id"))
        );
        assert_eq!(
            parse_answer(&answer(&q, &[], 3), 0x1234, TYPE_A),
            Err(DnsError::Rcode(3))
        );
        assert!(query(1, "a..b", TYPE_A).is_err());
        assert!(query(1, &"x".repeat(64), TYPE_A).is_err());
    }

    #[test]
    fn truncated_and_hostile_answers_are_errors_not_panics() {
        let q = query(7, "a.b", TYPE_A).unwrap();
        let a = answer(&q, &[[1, 2, 3, 4]], 0);
        for cut in 0..a.len() {
            let _ = parse_answer(&a[..cut], 7, TYPE_A);
        }
        let mut bad = a.clone();
        bad[12] = 0x80; // a reserved label type
        assert!(parse_answer(&bad, 7, TYPE_A).is_err());
    }
}
