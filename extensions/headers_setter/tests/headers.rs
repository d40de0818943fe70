//! The extension through the component API: from a receiver's request
//! context (client metadata and auth data) to an exporter's headers.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::collections::BTreeMap;
use std::sync::Arc;

use otelcol_component::{AuthData, ClientInfo, Extension, ExtensionFactory, Kind, RequestContext};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_extension_headerssetter::{Config, factory};

fn extension(yaml: &str) -> Arc<dyn Extension> {
    let cfg: Config = parse_config(yaml).unwrap();
    factory()
        .create(&nop_settings("headers_setter", Kind::Extension), &cfg)
        .unwrap()
}

#[tokio::test]
async fn tenant_from_the_context_and_user_from_auth() {
    let ext = extension(
        "headers:\n  - {key: X-Scope-OrgID, action: insert, from_context: x-tenant}\n  \
         - {key: X-User, action: upsert, from_context: auth.username}\n  \
         - {key: X-Api-Key, action: upsert, value: k-123}",
    );
    assert!(ext.server_authenticator().is_none());
    ext.start(NopHost::new()).await.unwrap();
    let auth = ext.client_authenticator().expect("a client authenticator");

    let mut md = BTreeMap::new();
    md.insert("X-Tenant".to_string(), vec!["acme".to_string()]);
    let info =
        ClientInfo::new(None, md).with_auth(AuthData::default().with("username", vec!["alice".into()]));
    let headers = auth.headers(&RequestContext::new(info)).await.unwrap();
    let expect = [
        ("x-scope-orgid", "acme"),
        ("x-user", "alice"),
        ("x-api-key", "k-123"),
    ];
    assert_eq!(
        headers,
        expect.map(|(k, v)| (k.to_string(), v.to_string())).to_vec()
    );
    assert!(!format!("{ext:?}").contains("k-123"));

    // Without client info the context sources are empty, as in Go.
    let headers = auth.headers(&RequestContext::default()).await.unwrap();
    assert_eq!(headers[0], ("x-scope-orgid".to_string(), String::new()));
    ext.shutdown().await.unwrap();
}

#[test]
fn invalid_configs_are_refused_in_go_words() {
    let err = parse_config::<Config>("headers: [{key: a}]").unwrap_err();
    assert!(err.contains("missing header source"), "{err}");
    let err = factory()
        .create(
            &nop_settings("headers_setter", Kind::Extension),
            &Config::default(),
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "headers: missing headers configuration");
}
