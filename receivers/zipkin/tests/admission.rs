//! Admission: the host's gates (the memory limiter) are asked before a body
//! is read, decompressed and translated; a refusal is answered as Go
//! answers a retryable pipeline error (500), with `Retry-After`, and every
//! byte asked for is given back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use otelcol_component::{
    Admission, AdmissionPermit, AdmissionSet, Component, ComponentId, ConsumeError, Extension, Host, Kind,
    Traces,
};
use otelcol_componenttest::{Sink, nop_settings};
use otelcol_receiver_zipkin::ZipkinReceiver;

/// A gate with a byte budget, refusing past it or when closed.
#[derive(Debug)]
struct Budget {
    limit: u64,
    held: Arc<AtomicU64>,
    asked: AtomicU64,
    closed: AtomicBool,
}

impl Budget {
    fn new(limit: u64) -> Arc<Self> {
        Arc::new(Budget {
            limit,
            held: Arc::default(),
            asked: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        })
    }
}

impl Admission for Budget {
    fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError> {
        let refuse =
            || ConsumeError::retryable_after("data refused due to high memory usage", Duration::from_secs(3));
        if self.closed.load(Ordering::SeqCst) {
            return Err(refuse());
        }
        self.asked.fetch_add(bytes, Ordering::SeqCst);
        let now = self.held.fetch_add(bytes, Ordering::SeqCst) + bytes;
        if now > self.limit {
            self.held.fetch_sub(bytes, Ordering::SeqCst);
            return Err(refuse());
        }
        let held = self.held.clone();
        Ok(AdmissionPermit::with_parts(bytes, move |n| {
            held.fetch_sub(n, Ordering::SeqCst);
        }))
    }
}

/// A host that keeps registered gates.
#[derive(Debug, Default)]
struct GateHost {
    gates: Mutex<Vec<Arc<dyn Admission>>>,
}

impl Host for GateHost {
    fn extension(&self, _: &ComponentId) -> Option<Arc<dyn Extension>> {
        None
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        Vec::new()
    }
    fn register_admission(&self, gate: Arc<dyn Admission>) {
        self.gates.lock().unwrap().push(gate);
    }
    fn admission(&self) -> AdmissionSet {
        AdmissionSet::new(self.gates.lock().unwrap().clone())
    }
}

async fn start_gated(gate: Arc<Budget>) -> (Arc<ZipkinReceiver>, Arc<Sink<Traces>>, String) {
    let host = Arc::new(GateHost::default());
    host.register_admission(gate);
    let sink = Sink::<Traces>::new();
    let r = Arc::new(ZipkinReceiver::new(
        &nop_settings("zipkin", Kind::Receiver),
        loopback(),
        sink.clone(),
    ));
    r.start(host).await.unwrap();
    let url = format!("http://{}/api/v2/spans", r.addr().unwrap());
    (r, sink, url)
}

/// `n` minimal spans: each a few bytes, each hundreds once translated.
fn tiny_spans(n: usize) -> Vec<u8> {
    let spans: Vec<String> = (1..=n)
        .map(|i| format!(r#"{{"traceId":"1","id":"{i:x}"}}"#))
        .collect();
    format!("[{}]", spans.join(",")).into_bytes()
}

#[tokio::test]
async fn admitted_requests_give_every_byte_back() {
    let gate = Budget::new(64 * 1024 * 1024);
    let (r, sink, url) = start_gated(gate.clone()).await;
    let a = post(&url, "application/json", testdata("v2_spans.json")).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let a = send(
        "POST",
        &url,
        &[("content-type", "application/json"), ("content-encoding", "gzip")],
        gzip(&tiny_spans(2000)),
    )
    .await;
    assert_eq!(a.status, 202, "{}", a.body);
    assert_eq!(span_count(&sink), 2004);
    assert!(
        gate.asked.load(Ordering::SeqCst) > 2000 * 1024,
        "the translation of every span was asked for"
    );
    assert_eq!(gate.held.load(Ordering::SeqCst), 0);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn refusals_are_retryable_server_errors() {
    // Room for the body, not for translating 20 000 spans.
    let gate = Budget::new(4 * 1024 * 1024);
    let (_r, sink, url) = start_gated(gate.clone()).await;
    let a = post(&url, "application/json", tiny_spans(20_000)).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.body, "\"Internal Server Error\"");
    assert_eq!(a.headers["retry-after"], "3");
    assert_eq!(sink.payload_count(), 0);
    assert_eq!(gate.held.load(Ordering::SeqCst), 0);
    // While memory is over the limit, even a small request is refused
    // before its body is read.
    gate.closed.store(true, Ordering::SeqCst);
    let a = post(&url, "application/json", "[]").await;
    assert_eq!(a.status, 500);
    gate.closed.store(false, Ordering::SeqCst);
    let a = post(&url, "application/json", testdata("v2_spans.json")).await;
    assert_eq!(a.status, 202);
    assert_eq!(gate.held.load(Ordering::SeqCst), 0);
}
