//! Listen endpoints (`localhost:13133`, `0.0.0.0:4317`, `:13133`, `[::1]:13133`),
//! parsed as the Go collector accepts them and bound to a TCP listener.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;

/// The host part of an endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ListenHost {
    /// Empty host (`:13133`): every interface, bound as `0.0.0.0`.
    Any,
    /// `localhost`, bound as `127.0.0.1`.
    Localhost,
    /// An IP literal.
    Ip(IpAddr),
    /// A host name, resolved when binding.
    Name(String),
}

/// A parsed `host:port` listen endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    host: ListenHost,
    port: u16,
}

impl Endpoint {
    /// Parses `host:port`, `[v6]:port` or `:port`.
    pub fn parse(s: &str) -> Result<Endpoint, String> {
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (ip, port) = rest
                .split_once("]:")
                .ok_or_else(|| format!("endpoint {s:?}: expected [ipv6]:port"))?;
            let ip: IpAddr = ip
                .parse()
                .map_err(|_| format!("endpoint {s:?}: {ip:?} is not an IPv6 address"))?;
            (ListenHost::Ip(ip), port)
        } else {
            let (host, port) = s
                .rsplit_once(':')
                .ok_or_else(|| format!("endpoint {s:?}: missing port, expected host:port"))?;
            let host = if host.contains(':') {
                return Err(format!("endpoint {s:?}: write IPv6 addresses as [addr]:port"));
            } else if host.is_empty() {
                ListenHost::Any
            } else if host.eq_ignore_ascii_case("localhost") {
                ListenHost::Localhost
            } else if let Ok(ip) = host.parse::<IpAddr>() {
                ListenHost::Ip(ip)
            } else if host.chars().any(|c| c.is_whitespace() || c == '/') {
                return Err(format!("endpoint {s:?}: invalid host {host:?}"));
            } else {
                ListenHost::Name(host.to_string())
            };
            (host, port)
        };
        let port = port
            .parse::<u16>()
            .map_err(|_| format!("endpoint {s:?}: invalid port {port:?}"))?;
        Ok(Endpoint { host, port })
    }

    /// Binds a listener; a host name is resolved and its addresses tried in turn.
    pub async fn bind(&self) -> io::Result<TcpListener> {
        let ip = match &self.host {
            ListenHost::Any => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            ListenHost::Localhost => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ListenHost::Ip(ip) => *ip,
            ListenHost::Name(name) => {
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
            ListenHost::Any => write!(f, ":{}", self.port),
            ListenHost::Localhost => write!(f, "localhost:{}", self.port),
            ListenHost::Ip(ip) => write!(f, "{}", SocketAddr::new(*ip, self.port)),
            ListenHost::Name(n) => write!(f, "{n}:{}", self.port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_forms() {
        let e = Endpoint::parse("localhost:13133").unwrap();
        assert_eq!((e.host, e.port), (ListenHost::Localhost, 13133));
        assert_eq!(Endpoint::parse(":1").unwrap().host, ListenHost::Any);
        assert_eq!(
            Endpoint::parse("0.0.0.0:2").unwrap().host,
            ListenHost::Ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        );
        assert_eq!(Endpoint::parse("[::1]:3").unwrap().to_string(), "[::1]:3");
        assert_eq!(
            Endpoint::parse("collector.local:4").unwrap().host,
            ListenHost::Name("collector.local".into())
        );
    }

    #[test]
    fn refuses_bad_endpoints() {
        for bad in [
            "",
            "localhost",
            "localhost:",
            "localhost:70000",
            "::1:4",
            "[::1]4",
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
