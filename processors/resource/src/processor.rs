//! The `resource` processor: applies the action list to every resource.

use std::fmt;
use std::sync::Arc;

use otelcol_attraction::AttrProc;
use otelcol_component::{
    Capabilities, Component, ConsumeError, Consumer, Payload, SharedConsumer, async_trait,
};

/// Applies the configured actions to the resource attributes of every
/// payload, then hands the payload to the next consumer and returns its result.
///
/// A payload still encoded as it was received is edited encoded
/// ([`AttrProc::process_encoded_resources`]: no decode, only the changed
/// resources rewritten) when every action can run so; otherwise, or when
/// the encoded edit refuses the payload, the decoded resources are processed.
pub struct ResourceProcessor<T: Payload> {
    attr_proc: Arc<AttrProc>,
    next: SharedConsumer<T>,
}

impl<T: Payload> ResourceProcessor<T> {
    /// A processor applying `attr_proc` and feeding `next`.
    pub fn new(attr_proc: Arc<AttrProc>, next: SharedConsumer<T>) -> Self {
        ResourceProcessor { attr_proc, next }
    }
}

impl<T: Payload> fmt::Debug for ResourceProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceProcessor")
            .field("signal", &T::SIGNAL)
            .field("actions", &self.attr_proc.len())
            .finish()
    }
}

impl<T: Payload> Component for ResourceProcessor<T> {}

#[async_trait]
impl<T: Payload> Consumer<T> for ResourceProcessor<T> {
    async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
        if !self.attr_proc.process_encoded_resources(&mut data) {
            let ctx = data.context().clone();
            // An absent resource left empty by the actions stays absent.
            data.for_each_resource_mut(|r| self.attr_proc.process(&mut r.attributes, &ctx));
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: true }
    }

    /// False when every action runs encoded and the next consumer does not
    /// decode the payloads either: the receiver then keeps them encoded.
    fn decodes_input(&self) -> bool {
        !self.attr_proc.supports_encoded() || self.next.decodes_input()
    }
}
