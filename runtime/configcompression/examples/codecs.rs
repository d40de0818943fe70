//! Measures every codec on a body: compressed size, compress and decompress
//! throughput. `cargo run --release -p otelcol-configcompression --example
//! codecs [-- FILE]`; without FILE, a synthetic OTLP-like body. The figures
//! in BENCHMARKS.md come from this.

use std::time::{Duration, Instant};

use otelcol_configcompression::{CompressionParams, CompressionType, compress, decompress};

fn synthetic() -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..20_000u32 {
        v.extend_from_slice(b"\x0a\x10");
        v.extend_from_slice(&i.wrapping_mul(2_654_435_761).to_le_bytes().repeat(4));
        v.extend_from_slice(b"\x2a\x0dGET /api/cart\x52\x1a\x0a\x0bhttp.method\x12\x0b\x0a\x03GET");
        v.extend_from_slice(i.to_string().as_bytes());
    }
    v
}

fn per_second(bytes: usize, n: u32, d: Duration) -> f64 {
    bytes as f64 * f64::from(n) / d.as_secs_f64() / 1e6
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let body = match std::env::args().nth(1) {
        Some(path) => std::fs::read(path)?,
        None => synthetic(),
    };
    println!("body: {} bytes", body.len());
    println!(
        "{:<16} {:>10} {:>8} {:>14} {:>14}",
        "codec", "size", "ratio", "compress MB/s", "decompress MB/s"
    );
    let types = [
        CompressionType::Gzip,
        CompressionType::Zlib,
        CompressionType::Zstd,
        CompressionType::Snappy,
        CompressionType::SnappyFramed,
        CompressionType::Lz4,
    ];
    for ty in types {
        let params = CompressionParams::default();
        let packed = compress(ty, params, &body)?;
        let n = 20;
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(compress(ty, params, &body)?);
        }
        let c = t.elapsed();
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(decompress(ty, &packed, body.len())?);
        }
        let d = t.elapsed();
        println!(
            "{:<16} {:>10} {:>7.1}x {:>14.0} {:>14.0}",
            ty.name(),
            packed.len(),
            body.len() as f64 / packed.len() as f64,
            per_second(body.len(), n, c),
            per_second(body.len(), n, d)
        );
    }
    Ok(())
}
