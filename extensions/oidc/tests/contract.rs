//! The shared component contract (`otelcol-componenttest`), against a local
//! identity provider (start fetches its discovery document).

mod common;

use std::sync::OnceLock;

fn config() -> String {
    static IDP: OnceLock<common::Idp> = OnceLock::new();
    let idp = IDP.get_or_init(|| {
        let signer = common::Signer::es256("contract");
        common::Idp::start(false, &[&signer])
    });
    idp.config("username_claim: email\ngroups_claim: groups")
}

otelcol_componenttest::component_tests!(extension: otelcol_extension_oidc::factory(), config: config());
