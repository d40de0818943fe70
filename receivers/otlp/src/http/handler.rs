//! One OTLP/HTTP export: method and content-type checks, body, decode,
//! pipeline, and the response in the request's encoding.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use otelcol_component::{AdmissionSet, ConsumeError, Payload};
use prost::Message;

use super::body::{BodyError, BodyReader, Encoding};
use crate::admission::Admitted;
use crate::export::{ExportFailure, PayloadError, SignalPipeline, client_info};
use crate::status::{grpc_to_http, http_to_grpc, retry_after_header};

/// The response type of the HTTP server.
pub(crate) type HttpResponse = Response<Full<Bytes>>;

pub(crate) fn plain(status: StatusCode, body: &'static str) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

fn encoded(status: StatusCode, enc: Encoding, body: Vec<u8>) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(enc.content_type()));
    resp
}

/// An error response: a `google.rpc.Status` body in the request's encoding,
/// with `Retry-After` on 429/503 when a delay is known.
pub(crate) fn failure(enc: Encoding, status: StatusCode, f: &ExportFailure) -> HttpResponse {
    let body = match enc {
        Encoding::Protobuf => f.to_rpc_status().encode_to_vec(),
        Encoding::Json => otelcol_otlp_json::encode_status(f.code as i32, &f.message),
    };
    let mut resp = encoded(status, enc, body);
    if let (Some(delay), 429 | 503) = (f.retry_after, status.as_u16()) {
        if let Ok(v) = HeaderValue::from_str(&retry_after_header(delay)) {
            resp.headers_mut().insert(RETRY_AFTER, v);
        }
    }
    resp
}

/// An error found by the receiver itself (not the pipeline), answered with
/// `status` and the gRPC code Go derives from it.
fn local_error(enc: Encoding, status: StatusCode, message: String) -> HttpResponse {
    failure(enc, status, &ExportFailure::new(http_to_grpc(status), message))
}

/// A refusal by an admission gate (the memory limiter): 503 with
/// `Retry-After`, a `google.rpc.Status` with code `UNAVAILABLE`. The items
/// are not counted in `otelcol_receiver_refused_*`: the body was not decoded,
/// so how many there were is not known.
fn refused<T: Payload>(enc: Encoding, err: &ConsumeError) -> HttpResponse {
    tracing::debug!(signal = %T::SIGNAL, error = %err, "OTLP/HTTP request refused before decoding");
    let f = ExportFailure::from_consume(err);
    failure(enc, grpc_to_http(f.code), &f)
}

/// Handles a request on a signal's path.
pub(crate) async fn handle<T: Payload, B>(
    pipeline: &SignalPipeline<T>,
    bodies: &BodyReader,
    gates: &Arc<AdmissionSet>,
    req: Request<B>,
    peer: SocketAddr,
) -> HttpResponse
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if req.method() != Method::POST {
        let mut resp = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "405 method not allowed, supported: [POST]",
        );
        resp.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
        return resp;
    }
    let Some(enc) = Encoding::from_headers(req.headers()) else {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "415 unsupported media type, supported: [application/json, application/x-protobuf]",
        );
    };
    let (parts, body) = req.into_parts();
    // With `auth`, the credentials before any byte of the body is read.
    let auth = match pipeline.authenticate(&parts.headers, parts.uri.query()).await {
        Ok(a) => a,
        Err(msg) => return local_error(enc, StatusCode::UNAUTHORIZED, msg),
    };
    if let Err(e) = bodies.precheck(&parts.headers) {
        return local_error(enc, e.status(), e.to_string());
    }
    let content_length = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    // Before any byte of the body is read; given back as it arrives.
    let mut admitted = match Admitted::admit(gates.clone(), content_length.unwrap_or(0)) {
        Ok(a) => a,
        Err(e) => return refused::<T>(enc, &e),
    };
    let bytes = match bodies.read(&parts.headers, body, &mut admitted).await {
        Ok(b) => b,
        Err(BodyError::Refused(e)) => return refused::<T>(enc, &e),
        Err(e) => {
            tracing::debug!(signal = %T::SIGNAL, error = %e, "failed to read an OTLP/HTTP body");
            return local_error(enc, e.status(), e.to_string());
        }
    };
    // The body is in memory; what decoding will allocate is asked for
    // before it is (estimated by the wire walk or the JSON pre-scan).
    let decoded = match enc {
        Encoding::Protobuf => pipeline.payload(bytes, gates),
        Encoding::Json => pipeline.payload_json(&bytes, gates),
    };
    let request = match decoded {
        Ok(r) => r,
        Err(PayloadError::Refused(e)) => return refused::<T>(enc, &e),
        Err(PayloadError::Invalid(e)) => {
            tracing::debug!(signal = %T::SIGNAL, error = %e, "failed to decode an OTLP/HTTP request");
            let msg = format!("failed to decode the {} request: {e}", T::SIGNAL);
            return local_error(enc, StatusCode::BAD_REQUEST, msg);
        }
    };
    drop(admitted);
    let headers = pipeline.include_metadata().then_some(&parts.headers);
    let mut client = client_info(Some(peer), headers);
    if let Some(auth) = auth {
        client = client.with_auth(auth);
    }
    let outcome = pipeline.export(request, client).await;
    match outcome {
        Ok(resp) => {
            let body = match enc {
                Encoding::Protobuf => resp.encode_to_vec(),
                Encoding::Json => T::response_to_json(&resp),
            };
            encoded(StatusCode::OK, enc, body)
        }
        Err(f) => failure(enc, grpc_to_http(f.code), &f),
    }
}
