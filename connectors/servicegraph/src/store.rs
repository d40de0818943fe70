//! The pairing store: a span that is one side of a request waits here, as an
//! [`Edge`], for the span of the other side. An edge leaves when it is
//! complete (both services known) or when it expires (`store::ttl`); when the
//! store holds `store::max_items` edges, a new one evicts the oldest only if
//! that has expired, otherwise the span is dropped (as in Go).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

/// How the two sides of an edge talk (Go's `connection_type` values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ConnectionType {
    /// A direct request, client → server (the label is empty).
    #[default]
    Unset,
    /// Through a messaging system: producer → consumer.
    MessagingSystem,
    /// A client span naming a database.
    Database,
    /// One side was never seen; a peer attribute (or `user`/`unknown`) stands in.
    VirtualNode,
}

impl ConnectionType {
    /// The label value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ConnectionType::Unset => "",
            ConnectionType::MessagingSystem => "messaging_system",
            ConnectionType::Database => "database",
            ConnectionType::VirtualNode => "virtual_node",
        }
    }
}

/// Pairs the two spans of one request: (trace id, the client span's id),
/// which is the server span's parent.
pub(crate) type Key = (Vec<u8>, Vec<u8>);

/// One request between two services, as far as it is known.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Edge {
    /// Whether the key's span id is empty: a server span without a parent.
    pub(crate) root: bool,
    pub(crate) connection_type: ConnectionType,
    pub(crate) client: String,
    pub(crate) server: String,
    /// Seconds.
    pub(crate) client_latency: f64,
    /// Seconds.
    pub(crate) server_latency: f64,
    /// Either side had status ERROR.
    pub(crate) failed: bool,
    /// `client_<dim>` / `server_<dim>` values.
    pub(crate) dimensions: BTreeMap<String, String>,
    /// The client span's first peer attribute found, for a virtual node.
    pub(crate) peer: Option<String>,
    /// `virtual_node` label value (`client` / `server`), with `virtual_node_extra_label`.
    pub(crate) virtual_node: Option<&'static str>,
    pub(crate) expires: Option<Instant>,
    pub(crate) seq: u64,
}

impl Edge {
    fn is_complete(&self) -> bool {
        !self.client.is_empty() && !self.server.is_empty()
    }
}

/// What [`Store::upsert`] did with a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Upsert {
    /// It started a new edge (completed at once, or waiting).
    New,
    /// It updated a waiting edge.
    Updated,
    /// The store was full of unexpired edges: the span is dropped.
    Dropped,
}

/// The waiting edges, oldest first.
#[derive(Debug)]
pub(crate) struct Store {
    ttl: Duration,
    max_items: usize,
    edges: HashMap<Key, Edge>,
    /// Insertion order; entries whose edge has left (or was re-created,
    /// another `seq`) are skipped.
    order: VecDeque<(u64, Key)>,
    next_seq: u64,
}

impl Store {
    pub(crate) fn new(ttl: Duration, max_items: usize) -> Self {
        Store {
            ttl,
            max_items: max_items.max(1),
            edges: HashMap::new(),
            order: VecDeque::new(),
            next_seq: 0,
        }
    }

    /// Edges waiting.
    pub(crate) fn len(&self) -> usize {
        self.edges.len()
    }

    /// Applies `update` to the edge of `key` (created when new). A complete
    /// edge goes to `completed`; one evicted to make room, to `expired`.
    pub(crate) fn upsert(
        &mut self,
        key: Key,
        now: Instant,
        update: impl FnOnce(&mut Edge),
        completed: &mut Vec<Edge>,
        expired: &mut Vec<Edge>,
    ) -> Upsert {
        if let Some(edge) = self.edges.get_mut(&key) {
            update(edge);
            if edge.is_complete() {
                if let Some(e) = self.edges.remove(&key) {
                    completed.push(e);
                }
                self.pop_stale();
            }
            return Upsert::Updated;
        }
        let mut edge = Edge {
            root: key.1.iter().all(|b| *b == 0),
            ..Edge::default()
        };
        update(&mut edge);
        if edge.is_complete() {
            // A database call has both sides in one span: nothing to wait for.
            completed.push(edge);
            return Upsert::New;
        }
        if self.edges.len() >= self.max_items && !self.evict_head(now, expired) {
            return Upsert::Dropped;
        }
        edge.seq = self.next_seq;
        edge.expires = Some(now + self.ttl);
        self.next_seq += 1;
        self.order.push_back((edge.seq, key.clone()));
        self.edges.insert(key, edge);
        if self.order.len() > 2 * self.max_items + 64 {
            // Completed edges leave gaps; keep the order list bounded.
            let edges = &self.edges;
            self.order
                .retain(|(seq, k)| edges.get(k).is_some_and(|e| e.seq == *seq));
        }
        Upsert::New
    }

    /// Moves every expired edge to `expired`.
    pub(crate) fn expire(&mut self, now: Instant, expired: &mut Vec<Edge>) {
        while self.evict_head(now, expired) {}
    }

    /// Takes every waiting edge (at shutdown), oldest first.
    pub(crate) fn drain(&mut self, expired: &mut Vec<Edge>) {
        while let Some((seq, key)) = self.order.pop_front() {
            if self.edges.get(&key).is_some_and(|e| e.seq == seq) {
                if let Some(e) = self.edges.remove(&key) {
                    expired.push(e);
                }
            }
        }
        self.edges.clear();
    }

    fn pop_stale(&mut self) {
        while let Some((seq, key)) = self.order.front() {
            if self.edges.get(key).is_some_and(|e| e.seq == *seq) {
                return;
            }
            self.order.pop_front();
        }
    }

    /// Evicts the oldest edge if it has expired.
    fn evict_head(&mut self, now: Instant, expired: &mut Vec<Edge>) -> bool {
        self.pop_stale();
        let Some((_, key)) = self.order.front() else {
            return false;
        };
        let due = self
            .edges
            .get(key)
            .and_then(|e| e.expires)
            .is_some_and(|t| now >= t);
        if !due {
            return false;
        }
        if let Some((_, key)) = self.order.pop_front() {
            if let Some(e) = self.edges.remove(&key) {
                expired.push(e);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(span: u8) -> Key {
        (vec![1; 16], vec![span; 8])
    }

    fn client(name: &'static str) -> impl FnOnce(&mut Edge) {
        move |e: &mut Edge| e.client = name.into()
    }

    fn server(name: &'static str) -> impl FnOnce(&mut Edge) {
        move |e: &mut Edge| e.server = name.into()
    }

    #[test]
    fn pairs_complete_and_leave() {
        let mut s = Store::new(Duration::from_secs(2), 10);
        let (mut done, mut exp) = (Vec::new(), Vec::new());
        let t = Instant::now();
        assert_eq!(s.upsert(key(1), t, client("a"), &mut done, &mut exp), Upsert::New);
        assert_eq!(s.len(), 1);
        assert_eq!(
            s.upsert(key(1), t, server("b"), &mut done, &mut exp),
            Upsert::Updated
        );
        assert_eq!(s.len(), 0);
        assert_eq!((done[0].client.as_str(), done[0].server.as_str()), ("a", "b"));
        // Both sides at once (a database call) completes without waiting.
        s.upsert(
            key(2),
            t,
            |e| {
                e.client = "a".into();
                e.server = "db".into();
            },
            &mut done,
            &mut exp,
        );
        assert_eq!((done.len(), s.len()), (2, 0));
        assert!(exp.is_empty());
    }

    #[test]
    fn expiry_and_a_full_store() {
        let ttl = Duration::from_secs(2);
        let mut s = Store::new(ttl, 2);
        let (mut done, mut exp) = (Vec::new(), Vec::new());
        let t = Instant::now();
        s.upsert(key(1), t, client("a"), &mut done, &mut exp);
        s.upsert(key(2), t, client("a"), &mut done, &mut exp);
        // Full, nothing expired: dropped.
        assert_eq!(
            s.upsert(key(3), t, client("a"), &mut done, &mut exp),
            Upsert::Dropped
        );
        // Full, the oldest expired: it makes room.
        let later = t + ttl;
        assert_eq!(
            s.upsert(key(3), later, client("a"), &mut done, &mut exp),
            Upsert::New
        );
        assert_eq!(exp.len(), 1);
        assert_eq!(exp[0].client, "a");
        s.expire(later, &mut exp);
        assert_eq!((exp.len(), s.len()), (2, 1));
        s.expire(later + ttl, &mut exp);
        assert_eq!((exp.len(), s.len()), (3, 0));
        assert!(done.is_empty());
    }

    #[test]
    fn completed_edges_do_not_hold_the_order_list() {
        let mut s = Store::new(Duration::from_secs(60), 4);
        let (mut done, mut exp) = (Vec::new(), Vec::new());
        let t = Instant::now();
        s.upsert(key(0), t, client("waits"), &mut done, &mut exp);
        for i in 1..=250u8 {
            s.upsert(key(i), t, client("a"), &mut done, &mut exp);
            s.upsert(key(i), t, server("b"), &mut done, &mut exp);
        }
        assert_eq!(done.len(), 250);
        assert!(s.order.len() <= 2 * 4 + 64 + 1, "{}", s.order.len());
        let mut rest = Vec::new();
        s.drain(&mut rest);
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].client, "waits");
        assert!(rest[0].root, "an all-zero span id is no parent");
    }
}
