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
//! The count costs a thread-local add per allocation and per free (no atomic
//! operation, no shared cache line); a thread adds what it counted to the
//! one shared total once it has moved [`FLUSH_BYTES`] either way. The total
//! is so exact to `threads × FLUSH_BYTES`, which is plenty for a limit
//! measured in MiB. `bench/micro`'s `alloc_count` benchmark compares decoding
//! with and without the count.

use std::fmt;

use otelcol_component::AllocatorStats;

mod ffi;

pub use ffi::CountingMiMalloc;
#[doc(hidden)]
pub use ffi::churn;

/// How far a thread's own count may move (either way) before it is added to
/// the shared total.
pub const FLUSH_BYTES: usize = 64 * 1024;

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
