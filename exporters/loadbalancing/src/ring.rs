//! The consistent-hash ring, as Go's: each endpoint takes up to 100 points
//! on a circle of 36,000 positions (`crc32(endpoint ++ [i]) % 36000`; a
//! position already taken stays with the first endpoint, in sorted order),
//! and an identifier goes to the endpoint of the first point at or after
//! `crc32(identifier) % 36000`, wrapping around.

/// Positions on the circle (360 degrees, two decimals).
const MAX_POSITIONS: u32 = 36_000;
/// Points per endpoint.
const WEIGHT: usize = 100;

/// An immutable ring of endpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ring {
    /// (position, endpoint index), sorted by position.
    points: Vec<(u32, u32)>,
    endpoints: Vec<String>,
}

fn crc32(parts: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

impl Ring {
    /// The ring of `endpoints` (sorted and deduplicated here).
    pub(crate) fn new(endpoints: &[String]) -> Self {
        let mut endpoints = endpoints.to_vec();
        endpoints.sort();
        endpoints.dedup();
        let mut taken = std::collections::HashSet::new();
        let mut points = Vec::with_capacity(endpoints.len() * WEIGHT);
        for (idx, e) in endpoints.iter().enumerate() {
            for i in 0..WEIGHT {
                // Go writes the point number as one byte.
                let pos = crc32(&[e.as_bytes(), &[i as u8]]) % MAX_POSITIONS;
                if taken.insert(pos) {
                    points.push((pos, idx as u32));
                }
            }
        }
        points.sort_unstable();
        Ring { points, endpoints }
    }

    /// The endpoints, sorted.
    pub(crate) fn endpoints(&self) -> &[String] {
        &self.endpoints
    }

    /// Whether the ring has no endpoint.
    pub(crate) fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// The index (into [`Ring::endpoints`]) of the endpoint for `identifier`.
    pub(crate) fn index_for(&self, identifier: &[u8]) -> Option<usize> {
        if self.points.is_empty() {
            return None;
        }
        let pos = crc32(&[identifier]) % MAX_POSITIONS;
        let i = self.points.partition_point(|(p, _)| *p < pos);
        let (_, idx) = self.points.get(i).or_else(|| self.points.first())?;
        Some(*idx as usize)
    }

    /// The endpoint for `identifier`.
    #[cfg(test)]
    pub(crate) fn endpoint_for(&self, identifier: &[u8]) -> Option<&str> {
        self.index_for(identifier).map(|i| self.endpoints[i].as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eps(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("10.0.0.{i}:4317")).collect()
    }

    #[test]
    fn an_identifier_always_goes_to_the_same_endpoint_and_the_next_point() {
        let ring = Ring::new(&eps(3));
        let id = [7u8; 16];
        let first = ring.endpoint_for(&id).unwrap().to_string();
        for _ in 0..10 {
            assert_eq!(ring.endpoint_for(&id), Some(first.as_str()));
        }
        // The point found is the first at or after the identifier's position.
        let pos = crc32(&[&id]) % MAX_POSITIONS;
        let expect = ring
            .points
            .iter()
            .find(|(p, _)| *p >= pos)
            .or(ring.points.first())
            .map(|(_, i)| ring.endpoints[*i as usize].clone());
        assert_eq!(Some(first), expect);
        assert!(Ring::new(&[]).endpoint_for(&id).is_none());
    }

    #[test]
    fn load_spreads_and_a_removed_endpoint_moves_only_its_share() {
        let three = Ring::new(&eps(3));
        let two = Ring::new(&eps(2));
        let mut counts = std::collections::HashMap::new();
        let mut moved = 0;
        let n = 30_000u32;
        for i in 0..n {
            let id = i.to_be_bytes();
            let a = three.endpoint_for(&id).unwrap();
            *counts.entry(a.to_string()).or_insert(0u32) += 1;
            let b = two.endpoint_for(&id).unwrap();
            if a != b {
                moved += 1;
                assert_eq!(a, "10.0.0.2:4317", "only the removed endpoint's identifiers move");
            }
        }
        for (e, c) in &counts {
            let share = f64::from(*c) / f64::from(n);
            assert!((0.2..0.47).contains(&share), "{e}: {share}");
        }
        assert_eq!(moved, counts["10.0.0.2:4317"]);
        // The order endpoints are given in does not matter.
        let mut rev = eps(3);
        rev.reverse();
        assert_eq!(Ring::new(&rev), three);
    }
}
