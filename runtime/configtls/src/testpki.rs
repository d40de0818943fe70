//! A throwaway PKI for tests (feature `testing`): a CA, a server
//! certificate for `localhost`/`127.0.0.1` and a client certificate, written
//! to a temp dir as `ca.pem`, `server.pem`, `server-key.pem`, `client.pem`
//! and `client-key.pem`. Panics on failure: for tests only.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};

/// The generated files; deleted on drop.
#[derive(Debug)]
pub struct TestPki {
    /// The directory holding the PEM files.
    pub dir: tempfile::TempDir,
    /// The client certificate, PEM.
    pub client_cert: String,
}

impl TestPki {
    /// Generates a fresh CA and certificates.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf = |names: Vec<String>, eku: ExtendedKeyUsagePurpose| {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(names).unwrap();
            p.extended_key_usages = vec![eku];
            (p.signed_by(&key, &issuer).unwrap().pem(), key.serialize_pem())
        };
        let (server, server_key) = leaf(
            vec!["localhost".into(), "127.0.0.1".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client, client_key) = leaf(vec!["client".into()], ExtendedKeyUsagePurpose::ClientAuth);
        for (name, pem) in [
            ("ca.pem", ca.pem()),
            ("server.pem", server),
            ("server-key.pem", server_key),
            ("client.pem", client.clone()),
            ("client-key.pem", client_key),
        ] {
            std::fs::write(dir.path().join(name), pem).unwrap();
        }
        TestPki {
            dir,
            client_cert: client,
        }
    }

    /// The path of one of the files (`ca.pem`...).
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }
}

impl Default for TestPki {
    fn default() -> Self {
        TestPki::new()
    }
}
