//! `from_context` lookups in the request context, as Go's
//! `getAttributeValueFromContext`.

use std::net::IpAddr;

use otelcol_component::proto::common::v1::{AnyValue, any_value::Value};
use otelcol_component::{ClientInfo, RequestContext};

const METADATA_PREFIX: &str = "metadata.";
const AUTH_PREFIX: &str = "auth.";
const CLIENT_ADDRESS_KEY: &str = "client.address";

/// The value `from_context: <key>` yields, if any:
/// - `client.address`: the peer IP (`""` when the receiver recorded none, as in Go);
/// - `metadata.<k>`: all values of metadata key `k`, joined with `;`;
/// - `auth.<attr>`: the receiver's authenticator's attribute `<attr>` (all
///   values joined with `;`), nothing without one;
/// - any other key: looked up in the metadata, like `metadata.<key>`.
pub fn context_value(key: &str, ctx: &RequestContext) -> Option<AnyValue> {
    let default_client = ClientInfo::default();
    let client = ctx.client().unwrap_or(&default_client);
    let joined = if key == CLIENT_ADDRESS_KEY {
        client_address(client)
    } else if let Some(md_key) = key.strip_prefix(METADATA_PREFIX) {
        join(client.metadata_values(md_key))?
    } else if let Some(attr) = key.strip_prefix(AUTH_PREFIX) {
        // Go reads `client.Info.Auth`, and returns "not found" when it is nil.
        join(client.auth.as_ref()?.attribute(attr))?
    } else {
        join(client.metadata_values(key))?
    };
    Some(AnyValue {
        value: Some(Value::StringValue(joined)),
    })
}

fn join(values: &[String]) -> Option<String> {
    if values.is_empty() {
        None
    } else {
        Some(values.join(";"))
    }
}

/// The client IP as Go's `net.IP.String()` prints it (IPv4-mapped IPv6
/// addresses in dotted form).
fn client_address(client: &ClientInfo) -> String {
    match client.address.map(|a| a.ip()) {
        None => String::new(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        Some(ip) => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn ctx() -> RequestContext {
        let mut metadata = BTreeMap::new();
        metadata.insert("source_single_val".to_owned(), vec!["single_val".to_owned()]);
        metadata.insert(
            "source_multiple_val".to_owned(),
            vec!["first_val".to_owned(), "second_val".to_owned()],
        );
        let mut info = ClientInfo::with_address(Some("192.168.1.1:4317".parse().unwrap()));
        info.metadata = metadata;
        RequestContext::new(info)
    }

    fn s(v: &str) -> Option<AnyValue> {
        Some(AnyValue {
            value: Some(Value::StringValue(v.into())),
        })
    }

    #[test]
    fn lookups() {
        let c = ctx();
        assert_eq!(context_value("source", &c), None);
        assert_eq!(context_value("source_single_val", &c), s("single_val"));
        assert_eq!(context_value("Source_Single_Val", &c), s("single_val"));
        assert_eq!(
            context_value("source_multiple_val", &c),
            s("first_val;second_val")
        );
        assert_eq!(context_value("metadata.source_single_val", &c), s("single_val"));
        assert_eq!(context_value("metadata.missing", &c), None);
        assert_eq!(context_value("auth.subject", &c), None);
        let authed = RequestContext::new(
            ClientInfo::with_address(None)
                .with_auth(otelcol_component::AuthData::default().with("subject", vec!["alice".into()])),
        );
        assert_eq!(context_value("auth.subject", &authed), s("alice"));
        assert_eq!(context_value("client.address", &c), s("192.168.1.1"));
    }

    #[test]
    fn without_client_info() {
        let c = RequestContext::default();
        assert_eq!(context_value("metadata.x", &c), None);
        assert_eq!(context_value("client.address", &c), s(""));
    }

    #[test]
    fn ipv6_addresses() {
        let v6 = RequestContext::new(ClientInfo::with_address(Some(
            "[2001:db8::1]:80".parse().unwrap(),
        )));
        assert_eq!(context_value("client.address", &v6), s("2001:db8::1"));
        let mapped = RequestContext::new(ClientInfo::with_address(Some(
            "[::ffff:10.0.0.7]:80".parse().unwrap(),
        )));
        assert_eq!(context_value("client.address", &mapped), s("10.0.0.7"));
    }
}
