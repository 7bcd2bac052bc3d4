//! List pages already encoded, answered again while the tenant's users are
//! unchanged.
//!
//! Consoles and dashboards ask for the same first pages over and over, and
//! reading a page of 20 and encoding it was about half of such a request's
//! CPU (docs/BENCHMARKS.md, finding 20). The store's `users_tag` (SQLite's
//! `tenants.users_tag`: a new random value in the same transaction as every
//! write of one of the tenant's users, from any process) is read in the same
//! transaction as the request's key, so a page kept under that tag holds the
//! bytes a fresh read would give now: a write is seen by the next request, and
//! a store without a tag (PostgreSQL) is simply read every time.
//!
//! Only unfiltered lists are kept: they are the pages asked for again, and a
//! search per keystroke would only push them out.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

use crate::store::{PageRequest, Sort};

/// Which dialect's list a page is: their bodies differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Raven,
    Eai,
}

/// Everything an unfiltered list's body depends on besides the tenant's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    pub dialect: Dialect,
    pub sort: Option<Sort>,
    pub page: PageRequest,
}

/// The pages kept, at most `MAX_BYTES` of bodies in all.
#[derive(Default)]
pub struct PageCache {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    tenants: HashMap<String, HashMap<Shape, Page>>,
    bytes: usize,
}

struct Page {
    tag: i64,
    body: Bytes,
}

/// A few thousand pages of 20; past it everything goes (a miss only costs
/// the read that a cache-less server makes every time).
const MAX_BYTES: usize = 8 << 20;

impl PageCache {
    /// The body kept for `shape` of the tenant's list, if its users' tag is
    /// still `tag`.
    pub fn get(&self, tenant_id: &str, shape: &Shape, tag: i64) -> Option<Bytes> {
        let kept = self.lock();
        let page = kept.tenants.get(tenant_id)?.get(shape)?;
        (page.tag == tag).then(|| page.body.clone())
    }

    /// Keeps `body`, read when the tenant's users' tag was `tag`.
    pub fn put(&self, tenant_id: &str, shape: Shape, tag: i64, body: Bytes) {
        let mut kept = self.lock();
        if kept.bytes + body.len() > MAX_BYTES {
            kept.tenants.clear();
            kept.bytes = 0;
        }
        let added = body.len();
        let pages = match kept.tenants.get_mut(tenant_id) {
            Some(pages) => pages,
            None => kept.tenants.entry(tenant_id.to_owned()).or_default(),
        };
        let replaced = pages.insert(shape, Page { tag, body });
        let removed = replaced.map_or(0, |p| p.body.len());
        kept.bytes = kept.bytes + added - removed;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while holding the lock leaves valid maps: keep using them.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(limit: u32) -> Shape {
        Shape {
            dialect: Dialect::Raven,
            sort: None,
            page: PageRequest { limit, offset: 0 },
        }
    }

    #[test]
    fn a_page_is_answered_only_under_the_tag_it_was_read_with() {
        let cache = PageCache::default();
        assert_eq!(cache.get("ten_a", &shape(20), 7), None);
        cache.put("ten_a", shape(20), 7, Bytes::from_static(b"page"));
        assert_eq!(
            cache.get("ten_a", &shape(20), 7).as_deref(),
            Some(&b"page"[..])
        );
        assert_eq!(cache.get("ten_a", &shape(20), 8), None, "the users changed");
        assert_eq!(cache.get("ten_b", &shape(20), 7), None, "another tenant");
        assert_eq!(cache.get("ten_a", &shape(10), 7), None, "another page");
        let eai = Shape {
            dialect: Dialect::Eai,
            ..shape(20)
        };
        assert_eq!(cache.get("ten_a", &eai, 7), None, "another dialect");
        cache.put("ten_a", shape(20), 8, Bytes::from_static(b"new"));
        assert_eq!(
            cache.get("ten_a", &shape(20), 8).as_deref(),
            Some(&b"new"[..])
        );
        assert_eq!(cache.kept.lock().unwrap().bytes, 3);
    }

    #[test]
    fn the_pages_kept_stay_under_their_bound() {
        let cache = PageCache::default();
        let body = Bytes::from(vec![b' '; 64 << 10]);
        for limit in 0..1_000 {
            cache.put("ten_a", shape(limit), 1, body.clone());
            assert!(cache.kept.lock().unwrap().bytes <= MAX_BYTES);
        }
        assert_eq!(cache.get("ten_a", &shape(999), 1), Some(body));
    }
}
