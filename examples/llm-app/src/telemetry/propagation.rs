//! W3C Trace Context (`traceparent` + `tracestate`) over `http::HeaderMap`.

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector};

/// Writes propagation fields into a header map (invalid names or values are skipped).
#[derive(Debug)]
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Reads propagation fields from a header map (non-UTF-8 values read as absent).
#[derive(Debug)]
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use opentelemetry::Context;
    use opentelemetry::propagation::TextMapPropagator;
    use opentelemetry::trace::TraceContextExt;
    use opentelemetry_sdk::propagation::TraceContextPropagator;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn extract_then_inject_round_trips_traceparent_and_tracestate() {
        let p = TraceContextPropagator::new();
        let mut incoming = HeaderMap::new();
        incoming.insert("traceparent", PARENT.parse().unwrap());
        incoming.insert("tracestate", "vendor=abc,other=1".parse().unwrap());
        let cx = p.extract(&HeaderExtractor(&incoming));
        let sc = cx.span().span_context().clone();
        assert!(sc.is_remote() && sc.is_valid() && sc.is_sampled());
        assert_eq!(sc.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");

        let mut outgoing = HeaderMap::new();
        p.inject_context(&cx, &mut HeaderInjector(&mut outgoing));
        assert_eq!(outgoing.get("traceparent").unwrap(), PARENT);
        assert_eq!(outgoing.get("tracestate").unwrap(), "vendor=abc,other=1");
    }

    #[test]
    fn malformed_or_absent_traceparent_yields_no_parent() {
        let p = TraceContextPropagator::new();
        let mut h = HeaderMap::new();
        assert!(!p.extract(&HeaderExtractor(&h)).has_active_span());
        h.insert("traceparent", "00-zz-00f067aa0ba902b7-01".parse().unwrap());
        let cx = p.extract(&HeaderExtractor(&h));
        assert!(!cx.span().span_context().is_valid());
        // Injecting an empty context writes nothing.
        let mut out = HeaderMap::new();
        p.inject_context(&Context::new(), &mut HeaderInjector(&mut out));
        assert!(out.is_empty());
    }
}
