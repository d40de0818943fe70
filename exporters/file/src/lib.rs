//! File exporter for otelcol-rs: writes OTLP JSON lines or length-prefixed protobuf
