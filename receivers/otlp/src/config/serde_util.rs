//! Deserialization helpers matching the Go collector's `configoptional`.

use serde::{Deserialize, Deserializer};

/// A present key, even with a null value, gives `Some` (null → the defaults).
/// Use with `#[serde(default)]` so an absent key stays `None`.
pub(crate) fn present_as_some<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Some(Option::<T>::deserialize(d)?.unwrap_or_default()))
}

/// A null value gives the defaults.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
