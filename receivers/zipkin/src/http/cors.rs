//! CORS as Go's confighttp applies it (the `rs/cors` middleware, with
//! credentials allowed and the methods `GET`, `POST` and `HEAD`), so that
//! browser tracers (zipkin-js) can post spans.

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderValue, Method};
use otelcol_confighttp::CorsConfig;

/// Request headers a browser may always send.
const SAFE_HEADERS: [&str; 4] = ["accept", "accept-language", "content-type", "content-language"];

/// The CORS policy of the server.
#[derive(Debug)]
pub(crate) struct Cors {
    any_origin: bool,
    /// Lower-case patterns; one `*` matches any run of characters.
    origins: Vec<(String, Option<String>)>,
    any_header: bool,
    headers: Vec<String>,
    max_age: i64,
}

impl Cors {
    /// The policy, or `None` when no origin is allowed (CORS off, as in Go).
    pub(crate) fn new(cfg: &CorsConfig) -> Option<Cors> {
        if cfg.allowed_origins.is_empty() {
            if !cfg.allowed_headers.is_empty() {
                tracing::warn!(
                    "The CORS configuration specifies allowed headers but no allowed origins, and is therefore ignored."
                );
            }
            return None;
        }
        let origins = cfg
            .allowed_origins
            .iter()
            .map(|o| {
                let o = o.to_ascii_lowercase();
                match o.split_once('*') {
                    Some((prefix, suffix)) => (prefix.to_string(), Some(suffix.to_string())),
                    None => (o, None),
                }
            })
            .collect();
        let mut headers: Vec<String> = SAFE_HEADERS.iter().map(|h| h.to_string()).collect();
        if cfg.allowed_headers.is_empty() {
            headers.push("x-requested-with".into());
        }
        headers.extend(cfg.allowed_headers.iter().map(|h| h.to_ascii_lowercase()));
        Some(Cors {
            any_origin: cfg.allowed_origins.iter().any(|o| o == "*"),
            origins,
            any_header: cfg.allowed_headers.iter().any(|h| h == "*"),
            headers,
            max_age: cfg.max_age,
        })
    }

    /// A preflight: `OPTIONS` with `Access-Control-Request-Method`.
    pub(crate) fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
        method == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
    }

    fn origin(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let origin = origin?;
        let lower = origin.to_str().ok()?.to_ascii_lowercase();
        if lower.is_empty() {
            return None;
        }
        if self.any_origin {
            return Some(HeaderValue::from_static("*"));
        }
        let matches = |(prefix, suffix): &(String, Option<String>)| match suffix {
            None => *prefix == lower,
            Some(suffix) => {
                lower.len() >= prefix.len() + suffix.len()
                    && lower.starts_with(prefix.as_str())
                    && lower.ends_with(suffix.as_str())
            }
        };
        self.origins.iter().any(matches).then(|| origin.clone())
    }

    fn method_allowed(method: &str) -> bool {
        ["GET", "POST", "HEAD", "OPTIONS"]
            .iter()
            .any(|m| method.eq_ignore_ascii_case(m))
    }

    /// The headers of a preflight's answer (204).
    pub(crate) fn preflight(&self, req: &HeaderMap, out: &mut HeaderMap) {
        out.insert(
            VARY,
            HeaderValue::from_static("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
        );
        let Some(origin) = self.origin(req.get(ORIGIN)) else {
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
        if !self.any_header && !requested.iter().all(|h| self.headers.contains(h)) {
            return;
        }
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if let Ok(m) = HeaderValue::from_str(&method.to_ascii_uppercase()) {
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

    /// The headers of an actual cross-origin answer.
    pub(crate) fn actual(&self, method: &Method, origin: Option<&HeaderValue>, out: &mut HeaderMap) {
        out.append(VARY, HeaderValue::from_static("Origin"));
        let Some(origin) = self.origin(origin) else {
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
    #![allow(clippy::unwrap_used)]

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
    fn policy() {
        assert!(Cors::new(&CorsConfig::default()).is_none());
        let c = cors(&["https://*.example.com"], &["X-B3-TraceId"], 600);
        let mut out = HeaderMap::new();
        c.preflight(
            &req(
                "https://app.example.com",
                "post",
                Some("Content-Type, x-b3-traceid"),
            ),
            &mut out,
        );
        assert_eq!(out[ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example.com");
        assert_eq!(out[ACCESS_CONTROL_ALLOW_METHODS], "POST");
        assert_eq!(out[ACCESS_CONTROL_ALLOW_HEADERS], "content-type, x-b3-traceid");
        assert_eq!(out[ACCESS_CONTROL_MAX_AGE], "600");
        for (origin, method, headers) in [
            ("https://example.org", "POST", None),
            ("http://app.example.com", "POST", None),
            ("https://app.example.com", "DELETE", None),
            ("https://app.example.com", "POST", Some("x-other")),
        ] {
            let mut out = HeaderMap::new();
            c.preflight(&req(origin, method, headers), &mut out);
            assert!(
                !out.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN),
                "{origin} {method}"
            );
        }
        let any = cors(&["*"], &[], 0);
        let mut out = HeaderMap::new();
        any.actual(
            &Method::POST,
            Some(&HeaderValue::from_static("http://x")),
            &mut out,
        );
        assert_eq!(out[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(out[VARY], "Origin");
    }
}
