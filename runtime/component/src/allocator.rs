//! Allocator statistics: what the heap holds, measured by the allocator,
//! for components that limit memory (the `memory_limiter` processor).
//!
//! A distribution that installs a global allocator able to count (the
//! `otelcol-rs` binary: mimalloc behind a counting wrapper) registers it once
//! at start with [`register_allocator_stats`]; components read it with
//! [`allocator_stats`]. Without one (the system allocator, tests, embedders),
//! [`allocator_stats`] is `None` and memory is measured from the process's
//! resident set size alone.

use std::fmt;
use std::sync::OnceLock;

/// What a global allocator knows about the heap.
pub trait AllocatorStats: Send + Sync + fmt::Debug {
    /// The allocator's name, for logs (`mimalloc`).
    fn name(&self) -> &'static str;

    /// Bytes allocated and not yet freed (what the program holds, without
    /// the allocator's free pages and metadata).
    fn allocated(&self) -> u64;

    /// Returns the free memory the allocator keeps to the operating system
    /// (as far as it can: mimalloc's `mi_collect(true)`). May take a few
    /// milliseconds; call it after a burst, not per request.
    fn release_free_memory(&self);
}

static STATS: OnceLock<&'static dyn AllocatorStats> = OnceLock::new();

/// Registers the process's allocator statistics; the first registration
/// wins (returns false for later ones).
pub fn register_allocator_stats(stats: &'static dyn AllocatorStats) -> bool {
    STATS.set(stats).is_ok()
}

/// The registered allocator statistics, if the distribution registered any.
pub fn allocator_stats() -> Option<&'static dyn AllocatorStats> {
    STATS.get().copied()
}
