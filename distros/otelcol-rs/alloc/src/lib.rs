//! # otelcol-alloc
//!
//! mimalloc as a distribution's global allocator, wrapped so that it counts
//! the bytes allocated and not yet freed, and registered as the process's
//! [`AllocatorStats`] so the `memory_limiter` measures the heap it controls
//! (not only the resident set size) and can hand freed memory back to the
//! operating system after a burst.
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: otelcol_alloc::CountingMiMalloc = otelcol_alloc::CountingMiMalloc;
//!
//! fn main() {
//!     otelcol_alloc::register();
//!     // ...
//! }
//! ```
//!
//! The count costs one relaxed atomic add per allocation and per free, on a
//! counter shared by few threads (one of [`SHARDS`] per thread).

use std::fmt;

use otelcol_component::AllocatorStats;

mod ffi;

pub use ffi::CountingMiMalloc;

/// Counters the allocation count is spread over, so threads rarely share one.
pub const SHARDS: usize = 16;

/// The statistics of [`CountingMiMalloc`].
pub struct MiMallocStats;

impl fmt::Debug for MiMallocStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MiMallocStats")
            .field("allocated", &self.allocated())
            .finish()
    }
}

/// The one instance, registered by [`register`].
pub static STATS: MiMallocStats = MiMallocStats;

impl AllocatorStats for MiMallocStats {
    fn name(&self) -> &'static str {
        "mimalloc"
    }

    fn allocated(&self) -> u64 {
        ffi::allocated()
    }

    fn release_free_memory(&self) {
        ffi::collect();
    }
}

/// Registers [`STATS`] with the component API (see
/// [`otelcol_component::allocator_stats`]). Call it once at start, in a
/// binary whose `#[global_allocator]` is [`CountingMiMalloc`]: otherwise the
/// count stays 0 and the limiter would under-measure.
pub fn register() -> bool {
    otelcol_component::register_allocator_stats(&STATS)
}
