//! Spec-exact OTLP/JSON encoding and decoding for the opentelemetry-proto types
