//! The extension against a local identity provider over HTTPS: accepted
//! tokens and their auth data, every refusal with Go's message, key
//! rotation, start failures, several providers, a local key file.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

mod common;

use std::sync::Arc;

use common::{Idp, Signer, claims, now};
use otelcol_component::auth::{AuthError, ServerAuthenticator};
use otelcol_component::{Extension, ExtensionFactory, Kind};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_extension_oidc::{Config, factory};
use serde_json::json;

fn create(yaml: &str) -> Arc<dyn Extension> {
    let cfg: Config = parse_config(yaml).unwrap();
    factory()
        .create(&nop_settings("oidc", Kind::Extension), &cfg)
        .unwrap()
}

async fn started(yaml: &str) -> Arc<dyn ServerAuthenticator> {
    let ext = create(yaml);
    ext.start(NopHost::new()).await.unwrap();
    ext.server_authenticator().expect("a server authenticator")
}

fn bearer(token: &str) -> Vec<(String, String)> {
    vec![("authorization".to_string(), format!("Bearer {token}"))]
}

async fn refusal(auth: &Arc<dyn ServerAuthenticator>, headers: Vec<(String, String)>) -> String {
    match auth.authenticate(&headers).await {
        Ok(data) => panic!("accepted: {data:?}"),
        Err(AuthError::Unauthenticated(m)) => m,
        Err(other) => panic!("not an authentication refusal: {other:?}"),
    }
}

#[tokio::test]
async fn valid_tokens_are_accepted_with_gos_auth_data() {
    let (es, ed, rs) = (Signer::es256("es"), Signer::ed25519("ed"), Signer::rs256("rs"));
    let idp = Idp::start(true, &[&es, &ed, &rs]);
    let auth = started(&idp.config("groups_claim: groups")).await;
    for signer in [&es, &ed, &rs] {
        let token = signer.sign(&claims(&idp.issuer));
        let data = auth.authenticate(&bearer(&token)).await.unwrap();
        assert_eq!(data.attribute("subject"), ["alice"], "{}", signer.alg());
        assert_eq!(data.attribute("membership"), ["admins", "devs"]);
        assert_eq!(data.attribute("raw"), [token.as_str()]);
        assert_eq!(data.attribute("tenant"), ["acme"]);
        assert_eq!(data.attribute("aud"), ["otelcol", "other"]);
    }
    // Discovery once, keys once (at start): every key was cached.
    assert_eq!(idp.hits("/.well-known/openid-configuration"), 1);
    assert_eq!(idp.hits("/jwks"), 1);

    // username_claim, a single string group, lower-case scheme, a custom header.
    let auth =
        started(&idp.config("username_claim: email\ngroups_claim: tenant\nattribute: X-Id-Token")).await;
    let token = es.sign(&claims(&idp.issuer));
    let data = auth
        .authenticate(&[("x-id-token".to_string(), format!("bearer {token}"))])
        .await
        .unwrap();
    assert_eq!(data.attribute("subject"), ["alice@example.com"]);
    assert_eq!(data.attribute("membership"), ["acme"]);
    // Without groups_claim, no membership; a single audience string.
    let auth = started(&idp.config("")).await;
    let mut c = claims(&idp.issuer);
    c["aud"] = json!("otelcol");
    let data = auth.authenticate(&bearer(&es.sign(&c))).await.unwrap();
    assert!(data.attribute("membership").is_empty());
    // ignore_audience.
    let auth = started(
        &idp.config("ignore_audience: true")
            .replace("audience: otelcol\n", ""),
    )
    .await;
    c["aud"] = json!("someone-else");
    assert!(auth.authenticate(&bearer(&es.sign(&c))).await.is_ok());
}

#[tokio::test]
async fn refusals_carry_gos_messages() {
    let es = Signer::es256("es");
    let idp = Idp::start(true, &[&es]);
    let auth = started(&idp.config("username_claim: email\ngroups_claim: groups")).await;
    let good = claims(&idp.issuer);

    // The header.
    assert_eq!(refusal(&auth, vec![]).await, "authentication didn't succeed");
    let other_header = vec![("x-other".to_string(), format!("Bearer {}", es.sign(&good)))];
    assert_eq!(
        refusal(&auth, other_header).await,
        "authentication didn't succeed"
    );
    for value in ["", "Bearer", "Bearer  x", "Bearer a b", "Basic dXNlcjpwYXNz"] {
        let h = vec![("authorization".to_string(), value.to_string())];
        assert_eq!(
            refusal(&auth, h).await,
            "invalid authorization header format",
            "{value:?}"
        );
    }
    let wrong_scheme = vec![("authorization".to_string(), format!("Basic {}", es.sign(&good)))];
    assert_eq!(
        refusal(&auth, wrong_scheme).await,
        "invalid authorization header format"
    );

    // Malformed tokens.
    for token in ["abc", "a.b.c", "e30.e30.", &"A".repeat(100_000)] {
        let m = refusal(&auth, bearer(token)).await;
        assert!(
            m.starts_with("failed to parse the token: oidc: malformed jws: "),
            "{m}"
        );
    }
    let none = es.sign_with_header(&json!({"alg": "none"}), &good);
    assert!(refusal(&auth, bearer(&none)).await.contains("malformed jws"));
    let hs = es.sign_with_header(&json!({"alg": "HS256", "kid": "es"}), &good);
    assert!(
        refusal(&auth, bearer(&hs))
            .await
            .contains("unexpected signature algorithm \"HS256\"")
    );

    // An unknown key: the key set is fetched again, then the token refused.
    let before = idp.hits("/jwks");
    let m = refusal(&auth, bearer(&Signer::es256("unknown").sign(&good))).await;
    assert_eq!(
        m,
        "failed to verify token: failed to verify signature: failed to verify id token signature"
    );
    assert_eq!(idp.hits("/jwks"), before + 1);

    // A bad signature: another key with the same kid, or a flipped byte.
    let impostor = Signer::es256("es");
    let m = refusal(&auth, bearer(&impostor.sign(&good))).await;
    assert_eq!(
        m,
        "failed to verify token: failed to verify signature: failed to verify id token signature"
    );
    let mut token = es.sign(&good);
    let last = token.pop().unwrap();
    token.push(if last == 'A' { 'B' } else { 'A' });
    assert!(
        refusal(&auth, bearer(&token))
            .await
            .contains("failed to verify id token signature")
    );
    // Those misses came within the refetch interval: no more key requests.
    assert_eq!(idp.hits("/jwks"), before + 1);

    // Claims.
    let mut c = good.clone();
    c["exp"] = json!(1_700_000_000);
    assert_eq!(
        refusal(&auth, bearer(&es.sign(&c))).await,
        "failed to verify token: oidc: token is expired (Token Expiry: 2023-11-14 22:13:20 +0000 UTC)"
    );
    let mut c = good.clone();
    c.as_object_mut().unwrap().remove("exp");
    assert!(
        refusal(&auth, bearer(&es.sign(&c)))
            .await
            .contains("token is expired (Token Expiry: 0001-01-01")
    );
    let mut c = good.clone();
    c["nbf"] = json!(now() + 3600);
    assert!(
        refusal(&auth, bearer(&es.sign(&c)))
            .await
            .contains("before the nbf (not before) time")
    );
    let mut c = good.clone();
    c["nbf"] = json!(now() + 30); // within the minute of leeway
    assert!(auth.authenticate(&bearer(&es.sign(&c))).await.is_ok());
    let mut c = good.clone();
    c["aud"] = json!(["other"]);
    assert_eq!(
        refusal(&auth, bearer(&es.sign(&c))).await,
        "failed to verify token: oidc: expected audience \"otelcol\" got [\"other\"]"
    );
    let mut c = good.clone();
    c["iss"] = json!("https://evil.example.com");
    assert_eq!(
        refusal(&auth, bearer(&es.sign(&c))).await,
        format!(
            "failed to verify token: oidc: id token issued by a different provider, expected {:?} got \"https://evil.example.com\"",
            idp.issuer
        )
    );
    let mut c = good.clone();
    c["sub"] = json!(42);
    assert!(
        refusal(&auth, bearer(&es.sign(&c)))
            .await
            .contains("oidc: failed to unmarshal claims")
    );
    let mut c = good.clone();
    c.as_object_mut().unwrap().remove("email");
    assert_eq!(
        refusal(&auth, bearer(&es.sign(&c))).await,
        "failed to get subject from claims in the token: username claim from the OIDC configuration not found on the token returned by the OIDC provider"
    );
    let mut c = good.clone();
    c["email"] = json!(["a"]);
    assert!(
        refusal(&auth, bearer(&es.sign(&c)))
            .await
            .ends_with("isn't a regular string")
    );
    let mut c = good.clone();
    c.as_object_mut().unwrap().remove("groups");
    assert!(
        refusal(&auth, bearer(&es.sign(&c)))
            .await
            .starts_with("failed to get groups from claims in the token: groups claim")
    );
    // An algorithm the provider does not list (PS256 with an RSA key).
    let rs = Signer::rs256("es");
    let ps = rs.sign_with_header(&json!({"alg": "PS256", "kid": "es"}), &good);
    assert_eq!(
        refusal(&auth, bearer(&ps)).await,
        "failed to verify token: oidc: id token signed with unsupported algorithm, expected [\"RS256\" \"ES256\" \"EdDSA\"] got \"PS256\""
    );
}

#[tokio::test]
async fn rotated_keys_are_fetched_when_a_token_names_one() {
    let (old, new) = (Signer::es256("2024"), Signer::ed25519("2025"));
    let idp = Idp::start(true, &[&old]);
    let auth = started(&idp.config("")).await;
    assert_eq!(idp.hits("/jwks"), 1);
    let token = new.sign(&claims(&idp.issuer));
    idp.set_keys(&[&old, &new]);
    auth.authenticate(&bearer(&token)).await.unwrap();
    assert_eq!(idp.hits("/jwks"), 2);
    // Cached from now on.
    auth.authenticate(&bearer(&token)).await.unwrap();
    auth.authenticate(&bearer(&old.sign(&claims(&idp.issuer))))
        .await
        .unwrap();
    assert_eq!(idp.hits("/jwks"), 2);
}

#[tokio::test]
async fn start_fails_as_go_when_discovery_fails() {
    let es = Signer::es256("es");
    let idp = Idp::start(true, &[&es]);
    let start = |yaml: String| async move { create(&yaml).start(NopHost::new()).await.map(|_| ()) };
    idp.set_discovery(404, "no such realm");
    let err = start(idp.config("")).await.unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "failed to get configuration from at least one configured auth server: failed to create OIDC provider for {:?}: 404 Not Found: no such realm",
            idp.issuer
        )
    );
    idp.set_discovery(
        200,
        &json!({"issuer": "https://other", "jwks_uri": "https://other/jwks"}).to_string(),
    );
    let err = start(idp.config("")).await.unwrap_err().to_string();
    assert!(
        err.contains("oidc: issuer did not match the issuer returned by provider, expected"),
        "{err}"
    );
    idp.set_discovery(200, "<html>");
    let err = start(idp.config("")).await.unwrap_err().to_string();
    assert!(
        err.contains("oidc: failed to decode provider discovery object"),
        "{err}"
    );
    // Without the CA: the TLS handshake fails.
    let yaml = format!("issuer_url: {}\naudience: otelcol\n", idp.issuer);
    let err = start(yaml).await.unwrap_err().to_string();
    assert!(err.contains("TLS handshake"), "{err}");
    // An unreadable CA file.
    let yaml = format!(
        "issuer_url: {}\naudience: otelcol\nissuer_ca_path: /nonexistent/ca.pem\n",
        idp.issuer
    );
    let err = start(yaml).await.unwrap_err().to_string();
    assert!(
        err.contains("could not read the CA file \"/nonexistent/ca.pem\""),
        "{err}"
    );
}

#[tokio::test]
async fn unreachable_keys_do_not_fail_start_but_refuse_tokens() {
    let es = Signer::es256("es");
    let idp = Idp::start(false, &[&es]);
    idp.set_discovery(
        200,
        &json!({"issuer": idp.issuer, "jwks_uri": format!("{}/missing", idp.issuer), "id_token_signing_alg_values_supported": ["ES256"]})
            .to_string(),
    );
    let auth = started(&idp.config("")).await;
    let c = claims(&idp.issuer);
    match auth.authenticate(&bearer(&es.sign(&c))).await.unwrap_err() {
        AuthError::Unavailable(m) => assert!(
            m.starts_with("failed to verify token: failed to verify signature: fetching keys oidc: get keys failed: 404 Not Found"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn tokens_go_to_the_provider_of_their_issuer() {
    let (a, b) = (Signer::es256("a"), Signer::rs256("b"));
    let (idp_a, idp_b) = (Idp::start(true, &[&a]), Idp::start(false, &[&b]));
    let yaml = format!(
        "providers:\n  - issuer_url: {}\n    audience: otelcol\n    issuer_ca_path: {}\n  - issuer_url: {}\n    audience: otelcol\n    username_claim: email\n",
        idp_a.issuer,
        idp_a.ca(),
        idp_b.issuer
    );
    let auth = started(&yaml).await;
    let data = auth
        .authenticate(&bearer(&a.sign(&claims(&idp_a.issuer))))
        .await
        .unwrap();
    assert_eq!(data.attribute("subject"), ["alice"]);
    let data = auth
        .authenticate(&bearer(&b.sign(&claims(&idp_b.issuer))))
        .await
        .unwrap();
    assert_eq!(data.attribute("subject"), ["alice@example.com"]);
    // A's key does not verify B's tokens.
    let m = refusal(&auth, bearer(&a.sign(&claims(&idp_b.issuer)))).await;
    assert!(m.contains("failed to verify signature"), "{m}");
    let m = refusal(&auth, bearer(&a.sign(&claims("https://nobody")))).await;
    assert_eq!(
        m,
        "failed to resolve OIDC provider for the issuer \"https://nobody\": no OIDC provider configured for the issuer \"https://nobody\""
    );
}

#[tokio::test]
async fn a_local_key_file_replaces_discovery() {
    let ed = Signer::ed25519("file");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, json!({"keys": [ed.jwk()]}).to_string()).unwrap();
    let issuer = "https://idp.invalid/realms/x";
    let yaml = format!(
        "providers:\n  - issuer_url: {issuer}\n    audience: otelcol\n    public_keys_file: {}\n",
        path.display()
    );
    let auth = started(&yaml).await;
    auth.authenticate(&bearer(&ed.sign(&claims(issuer))))
        .await
        .unwrap();
    // Every key of a file is tried, whatever the kid (go-oidc's StaticKeySet).
    let other_kid = Signer {
        kid: "renamed".into(),
        key: ed.key,
    };
    auth.authenticate(&bearer(&other_kid.sign(&claims(issuer))))
        .await
        .unwrap();
    // A file without usable keys fails the start.
    std::fs::write(&path, r#"{"keys":[{"kty":"oct","k":"AA"}]}"#).unwrap();
    let err = create(&yaml).start(NopHost::new()).await.unwrap_err().to_string();
    assert!(err.contains("file contains no supported keys"), "{err}");
}

#[tokio::test]
async fn config_is_checked_as_go() {
    let err = |yaml: &str| parse_config::<Config>(yaml).unwrap_err();
    assert_eq!(
        err("issuer_url: https://x"),
        "no Audience provided for the OIDC configuration"
    );
    assert_eq!(
        err("audience: a"),
        "no IssuerURL provided for the OIDC configuration"
    );
    assert_eq!(
        err("issuer_url: https://x\naudience: a\nproviders: [{issuer_url: 'https://x', audience: b}]"),
        "duplicate issuer URL found: https://x"
    );
    assert!(
        err("providers: [{issuer_url: 'https://x', audience: a, ignore_issuer: true}, {issuer_url: 'https://y', audience: a}]")
            .contains("ignore_issuer cannot be true when multiple providers are configured")
    );
    assert!(err("providers: [{issuer_url: 'https://x', audience: a, nope: 1}]").contains("nope"));
    // No provider at all is valid (as Go) and refuses every token.
    let auth = started("").await;
    let es = Signer::es256("k");
    let m = refusal(&auth, bearer(&es.sign(&claims("https://x")))).await;
    assert!(m.contains("no OIDC provider configured"), "{m}");
}
