//! The `/debug/pprof/` routes, as Go's `net/http/pprof` names them.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION, X_CONTENT_TYPE_OPTIONS};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use tokio_util::sync::CancellationToken;

use crate::cpu::CpuSession;
use crate::error::ProfileError;
use otelcol_httpserver::server::{Handler, HttpResponse};

/// Default `seconds` of `/debug/pprof/profile` (Go's).
pub const DEFAULT_PROFILE_SECONDS: u64 = 30;
/// Longest CPU profile one request may ask for.
pub const MAX_PROFILE_SECONDS: u64 = 300;

const TEXT: &str = "text/plain; charset=utf-8";

/// Go's profiles that this build cannot produce, with the reason.
const UNAVAILABLE: [(&str, &str); 8] = [
    (
        "allocs",
        "no allocation profiler: otelcol-rs uses the system allocator, which records no allocation samples",
    ),
    (
        "block",
        "no block profile: Rust has no runtime that records blocking events",
    ),
    (
        "goroutine",
        "no goroutines: otelcol-rs runs on tokio tasks and OS threads",
    ),
    (
        "heap",
        "no heap profiler: otelcol-rs uses the system allocator, which records no heap samples",
    ),
    (
        "mutex",
        "no mutex profile: Rust has no runtime that records lock contention",
    ),
    (
        "symbol",
        "not needed: profiles from this server are already symbolized",
    ),
    ("threadcreate", "no thread-creation profile in Rust"),
    (
        "trace",
        "no execution tracer in Rust; use the CPU profile or the zpages extension's tracez",
    ),
];

fn response(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> HttpResponse {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn text(status: StatusCode, body: String) -> HttpResponse {
    let mut resp = response(status, TEXT, body);
    resp.headers_mut()
        .insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp
}

/// `seconds` from the query: absent, unparsable or not positive means the
/// default (as Go); above the maximum is an error.
fn profile_seconds(query: Option<&str>) -> Result<u64, String> {
    let value = query
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("seconds="))
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|s| *s > 0);
    match value.map(u64::try_from) {
        None | Some(Err(_)) => Ok(DEFAULT_PROFILE_SECONDS),
        Some(Ok(s)) if s > MAX_PROFILE_SECONDS => Err(format!(
            "profile duration of {s}s exceeds the maximum of {MAX_PROFILE_SECONDS}s"
        )),
        Some(Ok(s)) => Ok(s),
    }
}

fn index() -> String {
    let mut rows = String::from(
        "<tr><td><a href=\"profile?seconds=30\">profile</a></td><td>available</td>\
         <td>CPU profile (100 Hz) in the pprof format, gzip-compressed; \
         <code>?seconds=N</code> sets the duration (default 30, at most 300)</td></tr>\n\
         <tr><td><a href=\"cmdline\">cmdline</a></td><td>available</td>\
         <td>the command line, arguments separated by NUL bytes</td></tr>\n",
    );
    for (name, why) in UNAVAILABLE {
        rows.push_str(&format!(
            "<tr><td>{name}</td><td>not available</td><td>{why}</td></tr>\n"
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>/debug/pprof/</title></head>\n\
         <body><h1>/debug/pprof/</h1>\n\
         <p>Profiles of this otelcol-rs process. Read them with <code>go tool pprof \
         http://HOST/debug/pprof/profile?seconds=30</code> or any pprof viewer.</p>\n\
         <table border=\"1\" cellpadding=\"4\"><tr><th>Profile</th><th>Status</th><th>Description</th></tr>\n\
         {rows}</table></body></html>\n"
    )
}

/// Answers `/debug/pprof/...`.
#[derive(Debug)]
pub(crate) struct App {
    /// Cancelled on shutdown: running CPU profiles end early with what they have.
    pub(crate) shutdown: CancellationToken,
}

impl App {
    async fn cpu_profile(&self, query: Option<&str>) -> HttpResponse {
        let seconds = match profile_seconds(query) {
            Ok(s) => s,
            Err(e) => return text(StatusCode::BAD_REQUEST, format!("{e}\n")),
        };
        let session = match CpuSession::start().await {
            Ok(s) => s,
            Err(e @ ProfileError::Busy) => {
                return text(
                    StatusCode::CONFLICT,
                    format!("Could not enable CPU profiling: {e}\n"),
                );
            }
            Err(e) => {
                return text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Could not enable CPU profiling: {e}\n"),
                );
            }
        };
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(seconds)) => {}
            () = self.shutdown.cancelled() => {}
        }
        match session.finish().await {
            Ok(profile) => {
                let mut resp = response(StatusCode::OK, "application/octet-stream", profile);
                let headers = resp.headers_mut();
                headers.insert(
                    CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment; filename=\"profile\""),
                );
                headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
                resp
            }
            Err(e) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Could not collect the CPU profile: {e}\n"),
            ),
        }
    }

    pub(crate) async fn answer(&self, path: &str, query: Option<&str>) -> HttpResponse {
        let Some(name) = path.strip_prefix("/debug/pprof/") else {
            if path == "/debug/pprof" {
                let mut resp = response(StatusCode::MOVED_PERMANENTLY, TEXT, Bytes::new());
                resp.headers_mut()
                    .insert(LOCATION, HeaderValue::from_static("/debug/pprof/"));
                return resp;
            }
            return text(StatusCode::NOT_FOUND, "404 page not found\n".into());
        };
        match name {
            "" => response(StatusCode::OK, "text/html; charset=utf-8", index()),
            "profile" => self.cpu_profile(query).await,
            "cmdline" => text(StatusCode::OK, std::env::args().collect::<Vec<_>>().join("\0")),
            other => match UNAVAILABLE.iter().find(|(n, _)| *n == other) {
                Some((n, why)) => text(
                    StatusCode::NOT_IMPLEMENTED,
                    format!("The {n} profile is not available in otelcol-rs: {why}.\n"),
                ),
                None => text(StatusCode::NOT_FOUND, "Unknown profile\n".into()),
            },
        }
    }
}

impl Handler for App {
    async fn handle(&self, req: Request<Incoming>) -> HttpResponse {
        self.answer(req.uri().path(), req.uri().query()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_like_go_with_a_maximum() {
        assert_eq!(profile_seconds(None), Ok(30));
        assert_eq!(profile_seconds(Some("seconds=5")), Ok(5));
        assert_eq!(profile_seconds(Some("debug=1&seconds=0")), Ok(30));
        assert_eq!(profile_seconds(Some("seconds=-3")), Ok(30));
        assert_eq!(profile_seconds(Some("seconds=abc")), Ok(30));
        assert_eq!(profile_seconds(Some("seconds=300")), Ok(300));
        assert!(profile_seconds(Some("seconds=301")).is_err());
    }

    #[tokio::test]
    async fn routes() {
        let app = App {
            shutdown: CancellationToken::new(),
        };
        let status = |r: HttpResponse| r.status().as_u16();
        assert_eq!(status(app.answer("/debug/pprof/", None).await), 200);
        assert_eq!(status(app.answer("/debug/pprof", None).await), 301);
        assert_eq!(status(app.answer("/debug/pprof/cmdline", None).await), 200);
        assert_eq!(status(app.answer("/debug/pprof/heap", None).await), 501);
        assert_eq!(status(app.answer("/debug/pprof/goroutine", None).await), 501);
        assert_eq!(status(app.answer("/debug/pprof/nope", None).await), 404);
        assert_eq!(status(app.answer("/other", None).await), 404);
        assert_eq!(
            status(app.answer("/debug/pprof/profile", Some("seconds=9999")).await),
            400
        );
    }
}
