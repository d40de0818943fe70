//! TraceZ: the collector's own spans, by latency bucket and errors.
//!
//! A [`TracezLayer`] (a `tracing_subscriber` layer) records closed spans into
//! a [`TracezStore`]; the zpages extension renders the store registered
//! process-wide by [`tracez_layer`].

mod layer;
mod page;
mod store;

use std::sync::OnceLock;

pub use layer::TracezLayer;
pub(crate) use page::render;
pub use store::{
    BUCKET_COUNT, LATENCY_BUCKET_BOUNDS, MAX_SPAN_NAMES, SAMPLES_PER_BUCKET, SpanNameSummary, SpanSample,
    TracezStore, latency_bucket,
};

/// The store the zpages extension shows, once a layer was made with [`tracez_layer`].
static GLOBAL_STORE: OnceLock<TracezStore> = OnceLock::new();

/// A layer feeding the process-wide store that `/debug/tracez` shows, and that store.
///
/// Every call returns a new layer over the same store, so a subscriber
/// rebuilt on reload keeps the history. Add the layer to the subscriber the
/// program installs:
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
/// let (tracez, _store) = otelcol_extension_zpages::tracez_layer();
/// let subscriber = tracing_subscriber::registry().with(tracez);
/// let _ = tracing::subscriber::set_global_default(subscriber);
/// ```
pub fn tracez_layer() -> (TracezLayer, TracezStore) {
    let store = GLOBAL_STORE.get_or_init(TracezStore::new).clone();
    (TracezLayer::new(store.clone()), store)
}

/// The process-wide store, if [`tracez_layer`] was called.
pub fn global_tracez_store() -> Option<TracezStore> {
    GLOBAL_STORE.get().cloned()
}
