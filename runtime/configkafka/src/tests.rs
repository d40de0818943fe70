#![allow(clippy::unwrap_used)]

use super::*;

fn parse(yaml: &str) -> ClientConfig {
    serde_yaml::from_str(yaml).unwrap()
}

fn prop<'a>(p: &'a [(&'static str, String)], key: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
}

#[test]
fn defaults_are_gos() {
    let c = parse("{}");
    assert_eq!(c, ClientConfig::default());
    assert_eq!(c.brokers, ["localhost:9092"]);
    assert_eq!(c.client_id, "otel-collector");
    assert_eq!(c.protocol_version, "2.1.0");
    c.validate().unwrap();
    let p = c.properties();
    assert_eq!(prop(&p, "bootstrap.servers"), Some("localhost:9092"));
    assert_eq!(prop(&p, "security.protocol"), Some("plaintext"));
    assert_eq!(prop(&p, "connections.max.idle.ms"), Some("540000"));
    assert_eq!(prop(&p, "topic.metadata.refresh.interval.ms"), Some("600000"));
    assert_eq!(prop(&p, "broker.version.fallback"), Some("2.1.0"));
}

#[test]
fn brokers_may_be_one_comma_separated_string() {
    let c = parse("brokers: 'a:1, b:2'");
    assert_eq!(c.brokers, ["a:1", "b:2"]);
    assert_eq!(prop(&c.properties(), "bootstrap.servers"), Some("a:1,b:2"));
}

#[test]
fn bad_values_name_their_key() {
    let e = parse("brokers: [nohost]").validate().unwrap_err();
    assert!(e.to_string().contains("brokers"), "{e}");
    let e = parse("protocol_version: banana").validate().unwrap_err();
    assert!(e.to_string().contains("protocol_version"), "{e}");
    let e = parse("auth: {sasl: {mechanism: MD5, username: a, password: b}}")
        .validate()
        .unwrap_err();
    assert!(e.to_string().contains("auth::sasl::mechanism"), "{e}");
    let e = parse("auth: {sasl: {mechanism: OAUTHBEARER, username: a, password: b}}")
        .validate()
        .unwrap_err();
    assert!(e.to_string().contains("not supported by this build"), "{e}");
    let e = parse("auth: {sasl: {mechanism: PLAIN, username: a}}")
        .validate()
        .unwrap_err();
    assert!(e.to_string().contains("required"), "{e}");
    let e = parse("auth: {kerberos: {realm: X}}").validate().unwrap_err();
    assert!(e.to_string().contains("auth::kerberos"), "{e}");
    assert!(serde_yaml::from_str::<ClientConfig>("brokerz: [a:1]").is_err());
    assert!(serde_yaml::from_str::<ClientConfig>("auth: {sasl: {mechansim: PLAIN}}").is_err());
}

#[test]
fn sasl_and_tls_select_the_security_protocol() {
    let c = parse("auth: {sasl: {mechanism: SCRAM-SHA-512, username: u, password: secret}}");
    c.validate().unwrap();
    let p = c.properties();
    assert_eq!(prop(&p, "security.protocol"), Some("sasl_plaintext"));
    assert_eq!(prop(&p, "sasl.mechanism"), Some("SCRAM-SHA-512"));
    assert_eq!(prop(&p, "sasl.password"), Some("secret"));
    assert!(
        !format!("{c:?}").contains("secret"),
        "the password never shows in Debug"
    );

    let c = parse("tls: {ca_file: /ca.pem}\nauth: {plain_text: {username: u, password: p}}");
    c.validate().unwrap();
    let p = c.properties();
    assert_eq!(prop(&p, "security.protocol"), Some("sasl_ssl"));
    assert_eq!(prop(&p, "sasl.mechanism"), Some("PLAIN"));
    assert_eq!(prop(&p, "ssl.ca.location"), Some("/ca.pem"));
    assert_eq!(prop(&p, "ssl.endpoint.identification.algorithm"), Some("https"));

    // `insecure: true` without a CA is plaintext, as Go.
    let c = parse("tls: {insecure: true}");
    assert!(!c.uses_tls());
    assert_eq!(prop(&c.properties(), "security.protocol"), Some("plaintext"));

    let c = parse("tls: {insecure_skip_verify: true, server_name_override: k}");
    assert_eq!(
        prop(&c.properties(), "enable.ssl.certificate.verification"),
        Some("false")
    );
    assert_eq!(c.unapplied_settings().len(), 1);

    // The deprecated auth::tls is the same block.
    let c = parse("auth: {tls: {ca_pem: PEM}}");
    assert_eq!(prop(&c.properties(), "ssl.ca.pem"), Some("PEM"));
    let e = parse("tls: {}\nauth: {tls: {}}").validate().unwrap_err();
    assert!(e.to_string().contains("auth::tls"), "{e}");
}
