//! Round trips of realistic generated requests (every metric data-point
//! type, every log body kind, events, links, ids) through OTLP/JSON.

#![allow(clippy::unwrap_used)] // test: a panic is a test failure

use otelcol_componenttest::generate::Generator;
use otelcol_otlp_json::*;

#[test]
fn generated_requests_round_trip_unchanged() {
    for seed in 0..20 {
        let mut g = Generator::new(seed).points_per_metric(2);
        let t = g.traces(2, 2, 6);
        assert_eq!(decode_traces(&encode_traces(&t)).unwrap(), t, "seed {seed}");
        let m = g.metrics(2, 2, 5);
        assert_eq!(decode_metrics(&encode_metrics(&m)).unwrap(), m, "seed {seed}");
        let l = g.logs(2, 2, 7);
        assert_eq!(decode_logs(&encode_logs(&l)).unwrap(), l, "seed {seed}");
    }
}
