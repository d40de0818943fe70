//! OTLP/HTTP request bodies through the receiver's size limit and
//! decompression (`Content-Encoding` identity, gzip, zlib/deflate, zstd,
//! snappy block and framed, lz4, and refused names): never a panic, and
//! what comes out is never larger than `max_request_body_size`.
//!
//! Input: the first byte picks the `Content-Encoding`, the second the limit
//! (1 byte to 64 KiB), the rest is the body as received.

#![no_main]

use libfuzzer_sys::fuzz_target;

const ENCODINGS: [&[u8]; 10] = [
    b"",
    b"gzip",
    b"zlib",
    b"deflate",
    b"zstd",
    b"GZIP",
    b"snappy",
    b"\xff",
    b"lz4",
    b"x-snappy-framed",
];

fuzz_target!(|data: &[u8]| {
    let [pick, size, raw @ ..] = data else { return };
    let encoding = ENCODINGS[usize::from(*pick) % ENCODINGS.len()];
    // Small limits to hit the boundary often, larger ones to let bombs grow.
    let max = match size >> 6 {
        0 => usize::from(size & 63) + 1,
        1 => usize::from(size & 63) * 64 + 1,
        _ => (usize::from(size & 127) + 1) * 512,
    };
    if let Ok(body) = otelcol_receiver_otlp::decode_body(encoding, raw, max) {
        assert!(body.len() <= max, "{} bytes out, the limit is {max}", body.len());
    }
});
