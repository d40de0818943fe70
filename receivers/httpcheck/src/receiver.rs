//! The receiver: a scraper controller (Go's `scraperhelper`) that waits
//! `initial_delay`, then scrapes every `collection_interval` and hands each
//! payload to the next consumer, counting what it hands on.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use otelcol_component::metrics::Counter;
use otelcol_component::{
    Component, ComponentError, ComponentId, Host, Meter, Metrics, Payload, SharedConsumer, async_trait,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::scraper::Scraper;

/// The receiver's self-metrics, with Go's names and labels.
#[derive(Debug, Clone)]
struct SelfMetrics {
    accepted: Counter,
    refused: Counter,
    scraped: Counter,
    /// Registered so that the series exists, as Go's: a check's failure is
    /// a data point (`httpcheck.error`), never a scrape error, so it stays 0.
    _errored: Counter,
}

impl SelfMetrics {
    fn new(meter: &Meter, id: &ComponentId, scraper: &str) -> Self {
        let receiver = [("receiver", id.to_string()), ("transport", String::new())];
        let scraper = [("receiver", id.to_string()), ("scraper", scraper.to_string())];
        SelfMetrics {
            accepted: meter.counter("otelcol_receiver_accepted_metric_points", &receiver),
            refused: meter.counter("otelcol_receiver_refused_metric_points", &receiver),
            scraped: meter.counter("otelcol_scraper_scraped_metric_points", &scraper),
            _errored: meter.counter("otelcol_scraper_errored_metric_points", &scraper),
        }
    }
}

/// The running loop: its task and the switch that stops it.
#[derive(Debug)]
struct Running {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// The `http_check` receiver. Created by [`HttpCheckReceiverFactory`](crate::HttpCheckReceiverFactory).
///
/// `start` checks the TLS settings and authenticators of the targets and
/// spawns one task; `shutdown` stops it (a check in flight is abandoned, a
/// payload being handed on is waited for) and may be called without
/// `start` and more than once.
#[derive(Debug)]
pub struct HttpCheckReceiver {
    id: ComponentId,
    collection_interval: Duration,
    initial_delay: Duration,
    next: SharedConsumer<Metrics>,
    scraper: Mutex<Option<Scraper>>,
    running: Mutex<Option<Running>>,
    counters: SelfMetrics,
}

impl HttpCheckReceiver {
    pub(crate) fn new(
        id: ComponentId,
        collection_interval: Duration,
        initial_delay: Duration,
        scraper: Scraper,
        next: SharedConsumer<Metrics>,
        meter: &Meter,
    ) -> Self {
        let counters = SelfMetrics::new(meter, &id, crate::TYPE);
        HttpCheckReceiver {
            id,
            collection_interval,
            initial_delay,
            next,
            scraper: Mutex::new(Some(scraper)),
            running: Mutex::new(None),
            counters,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Hands one scrape's payload on, counting its points.
async fn deliver(id: &ComponentId, next: &SharedConsumer<Metrics>, counters: &SelfMetrics, payload: Metrics) {
    let points = payload.item_count() as u64;
    counters.scraped.increment(points);
    match next.consume(payload).await {
        Ok(()) => counters.accepted.increment(points),
        Err(e) => {
            counters.refused.increment(points);
            tracing::error!(receiver = %id, points, error = %e, "the next consumer refused the scraped metrics");
        }
    }
}

#[async_trait]
impl Component for HttpCheckReceiver {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let Some(mut scraper) = lock(&self.scraper).take() else {
            return Err(ComponentError::new(format!(
                "receiver {} was already started",
                self.id
            )));
        };
        scraper
            .start(&host)
            .map_err(|e| ComponentError::new(format!("receiver {}: {e}", self.id)))?;
        let (stop, mut stopped) = watch::channel(false);
        let (id, next, counters) = (self.id.clone(), self.next.clone(), self.counters.clone());
        let (interval, initial_delay) = (self.collection_interval, self.initial_delay);
        tracing::debug!(receiver = %id, endpoints = scraper.endpoint_count(), ?interval, "http_check scraper starting");
        let task = tokio::spawn(async move {
            if !initial_delay.is_zero() {
                tokio::select! {
                    biased;
                    _ = stopped.changed() => return,
                    _ = tokio::time::sleep(initial_delay) => {}
                }
            }
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    biased;
                    _ = stopped.changed() => return,
                    _ = ticker.tick() => {}
                }
                let payload = tokio::select! {
                    biased;
                    _ = stopped.changed() => return,
                    p = scraper.scrape() => p,
                };
                if let Some(payload) = payload {
                    deliver(&id, &next, &counters, payload).await;
                }
            }
        });
        *lock(&self.running) = Some(Running { stop, task });
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let running = lock(&self.running).take();
        if let Some(Running { stop, task }) = running {
            let _ = stop.send(true);
            if let Err(e) = task.await {
                if e.is_panic() {
                    return Err(ComponentError::new(format!(
                        "receiver {}: the scraper task panicked",
                        self.id
                    )));
                }
            }
        }
        // Never started (or stopped): nothing runs; drop the unused scraper.
        lock(&self.scraper).take();
        Ok(())
    }
}
