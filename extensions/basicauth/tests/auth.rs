//! The extension through the component API: both sides, htpasswd sources
//! and their precedence, errors at start, secrets kept out of output.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::sync::Arc;

use otelcol_component::auth::AuthError;
use otelcol_component::{Extension, ExtensionFactory, Kind, RequestContext};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_extension_basicauth::{Config, factory};

fn extension(yaml: &str) -> Arc<dyn Extension> {
    let cfg: Config = parse_config(yaml).unwrap();
    factory()
        .create(&nop_settings("basicauth", Kind::Extension), &cfg)
        .unwrap()
}

fn basic(user: &str, pw: &str) -> Vec<(String, String)> {
    use base64::Engine;
    let v = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}"));
    vec![("authorization".to_string(), format!("Basic {v}"))]
}

#[tokio::test]
async fn inline_entries_win_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("htpasswd");
    std::fs::write(&file, "alice:from-file\ncarol:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=").unwrap();
    let ext = extension(&format!(
        "htpasswd:\n  file: {}\n  inline: |\n    alice:from-inline\n    bob:bobpw",
        file.display()
    ));
    assert!(ext.client_authenticator().is_none());
    let auth = ext.server_authenticator().expect("a server authenticator");
    ext.start(NopHost::new()).await.unwrap();
    assert!(auth.authenticate(&basic("alice", "from-inline")).await.is_ok());
    assert!(auth.authenticate(&basic("alice", "from-file")).await.is_err());
    let carol = auth.authenticate(&basic("carol", "password")).await.unwrap();
    assert_eq!(carol.attribute("username"), ["carol"]);
    assert!(auth.authenticate(&basic("bob", "bobpw")).await.is_ok());
    ext.shutdown().await.unwrap();
    assert!(auth.authenticate(&basic("bob", "bobpw")).await.is_err());
}

#[tokio::test]
async fn start_fails_on_a_missing_file_or_an_unverifiable_hash() {
    start_fails_inner().await;
}

/// bcrypt entries (what `htpasswd -B` writes) verify, off the async workers.
#[tokio::test]
async fn bcrypt_entries_authenticate() {
    let hash = bcrypt::hash("s3cret", 5).unwrap();
    let ext = extension(&format!("htpasswd:\n  inline: |\n    dave:{hash}"));
    ext.start(NopHost::new()).await.unwrap();
    let auth = ext.server_authenticator().unwrap();
    let d = auth.authenticate(&basic("dave", "s3cret")).await.unwrap();
    assert_eq!(d.attribute("username"), ["dave"]);
    assert!(auth.authenticate(&basic("dave", "wrong")).await.is_err());
    ext.shutdown().await.unwrap();
}

async fn start_fails_inner() {
    let ext = extension("htpasswd: {file: /surely/not/here/htpasswd}");
    let err = ext.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(err.starts_with("open htpasswd file: "), "{err}");

    // yescrypt (Debian's /etc/shadow default) is recognised, not verified.
    let hash = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7";
    let ext = extension(&format!("htpasswd:\n  inline: |\n    alice:pw\n    bob:{hash}"));
    let err = ext.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(
        err.contains("inline line 2 (user \"bob\")") && err.contains("yescrypt ($y$)"),
        "{err}"
    );
    assert!(!err.contains(hash), "{err}");
    // Nothing is accepted by an instance that failed to start.
    let auth = ext.server_authenticator().unwrap();
    assert!(auth.authenticate(&basic("alice", "pw")).await.is_err());

    // A malformed SHA-crypt entry is refused with the reason.
    let hash = "$6$rounds=many$saltstring$hash";
    let ext = extension(&format!("htpasswd:\n  inline: |\n    bob:{hash}"));
    let err = ext.start(NopHost::new()).await.unwrap_err().to_string();
    assert_eq!(
        err,
        "read htpasswd content: inline line 1 (user \"bob\"): malformed SHA-512-crypt ($6$) \
         password: rounds= is not a number"
    );
}

/// `openssl passwd ARGS PASSWORD`, the entry a real tool writes.
fn openssl_passwd(args: &[&str], password: &str) -> String {
    let out = std::process::Command::new("openssl")
        .arg("passwd")
        .args(args)
        .arg(password)
        .output()
        .expect("the openssl CLI runs (Debian package `openssl`)");
    assert!(
        out.status.success(),
        "openssl passwd {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// An htpasswd file of Apache MD5, MD5-crypt and SHA-crypt entries made by
/// `openssl passwd` (random salts, and explicit `rounds=`): each user's
/// password authenticates, a wrong one and another user's do not.
#[tokio::test]
async fn apr1_md5_and_sha_crypt_entries_made_by_openssl_authenticate() {
    let users: [(&str, &[&str], &str, &str); 6] = [
        ("apr", &["-apr1"], "$apr1$", "apr1 pw"),
        ("md5", &["-1"], "$1$", "md5-crypt-password-longer-than-16"),
        ("s256", &["-5"], "$5$", "pässwört:with colon"),
        ("s512", &["-6"], "$6$", "sha512 pw"),
        (
            "s256r",
            &["-5", "-salt", "rounds=1000$ab/.Z9"],
            "$5$rounds=1000$ab/.Z9$",
            "r",
        ),
        (
            "s512r",
            &["-6", "-salt", "rounds=12345$NaCl"],
            "$6$rounds=12345$NaCl$",
            "rr",
        ),
    ];
    let mut content = String::new();
    for (user, args, prefix, password) in users {
        let hash = openssl_passwd(args, password);
        assert!(hash.starts_with(prefix), "openssl passwd {args:?} wrote {hash}");
        content.push_str(&format!("{user}:{hash}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("htpasswd");
    std::fs::write(&file, content).unwrap();
    let ext = extension(&format!("htpasswd:\n  file: {}", file.display()));
    ext.start(NopHost::new()).await.unwrap();
    let auth = ext.server_authenticator().unwrap();
    let invalid = AuthError::Unauthenticated("invalid credentials".into());
    for (i, (user, _, _, password)) in users.iter().enumerate() {
        let data = auth.authenticate(&basic(user, password)).await;
        let data = data.unwrap_or_else(|e| panic!("{user}: {e:?}"));
        assert_eq!(data.attribute("username"), [*user]);
        for wrong in [format!("{password}x"), password.to_uppercase(), String::new()] {
            let refused = auth.authenticate(&basic(user, &wrong)).await.unwrap_err();
            assert_eq!(refused, invalid, "{user} with {wrong:?}");
        }
        let (_, _, _, other) = users[(i + 1) % users.len()];
        let refused = auth.authenticate(&basic(user, other)).await.unwrap_err();
        assert_eq!(refused, invalid, "{user} with {other:?}");
    }
    ext.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_client_side_sends_credentials() {
    let ext = extension("client_auth:\n  username: alice\n  password: very-secret");
    assert!(ext.server_authenticator().is_none());
    ext.start(NopHost::new()).await.unwrap();
    let client = ext.client_authenticator().expect("a client authenticator");
    let headers = client.headers(&RequestContext::default()).await.unwrap();
    assert_eq!(headers, basic("alice", "very-secret"));
    for shown in [format!("{ext:?}"), format!("{client:?}")] {
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(!shown.contains(&headers[0].1["Basic ".len()..]), "{shown}");
    }
    ext.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_server_refuses_what_it_cannot_read() {
    let ext = extension("htpasswd: {inline: 'alice:pw'}");
    ext.start(NopHost::new()).await.unwrap();
    let auth = ext.server_authenticator().unwrap();
    let h = vec![("authorization".to_string(), "Basic %%%".to_string())];
    assert_eq!(
        auth.authenticate(&h).await.unwrap_err(),
        AuthError::Unauthenticated("invalid authorization format".into())
    );
}

#[test]
fn create_refuses_an_invalid_config() {
    let cfg = Config::default();
    let err = factory()
        .create(&nop_settings("basicauth", Kind::Extension), &cfg)
        .unwrap_err();
    assert_eq!(err.to_string(), "no credential source provided");
    let cfg: Result<Config, _> = parse_config("htpasswd: {inline: 'a:b'}\nclient_auth: {username: a}");
    let err = cfg.unwrap_err();
    assert!(
        err.contains("only one of `htpasswd` or `client_auth` can be specified"),
        "{err}"
    );
}
