//! The shared component contract (`otelcol-componenttest`).

otelcol_componenttest::component_tests!(
    extension: otelcol_extension_headerssetter::factory(),
    default_config: Invalid,
    config: "headers:\n  - key: X-Scope-OrgID\n    action: insert\n    from_context: tenant_id\n    default_value: anon\n  - key: User-ID\n    value: user_id",
);
