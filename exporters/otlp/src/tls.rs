//! TLS for the gRPC channel: a tonic connector that runs the rustls handshake.

use std::future::Future;
use std::sync::Arc;

use hyper_util::rt::TokioIo;
use otelcol_configtls::rustls::ClientConfig;
use otelcol_configtls::rustls::pki_types::ServerName;
use otelcol_configtls::tokio_rustls::client::TlsStream;
use tokio::net::TcpStream;
use tonic::codegen::http::Uri;

/// A connector for tonic: TCP to the URI's authority, then the TLS handshake.
/// A failed handshake names the server and the TLS error.
pub(crate) fn tls_connector(
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
) -> impl tower::Service<
    Uri,
    Response = TokioIo<TlsStream<TcpStream>>,
    Error = std::io::Error,
    Future = impl Future<Output = std::io::Result<TokioIo<TlsStream<TcpStream>>>> + Send,
> + Clone
+ Send
+ 'static {
    tower::service_fn(move |uri: Uri| {
        let (config, name) = (config.clone(), name.clone());
        async move {
            let addr = uri
                .authority()
                .map(|a| a.as_str().to_string())
                .ok_or_else(|| std::io::Error::other(format!("no host in {uri}")))?;
            let tcp = TcpStream::connect(&addr).await?;
            let _ = tcp.set_nodelay(true);
            let tls = otelcol_configtls::connect(config, name, tcp).await.map_err(|e| {
                tracing::warn!(server = %addr, error = %e, "otlp exporter: TLS handshake failed");
                std::io::Error::other(format!("TLS handshake with {addr} failed: {e}"))
            })?;
            Ok(TokioIo::new(tls))
        }
    })
}
