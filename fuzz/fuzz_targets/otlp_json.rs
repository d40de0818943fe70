//! OTLP/JSON decoding (`otelcol-otlp-json`) of any bytes, as each of the
//! three export requests: never a panic, and whatever is accepted
//! - encodes to protobuf that prost and the receiver's wire walk accept,
//!   with the same item count (nothing acknowledged over JSON is refused by
//!   the next hop);
//! - re-encodes to OTLP/JSON that decodes to the same message.
//!
//! Messages are compared as their protobuf encodings: NaN doubles are not
//! equal to themselves.

#![no_main]

use libfuzzer_sys::fuzz_target;
use otelcol_component::prost::Message;
use otelcol_component::{Logs, Metrics, Payload, Traces, WireError};
use otelcol_otlp_json as json;

fn check<P: Payload>(
    data: &[u8],
    decode: fn(&[u8]) -> Result<P::Request, json::DecodeError>,
    encode: fn(&P::Request) -> Vec<u8>,
    walk: fn(&[u8]) -> Result<usize, WireError>,
) {
    let Ok(req) = decode(data) else { return };
    let proto = req.encode_to_vec();
    let again = match P::Request::decode(&proto[..]) {
        Ok(r) => r,
        Err(e) => panic!("accepted JSON encodes to protobuf prost refuses: {e}"),
    };
    assert_eq!(
        again.encode_to_vec(),
        proto,
        "protobuf round trip changed the message"
    );
    let items = P::from_request(req.clone()).item_count();
    match walk(&proto) {
        Ok(n) => assert_eq!(n, items, "wire walk counts {n}, the request holds {items}"),
        Err(e) => panic!("accepted JSON encodes to protobuf the wire walk refuses: {e}"),
    }
    let text = encode(&req);
    let back = match decode(&text) {
        Ok(r) => r,
        Err(e) => panic!(
            "re-encoded JSON is refused: {e}\n{}",
            String::from_utf8_lossy(&text)
        ),
    };
    assert_eq!(back.encode_to_vec(), proto, "JSON round trip changed the message");
}

fuzz_target!(|data: &[u8]| {
    check::<Traces>(
        data,
        json::decode_traces,
        json::encode_traces,
        otelcol_component::validate_traces,
    );
    check::<Metrics>(
        data,
        json::decode_metrics,
        json::encode_metrics,
        otelcol_component::validate_metrics,
    );
    check::<Logs>(
        data,
        json::decode_logs,
        json::encode_logs,
        otelcol_component::validate_logs,
    );
});
