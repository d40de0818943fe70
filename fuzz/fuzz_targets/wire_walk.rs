//! The receiver's non-allocating protobuf walk (`otelcol_component::wire`)
//! against prost, for the three export requests: both accept or both refuse,
//! and when they accept, the walk counts the items the decoded request holds.
//! `Payload::from_encoded` (what the receiver calls) must agree too, and
//! decode later to exactly prost's request.

#![no_main]

use libfuzzer_sys::fuzz_target;
use otelcol_component::prost::Message;
use otelcol_component::prost::bytes::Bytes;
use otelcol_component::{Logs, Metrics, Payload, Traces, validate_logs, validate_metrics, validate_traces};

fn check<P: Payload>(data: &[u8], walk: fn(&[u8]) -> Result<usize, otelcol_component::WireError>) {
    let walked = walk(data);
    let decoded = P::Request::decode(data);
    match (&walked, &decoded) {
        (Ok(n), Ok(req)) => {
            let items = P::from_request(req.clone()).item_count();
            assert_eq!(*n, items, "walk counts {n} items, prost's request holds {items}");
        }
        (Err(_), Err(_)) => {}
        (Ok(n), Err(e)) => panic!("walk accepts ({n} items), prost refuses: {e}"),
        (Err(e), Ok(_)) => panic!("walk refuses, prost accepts: {e}"),
    }
    match (P::from_encoded(Bytes::copy_from_slice(data)), decoded) {
        (Ok(p), Ok(req)) => {
            assert_eq!(Ok(p.item_count()), walked.map_err(|_| ()));
            // Decoding later gives prost's request (compared as encodings:
            // NaN doubles are not equal to themselves).
            assert_eq!(p.request().encode_to_vec(), req.encode_to_vec());
        }
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => panic!("from_encoded accepts, prost refuses: {e}"),
        (Err(e), Ok(_)) => panic!("from_encoded refuses, prost accepts: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    check::<Traces>(data, validate_traces);
    check::<Metrics>(data, validate_metrics);
    check::<Logs>(data, validate_logs);
});
