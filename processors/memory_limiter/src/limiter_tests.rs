use std::sync::atomic::AtomicU64;

use otelcol_component::ComponentType;

use super::*;

/// Memory numbers set by the test.
#[derive(Debug)]
struct FakeMemory {
    rss: AtomicU64,
    total: Result<u64, String>,
}

impl FakeMemory {
    fn new(rss: u64, total: u64) -> Arc<Self> {
        Arc::new(FakeMemory {
            rss: AtomicU64::new(rss),
            total: Ok(total),
        })
    }
}

impl MemorySource for FakeMemory {
    fn rss(&self) -> Result<u64, MemoryError> {
        Ok(self.rss.load(Ordering::SeqCst))
    }
    fn total(&self) -> Result<u64, MemoryError> {
        self.total.clone().map_err(MemoryError::Other)
    }
}

/// A process whose allocator counts its heap and keeps freed memory
/// resident (`kept`) until it is told to release it.
#[derive(Debug, Default)]
struct FakeAllocator {
    /// Code, stacks: resident, not heap.
    base: AtomicU64,
    heap: AtomicU64,
    kept: AtomicU64,
    releases: AtomicU64,
}

impl FakeAllocator {
    fn free(&self, bytes: u64) {
        self.heap.fetch_sub(bytes, Ordering::SeqCst);
        self.kept.fetch_add(bytes, Ordering::SeqCst);
    }
}

impl MemorySource for FakeAllocator {
    fn rss(&self) -> Result<u64, MemoryError> {
        Ok(self.base.load(Ordering::SeqCst)
            + self.heap.load(Ordering::SeqCst)
            + self.kept.load(Ordering::SeqCst))
    }
    fn total(&self) -> Result<u64, MemoryError> {
        Ok(0)
    }
    fn heap_allocated(&self) -> Option<u64> {
        Some(self.heap.load(Ordering::SeqCst))
    }
    fn release_free_memory(&self) {
        self.kept.store(0, Ordering::SeqCst);
        self.releases.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn memory_kept_by_the_allocator_is_given_back_and_does_not_refuse() {
    let mem = Arc::new(FakeAllocator::default());
    mem.base.store(20 * MIB, Ordering::SeqCst);
    mem.heap.store(5 * MIB, Ordering::SeqCst);
    let l = Arc::new(MemoryLimiter::new(id(), &cfg(100, 20), mem.clone()).unwrap());
    l.start(otelcol_componenttest::NopHost::new()).unwrap();
    assert_eq!(l.usage(), 25 * MIB);
    // A burst: the heap grows past the soft limit, and is refused.
    mem.heap.store(85 * MIB, Ordering::SeqCst);
    assert!(
        l.admit(MIB).is_err(),
        "the heap counted now is over the soft limit"
    );
    l.check_mem_limits();
    assert_eq!(l.level(), Level::Hard);
    assert_eq!(mem.releases.load(Ordering::SeqCst), 1, "RSS over the soft limit");
    // The burst is over: the heap is freed but the allocator keeps the pages.
    mem.free(80 * MIB);
    assert_eq!(mem.rss().unwrap(), 105 * MIB);
    l.check_mem_limits();
    assert_eq!(
        mem.releases.load(Ordering::SeqCst),
        2,
        "released at the first check after the burst"
    );
    assert_eq!(l.level(), Level::Normal, "one check after the burst");
    assert!(l.admit(MIB).is_ok());
    // Freed memory kept below the soft limit: given back once it is more
    // than half the spike headroom, not before.
    mem.heap.store(40 * MIB, Ordering::SeqCst);
    mem.free(8 * MIB);
    l.check_mem_limits();
    assert_eq!(mem.releases.load(Ordering::SeqCst), 2);
    mem.heap.store(40 * MIB, Ordering::SeqCst);
    mem.free(12 * MIB);
    l.check_mem_limits();
    assert_eq!(mem.releases.load(Ordering::SeqCst), 3);
    assert_eq!(l.usage(), 48 * MIB);
    l.stop().await;
}

/// A started limiter on `mem` (the start measures the base overhead).
fn started(mem: &Arc<FakeAllocator>) -> Arc<MemoryLimiter> {
    let l = Arc::new(MemoryLimiter::new(id(), &cfg(100, 20), mem.clone()).unwrap());
    l.start(otelcol_componenttest::NopHost::new()).unwrap();
    l
}

#[tokio::test]
async fn the_heap_counted_now_is_used_between_measurements() {
    let mem = Arc::new(FakeAllocator::default());
    mem.base.store(20 * MIB, Ordering::SeqCst);
    let l = started(&mem);
    l.check_mem_limits();
    assert_eq!(l.usage(), 20 * MIB);
    let _a = l.admit(30 * MIB).unwrap();
    // The heap grows (something not admitted: an exporter encoding): it
    // counts before the next measurement, on top of the 20 MiB overhead.
    mem.heap.store(25 * MIB, Ordering::SeqCst);
    assert_eq!(l.usage(), 45 * MIB + 30 * MIB);
    assert!(l.admit(MIB).is_err(), "1 MiB and 8 behind: 5 MiB are left");
    assert!(l.admit(MIB / 2).is_ok());
    l.stop().await;
}

/// Every byte counted once: a permit stands for memory not allocated yet;
/// once the receiver has allocated it (the heap grew) and given the permit
/// back, only the heap counts it. Data sitting in a queue (allocated, no
/// permit) is counted by the heap alone, and when the queue drains usage
/// falls at once, before the next measurement.
#[tokio::test]
async fn each_byte_is_counted_once_by_the_permit_or_by_the_heap() {
    let mem = Arc::new(FakeAllocator::default());
    mem.base.store(20 * MIB, Ordering::SeqCst);
    let l = started(&mem);
    l.check_mem_limits();
    assert_eq!(l.usage(), 20 * MIB);
    // A 30 MiB body announced, arriving in parts.
    let mut body = l.admit(30 * MIB).unwrap();
    assert_eq!(l.usage(), 50 * MIB);
    mem.heap.fetch_add(10 * MIB, Ordering::SeqCst);
    body.release(10 * MIB);
    assert_eq!(
        l.usage(),
        50 * MIB,
        "10 MiB arrived: in the heap, not in the permit"
    );
    mem.heap.fetch_add(20 * MIB, Ordering::SeqCst);
    drop(body);
    assert_eq!(l.usage(), 50 * MIB, "all of it arrived");
    // The data waits in a queue across measurements: counted once.
    l.check_mem_limits();
    l.check_mem_limits();
    assert_eq!(l.usage(), 50 * MIB);
    assert!(l.admit(20 * MIB).is_ok(), "with 10 MiB behind: at the soft limit");
    assert!(l.admit(20 * MIB + 1).is_err());
    // The queue drains: admitted again at once.
    mem.heap.fetch_sub(30 * MIB, Ordering::SeqCst);
    assert_eq!(l.usage(), 20 * MIB);
    assert!(l.admit(50 * MIB).is_ok());
    l.stop().await;
}

/// The level follows heap plus overhead; what stays resident after the
/// allocator gave back what it could is overhead, and counts.
#[tokio::test]
async fn levels_follow_the_heap_and_what_stays_resident() {
    let mem = Arc::new(FakeAllocator::default());
    mem.base.store(20 * MIB, Ordering::SeqCst);
    let l = started(&mem);
    // The heap grows, RSS grows with it; the release gives nothing back.
    mem.heap.store(70 * MIB, Ordering::SeqCst);
    mem.base.store(25 * MIB, Ordering::SeqCst);
    l.check_mem_limits();
    assert_eq!(
        l.level(),
        Level::Soft,
        "90 MiB: heap 70 + overhead 20 (5 more resident is within the slack)"
    );
    mem.heap.store(10 * MIB, Ordering::SeqCst);
    l.check_mem_limits();
    assert_eq!(l.level(), Level::Normal);
    assert_eq!(l.usage(), 30 * MIB);
    mem.base.store(105 * MIB, Ordering::SeqCst);
    l.check_mem_limits();
    assert_eq!(l.level(), Level::Hard, "115 MiB stay resident after the release");
    assert!(l.admit(0).is_err());
    assert_eq!(mem.releases.load(Ordering::SeqCst), 2);
    // Less RSS, still far above the heap: that much more overhead counts.
    mem.base.store(60 * MIB, Ordering::SeqCst);
    l.check_mem_limits();
    assert_eq!(l.usage(), 10 * MIB + 50 * MIB, "overhead 60 - 10 of slack");
    assert_eq!(l.level(), Level::Normal);
    l.stop().await;
}

fn id() -> ComponentId {
    ComponentId::new(ComponentType::new("memory_limiter").unwrap())
}

fn cfg(limit_mib: u32, spike_limit_mib: u32) -> MemoryLimiterConfig {
    MemoryLimiterConfig {
        check_interval: Duration::from_secs(1),
        limit_mib,
        spike_limit_mib,
        ..Default::default()
    }
}

fn limiter(limit_mib: u32, spike_limit_mib: u32, rss: u64) -> (MemoryLimiter, Arc<FakeMemory>) {
    let mem = FakeMemory::new(rss, 0);
    let l = MemoryLimiter::new(id(), &cfg(limit_mib, spike_limit_mib), mem.clone()).unwrap();
    l.check_mem_limits();
    (l, mem)
}

#[test]
fn fixed_limits_and_default_spike() {
    let mem = FakeMemory::new(0, 0);
    let l = Limits::from_config(&cfg(4000, 800), mem.as_ref()).unwrap();
    assert_eq!((l.hard, l.soft()), (4000 * MIB, 3200 * MIB));
    let l = Limits::from_config(&cfg(100, 0), mem.as_ref()).unwrap();
    assert_eq!(
        (l.hard, l.spike, l.soft()),
        (100 * MIB, 20 * MIB, 80 * MIB),
        "spike defaults to 20%"
    );
}

#[test]
fn percentages_of_total_memory() {
    // Go's README example: 1000 MiB total, 80% / 15% → hard 800, soft 650.
    let mem = FakeMemory::new(0, 1000 * MIB);
    let pct = |limit, spike| MemoryLimiterConfig {
        limit_percentage: limit,
        spike_limit_percentage: spike,
        ..cfg(0, 0)
    };
    let l = Limits::from_config(&pct(80, 15), mem.as_ref()).unwrap();
    assert_eq!((l.hard, l.soft()), (800 * MIB, 650 * MIB));
    let l = Limits::from_config(&pct(50, 0), mem.as_ref()).unwrap();
    assert_eq!(
        (l.hard, l.spike),
        (500 * MIB, 100 * MIB),
        "spike defaults to 20% of the limit"
    );
    // limit_mib wins over percentages and does not read the total.
    let broken = Arc::new(FakeMemory {
        rss: AtomicU64::new(0),
        total: Err("no meminfo".into()),
    });
    let both = MemoryLimiterConfig {
        limit_mib: 10,
        ..pct(80, 15)
    };
    assert_eq!(
        Limits::from_config(&both, broken.as_ref()).unwrap().hard,
        10 * MIB
    );
    assert!(Limits::from_config(&pct(80, 15), broken.as_ref()).is_err());
    // No overflow near u64::MAX.
    let huge = FakeMemory::new(0, u64::MAX);
    assert_eq!(
        Limits::from_config(&pct(100, 0), huge.as_ref()).unwrap().hard,
        u64::MAX
    );
}

#[test]
fn levels_follow_measurements() {
    let (l, mem) = limiter(100, 20, 10 * MIB);
    assert_eq!(l.level(), Level::Normal);
    assert!(!l.must_refuse());
    for (rss, level) in [
        (80 * MIB - 1, Level::Normal),
        (80 * MIB, Level::Soft),
        (100 * MIB, Level::Hard),
        (90 * MIB, Level::Soft),
        (0, Level::Normal),
    ] {
        mem.rss.store(rss, Ordering::SeqCst);
        l.check_mem_limits();
        assert_eq!(l.level(), level, "rss {rss}");
        assert_eq!(l.must_refuse(), level != Level::Normal);
    }
}

#[test]
fn admit_charges_against_the_soft_limit() {
    // soft limit 80 MiB, 40 MiB measured: 40 MiB of headroom; a request
    // leaves room behind it for 8 times its size, up to 10 MiB (spike / 2).
    let (l, _) = limiter(100, 20, 40 * MIB);
    let a = l.admit(24 * MIB).unwrap();
    assert_eq!(l.usage(), 40 * MIB + 24 * MIB);
    let e = l.admit(6 * MIB + 1).unwrap_err();
    assert!(e.is_retryable());
    assert_eq!(e.message(), ERR_DATA_REFUSED);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(l.usage(), 40 * MIB + 24 * MIB, "a refusal holds nothing");
    let b = l.admit(6 * MIB).unwrap();
    assert_eq!(l.usage(), 70 * MIB, "70 + 10 behind: exactly at the soft limit");
    assert!(l.admit(2 * MIB).is_err(), "70 + 2 + 10 behind");
    let c = l.admit(MIB).unwrap();
    assert_eq!(l.usage(), 71 * MIB, "71 + 8 behind: a small one still passes");
    assert!(
        l.admit(0).is_ok(),
        "a request of unknown size passes while usage is not over"
    );
    drop(a);
    assert_eq!(l.usage(), 47 * MIB, "a dropped permit gives its bytes back");
    drop((b, c));
    assert_eq!(l.usage(), 40 * MIB);
}

#[test]
fn held_bytes_count_until_released_across_measurements() {
    let (l, mem) = limiter(100, 20, 40 * MIB);
    let slow = l.admit(20 * MIB).unwrap();
    // A measurement while the body is still arriving: RSS has not grown, and
    // the charge must not be forgotten (or every interval would admit
    // another soft limit's worth of slow requests).
    l.check_mem_limits();
    assert_eq!(l.usage(), 60 * MIB);
    assert!(l.admit(15 * MIB + 1).is_err(), "20 MiB of headroom left, not 40");
    // Once the request is in RSS it is counted twice until it is released:
    // on the safe side.
    mem.rss.store(55 * MIB, Ordering::SeqCst);
    l.check_mem_limits();
    assert_eq!(l.usage(), 75 * MIB);
    drop(slow);
    assert_eq!(l.usage(), 55 * MIB, "a released permit gives its bytes back");
}

#[tokio::test]
async fn a_stop_forgets_what_was_admitted_before_it() {
    let (l, _) = limiter(100, 20, 40 * MIB);
    let l = Arc::new(l);
    l.start(otelcol_componenttest::NopHost::new()).unwrap();
    let before = l.admit(20 * MIB).unwrap();
    l.stop().await;
    l.start(otelcol_componenttest::NopHost::new()).unwrap();
    let after = l.admit(4 * MIB).unwrap();
    drop(before);
    assert_eq!(l.usage(), 40 * MIB + 4 * MIB, "an old permit gives nothing back");
    drop(after);
    assert_eq!(l.usage(), 40 * MIB);
    l.stop().await;
}

#[test]
fn over_the_soft_limit_everything_is_refused() {
    let (l, mem) = limiter(100, 20, 85 * MIB);
    assert!(l.admit(0).is_err(), "even requests of unknown size");
    mem.rss.store(200 * MIB, Ordering::SeqCst);
    l.check_mem_limits();
    assert_eq!(l.level(), Level::Hard);
    assert!(l.admit(0).is_err());
    mem.rss.store(10 * MIB, Ordering::SeqCst);
    l.check_mem_limits();
    assert!(l.admit(MIB).is_ok());
}

#[test]
fn retry_after_rounds_up_to_seconds() {
    assert_eq!(retry_after(Duration::from_millis(100)), Duration::from_secs(1));
    assert_eq!(retry_after(Duration::from_secs(1)), Duration::from_secs(1));
    assert_eq!(retry_after(Duration::from_millis(2500)), Duration::from_secs(3));
    assert_eq!(retry_after(Duration::from_secs(5)), Duration::from_secs(5));
}

#[test]
fn a_failed_read_keeps_the_state() {
    #[derive(Debug)]
    struct Broken;
    impl MemorySource for Broken {
        fn rss(&self) -> Result<u64, MemoryError> {
            Err(MemoryError::Other("no /proc".into()))
        }
        fn total(&self) -> Result<u64, MemoryError> {
            Err(MemoryError::Other("no /proc".into()))
        }
    }
    let l = MemoryLimiter::new(id(), &cfg(100, 0), Arc::new(Broken)).unwrap();
    l.record(90 * MIB);
    l.check_mem_limits();
    assert_eq!(l.level(), Level::Soft);
}
