//! The unsafe part: the `GlobalAlloc` implementation (an `unsafe` trait)
//! that forwards to mimalloc and counts, and the call of `mi_collect`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

use mimalloc::MiMalloc;

use crate::FLUSH_BYTES;

/// mimalloc, counting the bytes it hands out and gets back.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingMiMalloc;

/// Bytes allocated and not freed, as far as the threads have reported them.
static TOTAL: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    // What this thread allocated (positive) or freed (negative) since it
    // last added that to `TOTAL`. A const-initialized `Cell` without a
    // destructor: reading it never allocates, costs a plain load and store
    // (no atomic), and works while the thread is being torn down.
    static LOCAL: Cell<isize> = const { Cell::new(0) };
}

/// Counts `delta` bytes: in the thread's own counter, which goes to the
/// shared total once it has moved [`FLUSH_BYTES`] either way. The one shared
/// atomic is touched once per that many bytes, not per allocation.
#[inline]
fn note(delta: isize) {
    let flushed = LOCAL.try_with(|c| {
        let v = c.get().wrapping_add(delta);
        if v.unsigned_abs() >= FLUSH_BYTES {
            c.set(0);
            TOTAL.fetch_add(v, Ordering::Relaxed);
        } else {
            c.set(v);
        }
    });
    if flushed.is_err() {
        TOTAL.fetch_add(delta, Ordering::Relaxed);
    }
}

#[inline]
fn add(n: usize) {
    note(n as isize);
}

#[inline]
fn sub(n: usize) {
    note((n as isize).wrapping_neg());
}

/// Bytes allocated and not freed: the shared total (each thread may hold
/// back up to [`FLUSH_BYTES`] either way; the total may even dip below 0
/// for a moment when one thread frees what another allocated).
pub(crate) fn allocated() -> u64 {
    u64::try_from(TOTAL.load(Ordering::Relaxed)).unwrap_or(0)
}

unsafe extern "C" {
    /// mimalloc's `void mi_collect(bool force)` (in the static library
    /// `libmimalloc-sys` links; its Rust binding needs the `extended`
    /// feature, which pulls a crate this workspace does not otherwise use).
    fn mi_collect(force: bool);
}

/// Frees what mimalloc can: the calling thread's empty pages, and purges the
/// arenas' pending free memory to the OS.
pub(crate) fn collect() {
    // Make sure libmimalloc-sys (and so the library defining `mi_collect`)
    // is linked even if nothing else names it.
    let _ = libmimalloc_sys::mi_malloc as unsafe extern "C" fn(usize) -> *mut std::ffi::c_void;
    // SAFETY: `mi_collect` takes a plain bool, touches only mimalloc's own
    // state (thread-safe by design) and may be called at any time from any
    // thread.
    unsafe { mi_collect(true) }
}

// SAFETY: every method forwards to mimalloc's `GlobalAlloc` with the same
// arguments, so the contract the caller upholds is the one mimalloc needs;
// the counting only reads sizes and touches atomics (it never allocates).
unsafe impl GlobalAlloc for CountingMiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract (see the impl).
        let p = unsafe { MiMalloc.alloc(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract.
        let p = unsafe { MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        sub(layout.size());
        // SAFETY: forwarded contract.
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded contract.
        let p = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size);
            sub(layout.size());
        }
        p
    }
}

/// Allocates `n` blocks of 64 bytes and frees them, through the counting
/// wrapper (`counted`) or plain mimalloc: what `bench/micro`'s
/// `alloc_count` benchmark compares in one process. Not part of the API.
#[doc(hidden)]
pub fn churn(counted: bool, n: usize) {
    let layout = Layout::new::<[u64; 8]>();
    let mut blocks = Vec::with_capacity(n);
    for _ in 0..n {
        // SAFETY: a non-zero-sized layout; every block is freed below with
        // the same layout by the same allocator.
        let p = unsafe {
            if counted {
                CountingMiMalloc.alloc(layout)
            } else {
                MiMalloc.alloc(layout)
            }
        };
        blocks.push(std::hint::black_box(p));
    }
    for p in blocks {
        if p.is_null() {
            continue;
        }
        // SAFETY: `p` came from `alloc(layout)` of the same allocator above.
        unsafe {
            if counted {
                CountingMiMalloc.dealloc(p, layout)
            } else {
                MiMalloc.dealloc(p, layout)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_it_hands_out() {
        let a = CountingMiMalloc;
        let before = allocated();
        let layout = Layout::from_size_align(1 << 20, 8).unwrap_or(Layout::new::<u8>());
        // SAFETY: a non-zero-sized layout; the block is freed with it below.
        let p = unsafe { a.alloc(layout) };
        assert!(!p.is_null());
        assert!(allocated() >= before + (1 << 20));
        // SAFETY: `p` came from `a.alloc(layout)`.
        let q = unsafe { a.realloc(p, layout, 2 << 20) };
        assert!(allocated() >= before + (2 << 20));
        // SAFETY: `q` came from `realloc` to 2 MiB with the same alignment.
        unsafe { a.dealloc(q, Layout::from_size_align(2 << 20, 8).unwrap_or(layout)) };
        assert!(allocated() < before + (1 << 20));
        collect();
    }
}
