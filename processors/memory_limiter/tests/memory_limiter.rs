//! The processor through its factory: lifecycle, refusal in `consume`, one
//! shared limiter per id, the admission gate and status reports. Memory
//! numbers are injected; time is tokio's paused clock.
#![allow(clippy::unwrap_used)] // tests: a panic is a failure

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use otelcol_component::{
    Admission, AdmissionSet, ComponentId, ComponentType, Extension, Host, Kind, Logs, Metrics,
    ProcessorFactory, Settings, StatusEvent, Traces,
};
use otelcol_componenttest::{Sink, check_processor_lifecycle, nop_settings};
use otelcol_processor_memorylimiter::{
    ERR_DATA_REFUSED, MemoryError, MemoryLimiterConfig, MemoryLimiterProcessorFactory, MemorySource, factory,
};

const MIB: u64 = 1 << 20;
const CHECK: Duration = Duration::from_secs(1);

/// RSS set by the test; counts reads.
#[derive(Debug, Default)]
struct FakeMemory {
    rss: AtomicU64,
    reads: AtomicUsize,
}

impl MemorySource for FakeMemory {
    fn rss(&self) -> Result<u64, MemoryError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self.rss.load(Ordering::SeqCst))
    }
    fn total(&self) -> Result<u64, MemoryError> {
        Ok(1000 * MIB)
    }
}

/// A host that keeps registered gates and status reports.
#[derive(Debug, Default)]
struct TestHost {
    gates: Mutex<Vec<Arc<dyn Admission>>>,
    statuses: Mutex<Vec<StatusEvent>>,
}

impl Host for TestHost {
    fn extension(&self, _: &ComponentId) -> Option<Arc<dyn Extension>> {
        None
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        Vec::new()
    }
    fn report_status(&self, _: &ComponentId, _: Kind, event: StatusEvent) {
        self.statuses.lock().unwrap().push(event);
    }
    fn register_admission(&self, gate: Arc<dyn Admission>) {
        self.gates.lock().unwrap().push(gate);
    }
    fn admission(&self) -> AdmissionSet {
        AdmissionSet::new(self.gates.lock().unwrap().clone())
    }
}

/// Records counters by name and labels.
#[derive(Default)]
struct TestRecorder {
    counters: Mutex<Vec<(String, Arc<AtomicU64>)>>,
}

impl TestRecorder {
    fn get(&self, name: &str) -> u64 {
        let counters = self.counters.lock().unwrap();
        counters
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, c)| c.load(Ordering::SeqCst))
            .sum()
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let c = Arc::new(AtomicU64::new(0));
        self.counters
            .lock()
            .unwrap()
            .push((format!("{}{{{}}}", key.name(), labels.join(",")), c.clone()));
        Counter::from_arc(c)
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

fn config(limit_mib: u32) -> MemoryLimiterConfig {
    MemoryLimiterConfig {
        check_interval: CHECK,
        limit_mib,
        ..Default::default()
    }
}

fn setup(rss: u64) -> (MemoryLimiterProcessorFactory, Arc<FakeMemory>) {
    let mem = Arc::new(FakeMemory::default());
    mem.rss.store(rss, Ordering::SeqCst);
    (
        MemoryLimiterProcessorFactory::with_memory_source(mem.clone()),
        mem,
    )
}

fn settings(name: Option<&str>) -> Settings {
    let mut set = nop_settings("memory_limiter", Kind::Processor);
    if let Some(n) = name {
        set.id = ComponentId::with_name(ComponentType::new("memory_limiter").unwrap(), n).unwrap();
    }
    set
}

fn spans(n: usize) -> Traces {
    otelcol_componenttest::generate::traces_payload(1, 1, n)
}

/// Lets the measurement task run `n` times (the clock is paused).
async fn ticks(n: u32) {
    tokio::time::sleep(CHECK * n + CHECK / 2).await;
}

#[tokio::test]
async fn lifecycle_with_the_real_memory_reader() {
    // limit_mib far above what a test process uses.
    check_processor_lifecycle(&factory(), &config(1 << 20))
        .await
        .unwrap();
}

#[tokio::test]
async fn lifecycle_with_an_injected_reader() {
    let (f, _) = setup(10 * MIB);
    check_processor_lifecycle(&f, &config(100)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn consume_refuses_over_the_soft_limit_and_passes_under() {
    let (f, mem) = setup(10 * MIB);
    let rec = TestRecorder::default();
    let sink = Sink::<Traces>::new();
    let p = metrics::with_local_recorder(&rec, || {
        f.create::<Traces>(&settings(None), &config(100), sink.clone())
    })
    .unwrap();
    let host = Arc::new(TestHost::default());
    p.start(host.clone()).await.unwrap();

    p.consume(spans(3)).await.unwrap();
    assert_eq!(sink.item_count(), 3);

    mem.rss.store(85 * MIB, Ordering::SeqCst); // soft limit is 80 MiB
    ticks(1).await;
    let e = p.consume(spans(2)).await.unwrap_err();
    assert!(e.is_retryable());
    assert_eq!(e.message(), ERR_DATA_REFUSED);
    assert_eq!(e.retry_after(), Some(CHECK));
    assert_eq!(
        sink.item_count(),
        3,
        "refused data does not reach the next consumer"
    );

    mem.rss.store(50 * MIB, Ordering::SeqCst);
    ticks(1).await;
    p.consume(spans(4)).await.unwrap();
    assert_eq!(sink.item_count(), 7);

    let accepted = "otelcol_processor_memory_limiter_accepted_spans{processor=memory_limiter}";
    let refused = "otelcol_processor_memory_limiter_refused_spans{processor=memory_limiter}";
    assert_eq!((rec.get(accepted), rec.get(refused)), (7, 2));
    assert_eq!(
        *host.statuses.lock().unwrap(),
        vec![
            StatusEvent::RecoverableError(ERR_DATA_REFUSED.into()),
            StatusEvent::Ok
        ],
        "one report per transition"
    );
    p.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn pipelines_share_one_limiter_per_id() {
    let (f, mem) = setup(10 * MIB);
    let cfg = config(100);
    let set = settings(None);
    let traces = f.create::<Traces>(&set, &cfg, Sink::<Traces>::new()).unwrap();
    let metrics = f.create::<Metrics>(&set, &cfg, Sink::<Metrics>::new()).unwrap();
    let logs = f.create::<Logs>(&set, &cfg, Sink::<Logs>::new()).unwrap();
    let other = f
        .create::<Traces>(&settings(Some("other")), &cfg, Sink::<Traces>::new())
        .unwrap();
    let host = Arc::new(TestHost::default());
    for p in [&traces, &other] {
        p.start(host.clone()).await.unwrap();
    }
    metrics.start(host.clone()).await.unwrap();
    logs.start(host.clone()).await.unwrap();
    assert_eq!(
        host.gates.lock().unwrap().len(),
        2,
        "one gate per id, not per pipeline"
    );

    let reads = mem.reads.load(Ordering::SeqCst);
    assert_eq!(reads, 2, "one initial measurement per id");
    ticks(3).await;
    assert_eq!(
        mem.reads.load(Ordering::SeqCst),
        reads + 2 * 3,
        "one measurement task per id"
    );

    // A measurement seen through one pipeline's instance refuses in all of them.
    mem.rss.store(90 * MIB, Ordering::SeqCst);
    ticks(1).await;
    assert!(traces.consume(spans(1)).await.is_err());
    assert!(metrics.consume(Metrics::default()).await.is_err());
    assert!(logs.consume(Logs::default()).await.is_err());

    // Shutting down some instances keeps the shared task running.
    traces.shutdown().await.unwrap();
    metrics.shutdown().await.unwrap();
    mem.rss.store(10 * MIB, Ordering::SeqCst);
    ticks(1).await;
    logs.consume(Logs::default()).await.unwrap();

    // After the last one, a new create gets a fresh limiter.
    logs.shutdown().await.unwrap();
    other.shutdown().await.unwrap();
    let before = mem.reads.load(Ordering::SeqCst);
    ticks(3).await;
    assert_eq!(
        mem.reads.load(Ordering::SeqCst),
        before,
        "no task left after the last shutdown"
    );
    let again = f.create::<Traces>(&set, &cfg, Sink::<Traces>::new()).unwrap();
    let host2 = Arc::new(TestHost::default());
    again.start(host2.clone()).await.unwrap();
    assert_eq!(host2.gates.lock().unwrap().len(), 1);
    again.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_changed_config_gets_its_own_limiter() {
    let (f, _) = setup(10 * MIB);
    let set = settings(None);
    let a = f
        .create::<Traces>(&set, &config(100), Sink::<Traces>::new())
        .unwrap();
    let b = f
        .create::<Traces>(&set, &config(200), Sink::<Traces>::new())
        .unwrap();
    let host = Arc::new(TestHost::default());
    a.start(host.clone()).await.unwrap();
    b.start(host.clone()).await.unwrap();
    assert_eq!(host.gates.lock().unwrap().len(), 2);
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_gate_refuses_large_requests_before_decoding() {
    let (f, mem) = setup(40 * MIB);
    let p = f
        .create::<Traces>(&settings(None), &config(100), Sink::<Traces>::new())
        .unwrap();
    let host = Arc::new(TestHost::default());
    p.start(host.clone()).await.unwrap();
    let gate = host.admission();

    // Soft limit 80 MiB, 40 MiB measured: 30 MiB of memory fit, with
    // 10 MiB left behind (half the spike headroom).
    let fits = 30 * MIB;
    assert!(gate.admit(fits + 1).is_err());
    let held = gate.admit(fits).unwrap();
    let e = gate.admit(5 * MIB / 2 + 1).unwrap_err();
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(CHECK));
    // The request decodes and passes the processor: the measurement is still low.
    p.consume(spans(1)).await.unwrap();
    drop(held);
    let held = gate.admit(fits).unwrap();
    drop(held);

    // Above the soft limit nothing is admitted, not even requests of unknown size.
    mem.rss.store(81 * MIB, Ordering::SeqCst);
    ticks(1).await;
    assert!(gate.admit(0).is_err());
    p.shutdown().await.unwrap();
}

#[tokio::test]
async fn percentage_config_fails_to_create_without_total_memory() {
    #[derive(Debug)]
    struct NoTotal;
    impl MemorySource for NoTotal {
        fn rss(&self) -> Result<u64, MemoryError> {
            Ok(0)
        }
        fn total(&self) -> Result<u64, MemoryError> {
            Err(MemoryError::Other("no meminfo".into()))
        }
    }
    let f = MemoryLimiterProcessorFactory::with_memory_source(Arc::new(NoTotal));
    let cfg = MemoryLimiterConfig {
        check_interval: CHECK,
        limit_percentage: 80,
        ..Default::default()
    };
    let e = f
        .create::<Traces>(&settings(None), &cfg, Sink::<Traces>::new())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "failed to get total memory, use fixed memory settings (limit_mib): no meminfo"
    );
}
