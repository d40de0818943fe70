use super::*;

/// A body like an OTLP request: repetitive, with some variety.
fn sample() -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..2000u32 {
        v.extend_from_slice(b"service.name=checkout span=GET /cart/");
        v.extend_from_slice(i.to_string().as_bytes());
        v.push(b';');
    }
    v
}

const CODECS: &[CompressionType] = &[
    CompressionType::Gzip,
    CompressionType::Zlib,
    CompressionType::Deflate,
    CompressionType::Snappy,
    CompressionType::SnappyFramed,
    CompressionType::Zstd,
    CompressionType::Lz4,
];

#[test]
fn names_round_trip_and_unknown_names_are_refused_with_gos_message() {
    for name in ALL_NAMES {
        let ty: CompressionType = name.parse().unwrap();
        assert_eq!(ty.name(), *name);
        assert_eq!(ty.to_string(), *name);
    }
    assert_eq!(
        "brotli".parse::<CompressionType>().unwrap_err().to_string(),
        "unsupported compression type \"brotli\""
    );
    assert!(
        "GZIP".parse::<CompressionType>().is_err(),
        "names are case-sensitive, as in Go"
    );
    assert!(!CompressionType::None.is_compressed());
    assert!(!CompressionType::Empty.is_compressed());
    assert!(CompressionType::Lz4.is_compressed());
}

#[test]
fn serde_reads_names_and_null() {
    #[derive(Deserialize, Serialize)]
    struct C {
        compression: CompressionType,
        #[serde(default)]
        compression_params: CompressionParams,
    }
    let c: C = serde_yaml::from_str("compression: zstd\ncompression_params: {level: 9}").unwrap();
    assert_eq!(c.compression, CompressionType::Zstd);
    assert_eq!(c.compression_params.level, 9);
    let c: C = serde_yaml::from_str("compression:").unwrap();
    assert_eq!(c.compression, CompressionType::Empty);
    let err = serde_yaml::from_str::<C>("compression: lzma")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("unsupported compression type \"lzma\""), "{err}");
    let err = serde_yaml::from_str::<C>("compression: gzip\ncompression_params: {lvl: 1}")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("unknown field `lvl`"), "{err}");
    let out = serde_yaml::to_string(&C {
        compression: CompressionType::SnappyFramed,
        compression_params: CompressionParams::default(),
    })
    .unwrap();
    assert!(out.contains("compression: x-snappy-framed"), "{out}");
}

#[test]
fn params_are_validated_as_go_validates_them() {
    let p = |level| CompressionParams { level };
    for level in [-2, -1, 0, 1, 5, 9] {
        assert!(CompressionType::Gzip.validate_params(p(level)).is_ok(), "{level}");
        assert!(
            CompressionType::Deflate.validate_params(p(level)).is_ok(),
            "{level}"
        );
    }
    for level in [-3, 10, 22] {
        assert!(
            CompressionType::Zlib.validate_params(p(level)).is_err(),
            "{level}"
        );
    }
    for level in [-5, 0, 1, 22, 100] {
        assert!(CompressionType::Zstd.validate_params(p(level)).is_ok(), "{level}");
    }
    assert!(CompressionType::Snappy.validate_params(p(0)).is_ok());
    assert_eq!(
        CompressionType::Snappy
            .validate_params(p(1))
            .unwrap_err()
            .to_string(),
        "unsupported parameters {Level:1} for compression type \"snappy\""
    );
    assert!(CompressionType::Lz4.validate_params(p(3)).is_err());
    assert!(compress(CompressionType::Lz4, p(3), b"x").is_err());
}

#[test]
fn every_codec_round_trips_at_several_levels() {
    let data = sample();
    for &ty in CODECS {
        let levels: &[i32] = match ty {
            CompressionType::Gzip | CompressionType::Zlib | CompressionType::Deflate => &[-2, -1, 0, 1, 9],
            CompressionType::Zstd => &[-1, 0, 1, 3, 19],
            _ => &[0],
        };
        for &level in levels {
            let packed = compress(ty, CompressionParams { level }, &data).unwrap();
            assert!(packed.len() < data.len(), "{ty} at {level} did not compress");
            assert_eq!(
                decompress(ty, &packed, data.len()).unwrap(),
                data,
                "{ty} at {level}"
            );
        }
    }
    for ty in [CompressionType::None, CompressionType::Empty] {
        assert_eq!(compress(ty, CompressionParams::default(), &data).unwrap(), data);
        assert_eq!(decompress(ty, &data, data.len()).unwrap(), data);
        assert!(matches!(
            decompress(ty, &data, data.len() - 1),
            Err(DecompressError::TooLarge { .. })
        ));
    }
}

#[test]
fn output_beyond_the_limit_is_refused_for_every_codec() {
    // 8 MiB of zeros compresses to a few KiB with every codec: a bomb.
    let zeros = vec![0u8; 8 << 20];
    for &ty in CODECS {
        let packed = compress(ty, CompressionParams::default(), &zeros).unwrap();
        assert!(packed.len() < 512 << 10, "{ty}: {}", packed.len());
        match decompress(ty, &packed, 1 << 20) {
            Err(DecompressError::TooLarge { limit }) => assert_eq!(limit, 1 << 20),
            other => panic!("{ty}: expected TooLarge, got {other:?}"),
        }
        // Exactly at the limit is fine.
        assert_eq!(
            decompress(ty, &packed, zeros.len()).unwrap().len(),
            zeros.len(),
            "{ty}"
        );
    }
}

#[test]
fn corrupt_and_truncated_bodies_are_errors_not_panics() {
    let data = sample();
    for &ty in CODECS {
        let packed = compress(ty, CompressionParams::default(), &data).unwrap();
        for cut in [0, 1, packed.len() / 2, packed.len() - 1] {
            let r = decompress(ty, &packed[..cut], data.len());
            // Some truncations of stream formats end early but cleanly (the
            // lz4 end mark is optional to its decoder); what must never
            // happen is a panic or bytes that were not sent.
            if let Ok(out) = r {
                assert!(
                    data.starts_with(&out),
                    "{ty} cut at {cut}: {} bytes that are not a prefix",
                    out.len()
                );
            }
        }
        let mut flipped = packed.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0xa5;
        let _ = decompress(ty, &flipped, data.len());
        let garbage: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let _ = decompress(ty, &garbage, 1 << 20);
    }
    let err = decompress(CompressionType::Gzip, b"not gzip", 100).unwrap_err();
    assert!(matches!(err, DecompressError::Corrupt { .. }), "{err}");
    assert!(err.to_string().starts_with("invalid gzip body"), "{err}");
}

#[test]
fn snappy_reads_framed_data_sent_as_snappy() {
    let data = sample();
    let framed = compress(CompressionType::SnappyFramed, CompressionParams::default(), &data).unwrap();
    assert_eq!(
        decompress(CompressionType::Snappy, &framed, data.len()).unwrap(),
        data
    );
}

#[test]
fn snappy_block_states_its_length_and_is_refused_before_allocating() {
    // A block whose preamble claims 4 GiB: refused by the claim alone.
    let mut claim = Vec::new();
    let mut n: u64 = 4 << 30;
    while n >= 0x80 {
        claim.push((n as u8) | 0x80);
        n >>= 7;
    }
    claim.push(n as u8);
    claim.extend_from_slice(&[0, 0, 0]);
    assert!(matches!(
        decompress(CompressionType::Snappy, &claim, 1 << 20),
        Err(DecompressError::TooLarge { .. }) | Err(DecompressError::Corrupt { .. })
    ));
}

#[test]
fn concatenated_gzip_members_are_one_body() {
    let mut both = compress(CompressionType::Gzip, CompressionParams::default(), b"hello ").unwrap();
    both.extend(compress(CompressionType::Gzip, CompressionParams::default(), b"world").unwrap());
    assert_eq!(
        decompress(CompressionType::Gzip, &both, 100).unwrap(),
        b"hello world"
    );
}

#[test]
fn zstd_frames_asking_for_huge_windows_are_refused() {
    // A zstd frame header with window log 31 (2 GiB) and no content size.
    // Magic, frame header descriptor 0x00 (no single segment, no checksum,
    // no dict, no FCS), window descriptor (exponent 21 => log 31).
    let frame = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00];
    assert!(decompress(CompressionType::Zstd, &frame, 1 << 20).is_err());
}

#[test]
fn snappy_states_its_length_unless_framed() {
    let data = sample();
    let block = compress(CompressionType::Snappy, CompressionParams::default(), &data).unwrap();
    assert_eq!(snappy_declared_len(&block).unwrap(), Some(data.len()));
    let framed = compress(CompressionType::SnappyFramed, CompressionParams::default(), &data).unwrap();
    assert_eq!(snappy_declared_len(&framed).unwrap(), None);
    assert!(snappy_declared_len(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
}
