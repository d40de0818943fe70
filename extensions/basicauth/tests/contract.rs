//! The shared component contract (`otelcol-componenttest`), for both sides.

mod server {
    otelcol_componenttest::component_tests!(
        extension: otelcol_extension_basicauth::factory(),
        default_config: Invalid,
        config: "htpasswd:\n  inline: |\n    alice:pw\n    bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
    );
}

mod client {
    otelcol_componenttest::component_tests!(
        extension: otelcol_extension_basicauth::factory(),
        default_config: Invalid,
        config: "client_auth:\n  username: alice\n  password: pw",
    );
}
