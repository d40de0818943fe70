//! The W3C `tracestate` header and its OpenTelemetry `ot` entry
//! (`ot=rv:<randomness>;th:<threshold>`), parsed and re-encoded as Go's
//! `pkg/sampling` does (same limits, same entry order on output).

use super::{Randomness, Threshold};

const HARD_MAX_NUM_PAIRS: usize = 32;
const HARD_MAX_W3C_LENGTH: usize = 1024;
const HARD_MAX_KEY_LENGTH: usize = 256;
const HARD_MAX_TENANT_LENGTH: usize = 241;
const HARD_MAX_SYSTEM_LENGTH: usize = 14;
const HARD_MAX_OTEL_LENGTH: usize = 256;
const OTEL_VENDOR_CODE: &str = "ot";
const RVALUE_FIELD: &str = "rv";
const TVALUE_FIELD: &str = "th";

/// Why a tracestate could not be read (fully).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TraceStateError {
    /// Too long, too many entries, or a key over its length limit.
    #[error("invalid tracestate size")]
    Size,
    /// Not W3C (or `ot` entry) syntax.
    #[error("invalid syntax")]
    Syntax,
    /// An `rv` value that is not 14 hex digits.
    #[error("r-value must have 14 hex digits")]
    RValue,
    /// A `th` value that is not 1 to 14 hex digits.
    #[error("invalid t-value")]
    TValue,
}

/// The `ot` entry of a tracestate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OTelTraceState {
    rnd: Option<Randomness>,
    threshold: Option<Threshold>,
    extra: Vec<(String, String)>,
}

/// A parsed W3C tracestate: the `ot` entry and every other vendor's entry, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct W3CTraceState {
    otts: OTelTraceState,
    extra: Vec<(String, String)>,
}

/// Go's `keyValueScanner`: splits on `separator`, optionally trims OWS,
/// skips empty members and members without `equality`, and stops with a
/// size error at the `max_items`-th member (empty ones count).
fn scan<'a>(
    input: &'a str,
    separator: char,
    equality: char,
    trim: bool,
    max_items: Option<usize>,
    mut f: impl FnMut(&'a str, &'a str) -> Result<(), TraceStateError>,
) -> Option<TraceStateError> {
    let mut first_err = None;
    let mut rest = input;
    let mut items = 0;
    // Like Go, a trailing separator does not make one more (empty) member.
    while !rest.is_empty() {
        items += 1;
        if max_items.is_some_and(|max| items >= max) {
            return Some(TraceStateError::Size);
        }
        let member = match rest.split_once(separator) {
            Some((member, after)) => {
                rest = after;
                member
            }
            None => std::mem::take(&mut rest),
        };
        let member = if trim {
            member.trim_matches([' ', '\t'])
        } else {
            member
        };
        let Some((key, value)) = member.split_once(equality) else {
            continue;
        };
        if let Err(e) = f(key, value) {
            first_err.get_or_insert(e);
        }
    }
    first_err
}

fn lc_alpha(c: u8) -> bool {
    c.is_ascii_lowercase()
}

fn lc_alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn key_chars(s: &[u8]) -> bool {
    s.iter()
        .all(|&c| lc_alnum(c) || matches!(c, b'_' | b'-' | b'*' | b'/'))
}

fn valid_w3c_key(key: &str) -> bool {
    match key.split_once('@') {
        Some((tenant, system)) => match (tenant.as_bytes().split_first(), system.as_bytes().split_first()) {
            (Some((t, trest)), Some((s, srest))) => {
                lc_alnum(*t) && lc_alpha(*s) && key_chars(trest) && key_chars(srest)
            }
            _ => false,
        },
        None => match key.as_bytes().split_first() {
            Some((first, rest)) => lc_alpha(*first) && key_chars(rest),
            None => false,
        },
    }
}

fn nonblank_value_char(c: u8) -> bool {
    matches!(c, 0x21..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e)
}

fn valid_w3c_value(value: &str) -> bool {
    match value.as_bytes().split_last() {
        Some((last, rest)) if value.len() <= 256 => {
            nonblank_value_char(*last) && rest.iter().all(|&c| c == 0x20 || nonblank_value_char(c))
        }
        _ => false,
    }
}

fn valid_w3c(input: &str) -> bool {
    input.split(',').all(|member| {
        let member = member.trim_matches([' ', '\t']);
        member.is_empty()
            || member
                .split_once('=')
                .is_some_and(|(k, v)| valid_w3c_key(k) && valid_w3c_value(v))
    })
}

fn valid_otel(input: &str) -> bool {
    !input.is_empty()
        && !input.ends_with(';')
        && input.split(';').all(|member| {
            member.split_once(':').is_some_and(|(k, v)| {
                k.as_bytes()
                    .split_first()
                    .is_some_and(|(f, rest)| lc_alpha(*f) && rest.iter().all(|&c| lc_alnum(c)))
                    && v.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
            })
        })
}

impl OTelTraceState {
    /// Parses an `ot` entry value. On error the parts that were read are kept
    /// (as Go does); a bad `rv` or `th` is left unset.
    pub fn parse(input: &str) -> (Self, Option<TraceStateError>) {
        let mut otts = OTelTraceState::default();
        if input.len() > HARD_MAX_OTEL_LENGTH {
            return (otts, Some(TraceStateError::Size));
        }
        if !valid_otel(input) {
            return (otts, Some(TraceStateError::Syntax));
        }
        let err = scan(input, ';', ':', false, None, |key, value| match key {
            RVALUE_FIELD => {
                otts.rnd = Randomness::from_rvalue(value);
                otts.rnd.map(|_| ()).ok_or(TraceStateError::RValue)
            }
            TVALUE_FIELD => {
                otts.threshold = Threshold::from_tvalue(value);
                otts.threshold.map(|_| ()).ok_or(TraceStateError::TValue)
            }
            _ => {
                otts.extra.push((key.to_owned(), value.to_owned()));
                Ok(())
            }
        });
        (otts, err)
    }

    /// The explicit randomness (`rv`), if set.
    pub fn randomness(&self) -> Option<Randomness> {
        self.rnd
    }

    /// The threshold (`th`), if set.
    pub fn threshold(&self) -> Option<Threshold> {
        self.threshold
    }

    /// Sets `rv`.
    pub fn set_randomness(&mut self, rnd: Randomness) {
        self.rnd = Some(rnd);
    }

    /// Unsets `th`.
    pub fn clear_threshold(&mut self) {
        self.threshold = None;
    }

    /// Go's `UpdateTValueWithSampling`: refuses to raise the sampling
    /// probability of an item that has a threshold; a never-sample threshold
    /// leaves `th` unset.
    pub fn update_threshold(&mut self, th: Threshold) -> Result<(), InconsistentSampling> {
        if self.threshold.is_some_and(|old| old > th) {
            return Err(InconsistentSampling);
        }
        self.threshold = (th != Threshold::NEVER_SAMPLE).then_some(th);
        Ok(())
    }

    /// True when any field is set.
    pub fn has_any_value(&self) -> bool {
        self.rnd.is_some() || self.threshold.is_some() || !self.extra.is_empty()
    }

    /// `rv:…;th:…;<other fields>`.
    pub fn serialize(&self) -> String {
        let mut parts = Vec::with_capacity(2 + self.extra.len());
        if let Some(r) = self.rnd {
            parts.push(format!("{RVALUE_FIELD}:{}", r.rvalue()));
        }
        if let Some(t) = self.threshold {
            parts.push(format!("{TVALUE_FIELD}:{}", t.tvalue()));
        }
        parts.extend(self.extra.iter().map(|(k, v)| format!("{k}:{v}")));
        parts.join(";")
    }
}

/// A sampler tried to raise an item's sampling probability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot raise existing sampling probability")]
pub struct InconsistentSampling;

impl W3CTraceState {
    /// Parses a tracestate header value. On error the entries read so far
    /// are kept, as Go does; an empty input is valid and empty.
    pub fn parse(input: &str) -> (Self, Option<TraceStateError>) {
        let mut w3c = W3CTraceState::default();
        if input.is_empty() {
            return (w3c, None);
        }
        if input.len() > HARD_MAX_W3C_LENGTH {
            return (w3c, Some(TraceStateError::Size));
        }
        if !valid_w3c(input) {
            return (w3c, Some(TraceStateError::Syntax));
        }
        let err = scan(input, ',', '=', true, Some(HARD_MAX_NUM_PAIRS), |key, value| {
            let too_long = key.len() > HARD_MAX_KEY_LENGTH
                || key.split_once('@').is_some_and(|(tenant, system)| {
                    tenant.len() > HARD_MAX_TENANT_LENGTH || system.len() > HARD_MAX_SYSTEM_LENGTH
                });
            if too_long {
                return Err(TraceStateError::Size);
            }
            if key == OTEL_VENDOR_CODE {
                let (otts, err) = OTelTraceState::parse(value);
                w3c.otts = otts;
                return err.map_or(Ok(()), Err);
            }
            w3c.extra.push((key.to_owned(), value.to_owned()));
            Ok(())
        });
        (w3c, err)
    }

    /// The `ot` entry.
    pub fn otel(&self) -> &OTelTraceState {
        &self.otts
    }

    /// The `ot` entry, mutably.
    pub fn otel_mut(&mut self) -> &mut OTelTraceState {
        &mut self.otts
    }

    /// The header value: `ot=…` first (when it has any field), then the
    /// other entries in their original order.
    pub fn serialize(&self) -> String {
        let mut parts = Vec::with_capacity(1 + self.extra.len());
        if self.otts.has_any_value() {
            parts.push(format!("{OTEL_VENDOR_CODE}={}", self.otts.serialize()));
        }
        parts.extend(self.extra.iter().map(|(k, v)| format!("{k}={v}")));
        parts.join(",")
    }
}

#[cfg(test)]
#[path = "tracestate_tests.rs"]
mod tests;
