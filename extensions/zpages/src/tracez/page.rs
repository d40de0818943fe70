//! The `/debug/tracez` page: a summary table per span name, and samples of
//! one bucket when the query asks for them (Go's `zspanname`, `ztype`,
//! `zlatencybucket` parameters: type 1 = latency, type 2 = errors).

use std::fmt::Write as _;

use super::store::{LATENCY_BUCKET_BOUNDS, SpanSample, TracezStore};
use crate::html::{encode_query_value, escape, page, query_param, table};
use otelcol_httpserver::gofmt::{go_duration, rfc3339_nano};

/// Query `ztype` of latency samples.
const TYPE_LATENCY: &str = "1";
/// Query `ztype` of error samples.
const TYPE_ERROR: &str = "2";

fn bucket_label(i: usize) -> String {
    LATENCY_BUCKET_BOUNDS
        .get(i)
        .map(|b| format!(">{}", go_duration(*b)))
        .unwrap_or_default()
}

/// A count, linked to its samples when there are any.
fn count_cell(count: u64, name: &str, ztype: &str, bucket: Option<usize>) -> String {
    if count == 0 {
        return "0".to_string();
    }
    let mut href = format!("?zspanname={}&amp;ztype={ztype}", encode_query_value(name));
    if let Some(b) = bucket {
        let _ = write!(href, "&amp;zlatencybucket={b}");
    }
    format!("<a href=\"{href}\">{count}</a>")
}

fn summary(store: &TracezStore) -> String {
    let mut headers = vec!["Span Name".to_string(), "Running".to_string()];
    headers.extend((0..LATENCY_BUCKET_BOUNDS.len()).map(bucket_label));
    headers.push("Errors".to_string());
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = store
        .summaries()
        .iter()
        .map(|s| {
            let mut row = vec![escape(&s.name), s.running.to_string()];
            row.extend(
                s.latency_counts
                    .iter()
                    .enumerate()
                    .map(|(i, c)| count_cell(*c, &s.name, TYPE_LATENCY, Some(i))),
            );
            row.push(count_cell(s.error_count, &s.name, TYPE_ERROR, None));
            row
        })
        .collect();
    if rows.is_empty() {
        return "<p>No spans recorded yet.</p>\n".to_string();
    }
    table(&headers, &rows)
}

fn samples_table(samples: &[SpanSample]) -> String {
    if samples.is_empty() {
        return "<p>No samples.</p>\n".to_string();
    }
    let rows: Vec<Vec<String>> = samples
        .iter()
        .rev()
        .map(|s| {
            let fields: Vec<String> = s
                .fields
                .iter()
                .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
                .collect();
            vec![
                escape(&rfc3339_nano(s.start)),
                escape(&go_duration(s.duration)),
                escape(&s.target),
                fields.join("<br>"),
                s.error.as_deref().map(escape).unwrap_or_default(),
            ]
        })
        .collect();
    table(&["Start", "Duration", "Target", "Fields", "Error"], &rows)
}

fn samples(store: &TracezStore, query: Option<&str>) -> Option<String> {
    let name = query_param(query, "zspanname")?;
    let ztype = query_param(query, "ztype").unwrap_or_default();
    let (title, samples) = match ztype.as_str() {
        TYPE_LATENCY => {
            let bucket = query_param(query, "zlatencybucket")
                .and_then(|b| b.parse::<usize>().ok())
                .filter(|b| *b < LATENCY_BUCKET_BOUNDS.len())?;
            (
                format!("latency {}", bucket_label(bucket)),
                store.latency_samples(&name, bucket),
            )
        }
        TYPE_ERROR => ("errors".to_string(), store.error_samples(&name)),
        _ => return None,
    };
    Some(format!(
        "<h2>Span &quot;{}&quot;: {} (most recent first)</h2>\n{}",
        escape(&name),
        escape(&title),
        samples_table(&samples)
    ))
}

/// The whole page; `store` is `None` when no tracez layer is installed.
pub(crate) fn render(store: Option<&TracezStore>, query: Option<&str>) -> String {
    let Some(store) = store else {
        return page(
            "TraceZ",
            "<p>No span recorder is installed in this process: the collector's own spans are not \
             collected, so there is nothing to show. (The program must add \
             <code>otelcol_extension_zpages::tracez_layer()</code> to its tracing subscriber.)</p>\n",
        );
    };
    let mut body = String::from(
        "<p>The collector's own spans by latency (from creation to close); failed spans are \
         counted under Errors only.</p>\n",
    );
    body.push_str(&summary(store));
    if let Some(s) = samples(store, query) {
        body.push_str(&s);
    }
    let dropped = store.dropped();
    if dropped > 0 {
        let _ = writeln!(
            body,
            "<p>{dropped} spans not recorded: too many distinct span names.</p>"
        );
    }
    page("TraceZ", &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn summary_links_and_samples_escape_names() {
        let store = TracezStore::new();
        store.record(
            SpanSample {
                name: "<script>x</script>".into(),
                target: "t&t".into(),
                start: SystemTime::UNIX_EPOCH,
                duration: Duration::from_millis(20),
                fields: vec![("k".into(), "<v>".into())],
                error: None,
            },
            false,
        );
        let html = render(Some(&store), None);
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(html.contains("?zspanname=%3Cscript%3Ex%3C%2Fscript%3E&amp;ztype=1&amp;zlatencybucket=4"));
        let q = "zspanname=%3Cscript%3Ex%3C%2Fscript%3E&ztype=1&zlatencybucket=4";
        let html = render(Some(&store), Some(q));
        assert!(
            html.contains("k=&lt;v&gt;") && html.contains("t&amp;t") && html.contains("20ms"),
            "{html}"
        );
        assert!(render(None, None).contains("No span recorder is installed"));
    }
}
