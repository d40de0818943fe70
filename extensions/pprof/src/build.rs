//! Builds a [`Profile`] from a pprof-rs `Report`.

use std::collections::HashMap;
use std::time::UNIX_EPOCH;

use pprof::{Report, Symbol};

use crate::profile::{Function, Label, Line, Location, Mapping, Profile, Sample, ValueType};

/// Default sampling frequency of CPU profiles, as Go's (`runtime.SetCPUProfileRate(100)`).
pub(crate) const CPU_FREQUENCY_HZ: i32 = 100;

/// Strips the `::h0123456789abcdef` hash Rust's legacy mangling leaves on demangled names.
fn readable(name: &str) -> &str {
    match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => head,
        _ => name,
    }
}

/// True for a frame of the sampler itself (the unwinder called from the
/// signal handler), which sits on top of every stack pprof-rs records.
fn is_sampler_frame(frame: &[Symbol]) -> bool {
    !frame.is_empty()
        && frame.iter().all(|s| {
            let name = s.name();
            ["backtrace::", "<backtrace::", "pprof::", "<pprof::"]
                .iter()
                .any(|p| name.starts_with(p))
        })
}

/// The one mapping every location points to: the running executable, whose
/// functions, files, lines and inlined frames are already resolved.
fn main_mapping(b: &mut Builder) -> Mapping {
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    Mapping {
        id: MAIN_MAPPING_ID,
        memory_start: 0,
        memory_limit: u64::MAX,
        file_offset: 0,
        filename: b.string(&exe),
        build_id: 0,
        has_functions: true,
        has_filenames: true,
        has_line_numbers: true,
        has_inline_frames: true,
    }
}

/// Id of the executable's mapping.
const MAIN_MAPPING_ID: u64 = 1;

/// Interns strings, functions and locations while a profile is built.
#[derive(Default)]
struct Builder {
    strings: HashMap<String, i64>,
    string_table: Vec<String>,
    functions: HashMap<(i64, i64, i64), u64>,
    function_list: Vec<Function>,
    locations: HashMap<Vec<(u64, i64)>, u64>,
    location_list: Vec<Location>,
}

impl Builder {
    fn new() -> Self {
        let mut b = Builder::default();
        b.string(""); // pprof rule: string_table[0] is ""
        b
    }

    fn string(&mut self, s: &str) -> i64 {
        if let Some(i) = self.strings.get(s) {
            return *i;
        }
        let i = i64::try_from(self.string_table.len()).unwrap_or(i64::MAX);
        self.string_table.push(s.to_string());
        self.strings.insert(s.to_string(), i);
        i
    }

    fn function(&mut self, symbol: &Symbol) -> u64 {
        let demangled = symbol.name();
        let name = self.string(readable(&demangled));
        let system_name = self.string(&symbol.sys_name());
        let filename = self.string(&symbol.filename());
        let next = self.function_list.len() as u64 + 1;
        let id = *self
            .functions
            .entry((name, system_name, filename))
            .or_insert(next);
        if id == next {
            self.function_list.push(Function {
                id,
                name,
                system_name,
                filename,
                start_line: 0,
            });
        }
        id
    }

    /// One location per frame; inlined symbols become its lines, innermost first.
    fn location(&mut self, frame: &[Symbol]) -> u64 {
        let key: Vec<(u64, i64)> = frame
            .iter()
            .map(|s| (self.function(s), i64::from(s.lineno())))
            .collect();
        let next = self.location_list.len() as u64 + 1;
        let line = key
            .iter()
            .map(|(f, l)| Line {
                function_id: *f,
                line: *l,
                column: 0,
            })
            .collect();
        let id = *self.locations.entry(key).or_insert(next);
        if id == next {
            self.location_list.push(Location {
                id,
                mapping_id: 0,
                address: 0,
                line,
                is_folded: false,
            });
        }
        id
    }

    /// The location of samples taken where no frame could be unwound
    /// (inside libc, which is not unwound from the signal handler): one
    /// function named [`EXTERNAL_CODE`], as Go's `runtime._ExternalCode`.
    fn external_location(&mut self) -> u64 {
        let name = self.string(EXTERNAL_CODE);
        let next = self.function_list.len() as u64 + 1;
        let function_id = *self.functions.entry((name, name, 0)).or_insert(next);
        if function_id == next {
            self.function_list.push(Function {
                id: function_id,
                name,
                system_name: name,
                filename: 0,
                start_line: 0,
            });
        }
        let key = vec![(function_id, 0)];
        let next = self.location_list.len() as u64 + 1;
        let id = *self.locations.entry(key).or_insert(next);
        if id == next {
            self.location_list.push(Location {
                id,
                mapping_id: 0,
                address: 0,
                line: vec![Line {
                    function_id,
                    line: 0,
                    column: 0,
                }],
                is_folded: false,
            });
        }
        id
    }
}

/// Function name of samples with no unwound frame (in libc, say).
pub(crate) const EXTERNAL_CODE: &str = "[external code]";

/// Builds a CPU profile from a pprof-rs report, as Go's CPU profiles look:
/// sample types `samples/count` and `cpu/nanoseconds`, period type
/// `cpu/nanoseconds`, period `1e9 / frequency`, one `thread` label per sample.
pub(crate) fn from_report(report: &Report) -> Profile {
    let mut b = Builder::new();
    let frequency = if report.timing.frequency > 0 {
        report.timing.frequency
    } else {
        CPU_FREQUENCY_HZ
    };
    let period = 1_000_000_000 / i64::from(frequency);
    let samples_type = ValueType {
        ty: b.string("samples"),
        unit: b.string("count"),
    };
    let cpu_type = ValueType {
        ty: b.string("cpu"),
        unit: b.string("nanoseconds"),
    };
    let thread_key = b.string("thread");
    let mapping = main_mapping(&mut b);
    let mut samples = Vec::with_capacity(report.data.len());
    for (frames, count) in &report.data {
        let mut location_id: Vec<u64> = frames
            .frames
            .iter()
            .skip_while(|f| is_sampler_frame(f))
            .map(|f| b.location(f))
            .collect();
        if location_id.is_empty() {
            // pprof tools expect a stack on every sample.
            location_id.push(b.external_location());
        }
        let count = *count as i64;
        let thread = b.string(&frames.thread_name_or_id());
        samples.push(Sample {
            location_id,
            value: vec![count, count.saturating_mul(period)],
            label: vec![Label {
                key: thread_key,
                str: thread,
                num: 0,
                num_unit: 0,
            }],
        });
    }
    let time_nanos = report
        .timing
        .start_time
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    Profile {
        sample_type: vec![samples_type, cpu_type],
        sample: samples,
        mapping: vec![mapping],
        location: b.location_list,
        function: b.function_list,
        string_table: b.string_table,
        drop_frames: 0,
        keep_frames: 0,
        time_nanos,
        duration_nanos: i64::try_from(report.timing.duration.as_nanos()).unwrap_or(i64::MAX),
        period_type: Some(cpu_type),
        period,
        comment: Vec::new(),
        default_sample_type: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_legacy_hashes() {
        assert_eq!(readable("otelcol::run::h0123456789abcdef"), "otelcol::run");
        assert_eq!(readable("otelcol::run"), "otelcol::run");
        assert_eq!(readable("a::hello"), "a::hello");
    }

    #[test]
    fn sampler_frames_are_recognised() {
        let sym = |n: &str| Symbol {
            name: Some(n.as_bytes().to_vec()),
            addr: None,
            lineno: None,
            filename: None,
        };
        let sampler = [
            sym("backtrace::backtrace::trace_unsynchronized"),
            sym("<pprof::backtrace::Trace>::trace"),
        ];
        assert!(is_sampler_frame(&sampler));
        assert!(!is_sampler_frame(&[sym("backtrace::x"), sym("otelcol::run")]));
        assert!(!is_sampler_frame(&[]));
    }

    #[test]
    fn interning_dedups_and_keeps_empty_string_first() {
        let mut b = Builder::new();
        assert_eq!(b.string(""), 0);
        assert_eq!(b.string("x"), 1);
        assert_eq!(b.string("x"), 1);
        let sym = Symbol {
            name: Some(b"main".to_vec()),
            addr: None,
            lineno: Some(7),
            filename: None,
        };
        let a = b.location(std::slice::from_ref(&sym));
        let again = b.location(std::slice::from_ref(&sym));
        assert_eq!((a, again, b.function_list.len()), (1, 1, 1));
        assert_eq!(b.location_list[0].line[0].line, 7);
    }

    #[test]
    fn frameless_samples_share_one_external_code_location() {
        let mut b = Builder::new();
        let a = b.external_location();
        let again = b.external_location();
        assert_eq!(a, again);
        assert_eq!(b.location_list.len(), 1);
        let f = &b.function_list[0];
        assert_eq!(b.string_table[f.name as usize], EXTERNAL_CODE);
        assert_eq!(b.location_list[0].line[0].function_id, f.id);
    }
}
