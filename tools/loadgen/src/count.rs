//! Counts the items of an encoded OTLP request by walking the protobuf wire
//! format, without decoding (the sink must keep up with the collector).

use crate::request::Signal;

/// The body is not a well-formed OTLP request.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed protobuf")]
pub struct Malformed;

fn varint(buf: &mut &[u8]) -> Result<u64, Malformed> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = buf.split_first().ok_or(Malformed)?;
        *buf = rest;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err(Malformed)
}

/// Calls `f` with the payload of every length-delimited field `field` of
/// `msg`, skipping other fields.
fn each(msg: &[u8], field: u64, mut f: impl FnMut(&[u8]) -> Result<(), Malformed>) -> Result<(), Malformed> {
    let mut buf = msg;
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        match key & 7 {
            0 => {
                varint(&mut buf)?;
            }
            1 | 5 => {
                let n = if key & 7 == 1 { 8 } else { 4 };
                buf = buf.get(n..).ok_or(Malformed)?;
            }
            2 => {
                let len = usize::try_from(varint(&mut buf)?).map_err(|_| Malformed)?;
                let payload = buf.get(..len).ok_or(Malformed)?;
                buf = buf.get(len..).ok_or(Malformed)?;
                if key >> 3 == field {
                    f(payload)?;
                }
            }
            _ => return Err(Malformed),
        }
    }
    Ok(())
}

/// Counts occurrences of the nested field `path[last]` under `path[..last]`.
fn count_path(msg: &[u8], path: &[u64]) -> Result<u64, Malformed> {
    let Some((&first, rest)) = path.split_first() else {
        return Ok(1);
    };
    let mut n = 0;
    each(msg, first, |inner| {
        n += count_path(inner, rest)?;
        Ok(())
    })?;
    Ok(n)
}

/// Data points of one `Metric` (gauge 5, sum 7, histogram 9, exponential
/// histogram 10, summary 11; each holds `data_points` as field 1).
fn metric_points(metric: &[u8]) -> Result<u64, Malformed> {
    let mut n = 0;
    for data in [5, 7, 9, 10, 11] {
        n += count_path(metric, &[data, 1])?;
    }
    Ok(n)
}

/// Spans, metric data points or log records in an encoded export request.
pub fn count_items(signal: Signal, body: &[u8]) -> Result<u64, Malformed> {
    match signal {
        Signal::Traces => count_path(body, &[1, 2, 2]),
        Signal::Logs => count_path(body, &[1, 2, 2]),
        Signal::Metrics => {
            let mut n = 0;
            each(body, 1, |rm| {
                each(rm, 2, |sm| {
                    each(sm, 2, |m| {
                        n += metric_points(m)?;
                        Ok(())
                    })
                })
            })?;
            Ok(n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_body_is_malformed() {
        let body = crate::request::encode(
            &crate::request::Shape {
                signal: Signal::Traces,
                items: 5,
                attributes: 2,
                resources: 1,
                distinct_series: false,
            },
            1,
        );
        assert_eq!(
            count_items(Signal::Traces, &body[..body.len() - 3]),
            Err(Malformed)
        );
        assert_eq!(count_items(Signal::Traces, &[]), Ok(0));
    }
}
