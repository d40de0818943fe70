//! Deserializing a block over a component's defaults, as Go's unmarshal
//! over the factory's default config does: keys left out keep the value the
//! component chose, and a null block means those defaults.
//!
//! A shared settings type ([`crate::ServerConfig`], `configgrpc`'s) reads
//! its keys one at a time with [`Overlay::set_field`], so a component can
//! embed it beside keys of its own (Go's `mapstructure:",squash"`) and keep
//! the key path and "expected ..." of every error, which `#[serde(flatten)]`
//! loses.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// A settings block that can be read key by key over existing values.
pub trait Overlay: Sized {
    /// The keys it reads, for "unknown field" errors.
    const FIELDS: &'static [&'static str];
    /// What a value of the block looks like, for type errors.
    const EXPECTING: &'static str;

    /// Reads the value of `key` from `map` into `self`. `Ok(false)` when
    /// `key` is not one of this block's keys (the value is then not read).
    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
}

/// The keys of a block followed by a component's own, for the
/// [`Overlay::FIELDS`] of a type that embeds the block:
/// `const FIELDS: &[&str] = &concat_fields::<18>(ServerConfig::FIELDS, &["traces_url_path", ...])`.
/// `N` must be the sum of both lengths; a mismatch fails to compile.
pub const fn concat_fields<const N: usize>(
    block: &[&'static str],
    own: &[&'static str],
) -> [&'static str; N] {
    assert!(
        block.len() + own.len() == N,
        "N must be the number of keys of both lists"
    );
    let mut out = [""; N];
    let mut i = 0;
    while i < block.len() {
        out[i] = block[i];
        i += 1;
    }
    let mut j = 0;
    while j < own.len() {
        out[i + j] = own[j];
        j += 1;
    }
    out
}

/// Deserializes a block over `init` (null: `init` itself); unknown keys are refused.
pub fn deserialize_over<'de, D: Deserializer<'de>, T: Overlay>(d: D, init: T) -> Result<T, D::Error> {
    d.deserialize_option(OverlayVisitor(init))
}

struct OverlayVisitor<T>(T);

impl<'de, T: Overlay> Visitor<'de> for OverlayVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(self.0)
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(self.0)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<T, A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if !self.0.set_field(&key, &mut map)? {
                return Err(de::Error::unknown_field(&key, T::FIELDS));
            }
        }
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_concatenate_in_order() {
        const BOTH: [&str; 3] = concat_fields(&["a", "b"], &["c"]);
        assert_eq!(BOTH, ["a", "b", "c"]);
    }
}

/// A present key, even with a null value, gives `Some` (null → the defaults).
/// Use with `#[serde(default)]` so an absent key stays `None` (Go's
/// `configoptional`).
pub fn present_as_some<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Some(Option::<T>::deserialize(d)?.unwrap_or_default()))
}

/// A null value gives the defaults.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A duration read as Go writes it (`otelcol_component::duration`), for
/// [`Overlay::set_field`] implementations: `map.next_value::<GoDuration>()?.0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoDuration(pub Duration);

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        otelcol_component::duration::deserialize(d).map(GoDuration)
    }
}

/// Reads the next value as `Option<T>`, null giving `T::default()`.
pub fn next_or_default<'de, A, T>(map: &mut A) -> Result<T, A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(map.next_value::<Option<T>>()?.unwrap_or_default())
}
