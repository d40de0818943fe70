//! The `recombine` operator: combines consecutive entries of one source
//! into one, starting a new one at each `is_first_entry` match (or ending
//! one at each `is_last_entry` match), as Go's stanza does.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::entry::{Entry, Origin, Value};
use crate::expr::Expr;
use crate::field::Field;

/// What Go names the source of entries without a source identifier.
const DEFAULT_SOURCE: &str = "DefaultSourceIdentifier";

/// A built `recombine` operator and the entries it holds.
#[derive(Debug)]
pub(crate) struct Recombine {
    pub(crate) combine_field: Field,
    pub(crate) combine_with: String,
    /// True: `is_first_entry`; false: `is_last_entry`.
    pub(crate) first: bool,
    pub(crate) expr: Expr,
    pub(crate) max_batch_size: usize,
    pub(crate) max_unmatched: usize,
    pub(crate) newest: bool,
    pub(crate) force_flush: Duration,
    pub(crate) source: Field,
    pub(crate) max_sources: usize,
    pub(crate) max_log_size: usize,
    batches: BTreeMap<String, Batch>,
}

#[derive(Debug)]
struct Batch {
    base: Entry,
    combined: String,
    count: usize,
    first_seen: Instant,
    matched: bool,
    /// Per reader, the first offset of a held part: what must not be
    /// committed while this batch is held.
    held: BTreeMap<u64, u64>,
    first_origin: Option<Origin>,
    last_end: Option<u64>,
}

impl Recombine {
    /// A recombine operator (settings validated by the caller).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        combine_field: Field,
        combine_with: String,
        first: bool,
        expr: Expr,
        max_batch_size: usize,
        max_unmatched: usize,
        newest: bool,
        force_flush: Duration,
        source: Field,
        max_sources: usize,
        max_log_size: usize,
    ) -> Self {
        Recombine {
            combine_field,
            combine_with,
            first,
            expr,
            max_batch_size,
            max_unmatched,
            newest,
            force_flush,
            source,
            max_sources,
            max_log_size,
            batches: BTreeMap::new(),
        }
    }

    /// Takes an entry; returns the combined entries it completes, or the
    /// entry back with the error when the expression cannot be evaluated.
    pub(crate) fn process(&mut self, e: Entry, now: Instant) -> Result<Vec<Entry>, Box<(Entry, String)>> {
        let source = match self.source.get_ref(&e) {
            Some(v) => match v.as_text() {
                Some(s) => s.into_owned(),
                None => DEFAULT_SOURCE.to_string(),
            },
            None => DEFAULT_SOURCE.to_string(),
        };
        let matches = match self.expr.eval(&e) {
            Ok(m) => m,
            Err(err) => return Err(Box::new((e, err))),
        };
        let mut out = Vec::new();
        if matches && self.first {
            out.extend(self.flush(&source));
            out.extend(self.add(e, &source, true, now));
        } else if matches {
            out.extend(self.add(e, &source, true, now));
            out.extend(self.flush(&source));
        } else {
            out.extend(self.add(e, &source, false, now));
        }
        Ok(out)
    }

    fn add(&mut self, e: Entry, source: &str, matched: bool, now: Instant) -> Vec<Entry> {
        let mut out = Vec::new();
        if !self.batches.contains_key(source) && self.batches.len() >= self.max_sources {
            tracing::error!(
                "Too many sources. Flushing all batched logs. Consider increasing max_sources parameter"
            );
            out.extend(self.flush_all());
        }
        let text = match self.combine_field.get_ref(&e).as_deref() {
            Some(v) => v.as_text().map(|t| t.into_owned()),
            None => None,
        };
        if text.is_none() {
            tracing::error!(field = %self.combine_field, "entry does not contain the combine_field");
        }
        let origin = e.origin;
        let newest = self.newest;
        let batch = self.batches.entry(source.to_string()).or_insert_with(|| Batch {
            base: e.clone(),
            combined: String::new(),
            count: 0,
            first_seen: now,
            matched: false,
            held: BTreeMap::new(),
            first_origin: origin,
            last_end: None,
        });
        batch.count += 1;
        if batch.count > 1 && newest {
            batch.base = e;
        }
        if matched && (!self.first || batch.count == 1) {
            batch.matched = true;
        }
        if let Some(t) = text {
            if !batch.combined.is_empty() {
                batch.combined.push_str(&self.combine_with);
            }
            batch.combined.push_str(&t);
        }
        if let Some(o) = origin {
            let held = batch.held.entry(o.reader).or_insert(o.start);
            *held = (*held).min(o.start);
            batch.last_end = Some(o.end);
        }
        let full = (self.max_log_size > 0 && batch.combined.len() > self.max_log_size)
            || batch.count >= self.max_batch_size
            || (!batch.matched && self.max_unmatched > 0 && batch.count >= self.max_unmatched);
        if full {
            out.extend(self.flush(source));
        }
        out
    }

    fn flush(&mut self, source: &str) -> Option<Entry> {
        let batch = self.batches.remove(source)?;
        let mut base = batch.base;
        if let Err(e) = self.combine_field.set(&mut base, Value::Str(batch.combined)) {
            tracing::error!(error = %e, "could not set the combined field");
        }
        base.origin = batch.first_origin.map(|o| Origin {
            end: batch.last_end.unwrap_or(o.end),
            ..o
        });
        Some(base)
    }

    /// Flushes every batch older than the force flush period.
    pub(crate) fn tick(&mut self, now: Instant) -> Vec<Entry> {
        if self.force_flush.is_zero() {
            return Vec::new();
        }
        let due: Vec<String> = self
            .batches
            .iter()
            .filter(|(_, b)| now.saturating_duration_since(b.first_seen) >= self.force_flush)
            .map(|(s, _)| s.clone())
            .collect();
        due.iter().filter_map(|s| self.flush(s)).collect()
    }

    /// Flushes everything held.
    pub(crate) fn flush_all(&mut self) -> Vec<Entry> {
        let sources: Vec<String> = self.batches.keys().cloned().collect();
        sources.iter().filter_map(|s| self.flush(s)).collect()
    }

    /// The first offset of `reader` still held, if any.
    pub(crate) fn held_min_start(&self, reader: u64) -> Option<u64> {
        self.batches
            .values()
            .filter_map(|b| b.held.get(&reader).copied())
            .min()
    }

    /// Whether anything is held.
    pub(crate) fn holds(&self) -> bool {
        !self.batches.is_empty()
    }
}
