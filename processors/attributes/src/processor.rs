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
///
/// A payload still encoded as it was received is edited encoded
/// ([`AttrProc::process_encoded_items`]: no decode, only the changed
/// attribute lists rewritten) when every action can run so and every item is
/// selected (no `include`/`exclude`); otherwise, or when the encoded edit
/// refuses the payload, the decoded lists are processed.
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
        // Encoded when it can be (every item selected, every action runs
        // encoded, the payload not decoded yet); else the decoded items.
        let done = data.is_empty()
            || (self.matcher.matches_everything() && self.attr_proc.process_encoded_items(&mut data));
        if !done {
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

    /// False when the payloads can be edited encoded (no filter, every
    /// action runs encoded) and the next consumer does not decode them
    /// either: the receiver then keeps them encoded.
    fn decodes_input(&self) -> bool {
        !(self.matcher.matches_everything() && self.attr_proc.supports_encoded()) || self.next.decodes_input()
    }
}
