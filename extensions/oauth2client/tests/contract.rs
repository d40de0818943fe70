//! The shared component contract (`otelcol-componenttest`).

otelcol_componenttest::component_tests!(
    extension: otelcol_extension_oauth2client::factory(),
    default_config: Invalid,
    config: "client_id: someclientid\nclient_secret: someclientsecret\ntoken_url: https://127.0.0.1:9/token\nscopes: [api.metrics]\nendpoint_params:\n  audience: someaudience\ntimeout: 2s",
);
