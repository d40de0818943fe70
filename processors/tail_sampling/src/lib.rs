//! The `tail_sampling` processor (being written).
