//! The `oidc` config, with the Go extension's keys and defaults: the
//! deprecated single-provider keys at the top level and the `providers`
//! list.

use std::collections::BTreeSet;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// Default of `attribute`.
pub const DEFAULT_ATTRIBUTE: &str = "authorization";

/// One identity provider (Go's `ProviderCfg`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProviderConfig {
    /// The issuer: tokens' `iss` must equal it, and discovery is read from
    /// `<issuer_url>/.well-known/openid-configuration`. Required.
    pub issuer_url: String,
    /// A token's `aud` must contain it. Required unless `ignore_audience`.
    pub audience: String,
    /// Skip the audience check. Default: false.
    pub ignore_audience: bool,
    /// Skip the issuer check (only with a single provider). Default: false.
    pub ignore_issuer: bool,
    /// PEM file of the CA that signed the issuer's TLS certificate.
    /// Default: empty (system roots).
    pub issuer_ca_path: String,
    /// The claim naming the user, instead of `sub`. Default: empty.
    pub username_claim: String,
    /// The claim holding the user's groups (`membership`). Default: empty.
    pub groups_claim: String,
    /// A local JWKS file: the keys come from it, without discovery.
    /// Default: empty.
    pub public_keys_file: String,
}

impl ProviderConfig {
    fn is_set(&self) -> bool {
        *self != ProviderConfig::default()
    }

    /// Go's `ProviderCfg.Validate` (without reading `public_keys_file`,
    /// which is read at start).
    fn validate(&self) -> Result<(), String> {
        if self.audience.is_empty() && !self.ignore_audience {
            return Err("no Audience provided for the OIDC configuration".into());
        }
        if self.issuer_url.is_empty() {
            return Err("no IssuerURL provided for the OIDC configuration".into());
        }
        if self.public_keys_file.is_empty()
            && !(self.issuer_url.starts_with("https://") || self.issuer_url.starts_with("http://"))
        {
            return Err(format!(
                "issuer_url {:?} must be an http:// or https:// URL",
                self.issuer_url
            ));
        }
        Ok(())
    }
}

/// `oidc` config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The header holding the token. Default: `authorization`.
    pub attribute: String,
    /// Deprecated (use `providers`): the issuer of a single provider.
    pub issuer_url: String,
    /// Deprecated (use `providers`): its audience.
    pub audience: String,
    /// Deprecated (use `providers`): skip its audience check.
    pub ignore_audience: bool,
    /// Deprecated (use `providers`): its CA file.
    pub issuer_ca_path: String,
    /// Deprecated (use `providers`): its username claim.
    pub username_claim: String,
    /// Deprecated (use `providers`): its groups claim.
    pub groups_claim: String,
    /// The identity providers; a token is checked against the one whose
    /// `issuer_url` equals its `iss` (or the only one).
    pub providers: Vec<ProviderConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            attribute: DEFAULT_ATTRIBUTE.to_string(),
            issuer_url: String::new(),
            audience: String::new(),
            ignore_audience: false,
            issuer_ca_path: String::new(),
            username_claim: String::new(),
            groups_claim: String::new(),
            providers: Vec::new(),
        }
    }
}

impl Config {
    /// Every provider: the top-level (legacy) one first when any of its keys
    /// is set, then `providers` (Go's `getProviderConfigs`).
    pub fn provider_configs(&self) -> Vec<ProviderConfig> {
        let legacy = ProviderConfig {
            issuer_url: self.issuer_url.clone(),
            audience: self.audience.clone(),
            ignore_audience: self.ignore_audience,
            issuer_ca_path: self.issuer_ca_path.clone(),
            username_claim: self.username_claim.clone(),
            groups_claim: self.groups_claim.clone(),
            ..Default::default()
        };
        let mut all = Vec::with_capacity(self.providers.len() + 1);
        if legacy.is_set() {
            all.push(legacy);
        }
        all.extend(self.providers.iter().cloned());
        all
    }

    /// The header name, lower-case (`authorization` when empty).
    pub fn header_name(&self) -> String {
        if self.attribute.is_empty() {
            DEFAULT_ATTRIBUTE.to_string()
        } else {
            self.attribute.to_ascii_lowercase()
        }
    }
}

impl ComponentConfig for Config {
    fn validate(&self) -> Result<(), ConfigError> {
        let providers = self.provider_configs();
        let mut seen = BTreeSet::new();
        let mut errors = Vec::new();
        for p in &providers {
            if !seen.insert(p.issuer_url.clone()) {
                errors.push(format!("duplicate issuer URL found: {}", p.issuer_url));
                continue;
            }
            if let Err(e) = p.validate() {
                errors.push(e);
            }
        }
        if providers.len() > 1 && providers.iter().any(|p| p.ignore_issuer) {
            errors.push("ignore_issuer cannot be true when multiple providers are configured".into());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            // Go joins with multierr: "a; b".
            Err(ConfigError::new(errors.join("; ")))
        }
    }
}
