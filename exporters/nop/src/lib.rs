//! Nop exporter for otelcol-rs: accepts and discards everything
