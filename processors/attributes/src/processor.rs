//! The `attributes` processor: applies the action list to the attributes of
//! selected spans, log records and metric data points.

use std::fmt;
use std::sync::Arc;

use otelcol_attraction::{AttrProc, Matcher};
use otelcol_component::{
    Capabilities, Component, ConsumeError, Consumer, Payload, SharedConsumer, async_trait,
};

/// Applies the configured actions to the items `matcher` selects, then hands
/// the payload to the next consumer and returns its result.
pub struct AttributesProcessor<T: Payload> {
    attr_proc: Arc<AttrProc>,
    matcher: Matcher,
    next: SharedConsumer<T>,
}

impl<T: Payload> AttributesProcessor<T> {
    /// A processor applying `attr_proc` to what `matcher` selects, feeding `next`.
    pub fn new(attr_proc: Arc<AttrProc>, matcher: Matcher, next: SharedConsumer<T>) -> Self {
        AttributesProcessor {
            attr_proc,
            matcher,
            next,
        }
    }
}

impl<T: Payload> fmt::Debug for AttributesProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttributesProcessor")
            .field("signal", &T::SIGNAL)
            .field("actions", &self.attr_proc.len())
            .field("filtered", &!self.matcher.matches_everything())
            .finish()
    }
}

impl<T: Payload> Component for AttributesProcessor<T> {}

#[async_trait]
impl<T: Payload> Consumer<T> for AttributesProcessor<T> {
    async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
        if !data.is_empty() {
            let ctx = data.context().clone();
            data.for_each_item_mut(|resource, scope, mut item| {
                if self.matcher.matches_item(resource, scope, &item) {
                    // A span's (not its events' or links'), a log record's, every data point's.
                    item.for_each_own_attributes_mut(|attrs| self.attr_proc.process(attrs, &ctx));
                }
            });
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: true }
    }
}
