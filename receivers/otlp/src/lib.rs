//! OTLP receiver (gRPC and HTTP) for otelcol-rs
