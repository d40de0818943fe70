//! Exposition formats and content negotiation (as Go `expfmt.Negotiate`):
//! the delimited protobuf format (with native histograms), OpenMetrics 1.0.0
//! (when enabled) and the text format 0.0.4 (the default).

mod proto;
mod text;

pub use proto::{parse_labels, render_protobuf};
pub use text::{TextOptions, render_text};

use crate::accumulator::Snapshot;

/// Content type of the text format 0.0.4.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// Content type of OpenMetrics 1.0.0.
pub const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Content type of the delimited protobuf format.
pub const PROTOBUF_CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// An exposition format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Text format 0.0.4.
    Text,
    /// OpenMetrics 1.0.0.
    OpenMetrics,
    /// Length-delimited `io.prometheus.client.MetricFamily` messages.
    Protobuf,
}

impl Format {
    /// The response `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => TEXT_CONTENT_TYPE,
            Format::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
            Format::Protobuf => PROTOBUF_CONTENT_TYPE,
        }
    }
}

/// One entry of an `Accept` header.
struct Accept<'a> {
    media: &'a str,
    params: Vec<(&'a str, &'a str)>,
    q: f64,
}

fn parse_accept(header: &str) -> Vec<Accept<'_>> {
    let mut out: Vec<Accept<'_>> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let media = pieces.next()?.trim();
            if media.is_empty() {
                return None;
            }
            let mut q = 1.0;
            let mut params = Vec::new();
            for p in pieces {
                let Some((k, v)) = p.split_once('=') else { continue };
                let (k, v) = (k.trim(), v.trim().trim_matches('"'));
                if k == "q" {
                    q = v.parse().unwrap_or(0.0);
                } else {
                    params.push((k, v));
                }
            }
            Some(Accept { media, params, q })
        })
        .collect();
    // Highest q first; equal q keeps header order.
    out.sort_by(|a, b| b.q.total_cmp(&a.q));
    out
}

/// Picks the format for a scrape's `Accept` header. OpenMetrics is only
/// offered when `openmetrics` is enabled; anything unknown gets text.
pub fn negotiate(accept: Option<&str>, openmetrics: bool) -> Format {
    let Some(header) = accept else { return Format::Text };
    for a in parse_accept(header) {
        let param = |name: &str| {
            a.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        };
        let media = a.media.to_ascii_lowercase();
        match media.as_str() {
            "application/vnd.google.protobuf"
                if param("proto") == Some("io.prometheus.client.MetricFamily")
                    && param("encoding") == Some("delimited") =>
            {
                return Format::Protobuf;
            }
            "text/plain" if matches!(param("version"), None | Some("0.0.4")) => return Format::Text,
            "application/openmetrics-text"
                if openmetrics && matches!(param("version"), None | Some("1.0.0") | Some("0.0.1")) =>
            {
                return Format::OpenMetrics;
            }
            _ => {}
        }
    }
    Format::Text
}

/// About the size of the text rendering, so the page is written into one
/// allocation (growing a 35 MB page by doubling copied it twice more).
fn text_size_hint(snapshot: &Snapshot) -> usize {
    use crate::model::Value;
    let mut bytes = 0usize;
    for f in &snapshot.families {
        // HELP and TYPE lines.
        bytes += 2 * f.name.len() + f.help.len() + 32;
        for s in &f.series {
            let lines = match &s.sample.value {
                Value::Number(_) => 1,
                Value::Histogram(h) => h.bounds.len() + 3,
                // Rendered as classic buckets: about one line a bucket.
                Value::Exponential(_) => 16,
                Value::Summary(q) => q.quantiles.len() + 2,
            };
            bytes += lines * (f.name.len() + s.labels.len() + 48);
        }
    }
    bytes
}

/// Renders `snapshot` in `format`.
pub fn render(snapshot: &Snapshot, format: Format, timestamps: bool) -> Vec<u8> {
    match format {
        Format::Protobuf => {
            let mut out = Vec::with_capacity(snapshot.series_count() * 64);
            render_protobuf(snapshot, timestamps, &mut out);
            out
        }
        Format::Text | Format::OpenMetrics => {
            let mut out = String::with_capacity(text_size_hint(snapshot));
            let opts = TextOptions {
                openmetrics: format == Format::OpenMetrics,
                timestamps,
            };
            render_text(snapshot, opts, &mut out);
            out.into_bytes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROM_242_DEFAULT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    const PROM_NATIVE: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(None, true), Format::Text);
        assert_eq!(negotiate(Some(PROM_242_DEFAULT), false), Format::Text);
        assert_eq!(negotiate(Some(PROM_242_DEFAULT), true), Format::OpenMetrics);
        assert_eq!(negotiate(Some(PROM_NATIVE), false), Format::Protobuf);
        assert_eq!(
            negotiate(Some("text/plain;q=0.2, application/openmetrics-text"), true),
            Format::OpenMetrics
        );
        assert_eq!(negotiate(Some("application/json"), true), Format::Text);
        assert_eq!(
            negotiate(
                Some("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text"),
                true
            ),
            Format::Text
        );
    }
}
