//! The shared component contract (Go's default config has no token: invalid).
otelcol_componenttest::component_tests!(
    extension: otelcol_extension_bearertokenauth::factory(),
    default_config: Invalid,
    config: "token: contract",
);
