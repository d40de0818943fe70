//! Debug exporter for otelcol-rs: prints telemetry to the log
