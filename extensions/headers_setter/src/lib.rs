//! # otelcol-extension-headerssetter
//!
//! The `headers_setter` extension, as the Go collector's contrib
//! `headerssetterextension`: a client authenticator that sets headers (gRPC
//! metadata) on the requests exporters send, from fixed values, from the
//! request context's client metadata (`from_context`, e.g. a tenant id the
//! receiver kept with `include_metadata: true`), or from the attributes the
//! receiver's authenticator established (`from_attribute`).
//!
//! ```
//! use otelcol_component::{ComponentConfig, Factory};
//! let f = otelcol_extension_headerssetter::factory();
//! assert_eq!(f.type_name(), "headers_setter");
//! // As in Go, `headers` must be configured.
//! assert!(f.default_config().validate().is_err());
//! ```

mod config;
mod extension;
mod setter;

pub use config::{Action, Config, HeaderConfig};
pub use extension::{HeadersSetterExtension, HeadersSetterFactory, STABILITY, TYPE};
pub use setter::HeadersSetter;

/// The factory to register with the runtime.
pub fn factory() -> HeadersSetterFactory {
    HeadersSetterFactory
}
