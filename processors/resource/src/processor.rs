//! The `resource` processor: applies the action list to every resource.

use std::fmt;
use std::sync::Arc;

use otelcol_attraction::AttrProc;
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::{
    Capabilities, Component, ConsumeError, Consumer, Logs, Metrics, Payload, SharedConsumer, Traces,
    async_trait,
};

/// Payloads whose resources the processor can visit.
pub trait HasResources: Payload {
    /// Calls `f` on the resource of every resource entry of `req`.
    fn for_each_resource(req: &mut Self::Request, f: &mut dyn FnMut(&mut Option<Resource>));
}

impl HasResources for Traces {
    fn for_each_resource(req: &mut Self::Request, f: &mut dyn FnMut(&mut Option<Resource>)) {
        req.resource_spans.iter_mut().for_each(|r| f(&mut r.resource));
    }
}

impl HasResources for Metrics {
    fn for_each_resource(req: &mut Self::Request, f: &mut dyn FnMut(&mut Option<Resource>)) {
        req.resource_metrics.iter_mut().for_each(|r| f(&mut r.resource));
    }
}

impl HasResources for Logs {
    fn for_each_resource(req: &mut Self::Request, f: &mut dyn FnMut(&mut Option<Resource>)) {
        req.resource_logs.iter_mut().for_each(|r| f(&mut r.resource));
    }
}

/// Applies the configured actions to the resource attributes of every
/// payload, then hands the payload to the next consumer and returns its result.
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
impl<T: HasResources> Consumer<T> for ResourceProcessor<T> {
    async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
        let ctx = data.context().clone();
        T::for_each_resource(data.request_mut(), &mut |resource| {
            let had_resource = resource.is_some();
            let r = resource.get_or_insert_with(Resource::default);
            self.attr_proc.process(&mut r.attributes, &ctx);
            // Do not leave an empty resource behind where there was none.
            if !had_resource && *r == Resource::default() {
                *resource = None;
            }
        });
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: true }
    }
}
