//! The otelcol-rs runtime: config resolution, validation, pipeline graph, lifecycle, CLI
