//! The `tail_sampling` processor: buffers spans by trace id, decides each
//! trace `decision_wait` after its first span, forwards sampled traces, and
//! applies the decision to spans that arrive later.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans};
use otelcol_component::{
    Capabilities, Component, ComponentError, ConsumeError, Consumer, Host, Meter, Payload, SharedConsumer,
    Traces, async_trait,
};
use tokio_util::sync::CancellationToken;

use crate::cache::IdCache;
use crate::config::TailSamplingConfig;
use crate::policy::{Final, Policy, TraceData, build_policies, decide};
use crate::telemetry::Telemetry;

/// Go's ticker period; shorter when `decision_wait` is short.
const MAX_TICK: Duration = Duration::from_secs(1);
const MIN_TICK: Duration = Duration::from_millis(10);

/// A trace in memory: its buffered spans until decided, then only its decision.
#[derive(Debug)]
struct Entry {
    generation: u64,
    arrival: Instant,
    data: TraceData,
    decision: Option<(Final, Instant)>,
}

/// Everything behind the lock.
#[derive(Debug)]
struct State {
    traces: HashMap<[u8; 16], Entry>,
    /// Arrival order, for eviction (entries may be stale).
    order: VecDeque<([u8; 16], u64)>,
    /// Decision order with deadlines (entries may be stale).
    pending: VecDeque<([u8; 16], u64, Instant)>,
    policies: Vec<Policy>,
    sampled: IdCache,
    not_sampled: IdCache,
    next_generation: u64,
}

/// What the consumer and the ticker share.
struct Shared {
    id: String,
    state: Mutex<State>,
    telemetry: Telemetry,
    next: SharedConsumer<Traces>,
    decision_wait: Duration,
    num_traces: usize,
    first_match: bool,
    block_on_overflow: bool,
    drop_pending_on_shutdown: bool,
    stopped: AtomicBool,
    room: tokio::sync::Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Groups the spans of one resource by trace id, keeping scopes; spans with
/// a trace id that is not 16 bytes are counted in `invalid` and dropped.
fn group(rs: ResourceSpans, out: &mut Vec<([u8; 16], ResourceSpans)>, invalid: &mut u64) {
    let ResourceSpans {
        resource,
        scope_spans,
        schema_url,
    } = rs;
    let mut index: HashMap<[u8; 16], (usize, usize)> = HashMap::new();
    for (ordinal, ss) in scope_spans.into_iter().enumerate() {
        let ScopeSpans {
            scope,
            spans,
            schema_url: scope_url,
        } = ss;
        for span in spans {
            let Ok(id) = <[u8; 16]>::try_from(span.trace_id.as_slice()) else {
                *invalid += 1;
                continue;
            };
            let (gi, last) = index.entry(id).or_insert_with(|| {
                out.push((
                    id,
                    ResourceSpans {
                        resource: resource.clone(),
                        scope_spans: Vec::new(),
                        schema_url: schema_url.clone(),
                    },
                ));
                (out.len() - 1, usize::MAX)
            });
            let g = &mut out[*gi].1;
            if *last != ordinal {
                *last = ordinal;
                g.scope_spans.push(ScopeSpans {
                    scope: scope.clone(),
                    spans: Vec::new(),
                    schema_url: scope_url.clone(),
                });
            }
            if let Some(target) = g.scope_spans.last_mut() {
                target.spans.push(span);
            }
        }
    }
}

fn span_count(rs: &ResourceSpans) -> i64 {
    rs.scope_spans.iter().map(|ss| ss.spans.len() as i64).sum()
}

impl Shared {
    /// Frees one slot by removing the oldest trace; `false` when that trace
    /// is undecided and `block_on_overflow` asks to wait instead.
    fn make_room(&self, st: &mut State, now: Instant) -> bool {
        while let Some(&(id, generation)) = st.order.front() {
            let live = st.traces.get(&id).is_some_and(|e| e.generation == generation);
            if !live {
                st.order.pop_front();
                continue;
            }
            let undecided = st.traces.get(&id).is_some_and(|e| e.decision.is_none());
            if undecided && self.block_on_overflow && !self.stopped.load(Ordering::Acquire) {
                return false;
            }
            st.order.pop_front();
            if let Some(e) = st.traces.remove(&id) {
                if e.decision.is_none() {
                    self.telemetry.dropped_too_early.increment(1);
                    tracing::debug!(processor = %self.id, "trace evicted before its decision (num_traces reached)");
                }
                self.telemetry
                    .removal_age_s
                    .record(now.saturating_duration_since(e.arrival).as_secs() as f64);
            }
            return true;
        }
        true
    }

    /// Buffers or routes the groups from `start`; returns the index of the
    /// group that waits for room, if any.
    fn admit(
        &self,
        groups: &mut [([u8; 16], Option<ResourceSpans>)],
        start: usize,
        forward: &mut Vec<ResourceSpans>,
    ) -> Option<usize> {
        let now = Instant::now();
        let mut guard = lock(&self.state);
        let st = &mut *guard;
        let mut new_ids = 0;
        let mut blocked = None;
        for (i, (id, slot)) in groups.iter_mut().enumerate().skip(start) {
            let Some(rs) = slot.take() else { continue };
            let n = span_count(&rs);
            if st.sampled.get(id) {
                self.telemetry.early_sampled.increment(n as u64);
                forward.push(rs);
                continue;
            }
            if st.not_sampled.get(id) {
                self.telemetry.early_not_sampled.increment(n as u64);
                continue;
            }
            if let Some(e) = st.traces.get_mut(id) {
                e.data.span_count += n;
                match e.decision {
                    None => e.data.batches.push(rs),
                    Some((f, at)) => {
                        if f == Final::Sampled {
                            forward.push(rs);
                        }
                        self.telemetry
                            .late_span_age_s
                            .record(now.saturating_duration_since(at).as_secs() as f64);
                    }
                }
                continue;
            }
            if st.traces.len() >= self.num_traces && !self.make_room(st, now) {
                *slot = Some(rs);
                blocked = Some(i);
                break;
            }
            let generation = st.next_generation;
            st.next_generation += 1;
            st.traces.insert(
                *id,
                Entry {
                    generation,
                    arrival: now,
                    data: TraceData {
                        batches: vec![rs],
                        span_count: n,
                    },
                    decision: None,
                },
            );
            st.order.push_back((*id, generation));
            st.pending.push_back((*id, generation, now + self.decision_wait));
            new_ids += 1;
        }
        let on_memory = st.traces.len();
        drop(guard);
        self.telemetry.new_trace_ids.increment(new_ids);
        self.telemetry.on_memory.set(on_memory as f64);
        blocked
    }

    /// Decides the traces due at `now` (every pending trace with `all`) and
    /// sends the sampled ones on as one payload.
    async fn decide_due(&self, now: Instant, all: bool) {
        let started = Instant::now();
        let mut out = Vec::new();
        {
            let mut guard = lock(&self.state);
            let State {
                traces,
                pending,
                policies,
                sampled,
                not_sampled,
                ..
            } = &mut *guard;
            let now_sec = unix_seconds();
            while let Some(&(id, generation, deadline)) = pending.front() {
                if !all && deadline > now {
                    break;
                }
                pending.pop_front();
                let Some(e) = traces.get_mut(&id) else { continue };
                if e.generation != generation || e.decision.is_some() {
                    continue;
                }
                let f = decide(
                    policies,
                    &id,
                    &e.data,
                    now_sec,
                    self.first_match,
                    |i, r, elapsed| {
                        let m = self.telemetry.policies.get(i);
                        if let Some(m) = m {
                            m.latency_us(elapsed.as_secs_f64() * 1e6);
                        }
                        match r {
                            Ok(d) => {
                                if let Some(m) = m {
                                    m.record(*d);
                                }
                            }
                            Err(err) => {
                                self.telemetry.evaluation_error.increment(1);
                                tracing::debug!(processor = %self.id, error = %err, "sampling policy error");
                            }
                        }
                    },
                );
                self.telemetry.global(f);
                e.decision = Some((f, now));
                let batches = std::mem::take(&mut e.data.batches);
                let arrival = e.arrival;
                let cache = if f == Final::Sampled {
                    out.extend(batches);
                    &mut *sampled
                } else {
                    &mut *not_sampled
                };
                cache.put(id);
                // As Go: with a decision cache the trace leaves memory now.
                if cache.get(&id) {
                    traces.remove(&id);
                    self.telemetry
                        .removal_age_s
                        .record(now.saturating_duration_since(arrival).as_secs() as f64);
                }
            }
            self.telemetry.on_memory.set(traces.len() as f64);
        }
        self.telemetry
            .timer_latency_ms
            .record(started.elapsed().as_secs_f64() * 1e3);
        self.room.notify_waiters();
        if out.is_empty() {
            return;
        }
        let payload = Traces::from_request(ExportTraceServiceRequest { resource_spans: out });
        if let Err(e) = self.next.consume(payload).await {
            tracing::warn!(processor = %self.id, error = %e, "error sending spans to destination");
        }
    }

    /// Forgets every undecided trace (`drop_pending_traces_on_shutdown`).
    fn drop_pending(&self) {
        let mut st = lock(&self.state);
        st.pending.clear();
        st.traces.retain(|_, e| e.decision.is_some());
    }
}

/// The tail sampling processor (traces only).
pub struct TailSamplingProcessor {
    shared: Arc<Shared>,
    tick: Duration,
    ticker: Mutex<Option<(CancellationToken, tokio::task::JoinHandle<()>)>>,
}

impl fmt::Debug for TailSamplingProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TailSamplingProcessor")
            .field("id", &self.shared.id)
            .field("decision_wait", &self.shared.decision_wait)
            .field("num_traces", &self.shared.num_traces)
            .field("traces", &self.traces_in_memory())
            .finish()
    }
}

impl TailSamplingProcessor {
    /// A processor with id `id` (its `name` part, if any, prefixes the
    /// `policy` label as in Go) for `cfg`, feeding `next`, recording through `meter`.
    pub fn new(
        id: &str,
        name: Option<&str>,
        cfg: &TailSamplingConfig,
        next: SharedConsumer<Traces>,
        meter: &Meter,
    ) -> Result<Self, otelcol_component::ConfigError> {
        let policies = build_policies(&cfg.policies)?;
        let telemetry = Telemetry::new(meter, id, name, &policies);
        let capacity = usize::try_from(
            cfg.expected_new_traces_per_sec
                .saturating_mul(cfg.decision_wait.as_secs()),
        )
        .unwrap_or(usize::MAX)
        .min(usize::try_from(cfg.num_traces).unwrap_or(usize::MAX));
        let tick = (cfg.decision_wait / 10).clamp(MIN_TICK, MAX_TICK);
        Ok(TailSamplingProcessor {
            shared: Arc::new(Shared {
                id: id.to_owned(),
                state: Mutex::new(State {
                    traces: HashMap::with_capacity(capacity),
                    order: VecDeque::new(),
                    pending: VecDeque::new(),
                    policies,
                    sampled: IdCache::new(cfg.decision_cache.sampled_cache_size),
                    not_sampled: IdCache::new(cfg.decision_cache.non_sampled_cache_size),
                    next_generation: 0,
                }),
                telemetry,
                next,
                decision_wait: cfg.decision_wait,
                num_traces: usize::try_from(cfg.num_traces).unwrap_or(usize::MAX).max(1),
                first_match: cfg.sample_on_first_match,
                block_on_overflow: cfg.block_on_overflow,
                drop_pending_on_shutdown: cfg.drop_pending_traces_on_shutdown,
                stopped: AtomicBool::new(false),
                room: tokio::sync::Notify::new(),
            }),
            tick,
            ticker: Mutex::new(None),
        })
    }

    /// Traces held in memory now (pending or decided).
    pub fn traces_in_memory(&self) -> usize {
        lock(&self.shared.state).traces.len()
    }

    /// Decides every trace whose `decision_wait` has passed now (what the
    /// ticker does), forwarding the sampled ones.
    pub async fn decide_due_now(&self) {
        self.shared.decide_due(Instant::now(), false).await;
    }
}

#[async_trait]
impl Consumer<Traces> for TailSamplingProcessor {
    async fn consume(&self, data: Traces) -> Result<(), ConsumeError> {
        let sh = &self.shared;
        let mut req = data.into_request();
        let mut grouped = Vec::new();
        let mut invalid = 0;
        for rs in req.resource_spans.drain(..) {
            group(rs, &mut grouped, &mut invalid);
        }
        if invalid > 0 {
            sh.telemetry.invalid_trace_id.increment(invalid);
            tracing::warn!(processor = %sh.id, spans = invalid, "dropping spans with an invalid trace id (not 16 bytes)");
        }
        let mut groups: Vec<([u8; 16], Option<ResourceSpans>)> =
            grouped.into_iter().map(|(id, rs)| (id, Some(rs))).collect();
        let mut forward = Vec::new();
        let mut start = 0;
        while let Some(blocked) = sh.admit(&mut groups, start, &mut forward) {
            start = blocked;
            // Wait for a decision tick to free room (re-checked at least every tick).
            let _ = tokio::time::timeout(self.tick, sh.room.notified()).await;
        }
        if !forward.is_empty() {
            let payload = Traces::from_request(ExportTraceServiceRequest {
                resource_spans: forward,
            });
            if let Err(e) = sh.next.consume(payload).await {
                tracing::warn!(processor = %sh.id, error = %e, "error sending spans to destination");
            }
        }
        Ok(())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: false }
    }
}

#[async_trait]
impl Component for TailSamplingProcessor {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let stop = CancellationToken::new();
        let (token, shared, period) = (stop.clone(), self.shared.clone(), self.tick);
        shared.stopped.store(false, Ordering::Release);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = token.cancelled() => return,
                    _ = tick.tick() => shared.decide_due(Instant::now(), false).await,
                }
            }
        });
        if let Some((old, _)) = lock(&self.ticker).replace((stop, task)) {
            old.cancel();
        }
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let running = lock(&self.ticker).take();
        let Some((stop, task)) = running else {
            return Ok(());
        };
        self.shared.stopped.store(true, Ordering::Release);
        stop.cancel();
        let _ = task.await;
        if self.shared.drop_pending_on_shutdown {
            self.shared.drop_pending();
        } else {
            // Pending traces are decided now rather than lost.
            self.shared.decide_due(Instant::now(), true).await;
        }
        self.shared.room.notify_waiters();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use otelcol_component::proto::trace::v1::Span;

    fn span(id: u8, name: &str) -> Span {
        Span {
            trace_id: vec![id; 16],
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn group_splits_by_trace_and_keeps_scopes() {
        let rs = ResourceSpans {
            scope_spans: vec![
                ScopeSpans {
                    spans: vec![span(1, "a"), span(2, "b"), span(1, "c")],
                    ..Default::default()
                },
                ScopeSpans {
                    spans: vec![span(1, "d")],
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let (mut out, mut invalid) = (Vec::new(), 0);
        group(rs, &mut out, &mut invalid);
        assert_eq!(invalid, 0);
        assert_eq!(out.len(), 2);
        let (id, t1) = &out[0];
        assert_eq!(*id, [1; 16]);
        assert_eq!(t1.scope_spans.len(), 2);
        let names: Vec<_> = t1.scope_spans[0].spans.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(t1.scope_spans[1].spans[0].name, "d");
        assert_eq!(out[1].1.scope_spans[0].spans[0].name, "b");
    }

    #[test]
    fn group_drops_bad_trace_ids() {
        let mut bad = span(1, "bad");
        bad.trace_id = vec![1, 2, 3];
        let rs = ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![bad, span(3, "ok")],
                ..Default::default()
            }],
            ..Default::default()
        };
        let (mut out, mut invalid) = (Vec::new(), 0);
        group(rs, &mut out, &mut invalid);
        assert_eq!(invalid, 1);
        assert_eq!(out.len(), 1);
        assert_eq!(span_count(&out[0].1), 1);
    }
}
