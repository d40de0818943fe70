//! The writer thread: takes payloads from a bounded channel, encodes them,
//! writes them to the [`Sink`], flushes on a timer and on exit.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use metrics::Counter;
use otelcol_component::{Logs, Metrics, Payload, Signal, Traces};
use tokio::sync::OwnedSemaphorePermit;

use crate::config::Format;
use crate::sink::Sink;

/// A payload queued for writing.
#[derive(Debug)]
pub(crate) enum Item {
    /// Spans.
    Traces(Traces),
    /// Metric data points.
    Metrics(Metrics),
    /// Log records.
    Logs(Logs),
}

impl Item {
    pub(crate) fn signal(&self) -> Signal {
        match self {
            Item::Traces(_) => Signal::Traces,
            Item::Metrics(_) => Signal::Metrics,
            Item::Logs(_) => Signal::Logs,
        }
    }

    pub(crate) fn item_count(&self) -> usize {
        match self {
            Item::Traces(t) => t.item_count(),
            Item::Metrics(m) => m.item_count(),
            Item::Logs(l) => l.item_count(),
        }
    }

    /// Size of the protobuf encoding.
    pub(crate) fn encoded_len(&self) -> usize {
        match self {
            Item::Traces(t) => t.encoded_len(),
            Item::Metrics(m) => m.encoded_len(),
            Item::Logs(l) => l.encoded_len(),
        }
    }

    /// True when the payload has no resources at all: nothing to write.
    pub(crate) fn has_no_resources(&self) -> bool {
        match self {
            Item::Traces(t) => t.request().resource_spans.is_empty(),
            Item::Metrics(m) => m.request().resource_metrics.is_empty(),
            Item::Logs(l) => l.request().resource_logs.is_empty(),
        }
    }

    /// The record written to the file: a JSON line, or a length-prefixed
    /// message. With `compress`, the JSON (without its newline) or protobuf
    /// message is one zstd frame, length-prefixed in both formats (Go's
    /// `compression: zstd`).
    pub(crate) fn encode(&self, format: Format, compress: bool) -> Vec<u8> {
        let mut body = match format {
            Format::Json => match self {
                Item::Traces(t) => otelcol_otlp_json::encode_traces(t.request()),
                Item::Metrics(m) => otelcol_otlp_json::encode_metrics(m.request()),
                Item::Logs(l) => otelcol_otlp_json::encode_logs(l.request()),
            },
            Format::Proto => match self {
                Item::Traces(t) => t.encode_to_vec(),
                Item::Metrics(m) => m.encode_to_vec(),
                Item::Logs(l) => l.encode_to_vec(),
            },
        };
        if compress {
            // zstd into a Vec cannot fail for valid levels; should it, the
            // record is written uncompressed rather than lost.
            match compress_zstd(&body) {
                Ok(z) => body = z,
                Err(e) => tracing::error!(error = %e, "zstd compression failed; record written uncompressed"),
            }
        } else if format == Format::Json {
            body.push(b'\n');
            return body;
        }
        // The caller refuses payloads whose encoding exceeds u32::MAX.
        let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(body.len() + 4);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&body);
        out
    }
}

fn compress_zstd(body: &[u8]) -> Result<Vec<u8>, otelcol_configcompression::CompressError> {
    otelcol_configcompression::compress(
        otelcol_configcompression::CompressionType::Zstd,
        otelcol_configcompression::CompressionParams::default(),
        body,
    )
}

/// One queued payload and the queue slot it holds until the writer takes it.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) item: Item,
    pub(crate) _slot: OwnedSemaphorePermit,
}

/// The writer's first I/O error, shared with the exporter so that later
/// `consume` calls fail.
pub(crate) type Failure = Arc<Mutex<Option<String>>>;

fn signal_index(s: Signal) -> usize {
    match s {
        Signal::Traces => 0,
        Signal::Metrics => 1,
        Signal::Logs => 2,
    }
}

/// What the writer thread owns.
#[derive(Debug)]
pub(crate) struct Writer {
    pub(crate) exporter_id: String,
    pub(crate) sink: Sink,
    pub(crate) format: Format,
    pub(crate) compress: bool,
    pub(crate) flush_interval: Duration,
    pub(crate) failure: Failure,
    sent: [Counter; 3],
    failed: [Counter; 3],
}

impl Writer {
    pub(crate) fn new(
        exporter_id: String,
        sink: Sink,
        format: Format,
        compress: bool,
        flush_interval: Duration,
        failure: Failure,
        meter: &otelcol_component::Meter,
    ) -> Self {
        let counter = |kind: &str, s: Signal| {
            let name = format!("otelcol_exporter_{kind}_{}", s.item_name());
            meter.counter(name, &[("exporter", exporter_id.clone())])
        };
        let [t, m, l] = Signal::ALL;
        Writer {
            sent: [counter("sent", t), counter("sent", m), counter("sent", l)],
            failed: [
                counter("send_failed", t),
                counter("send_failed", m),
                counter("send_failed", l),
            ],
            exporter_id,
            sink,
            format,
            compress,
            flush_interval,
            failure,
        }
    }

    fn failed(&self) -> bool {
        self.failure.lock().map(|f| f.is_some()).unwrap_or(true)
    }

    fn fail(&self, err: &std::io::Error, lost_items: usize) {
        tracing::error!(
            exporter = %self.exporter_id,
            path = %self.sink.path().display(),
            error = %err,
            lost_items,
            "file exporter cannot write; the data is lost and further data is refused"
        );
        if let Ok(mut f) = self.failure.lock() {
            f.get_or_insert_with(|| err.to_string());
        }
    }

    fn handle(&mut self, job: Job) {
        let Job { item, _slot: slot } = job;
        // The queue slot is free as soon as the writer holds the payload.
        drop(slot);
        let signal = signal_index(item.signal());
        let count = item.item_count() as u64;
        if self.failed() {
            // Queued before the failure was seen; counted and reported as lost.
            self.failed[signal].increment(count);
            tracing::error!(exporter = %self.exporter_id, lost_items = count, "file exporter drops data queued after a write error");
            return;
        }
        let record = item.encode(self.format, self.compress);
        match self.sink.write_record(&record) {
            Ok(()) => self.sent[signal].increment(count),
            Err(e) => {
                self.failed[signal].increment(count);
                self.fail(&e, count as usize);
            }
        }
    }

    fn flush(&mut self) {
        if self.failed() {
            return;
        }
        if let Err(e) = self.sink.flush() {
            self.fail(&e, 0);
        }
    }

    /// Runs until every sender is gone and the queue is drained, then flushes
    /// and syncs the file. Returns the first I/O error of the final flush.
    pub(crate) fn run(mut self, rx: Receiver<Job>) -> std::io::Result<()> {
        let mut next_flush = Instant::now() + self.flush_interval;
        loop {
            let wait = next_flush.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(job) => self.handle(job),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if Instant::now() >= next_flush {
                self.flush();
                next_flush = Instant::now() + self.flush_interval;
            }
        }
        if self.failed() {
            return Ok(());
        }
        self.sink.sync()
    }
}
