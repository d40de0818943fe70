//! CORS as Go's confighttp applies it to a server with a `cors` block (the
//! `rs/cors` middleware with credentials allowed and the default methods
//! `GET`, `POST`, `HEAD`): shared by the receivers that serve HTTP.

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderValue, Method};

use crate::CorsConfig;

/// Headers a browser may always send.
const IMPLICIT_HEADERS: [&str; 4] = ["accept", "accept-language", "content-type", "content-language"];
const ALLOWED_METHODS: [Method; 3] = [Method::GET, Method::POST, Method::HEAD];

/// An allowed origin: exact, or `prefix*suffix`.
#[derive(Debug)]
enum OriginPattern {
    Exact(String),
    Wildcard { prefix: String, suffix: String },
}

impl OriginPattern {
    fn matches(&self, origin: &str) -> bool {
        match self {
            OriginPattern::Exact(o) => o == origin,
            OriginPattern::Wildcard { prefix, suffix } => {
                origin.len() >= prefix.len() + suffix.len()
                    && origin.starts_with(prefix.as_str())
                    && origin.ends_with(suffix.as_str())
            }
        }
    }
}

/// The CORS policy of the HTTP server.
#[derive(Debug)]
pub struct Cors {
    all_origins: bool,
    origins: Vec<OriginPattern>,
    all_headers: bool,
    headers: Vec<String>,
    max_age: i64,
}

impl Cors {
    /// The policy, or `None` when no origin is allowed (CORS off, as in Go).
    pub fn new(cfg: &CorsConfig) -> Option<Cors> {
        if cfg.allowed_origins.is_empty() {
            if !cfg.allowed_headers.is_empty() {
                tracing::warn!(
                    "The CORS configuration specifies allowed headers but no allowed origins, and is therefore ignored."
                );
            }
            return None;
        }
        let all_origins = cfg.allowed_origins.iter().any(|o| o == "*");
        let origins = cfg
            .allowed_origins
            .iter()
            .map(|o| {
                let o = o.to_ascii_lowercase();
                match o.split_once('*') {
                    Some((prefix, suffix)) => OriginPattern::Wildcard {
                        prefix: prefix.to_string(),
                        suffix: suffix.to_string(),
                    },
                    None => OriginPattern::Exact(o),
                }
            })
            .collect();
        let all_headers = cfg.allowed_headers.iter().any(|h| h == "*");
        let mut headers: Vec<String> = IMPLICIT_HEADERS.iter().map(|h| h.to_string()).collect();
        if cfg.allowed_headers.is_empty() {
            headers.push("x-requested-with".to_string());
        }
        headers.extend(cfg.allowed_headers.iter().map(|h| h.to_ascii_lowercase()));
        Some(Cors {
            all_origins,
            origins,
            all_headers,
            headers,
            max_age: cfg.max_age,
        })
    }

    /// A preflight: `OPTIONS` with `Access-Control-Request-Method`.
    pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
        method == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
    }

    fn allowed_origin(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let origin = origin?;
        let lower = origin.to_str().ok()?.to_ascii_lowercase();
        if lower.is_empty() {
            return None;
        }
        if self.all_origins {
            return Some(HeaderValue::from_static("*"));
        }
        self.origins
            .iter()
            .any(|p| p.matches(&lower))
            .then(|| origin.clone())
    }

    fn method_allowed(method: &str) -> bool {
        method.eq_ignore_ascii_case("OPTIONS")
            || ALLOWED_METHODS
                .iter()
                .any(|m| method.eq_ignore_ascii_case(m.as_str()))
    }

    /// The headers of a preflight response (status 204).
    pub fn preflight(&self, req: &HeaderMap, out: &mut HeaderMap) {
        out.insert(
            VARY,
            HeaderValue::from_static("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
        );
        let Some(origin) = self.allowed_origin(req.get(ORIGIN)) else {
            return;
        };
        let Some(method) = req
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| m.to_str().ok())
            .filter(|m| Self::method_allowed(m))
        else {
            return;
        };
        let requested: Vec<String> = req
            .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        if !self.all_headers && !requested.iter().all(|h| self.headers.contains(h)) {
            return;
        }
        let method = method.to_ascii_uppercase();
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if let Ok(m) = HeaderValue::from_str(&method) {
            out.insert(ACCESS_CONTROL_ALLOW_METHODS, m);
        }
        if !requested.is_empty() {
            if let Ok(h) = HeaderValue::from_str(&requested.join(", ")) {
                out.insert(ACCESS_CONTROL_ALLOW_HEADERS, h);
            }
        }
        out.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        if self.max_age > 0 {
            out.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from(self.max_age));
        }
    }

    /// Adds the headers of an actual (non-preflight) cross-origin response
    /// to a request with `origin`.
    pub fn actual(&self, method: &Method, origin: Option<&HeaderValue>, out: &mut HeaderMap) {
        out.append(VARY, HeaderValue::from_static("Origin"));
        let Some(origin) = self.allowed_origin(origin) else {
            return;
        };
        if !Self::method_allowed(method.as_str()) {
            return;
        }
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        out.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors(origins: &[&str], headers: &[&str], max_age: i64) -> Cors {
        Cors::new(&CorsConfig {
            allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
            allowed_headers: headers.iter().map(|s| s.to_string()).collect(),
            max_age,
        })
        .unwrap()
    }

    fn req(origin: &str, method: &str, headers: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ORIGIN, origin.parse().unwrap());
        h.insert(ACCESS_CONTROL_REQUEST_METHOD, method.parse().unwrap());
        if let Some(x) = headers {
            h.insert(ACCESS_CONTROL_REQUEST_HEADERS, x.parse().unwrap());
        }
        h
    }

    #[test]
    fn off_without_origins() {
        assert!(Cors::new(&CorsConfig::default()).is_none());
    }

    #[test]
    fn wildcard_origins() {
        let c = cors(&["https://*.example.com", "http://exact.test"], &[], 0);
        let mut out = HeaderMap::new();
        c.preflight(&req("https://a.example.com", "POST", None), &mut out);
        assert_eq!(out[ACCESS_CONTROL_ALLOW_ORIGIN], "https://a.example.com");
        assert_eq!(out[ACCESS_CONTROL_ALLOW_METHODS], "POST");
        assert_eq!(out[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert!(!out.contains_key(ACCESS_CONTROL_MAX_AGE));
        for bad in [
            "https://example.org",
            "http://a.example.com",
            "http://exact.test.evil",
        ] {
            let mut out = HeaderMap::new();
            c.preflight(&req(bad, "POST", None), &mut out);
            assert!(!out.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN), "{bad}");
            assert!(out.contains_key(VARY));
        }
        let star = cors(&["*"], &[], 0);
        let mut out = HeaderMap::new();
        star.actual(
            &Method::POST,
            req("http://any.thing", "POST", None).get(ORIGIN),
            &mut out,
        );
        assert_eq!(out[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    }

    #[test]
    fn headers_methods_and_max_age() {
        let c = cors(&["http://x.test"], &["X-Custom"], 600);
        let mut out = HeaderMap::new();
        c.preflight(
            &req("http://x.test", "post", Some("Content-Type, x-custom")),
            &mut out,
        );
        assert_eq!(out[ACCESS_CONTROL_ALLOW_HEADERS], "content-type, x-custom");
        assert_eq!(out[ACCESS_CONTROL_MAX_AGE], "600");
        assert_eq!(out[ACCESS_CONTROL_ALLOW_METHODS], "POST");
        let mut out = HeaderMap::new();
        c.preflight(&req("http://x.test", "POST", Some("x-other")), &mut out);
        assert!(!out.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
        let mut out = HeaderMap::new();
        c.preflight(&req("http://x.test", "DELETE", None), &mut out);
        assert!(!out.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
        // Without configured headers, X-Requested-With is allowed.
        let d = cors(&["http://x.test"], &[], 0);
        let mut out = HeaderMap::new();
        d.preflight(&req("http://x.test", "POST", Some("X-Requested-With")), &mut out);
        assert!(out.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
        let all = cors(&["http://x.test"], &["*"], 0);
        let mut out = HeaderMap::new();
        all.preflight(&req("http://x.test", "POST", Some("anything")), &mut out);
        assert!(out.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
    }
}
