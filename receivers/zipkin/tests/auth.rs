//! `auth`: the authenticator extension named in the config checks every
//! request before its body is read; what it establishes travels with the
//! spans.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use otelcol_component::auth::{AuthError, AuthHeaders, ServerAuthenticator, header_values};
use otelcol_component::{
    AuthData, Component, ComponentId, ComponentType, Extension, Host, Kind, Payload, Traces, async_trait,
};
use otelcol_componenttest::{Sink, nop_settings};
use otelcol_receiver_zipkin::{Config, ZipkinReceiver};

/// Accepts the token `open-sesame` (header `authorization: Bearer ...` or
/// the query parameter `token`).
#[derive(Debug)]
struct Token;

#[async_trait]
impl ServerAuthenticator for Token {
    async fn authenticate(&self, headers: AuthHeaders<'_>) -> Result<AuthData, AuthError> {
        let ok = header_values(headers, "authorization").any(|v| v == "Bearer open-sesame")
            || header_values(headers, "token").any(|v| v == "open-sesame");
        if ok {
            Ok(AuthData::default().with("subject", vec!["tracer".into()]))
        } else {
            Err(AuthError::Unauthenticated("invalid token".into()))
        }
    }
}

#[async_trait]
impl Component for Token {}

#[async_trait]
impl Extension for Token {
    fn server_authenticator(&self) -> Option<Arc<dyn ServerAuthenticator>> {
        Some(Arc::new(Token))
    }
}

#[derive(Debug)]
struct AuthHost;

impl Host for AuthHost {
    fn extension(&self, id: &ComponentId) -> Option<Arc<dyn Extension>> {
        (id.to_string() == "bearertokenauth").then(|| Arc::new(Token) as Arc<dyn Extension>)
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        vec![(
            ComponentId::new(ComponentType::new("bearertokenauth").unwrap()),
            Arc::new(Token),
        )]
    }
}

#[tokio::test]
async fn requests_are_authenticated() {
    let cfg: Config = otelcol_componenttest::parse_config(
        "endpoint: 127.0.0.1:0\nauth:\n  authenticator: bearertokenauth\n  request_params: [token]\n",
    )
    .unwrap();
    let sink = Sink::<Traces>::new();
    let r = ZipkinReceiver::new(&nop_settings("zipkin", Kind::Receiver), cfg, sink.clone());
    r.start(Arc::new(AuthHost)).await.unwrap();
    let url = format!("http://{}/api/v2/spans", r.addr().unwrap());
    let body = testdata("v2_spans.json");
    let a = post(&url, "application/json", body.clone()).await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body, "invalid token\n");
    let a = send(
        "POST",
        &url,
        &[
            ("content-type", "application/json"),
            ("authorization", "Bearer open-sesame"),
        ],
        body.clone(),
    )
    .await;
    assert_eq!(a.status, 202, "{}", a.body);
    let a = post(&format!("{url}?token=open-sesame"), "application/json", body).await;
    assert_eq!(a.status, 202, "{}", a.body);
    assert_eq!(sink.payload_count(), 2);
    let payloads = sink.all();
    let client = payloads[0].context().client().unwrap();
    assert_eq!(client.metadata_values("auth.subject"), ["tracer"]);
    r.shutdown().await.unwrap();

    // An authenticator that is not there fails the start, naming the key.
    let cfg: Config =
        otelcol_componenttest::parse_config("endpoint: 127.0.0.1:0\nauth: {authenticator: oidc}\n").unwrap();
    let r = ZipkinReceiver::new(
        &nop_settings("zipkin", Kind::Receiver),
        cfg,
        Sink::<Traces>::new(),
    );
    let e = r.start(Arc::new(AuthHost)).await.unwrap_err().to_string();
    assert!(e.starts_with("auth: "), "{e}");
    assert!(e.contains("\"oidc\""), "{e}");
}
