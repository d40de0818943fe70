//! # otelcol-configkafka
//!
//! The Kafka client settings the `kafka` exporter and the `kafka` receiver
//! share, with the keys and defaults of the Go collector's `configkafka`
//! (`brokers`, `client_id`, `protocol_version`, `tls`, `auth`, `metadata`,
//! ...), and their translation to the properties of
//! [librdkafka](https://github.com/confluentinc/librdkafka), the Kafka
//! client both components use (through the [`rdkafka`] crate, re-exported
//! here so that every Kafka component links the same version).
//!
//! ```yaml
//! brokers: [kafka-0:9092, kafka-1:9092]
//! client_id: agent-eu1
//! tls: {ca_file: /etc/kafka/ca.pem}
//! auth:
//!   sasl: {mechanism: SCRAM-SHA-512, username: otel, password: "${env:KAFKA_PASSWORD}"}
//! ```
//!
//! A component embeds [`ClientConfig`] at the top level of its own config
//! (Go's `squash`) through [`Overlay`](otelcol_confighttp::Overlay), and
//! builds its client from [`ClientConfig::rdkafka_config`].
//!
//! With the `testing` feature, [`testing`] starts a real Kafka-protocol
//! broker (`tansu`) for tests.

use std::time::Duration;

use otelcol_component::redact::Secret;
use otelcol_component::{ConfigError, Signal};
use otelcol_confighttp::{GoDuration, Overlay, deserialize_over, next_or_default};
use otelcol_configtls::TlsClientConfig;
use serde::de::MapAccess;
use serde::{Deserialize, Serialize};

pub use rdkafka;

#[cfg(feature = "testing")]
pub mod testing;

/// Default `brokers`.
pub const DEFAULT_BROKER: &str = "localhost:9092";
/// Default `client_id` (Go's).
pub const DEFAULT_CLIENT_ID: &str = "otel-collector";
/// Default `protocol_version` (Go's).
pub const DEFAULT_PROTOCOL_VERSION: &str = "2.1.0";
/// Default `conn_idle_timeout` (Go's: 9m).
pub const DEFAULT_CONN_IDLE_TIMEOUT: Duration = Duration::from_secs(9 * 60);
/// Default `metadata::refresh_interval` (Go's: 10m).
pub const DEFAULT_METADATA_REFRESH: Duration = Duration::from_secs(10 * 60);

/// The connection settings of a Kafka client (Go `configkafka.ClientConfig`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientConfig {
    /// Bootstrap brokers, `host:port`. Default: `[localhost:9092]`.
    pub brokers: Vec<String>,
    /// The Kafka version the brokers run (`2.1.0`). librdkafka asks the
    /// brokers which API versions they support; this is used only when a
    /// broker cannot answer (`broker.version.fallback`). Default: `2.1.0`.
    pub protocol_version: String,
    /// Resolve the bootstrap names to their canonical names before
    /// connecting (`client.dns.lookup`). Default: false.
    pub resolve_canonical_bootstrap_servers_only: bool,
    /// The client id sent with every request. Default: `otel-collector`.
    pub client_id: String,
    /// Idle connections are closed after this long; 0 never
    /// (`connections.max.idle.ms`). Default: 9m.
    #[serde(with = "otelcol_component::duration")]
    pub conn_idle_timeout: Duration,
    /// TLS to the brokers. Absent (the default): plaintext; `insecure: true`
    /// with no CA also means plaintext, as Go. Written only when set (a
    /// `tls:` key, even empty, turns TLS on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsClientConfig>,
    /// SASL authentication.
    pub auth: AuthConfig,
    /// Cluster metadata refresh.
    pub metadata: MetadataConfig,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            brokers: vec![DEFAULT_BROKER.to_string()],
            protocol_version: DEFAULT_PROTOCOL_VERSION.to_string(),
            resolve_canonical_bootstrap_servers_only: false,
            client_id: DEFAULT_CLIENT_ID.to_string(),
            conn_idle_timeout: DEFAULT_CONN_IDLE_TIMEOUT,
            tls: None,
            auth: AuthConfig::default(),
            metadata: MetadataConfig::default(),
        }
    }
}

/// `auth` (Go `configkafka.AuthenticationConfig`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Deprecated (Go v0.123): SASL `PLAIN` with these credentials; use
    /// `sasl` with `mechanism: PLAIN`.
    pub plain_text: Option<PlainTextConfig>,
    /// SASL authentication.
    pub sasl: Option<SaslConfig>,
    /// Deprecated (Go v0.124): the top-level `tls`, under `auth`.
    pub tls: Option<TlsClientConfig>,
    /// Kerberos (GSSAPI): refused by this build (librdkafka is built
    /// without Cyrus SASL).
    pub kerberos: Option<KerberosConfig>,
}

/// `auth::plain_text`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlainTextConfig {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Secret,
}

/// `auth::sasl`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SaslConfig {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Secret,
    /// `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`. `AWS_MSK_IAM_OAUTHBEARER`
    /// and `OAUTHBEARER` are refused by this build.
    pub mechanism: String,
    /// The SASL handshake version, 0 or 1 (librdkafka negotiates it with
    /// the broker; the value is checked, not applied). Default: 0.
    pub version: i32,
    /// `aws_msk::region` (for `AWS_MSK_IAM_OAUTHBEARER`, refused).
    pub aws_msk: Option<serde_yaml_value::Any>,
    /// The authenticator extension giving OAuth2 tokens (`OAUTHBEARER`, refused).
    pub oauthbearer_token_source: String,
}

/// `auth::kerberos`: read so that its keys are checked, then refused.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KerberosConfig {
    /// Kerberos service name.
    pub service_name: String,
    /// Kerberos realm.
    pub realm: String,
    /// Use a keytab instead of a password.
    pub use_keytab: bool,
    /// User name.
    pub username: String,
    /// Password.
    pub password: Secret,
    /// `krb5.conf` path.
    pub config_file: String,
    /// Keytab path.
    pub keytab_file: String,
    /// Disable PA-FX-FAST negotiation.
    pub disable_fast_negotiation: bool,
}

/// Any YAML value, kept only to be refused with a clear message.
mod serde_yaml_value {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// A value whose content is not read.
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct Any;

    impl<'de> Deserialize<'de> for Any {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            serde::de::IgnoredAny::deserialize(d).map(|_| Any)
        }
    }

    impl Serialize for Any {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_unit()
        }
    }
}

/// `metadata` (Go `configkafka.MetadataConfig`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetadataConfig {
    /// Keep metadata for every topic of the cluster. librdkafka asks only
    /// for the topics it uses; accepted, not applied. Default: true.
    pub full: bool,
    /// How often metadata is refreshed (`topic.metadata.refresh.interval.ms`).
    /// Default: 10m.
    #[serde(with = "otelcol_component::duration")]
    pub refresh_interval: Duration,
    /// Retries of metadata requests.
    pub retry: MetadataRetryConfig,
}

impl Default for MetadataConfig {
    fn default() -> Self {
        MetadataConfig {
            full: true,
            refresh_interval: DEFAULT_METADATA_REFRESH,
            retry: MetadataRetryConfig::default(),
        }
    }
}

/// `metadata::retry`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetadataRetryConfig {
    /// How many times a metadata request is retried (librdkafka retries
    /// until the request's own timeout; accepted, not applied). Default: 3.
    pub max: u32,
    /// The wait before a retry (`retry.backoff.ms`). Default: 250ms.
    #[serde(with = "otelcol_component::duration")]
    pub backoff: Duration,
}

impl Default for MetadataRetryConfig {
    fn default() -> Self {
        MetadataRetryConfig {
            max: 3,
            backoff: Duration::from_millis(250),
        }
    }
}

impl Overlay for ClientConfig {
    const FIELDS: &'static [&'static str] = &[
        "brokers",
        "protocol_version",
        "resolve_canonical_bootstrap_servers_only",
        "client_id",
        "conn_idle_timeout",
        "tls",
        "auth",
        "metadata",
    ];
    const EXPECTING: &'static str = "the Kafka client settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "brokers" => self.brokers = map.next_value::<Brokers>()?.0,
            "protocol_version" => self.protocol_version = map.next_value()?,
            "resolve_canonical_bootstrap_servers_only" => {
                self.resolve_canonical_bootstrap_servers_only = map.next_value()?
            }
            "client_id" => self.client_id = map.next_value()?,
            "conn_idle_timeout" => self.conn_idle_timeout = map.next_value::<GoDuration>()?.0,
            "tls" => self.tls = Some(next_or_default(map)?),
            "auth" => self.auth = next_or_default(map)?,
            "metadata" => self.metadata = next_or_default(map)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for ClientConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, ClientConfig::default())
    }
}

/// `brokers`: a list, or one string (Go's config decoder splits a
/// comma-separated string into a list).
struct Brokers(Vec<String>);

impl<'de> Deserialize<'de> for Brokers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            One(String),
            Many(Vec<String>),
        }
        Ok(Brokers(match Form::deserialize(d)? {
            Form::One(s) => s
                .split(',')
                .map(|b| b.trim().to_string())
                .filter(|b| !b.is_empty())
                .collect(),
            Form::Many(v) => v,
        }))
    }
}

/// The default topic of each signal (Go's): `otlp_spans`, `otlp_metrics`,
/// `otlp_logs`.
pub fn default_topic(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "otlp_spans",
        Signal::Metrics => "otlp_metrics",
        Signal::Logs => "otlp_logs",
    }
}

/// A record encoding of the kafka exporter and receiver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Encoding {
    /// `otlp_proto` (the default): the OTLP export request, protobuf.
    #[default]
    #[serde(rename = "otlp_proto")]
    OtlpProto,
    /// `otlp_json`: the OTLP export request, OTLP/JSON.
    #[serde(rename = "otlp_json")]
    OtlpJson,
}

impl Encoding {
    /// Parses an encoding name; `key` names the config key in the error.
    /// Go's other built-in encodings are refused by name, any other name
    /// as an encoding extension (not supported by this build).
    pub fn parse(key: &str, name: &str) -> Result<Encoding, ConfigError> {
        match name {
            "" | "otlp_proto" => Ok(Encoding::OtlpProto),
            "otlp_json" => Ok(Encoding::OtlpJson),
            "jaeger_proto"
            | "jaeger_json"
            | "zipkin_proto"
            | "zipkin_json"
            | "zipkin_thrift"
            | "raw"
            | "text"
            | "json"
            | "azure_resource_logs" => Err(unsupported(key, name)),
            n if n.starts_with("text_") => Err(unsupported(key, name)),
            other => Err(ConfigError::at(
                key,
                format!(
                    "unknown encoding {other:?}: encoding extensions are not supported by this build (supported: otlp_proto, otlp_json)"
                ),
            )),
        }
    }

    /// The encoding of `signal`: its own `<signal>::encoding`, else the
    /// deprecated top-level `encoding`, else `otlp_proto`.
    pub fn for_signal(signal: Signal, own: Option<&str>, top: Option<&str>) -> Result<Encoding, ConfigError> {
        match (own, top) {
            (Some(e), _) => Encoding::parse(&format!("{signal}::encoding"), e),
            (None, Some(e)) => Encoding::parse("encoding", e),
            (None, None) => Ok(Encoding::OtlpProto),
        }
    }
}

fn unsupported(key: &str, name: &str) -> ConfigError {
    ConfigError::at(
        key,
        format!("encoding {name:?} is not supported by this build (supported: otlp_proto, otlp_json)"),
    )
}

/// The SASL mechanisms librdkafka is built with here.
pub const SASL_MECHANISMS: &[&str] = &["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

impl ClientConfig {
    /// The TLS settings in effect: `tls`, else the deprecated `auth::tls`.
    pub fn effective_tls(&self) -> Option<&TlsClientConfig> {
        self.tls.as_ref().or(self.auth.tls.as_ref())
    }

    /// Whether the connection uses TLS: a `tls` block, unless it is
    /// `insecure` with no CA (Go's `LoadTLSConfig` returns no config then).
    pub fn uses_tls(&self) -> bool {
        self.effective_tls()
            .is_some_and(|t| !(t.insecure && t.ca_file.is_empty() && t.ca_pem.is_empty()))
    }

    /// Checks the settings without I/O; messages name the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.brokers.is_empty() || self.brokers.iter().any(|b| b.trim().is_empty()) {
            return Err(ConfigError::at(
                "brokers",
                "brokers must list at least one host:port, none empty",
            ));
        }
        for b in &self.brokers {
            let port = b.rsplit_once(':').map(|(_, p)| p);
            if port.is_none_or(|p| p.parse::<u16>().is_err()) {
                return Err(ConfigError::at(
                    "brokers",
                    format!("broker {b:?} must be host:port (a port number after the last ':')"),
                ));
            }
        }
        if !self.protocol_version.is_empty() && !is_version(&self.protocol_version) {
            return Err(ConfigError::at(
                "protocol_version",
                format!(
                    "invalid protocol version {:?}: expected a Kafka version such as 2.1.0",
                    self.protocol_version
                ),
            ));
        }
        if self.tls.is_some() && self.auth.tls.is_some() {
            return Err(ConfigError::at(
                "auth::tls",
                "tls and auth::tls (deprecated) are both set: keep only tls",
            ));
        }
        if let Some(t) = self.effective_tls() {
            let prefix = if self.tls.is_some() { "tls" } else { "auth::tls" };
            t.validate()
                .map_err(|e| ConfigError::at(format!("{prefix}::{}", e.key), e.message))?;
        }
        if self.auth.plain_text.is_some() && self.auth.sasl.is_some() {
            return Err(ConfigError::at(
                "auth",
                "auth::plain_text (deprecated) and auth::sasl are both set: keep only auth::sasl",
            ));
        }
        if let Some(p) = &self.auth.plain_text
            && (p.username.is_empty() || p.password.is_empty())
        {
            return Err(ConfigError::at(
                "auth::plain_text",
                "username and password are required",
            ));
        }
        if let Some(s) = &self.auth.sasl {
            match s.mechanism.as_str() {
                m if SASL_MECHANISMS.contains(&m) => {}
                "AWS_MSK_IAM_OAUTHBEARER" | "OAUTHBEARER" => {
                    return Err(ConfigError::at(
                        "auth::sasl::mechanism",
                        format!(
                            "SASL mechanism {} is not supported by this build (supported: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)",
                            s.mechanism
                        ),
                    ));
                }
                m => {
                    return Err(ConfigError::at(
                        "auth::sasl::mechanism",
                        format!(
                            "mechanism should be one of 'PLAIN', 'AWS_MSK_IAM_OAUTHBEARER', 'OAUTHBEARER', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'. configured value {m}"
                        ),
                    ));
                }
            }
            if s.username.is_empty() || s.password.is_empty() {
                return Err(ConfigError::at(
                    "auth::sasl",
                    "username and password are required",
                ));
            }
            if s.version != 0 && s.version != 1 {
                return Err(ConfigError::at(
                    "auth::sasl::version",
                    format!("version has to be either 0 or 1. configured value {}", s.version),
                ));
            }
        }
        if self.auth.kerberos.is_some() {
            return Err(ConfigError::at(
                "auth::kerberos",
                "Kerberos (GSSAPI) is not supported by this build: librdkafka is built without Cyrus SASL; use SASL PLAIN or SCRAM",
            ));
        }
        Ok(())
    }

    /// Settings that are read and checked but have no effect with
    /// librdkafka, one warning line each (logged at creation).
    pub fn unapplied_settings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.metadata.full {
            out.push(
                "metadata::full is not applied: librdkafka asks only for the topics it uses".to_string(),
            );
        }
        if self.metadata.retry.max != MetadataRetryConfig::default().max {
            out.push(
                "metadata::retry::max is not applied: librdkafka retries metadata requests until their timeout"
                    .to_string(),
            );
        }
        if let Some(t) = self.effective_tls() {
            for (key, set) in [
                ("server_name_override", !t.server_name_override.is_empty()),
                ("min_version", !t.min_version.is_empty()),
                ("max_version", !t.max_version.is_empty()),
                ("cipher_suites", !t.cipher_suites.is_empty()),
                ("curve_preferences", !t.curve_preferences.is_empty()),
                ("reload_interval", !t.reload_interval.is_zero()),
                ("include_system_ca_certs_pool", t.include_system_ca_certs_pool),
            ] {
                if set {
                    out.push(format!(
                        "tls::{key} is not applied: librdkafka (OpenSSL) uses its own defaults"
                    ));
                }
            }
        }
        out
    }

    /// The librdkafka properties these settings stand for. Secrets are
    /// included: never log the result.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        let mut p: Vec<(&'static str, String)> = vec![
            ("bootstrap.servers", self.brokers.join(",")),
            ("client.id", self.client_id.clone()),
            (
                "connections.max.idle.ms",
                self.conn_idle_timeout
                    .as_millis()
                    .min(i32::MAX as u128)
                    .to_string(),
            ),
            (
                "client.dns.lookup",
                if self.resolve_canonical_bootstrap_servers_only {
                    "resolve_canonical_bootstrap_servers_only"
                } else {
                    "use_all_dns_ips"
                }
                .to_string(),
            ),
            (
                "topic.metadata.refresh.interval.ms",
                millis_or(self.metadata.refresh_interval, -1),
            ),
            ("retry.backoff.ms", millis_or(self.metadata.retry.backoff, 100)),
        ];
        if !self.protocol_version.is_empty() {
            p.push(("broker.version.fallback", self.protocol_version.clone()));
        }
        let sasl = match (&self.auth.sasl, &self.auth.plain_text) {
            (Some(s), _) => Some((
                s.mechanism.clone(),
                s.username.clone(),
                s.password.expose().to_string(),
            )),
            (None, Some(pt)) => Some((
                "PLAIN".to_string(),
                pt.username.clone(),
                pt.password.expose().to_string(),
            )),
            (None, None) => None,
        };
        let tls = self.uses_tls();
        let protocol = match (tls, sasl.is_some()) {
            (false, false) => "plaintext",
            (true, false) => "ssl",
            (false, true) => "sasl_plaintext",
            (true, true) => "sasl_ssl",
        };
        p.push(("security.protocol", protocol.to_string()));
        if let Some((mechanism, user, password)) = sasl {
            p.push(("sasl.mechanism", mechanism));
            p.push(("sasl.username", user));
            p.push(("sasl.password", password));
        }
        if tls && let Some(t) = self.effective_tls() {
            if !t.ca_file.is_empty() {
                p.push(("ssl.ca.location", t.ca_file.clone()));
            }
            if !t.ca_pem.is_empty() {
                p.push(("ssl.ca.pem", t.ca_pem.clone()));
            }
            if !t.cert_file.is_empty() {
                p.push(("ssl.certificate.location", t.cert_file.clone()));
            }
            if !t.cert_pem.is_empty() {
                p.push(("ssl.certificate.pem", t.cert_pem.clone()));
            }
            if !t.key_file.is_empty() {
                p.push(("ssl.key.location", t.key_file.clone()));
            }
            if !t.key_pem.is_empty() {
                p.push(("ssl.key.pem", t.key_pem.to_string()));
            }
            if t.insecure_skip_verify {
                p.push(("enable.ssl.certificate.verification", "false".to_string()));
                p.push(("ssl.endpoint.identification.algorithm", "none".to_string()));
            } else {
                p.push(("ssl.endpoint.identification.algorithm", "https".to_string()));
            }
        }
        p
    }

    /// A librdkafka client config with [`properties`](Self::properties) set.
    pub fn rdkafka_config(&self) -> rdkafka::ClientConfig {
        let mut c = rdkafka::ClientConfig::new();
        for (k, v) in self.properties() {
            c.set(k, v);
        }
        c
    }
}

/// `d` in whole milliseconds for a librdkafka property; `zero` when `d` is 0.
pub fn millis_or(d: Duration, zero: i64) -> String {
    if d.is_zero() {
        zero.to_string()
    } else {
        d.as_millis().clamp(1, i32::MAX as u128).to_string()
    }
}

fn is_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    (2..=4).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests;
