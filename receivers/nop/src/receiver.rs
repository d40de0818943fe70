//! The `nop` receiver itself.

use otelcol_component::Component;

/// Receives nothing: it opens no listener, spawns no task and never calls
/// the next consumers. `start` and `shutdown` return `Ok` at once, any
/// number of times, in any order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NopReceiver;

impl Component for NopReceiver {}
