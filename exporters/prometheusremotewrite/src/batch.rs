//! Splitting translated series into write requests of at most
//! `max_batch_size_bytes` of uncompressed protobuf (a single series larger
//! than the limit travels alone). Metadata rides in the last request while
//! it fits, then in requests of its own.

use prost::Message as _;

use crate::proto::{MetricMetadata, TimeSeries, WriteRequest};

/// Protobuf overhead of one repeated-field entry: tag plus length varint.
fn entry_len(len: usize) -> usize {
    1 + prost::encoding::encoded_len_varint(len as u64) + len
}

/// Packs `series` and `metadata` into requests below `max_bytes`.
pub fn batch(series: Vec<TimeSeries>, metadata: Vec<MetricMetadata>, max_bytes: usize) -> Vec<WriteRequest> {
    let mut out = Vec::new();
    let mut cur = WriteRequest::default();
    let mut size = 0usize;
    for ts in series {
        let n = entry_len(ts.encoded_len());
        if size > 0 && size + n >= max_bytes {
            out.push(std::mem::take(&mut cur));
            size = 0;
        }
        size += n;
        cur.timeseries.push(ts);
    }
    for m in metadata {
        let n = entry_len(m.encoded_len());
        if size > 0 && size + n >= max_bytes {
            out.push(std::mem::take(&mut cur));
            size = 0;
        }
        size += n;
        cur.metadata.push(m);
    }
    if !cur.timeseries.is_empty() || !cur.metadata.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{Label, Sample};

    fn ts(i: usize) -> TimeSeries {
        TimeSeries {
            labels: vec![Label {
                name: "__name__".into(),
                value: format!("metric_{i:04}"),
            }],
            samples: vec![Sample {
                value: i as f64,
                timestamp: 1,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn splits_below_the_limit_and_keeps_order() {
        let series: Vec<TimeSeries> = (0..100).map(ts).collect();
        let one = entry_len(series[1].encoded_len());
        let reqs = batch(series, vec![], one * 10 + 1);
        assert_eq!(reqs.len(), 10);
        for r in &reqs {
            assert!(r.encoded_len() <= one * 10 + 1, "{}", r.encoded_len());
        }
        let names: Vec<String> = reqs
            .iter()
            .flat_map(|r| r.timeseries.iter().map(|t| t.labels[0].value.clone()))
            .collect();
        assert_eq!(
            names,
            (0..100).map(|i| format!("metric_{i:04}")).collect::<Vec<_>>()
        );
    }

    #[test]
    fn oversized_series_travel_alone_and_metadata_follows() {
        let reqs = batch(
            vec![ts(1), ts(2)],
            vec![MetricMetadata {
                metric_family_name: "m".into(),
                ..Default::default()
            }],
            1,
        );
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs[2].metadata.len(), 1);
        let reqs = batch(vec![ts(1)], vec![MetricMetadata::default()], 1_000);
        assert_eq!(reqs.len(), 1);
        assert!(batch(vec![], vec![], 10).is_empty());
    }
}
