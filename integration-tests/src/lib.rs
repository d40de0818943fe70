//! Integration tests for otelcol-rs: start the real binary and real peers
