//! The request shapes and item counting of `otelcol-loadgen`, shared with the
//! criterion micro-benchmarks (`bench/micro`) so both measure the same data.

pub mod count;
pub mod request;
