//! File offsets in the storage extension, in the Go collector's format, so
//! a store written by one can be read by the other: under the key
//! `file_input.knownFiles` (the input operator's id, then Go's key), a
//! stream of JSON values — the number of files, then one `reader.Metadata`
//! per file (`{"Fingerprint":{"first_bytes":"<base64>"},"Offset":N,...}`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::entry::{Map, Value};

/// The storage key of the known files (Go: operator id `file_input`,
/// scoped key `knownFiles`).
pub const KNOWN_FILES_KEY: &str = "file_input.knownFiles";

/// What is remembered of one file.
#[derive(Clone, Debug, PartialEq)]
pub struct FileCheckpoint {
    /// The file's first bytes.
    pub fingerprint: Vec<u8>,
    /// Bytes read and handed on (the next read starts here).
    pub offset: u64,
    /// Records read (`include_file_record_number`).
    pub record_num: i64,
    /// The file's attributes when last read.
    pub attributes: Map,
}

#[derive(Serialize, Deserialize, Default)]
struct FingerprintJson {
    #[serde(default, with = "b64")]
    first_bytes: Vec<u8>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct FlushStateJson {
    #[serde(default)]
    last_data_change: String,
    #[serde(default)]
    last_data_length: i64,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct TokenLenStateJson {
    #[serde(default)]
    minimum_length: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MetadataJson {
    #[serde(default)]
    fingerprint: Option<FingerprintJson>,
    #[serde(default)]
    offset: i64,
    #[serde(default)]
    record_num: i64,
    #[serde(default)]
    file_attributes: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    header_finalized: bool,
    #[serde(default)]
    flush_state: FlushStateJson,
    #[serde(default)]
    token_len_state: TokenLenStateJson,
}

mod b64 {
    use super::*;
    pub(super) fn serialize<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(b))
    }
    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(Vec::new()),
            Some(s) => STANDARD.decode(s).map_err(serde::de::Error::custom),
        }
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Double(d) => serde_json::Number::from_f64(*d).map_or(serde_json::Value::Null, Into::into),
        Value::Str(s) => s.clone().into(),
        Value::Bytes(b) => STANDARD.encode(b).into(),
        Value::Array(a) => a.iter().map(to_json).collect(),
        Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

/// Go's `time.Time` JSON of Unix nanoseconds (RFC 3339, UTC).
#[cfg(test)]
fn rfc3339(nanos: u64) -> String {
    let secs = (nanos / 1_000_000_000) as i64;
    let (y, m, d) = crate::tz::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:09}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        nanos % 1_000_000_000
    )
}

/// Encodes `files` as Go does (`json.Encoder`: one value per line).
pub fn encode(files: &[FileCheckpoint]) -> Vec<u8> {
    let mut out = format!("{}\n", files.len()).into_bytes();
    // Go's zero time: the flush state is not carried over (a partial entry
    // is flushed force_flush_period after the restart), and the encoding
    // stays the same while nothing changes.
    let zero_time = "0001-01-01T00:00:00Z".to_string();
    for f in files {
        let m = MetadataJson {
            fingerprint: Some(FingerprintJson {
                first_bytes: f.fingerprint.clone(),
            }),
            offset: i64::try_from(f.offset).unwrap_or(i64::MAX),
            record_num: f.record_num,
            file_attributes: Some(
                f.attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), to_json(v)))
                    .collect(),
            ),
            header_finalized: false,
            flush_state: FlushStateJson {
                last_data_change: zero_time.clone(),
                last_data_length: 0,
            },
            token_len_state: TokenLenStateJson::default(),
        };
        // Serializing these plain structs cannot fail.
        if let Ok(line) = serde_json::to_vec(&m) {
            out.extend_from_slice(&line);
            out.push(b'\n');
        }
    }
    out
}

/// Why a stored checkpoint cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the stored file offsets: {0}")]
pub struct DecodeError(pub String);

/// Decodes what [`encode`] (or Go) stored.
pub fn decode(bytes: &[u8]) -> Result<Vec<FileCheckpoint>, DecodeError> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<serde_json::Value>();
    let count = match stream.next() {
        None => return Ok(Vec::new()),
        Some(v) => v.map_err(|e| DecodeError(format!("decoding file count: {e}")))?,
    };
    let count = count
        .as_u64()
        .ok_or_else(|| DecodeError(format!("decoding file count: not a count: {count}")))?;
    let mut out = Vec::new();
    for i in 0..count {
        let v = stream
            .next()
            .ok_or_else(|| DecodeError(format!("expected {count} files, found {i}")))?
            .map_err(|e| DecodeError(format!("file {i}: {e}")))?;
        let m: MetadataJson = serde_json::from_value(v).map_err(|e| DecodeError(format!("file {i}: {e}")))?;
        out.push(FileCheckpoint {
            fingerprint: m.fingerprint.map(|f| f.first_bytes).unwrap_or_default(),
            offset: u64::try_from(m.offset).unwrap_or(0),
            record_num: m.record_num,
            attributes: m
                .file_attributes
                .unwrap_or_default()
                .iter()
                .map(|(k, v)| (k.clone(), Value::from_config(v)))
                .collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_go_output() {
        let mut attrs = Map::new();
        attrs.insert("log.file.name".into(), Value::from("app.log"));
        let files = vec![
            FileCheckpoint {
                fingerprint: b"first line\n".to_vec(),
                offset: 42,
                record_num: 3,
                attributes: attrs,
            },
            FileCheckpoint {
                fingerprint: vec![0, 255],
                offset: 0,
                record_num: 0,
                attributes: Map::new(),
            },
        ];
        let bytes = encode(&files);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.starts_with("2\n{\"Fingerprint\":{\"first_bytes\":\"Zmlyc3QgbGluZQo=\"},\"Offset\":42,"),
            "{text}"
        );
        assert_eq!(decode(&bytes).unwrap(), files);
        // As Go's json.Encoder writes it (fields in Go's order, extra fields ignored).
        let go = br#"1
{"Fingerprint":{"first_bytes":"aGVsbG8="},"Offset":6,"RecordNum":0,"FileAttributes":{"log.file.name":"a.log"},"HeaderFinalized":false,"FlushState":{"LastDataChange":"2024-01-01T00:00:00Z","LastDataLength":0},"TokenLenState":{"MinimumLength":0}}
"#;
        let got = decode(go).unwrap();
        assert_eq!(got[0].fingerprint, b"hello");
        assert_eq!(got[0].offset, 6);
        assert_eq!(
            got[0].attributes.get("log.file.name"),
            Some(&Value::from("a.log"))
        );
        assert_eq!(decode(b"").unwrap(), vec![]);
        assert!(
            decode(b"2\n{}\n")
                .unwrap_err()
                .to_string()
                .contains("expected 2 files")
        );
        assert!(decode(b"x").is_err());
        assert_eq!(rfc3339(86_400_000_000_123), "1970-01-02T00:00:00.000000123Z");
    }
}
