//! `llm-app burst RATE SECONDS`: a steady stream of spans through the app's
//! own SDK setup (the default `BatchSpanProcessor`: a 2048-span queue,
//! 512-span exports, one export at a time), as a busy service produces them.
//! Used to check that a collector keeps up with one SDK process without the
//! SDK dropping spans.

use std::time::{Duration, Instant};

use opentelemetry::trace::{SpanKind, TraceContextExt as _};
use opentelemetry::{Context, KeyValue};

use crate::Telemetry;

/// What a burst did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BurstReport {
    /// Spans started and ended.
    pub created: u64,
    /// Wall time of the span loop (the flush at shutdown is not counted).
    pub elapsed: Duration,
}

/// Parses `RATE SECONDS` (both positive integers).
pub fn parse_args(args: &[String]) -> Result<(u64, u64), String> {
    let [rate, seconds] = args else {
        return Err("usage: llm-app burst RATE SECONDS".into());
    };
    let num = |s: &str, what: &str| match s.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{what} must be a positive integer, got {s:?}")),
    };
    Ok((num(rate, "RATE")?, num(seconds, "SECONDS")?))
}

/// Creates `rate × seconds` spans named `burst.span`, paced at `rate` a
/// second (each millisecond makes the spans that are due), each with its
/// sequence number in `burst.seq`.
pub async fn run(telemetry: &Telemetry, rate: u64, seconds: u64) -> BurstReport {
    let total = rate.saturating_mul(seconds);
    let start = Instant::now();
    let mut created = 0u64;
    while created < total {
        let due = ((start.elapsed().as_secs_f64() * rate as f64) as u64 + 1).min(total);
        while created < due {
            let cx = telemetry.start_span(
                "burst.span",
                SpanKind::Internal,
                vec![KeyValue::new("burst.seq", created as i64)],
                &Context::new(),
            );
            cx.span().end();
            created += 1;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    BurstReport {
        created,
        elapsed: start.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rate_and_seconds() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_args(&args(&["10000", "5"])), Ok((10000, 5)));
        assert!(parse_args(&args(&["10000"])).is_err());
        assert!(parse_args(&args(&["0", "5"])).unwrap_err().contains("RATE"));
        assert!(parse_args(&args(&["10", "x"])).unwrap_err().contains("SECONDS"));
    }
}
