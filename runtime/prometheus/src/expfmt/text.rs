//! Text exposition format 0.0.4 and OpenMetrics 1.0.0, written into one
//! `String` from a [`Snapshot`] with no allocation per series.

use crate::accumulator::Snapshot;
use crate::labels::escape_help;
use crate::model::{Exemplar, FamilyKind, Sample, Series, Value};
use crate::value::{write_openmetrics_float, write_text_float};

/// Rendering switches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// OpenMetrics instead of text 0.0.4 (exemplars, `# EOF`, `_total` TYPE names).
    pub openmetrics: bool,
    /// Append each sample's timestamp (Go `send_timestamps`).
    pub timestamps: bool,
}

/// A sample value: floats for values, integers for OpenMetrics counts.
#[derive(Clone, Copy)]
enum Num {
    F(f64),
    U(u64),
}

struct Writer<'a> {
    out: &'a mut String,
    opts: TextOptions,
}

impl Writer<'_> {
    fn float(&mut self, v: f64) {
        if self.opts.openmetrics {
            write_openmetrics_float(self.out, v);
        } else {
            write_text_float(self.out, v);
        }
    }

    fn num(&mut self, v: Num) {
        match v {
            Num::F(f) => self.float(f),
            // Text 0.0.4 writes counts as floats (Go `float64(count)`).
            Num::U(u) if !self.opts.openmetrics => write_text_float(self.out, u as f64),
            Num::U(u) => {
                use std::fmt::Write as _;
                let _ = write!(self.out, "{u}");
            }
        }
    }

    /// `name+suffix{labels[,extra="v"]} value[ ts][ # exemplar]`.
    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        name: &str,
        suffix: &str,
        labels: &str,
        extra: Option<(&str, f64)>,
        v: Num,
        ts: u64,
        ex: Option<&Exemplar>,
    ) {
        self.out.push_str(name);
        self.out.push_str(suffix);
        if !labels.is_empty() || extra.is_some() {
            self.out.push('{');
            self.out.push_str(labels);
            if let Some((n, x)) = extra {
                if !labels.is_empty() {
                    self.out.push(',');
                }
                self.out.push_str(n);
                self.out.push_str("=\"");
                self.float(x);
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        self.num(v);
        if self.opts.timestamps && ts != 0 {
            self.out.push(' ');
            if self.opts.openmetrics {
                write_openmetrics_float(self.out, (ts / 1_000_000) as f64 / 1000.0);
            } else {
                use std::fmt::Write as _;
                let _ = write!(self.out, "{}", ts / 1_000_000);
            }
        }
        if let (true, Some(e)) = (self.opts.openmetrics, ex) {
            self.exemplar(e);
        }
        self.out.push('\n');
    }

    fn exemplar(&mut self, e: &Exemplar) {
        self.out.push_str(" # {");
        let mut first = true;
        for (n, v) in [("span_id", &e.span_id), ("trace_id", &e.trace_id)] {
            if v.is_empty() {
                continue;
            }
            if !first {
                self.out.push(',');
            }
            first = false;
            self.out.push_str(n);
            self.out.push_str("=\"");
            self.out.push_str(v);
            self.out.push('"');
        }
        self.out.push_str("} ");
        write_openmetrics_float(self.out, e.value);
        if e.time_unix_nano != 0 {
            self.out.push(' ');
            write_openmetrics_float(self.out, e.time_unix_nano as f64 / 1e9);
        }
    }

    /// Bucket exemplars (only computed for OpenMetrics, where they are shown).
    fn exemplars_for<'e>(
        &self,
        bounds: impl Iterator<Item = f64>,
        exemplars: &'e [Exemplar],
    ) -> Vec<Option<&'e Exemplar>> {
        if self.opts.openmetrics && !exemplars.is_empty() {
            assign_exemplars(bounds, exemplars)
        } else {
            Vec::new()
        }
    }

    fn header(&mut self, name: &str, help: &str, kind: FamilyKind) -> (String, bool) {
        let om = self.opts.openmetrics;
        // OpenMetrics names a counter family without `_total`; a counter
        // without the suffix can only be rendered as `unknown`.
        let (family, type_name, total) = match kind {
            FamilyKind::Counter if om => match name.strip_suffix("_total") {
                Some(base) => (base, "counter", true),
                None => (name, "unknown", false),
            },
            FamilyKind::Untyped if om => (name, "unknown", false),
            k => (name, k.as_str(), false),
        };
        self.out.push_str("# HELP ");
        self.out.push_str(family);
        self.out.push(' ');
        escape_help(self.out, help, om);
        self.out.push_str("\n# TYPE ");
        self.out.push_str(family);
        self.out.push(' ');
        self.out.push_str(type_name);
        self.out.push('\n');
        (family.to_string(), total)
    }

    fn series(&mut self, name: &str, total: bool, kind: FamilyKind, s: &Series) {
        let Sample {
            time_unix_nano: ts,
            value,
            exemplars,
            ..
        } = &s.sample;
        let labels = &*s.labels;
        match value {
            Value::Number(n) => {
                let ex = (kind == FamilyKind::Counter).then(|| exemplars.last()).flatten();
                let suffix = if total { "_total" } else { "" };
                self.line(name, suffix, labels, None, Num::F(n.as_f64()), *ts, ex);
            }
            Value::Histogram(h) => {
                let ex = self.exemplars_for(h.bounds.iter().copied(), exemplars);
                let mut cumulative = 0u64;
                for (i, (le, c)) in h.bounds.iter().zip(&h.counts).enumerate() {
                    cumulative = cumulative.saturating_add(*c);
                    let e = ex.get(i).copied().flatten();
                    self.line(
                        name,
                        "_bucket",
                        labels,
                        Some(("le", *le)),
                        Num::U(cumulative),
                        *ts,
                        e,
                    );
                }
                let e = ex.get(h.bounds.len()).copied().flatten();
                self.line(
                    name,
                    "_bucket",
                    labels,
                    Some(("le", f64::INFINITY)),
                    Num::U(h.count),
                    *ts,
                    e,
                );
                self.line(
                    name,
                    "_sum",
                    labels,
                    None,
                    Num::F(h.sum.unwrap_or(0.0)),
                    *ts,
                    None,
                );
                self.line(name, "_count", labels, None, Num::U(h.count), *ts, None);
            }
            Value::Exponential(h) => {
                let buckets = h.classic_buckets();
                let ex = self.exemplars_for(buckets.iter().map(|b| b.0), exemplars);
                for (i, (le, c)) in buckets.iter().enumerate() {
                    let e = ex.get(i).copied().flatten();
                    self.line(name, "_bucket", labels, Some(("le", *le)), Num::U(*c), *ts, e);
                }
                let e = ex.get(buckets.len()).copied().flatten();
                self.line(
                    name,
                    "_bucket",
                    labels,
                    Some(("le", f64::INFINITY)),
                    Num::U(h.count),
                    *ts,
                    e,
                );
                self.line(
                    name,
                    "_sum",
                    labels,
                    None,
                    Num::F(h.sum.unwrap_or(0.0)),
                    *ts,
                    None,
                );
                self.line(name, "_count", labels, None, Num::U(h.count), *ts, None);
            }
            Value::Summary(sv) => {
                for (q, v) in &sv.quantiles {
                    self.line(name, "", labels, Some(("quantile", *q)), Num::F(*v), *ts, None);
                }
                self.line(name, "_sum", labels, None, Num::F(sv.sum), *ts, None);
                self.line(name, "_count", labels, None, Num::U(sv.count), *ts, None);
            }
        }
    }
}

/// Assigns exemplars to buckets as client_golang does: each exemplar goes to
/// the first bucket whose bound is at least its value (`+Inf` last); a later
/// exemplar replaces an earlier one in the same bucket.
fn assign_exemplars(bounds: impl Iterator<Item = f64>, exemplars: &[Exemplar]) -> Vec<Option<&Exemplar>> {
    let bounds: Vec<f64> = bounds.collect();
    let mut out = vec![None; bounds.len() + 1];
    for e in exemplars {
        let i = bounds.iter().position(|b| *b >= e.value).unwrap_or(bounds.len());
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(e);
        }
    }
    out
}

/// Renders a snapshot in the text format 0.0.4, or OpenMetrics when
/// `opts.openmetrics` (then ending with `# EOF`).
pub fn render_text(snapshot: &Snapshot, opts: TextOptions, out: &mut String) {
    let mut w = Writer { out, opts };
    for f in &snapshot.families {
        if f.series.is_empty() {
            continue;
        }
        let (name, total) = w.header(&f.name, &f.help, f.kind);
        for s in &f.series {
            w.series(&name, total, f.kind, s);
        }
    }
    if opts.openmetrics {
        w.out.push_str("# EOF\n");
    }
}
