//! Listen endpoints: `host:port` parsed as the Go collector accepts them, and
//! bound to a TCP listener.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;

/// The host part of an endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Host {
    /// Empty host (`:4317`): every interface (bound as `0.0.0.0`).
    Any,
    /// `localhost` (bound as `127.0.0.1`).
    Localhost,
    /// An IP literal (`0.0.0.0`, `[::1]`).
    Ip(IpAddr),
    /// A name resolved when the listener is bound.
    Name(String),
}

/// A parsed `host:port` listen endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    host: Host,
    port: u16,
}

impl Endpoint {
    /// Parses `host:port`, `[v6]:port` or `:port`.
    pub(crate) fn parse(s: &str) -> Result<Endpoint, String> {
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (ip, port) = rest
                .split_once("]:")
                .ok_or_else(|| format!("endpoint {s:?}: expected [ipv6]:port"))?;
            let ip: IpAddr = ip
                .parse()
                .map_err(|_| format!("endpoint {s:?}: {ip:?} is not an IPv6 address"))?;
            (Host::Ip(ip), port)
        } else {
            let (host, port) = s
                .rsplit_once(':')
                .ok_or_else(|| format!("endpoint {s:?}: missing port, expected host:port"))?;
            if host.contains(':') {
                return Err(format!(
                    "endpoint {s:?}: too many colons, write IPv6 addresses as [addr]:port"
                ));
            }
            let host = if host.is_empty() {
                Host::Any
            } else if host.eq_ignore_ascii_case("localhost") {
                Host::Localhost
            } else if let Ok(ip) = host.parse::<IpAddr>() {
                Host::Ip(ip)
            } else if host.chars().any(|c| c.is_whitespace() || c == '/') {
                return Err(format!("endpoint {s:?}: invalid host {host:?}"));
            } else {
                Host::Name(host.to_string())
            };
            (host, port)
        };
        let port = port
            .parse::<u16>()
            .map_err(|_| format!("endpoint {s:?}: invalid port {port:?}"))?;
        Ok(Endpoint { host, port })
    }

    /// Binds a TCP listener: `localhost` is 127.0.0.1, an empty host is
    /// 0.0.0.0, a name is resolved and its addresses tried in turn.
    pub(crate) async fn bind(&self) -> io::Result<TcpListener> {
        let ip = match &self.host {
            Host::Any => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Host::Localhost => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Host::Ip(ip) => *ip,
            Host::Name(name) => {
                let mut last = None;
                for addr in tokio::net::lookup_host((name.as_str(), self.port)).await? {
                    match TcpListener::bind(addr).await {
                        Ok(l) => return Ok(l),
                        Err(e) => last = Some(e),
                    }
                }
                return Err(last.unwrap_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, format!("{name}: no addresses"))
                }));
            }
        };
        TcpListener::bind(SocketAddr::new(ip, self.port)).await
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Host::Any => write!(f, ":{}", self.port),
            Host::Localhost => write!(f, "localhost:{}", self.port),
            Host::Ip(ip) => write!(f, "{}", SocketAddr::new(*ip, self.port)),
            Host::Name(n) => write!(f, "{n}:{}", self.port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_forms() {
        let e = Endpoint::parse("localhost:4317").unwrap();
        assert_eq!(e.host, Host::Localhost);
        assert_eq!(e.port, 4317);
        assert_eq!(Endpoint::parse(":4317").unwrap().host, Host::Any);
        assert_eq!(
            Endpoint::parse("0.0.0.0:4318").unwrap().host,
            Host::Ip("0.0.0.0".parse().unwrap())
        );
        assert_eq!(
            Endpoint::parse("[::1]:4317").unwrap().host,
            Host::Ip("::1".parse().unwrap())
        );
        assert_eq!(
            Endpoint::parse("collector.local:4317").unwrap().host,
            Host::Name("collector.local".into())
        );
        assert_eq!(Endpoint::parse("[::1]:4317").unwrap().to_string(), "[::1]:4317");
    }

    #[test]
    fn refuses_bad_endpoints() {
        for bad in [
            "",
            "localhost",
            "localhost:",
            "localhost:99999",
            "::1:4317",
            "[::1]4317",
            "a b:1",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[tokio::test]
    async fn binds_localhost_to_ipv4_loopback() {
        let l = Endpoint::parse("localhost:0").unwrap().bind().await.unwrap();
        assert_eq!(l.local_addr().unwrap().ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
}
