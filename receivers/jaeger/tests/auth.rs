//! `auth` on the collector ports: requests the authenticator refuses are
//! answered 401 / `UNAUTHENTICATED` and counted; accepted ones carry the
//! auth data in their context.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use common::{TestRecorder, wait_spans};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use otelcol_component::auth::{AuthError, AuthHeaders, ServerAuthenticator, header_values};
use otelcol_component::{
    AuthData, Component, ComponentId, Extension, Host, Kind, Meter, Payload, TelemetrySettings, async_trait,
};
use otelcol_componenttest::{TracesSink, nop_settings, parse_config};
use otelcol_receiver_jaeger::proto::{POST_SPANS_PATH, PostSpansRequest, PostSpansResponse};
use otelcol_receiver_jaeger::thrift::ThriftProtocol::Binary;
use otelcol_receiver_jaeger::thrift::encode;
use otelcol_receiver_jaeger::thrift::jaeger::{Batch, Span};
use otelcol_receiver_jaeger::{Config, JaegerReceiver};

/// Accepts `authorization: Bearer ok`.
#[derive(Debug)]
struct Bearer;

#[async_trait]
impl ServerAuthenticator for Bearer {
    async fn authenticate(&self, headers: AuthHeaders<'_>) -> Result<AuthData, AuthError> {
        let ok = header_values(headers, "authorization").any(|v| v == "Bearer ok")
            || header_values(headers, "token").any(|v| v == "ok");
        if ok {
            Ok(AuthData::new(BTreeMap::from([(
                "subject".to_string(),
                vec!["me".to_string()],
            )])))
        } else {
            Err(AuthError::Unauthenticated("missing or bad token".into()))
        }
    }
}

#[derive(Debug)]
struct BearerExt;

impl Component for BearerExt {}

#[async_trait]
impl Extension for BearerExt {
    fn server_authenticator(&self) -> Option<Arc<dyn ServerAuthenticator>> {
        Some(Arc::new(Bearer))
    }
}

#[derive(Debug)]
struct AuthHost;

impl Host for AuthHost {
    fn extension(&self, id: &ComponentId) -> Option<Arc<dyn Extension>> {
        (id.to_string() == "bearer").then(|| Arc::new(BearerExt) as Arc<dyn Extension>)
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        Vec::new()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticated_http_and_grpc() {
    let cfg: Config = parse_config(
        "protocols:
  grpc: {endpoint: 127.0.0.1:0, auth: {authenticator: bearer}}
  thrift_http: {endpoint: 127.0.0.1:0, auth: {authenticator: bearer, request_params: [token]}}
",
    )
    .unwrap();
    let metrics = Arc::new(TestRecorder::default());
    let set = nop_settings("jaeger", Kind::Receiver)
        .with_telemetry(TelemetrySettings::default().with_meter(Meter::new(metrics.clone())));
    let sink = TracesSink::new();
    let r = JaegerReceiver::new(&set, cfg, sink.clone());
    r.start(Arc::new(AuthHost)).await.unwrap();

    let body = encode::batch(
        Binary,
        &Batch {
            spans: vec![Span {
                trace_id_low: 1,
                span_id: 1,
                operation_name: "a".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
    );
    let http = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let addr = r.thrift_http_addr().unwrap();
    let post = |auth: Option<&'static str>, query: &'static str| {
        let mut req = http::Request::post(format!("http://{addr}/api/traces{query}"))
            .header("content-type", "application/x-thrift");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        http.request(req.body(Full::new(Bytes::from(body.clone()))).unwrap())
    };
    assert_eq!(post(None, "").await.unwrap().status(), 401);
    assert_eq!(post(Some("Bearer no"), "").await.unwrap().status(), 401);
    assert_eq!(post(Some("Bearer ok"), "").await.unwrap().status(), 202);
    assert_eq!(post(None, "?token=ok").await.unwrap().status(), 202);
    assert_eq!(metrics.refused_requests("collector_http", "unauthenticated"), 2);
    wait_spans(&sink, 2).await;
    let ctx = sink.all()[0].context().clone();
    assert_eq!(
        ctx.client().unwrap().auth.as_ref().unwrap().attribute("subject"),
        ["me"]
    );

    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", r.grpc_addr().unwrap()))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    let mut call = async |token: Option<&'static str>| {
        grpc.ready().await.unwrap();
        let mut req = tonic::Request::new(PostSpansRequest::default());
        if let Some(t) = token {
            req.metadata_mut().insert("authorization", t.parse().unwrap());
        }
        grpc.unary(
            req,
            http::uri::PathAndQuery::from_static(POST_SPANS_PATH),
            tonic_prost::ProstCodec::<PostSpansRequest, PostSpansResponse>::default(),
        )
        .await
    };
    assert_eq!(call(None).await.unwrap_err().code(), tonic::Code::Unauthenticated);
    call(Some("Bearer ok")).await.unwrap();
    assert_eq!(metrics.refused_requests("grpc", "unauthenticated"), 1);
    r.shutdown().await.unwrap();
}
