//! The scrape page: `/metrics` with content negotiation and gzip, served
//! by the shared HTTP server (HTTP/1.1 and h2c, or HTTPS with `tls`).

use std::io::{self, Write as _};
use std::sync::Arc;

use bytes::Bytes;
use http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use otelcol_httpserver::server::{Handler, HttpResponse};
use otelcol_prometheus::Accumulator;
use otelcol_prometheus::expfmt::{self, Format};

use crate::config::METRICS_PATH;

/// Pages larger than this are rendered and compressed on a blocking thread.
const BLOCKING_SERIES: usize = 5_000;

/// What a scrape needs.
#[derive(Debug)]
pub(crate) struct Scrape {
    pub accumulator: Arc<Accumulator>,
    pub open_metrics: bool,
    pub timestamps: bool,
}

fn plain(status: StatusCode, body: &'static str) -> HttpResponse {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn gzip(body: &[u8]) -> io::Result<Vec<u8>> {
    let mut enc =
        flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::fast());
    enc.write_all(body)?;
    enc.finish()
}

/// Renders (and compresses) a page.
fn page(scrape: &Scrape, format: Format, compress: bool) -> (Vec<u8>, bool) {
    let body = expfmt::render(&scrape.accumulator.snapshot(), format, scrape.timestamps);
    if compress {
        match gzip(&body) {
            Ok(z) => return (z, true),
            Err(e) => tracing::debug!(error = %e, "gzip failed; sending the page uncompressed"),
        }
    }
    (body, false)
}

impl Handler for Scrape {
    async fn handle(&self, req: Request<Incoming>) -> HttpResponse {
        handle(self, req).await
    }
}

async fn handle(scrape: &Scrape, req: Request<Incoming>) -> HttpResponse {
    if req.uri().path() != METRICS_PATH {
        return plain(StatusCode::NOT_FOUND, "404 page not found\n");
    }
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let format = expfmt::negotiate(header(ACCEPT), scrape.open_metrics);
    let compress = header(ACCEPT_ENCODING).is_some_and(|v| {
        v.split(',').any(|e| {
            e.split(';')
                .next()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case("gzip"))
        })
    });
    let (body, gzipped) = if scrape.accumulator.series_count() > BLOCKING_SERIES {
        let s = Scrape {
            accumulator: scrape.accumulator.clone(),
            open_metrics: scrape.open_metrics,
            timestamps: scrape.timestamps,
        };
        match tokio::task::spawn_blocking(move || page(&s, format, compress)).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "rendering the scrape page failed");
                return plain(StatusCode::INTERNAL_SERVER_ERROR, "rendering failed\n");
            }
        }
    } else {
        page(scrape, format, compress)
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    if gzipped {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    resp
}
