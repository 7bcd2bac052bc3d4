//! PostgreSQL's search: the predicate of a needle, the exact total of a short
//! needle from the gram counts the triggers of migration 0007 keep, and the
//! statement of a search's page in the default order (newest first).
//!
//! Where the time of a search went (300,000 users, EXPLAIN ANALYZE): the page
//! sorted every match before its LIMIT, the `COUNT(*)` rechecked every match
//! on the heap, and a needle under 3 characters, which pg_trgm cannot serve,
//! read the whole tenant for both. The page now walks the tenant newest first
//! with a budget of rows and falls back to the matches sorted only when the
//! budget did not hold a page; the total of a needle of 1–3 characters is one
//! gram's count. A longer needle's matches come from the trigram keys of
//! migration 0009 (no word splitting, unlike pg_trgm, whose word-edge
//! trigrams of `ena m` or `eo-yeon_` held half the tenant), and only those
//! candidates are checked on the heap.

use futures::TryStreamExt;
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::condition;
use super::row::{GramTally, like_pattern};
use super::{PageRequest, SearchIn, StoreError, UserFilter};

/// Newest users a page's walk reads per user it must find, and its bounds: a
/// needle that one user in a hundred holds still fills its page from the
/// walk, which costs a few milliseconds even when it fails.
const WALK_PER_ROW: i64 = 100;
const WALK_MIN: i64 = 2_000;
const WALK_MAX: i64 = 20_000;

/// The longest needle that is one gram of the counts (migration 0007).
const GRAM_CHARS: usize = 3;

/// The needle and the `part` of `user_grams` whose count is the exact total of
/// `f`: a search of 1 to 3 characters and nothing else (the counts are kept
/// per tenant, not per role or status).
pub(super) fn gram_total(f: &UserFilter) -> Option<(&str, i16)> {
    let needle = f.search.as_deref()?;
    let chars = needle.chars().count();
    let only_search = f.external_ref.is_none()
        && f.role.is_none()
        && f.status.is_none()
        && f.conditions.is_empty();
    if !only_search || chars == 0 || chars > GRAM_CHARS {
        return None;
    }
    Some((needle, part(f.search_in)))
}

/// `user_grams.part` of a search: where its gram is counted.
fn part(search_in: SearchIn) -> i16 {
    match search_in {
        SearchIn::Name => 1,
        SearchIn::Email => 2,
        SearchIn::Both => 3,
    }
}

/// `(SELECT SUM ...)` of the gram's slots.
pub(super) fn push_gram_total<'a>(
    qb: &mut QueryBuilder<'a, Postgres>,
    tenant_id: &'a str,
    gram: &'a str,
    part: i16,
) {
    qb.push("(SELECT COALESCE(SUM(n), 0)::BIGINT FROM user_grams WHERE tenant_id = ")
        .push_bind(tenant_id)
        .push(" AND gram = ")
        .push_bind(gram)
        .push(" AND part = ")
        .push_bind(part)
        .push(")");
}

/// ` AND ...` of a needle on one folded column. A needle of 3 characters or
/// more is a LIKE, which the trigram indexes answer; a shorter one, which they
/// cannot answer (pg_trgm would read its whole index), is `strpos`, which no
/// plan mistakes for an index condition.
pub(super) fn push_needle<'a>(qb: &mut QueryBuilder<'a, Postgres>, column: &str, needle: &'a str) {
    if needle.chars().count() >= GRAM_CHARS {
        // `|| ''`: not a column pg_trgm's indexes hold. Paired with the trigram
        // keys in one BitmapAnd, their lossy recheck would compute every
        // candidate's keys again (~30 µs each: `ulia` 513 ms, not 58 ms);
        // the keys alone narrow the matches better.
        qb.push(format!("({column} || '') LIKE "))
            .push_bind(like_pattern(needle));
    } else {
        qb.push(format!("strpos({column}, "))
            .push_bind(needle)
            .push(") > 0");
    }
}

/// ` AND ...` that narrows a search of 3 or more characters to the users that
/// hold all of its trigrams, read from `users_trigram_keys` (migration 0009);
/// the LIKE of `push_needle` stays the exact test.
fn push_needle_probe<'a>(qb: &mut QueryBuilder<'a, Postgres>, tenant_id: &'a str, needle: &'a str) {
    if needle.chars().count() >= GRAM_CHARS {
        qb.push(
            " AND user_trigram_keys(users.tenant_id, users.name_fold, users.email_fold) \
             @> user_trigram_keys(",
        )
        .push_bind(tenant_id)
        .push(", ")
        .push_bind(needle)
        .push(", NULL)");
    }
}

/// ` WHERE ...` of a user list over the rows of `users` itself, where the
/// index of migration 0009 can serve a search.
pub(super) fn push_where<'a>(
    qb: &mut QueryBuilder<'a, Postgres>,
    tenant_id: &'a str,
    f: &'a UserFilter,
) {
    push_where_of(qb, tenant_id, f);
    if let Some(needle) = f.search.as_deref() {
        push_needle_probe(qb, tenant_id, needle);
    }
}

/// ` WHERE ...` of a user list over rows named `users` that no index serves
/// (a walk's rows already read): only the exact tests, each cheap per row.
fn push_where_of<'a>(qb: &mut QueryBuilder<'a, Postgres>, tenant_id: &'a str, f: &'a UserFilter) {
    qb.push(" WHERE users.tenant_id = ").push_bind(tenant_id);
    if let Some(needle) = f.search.as_deref() {
        match f.search_in {
            SearchIn::Both => {
                qb.push(" AND (");
                push_needle(qb, "users.name_fold", needle);
                qb.push(" OR ");
                push_needle(qb, "users.email_fold", needle);
                qb.push(")");
            }
            SearchIn::Name => {
                qb.push(" AND ");
                push_needle(qb, "users.name_fold", needle);
            }
            SearchIn::Email => {
                qb.push(" AND ");
                push_needle(qb, "users.email_fold", needle);
            }
        }
    }
    // Their LIKEs on the folded name and email run on the same trigram indexes.
    condition::push_conditions(qb, &f.conditions);
    super::shared::push_filters(qb, f);
}

/// The rest of `SELECT {USER_COLUMNS}, ` for a search's page, newest first,
/// as one statement (one snapshot for the page and `total`). `push_total`
/// pushes the total's scalar subquery.
///
/// A needle whose total is one gram's count (`gram_total`) walks the tenant
/// newest first (`push_walk_page`). Any other total counts every match, so the
/// matches are read once, from the trigram indexes where they serve, and
/// counted and cut to the page alike (`push_matched_page`).
pub(super) fn push_search_page<'a>(
    qb: &mut QueryBuilder<'a, Postgres>,
    tenant_id: &'a str,
    f: &'a UserFilter,
    page: PageRequest,
    push_total: impl FnOnce(&mut QueryBuilder<'a, Postgres>),
) {
    if gram_total(f).is_some() {
        push_walk_page(qb, tenant_id, f, page, push_total);
    } else {
        push_matched_page(qb, tenant_id, f, page);
    }
}

/// The matches' ids and creation times, counted, sorted and cut to the page;
/// only the page's users are read in full.
fn push_matched_page<'a>(
    qb: &mut QueryBuilder<'a, Postgres>,
    tenant_id: &'a str,
    f: &'a UserFilter,
    page: PageRequest,
) {
    qb.push(
        "total AS total FROM (WITH matched AS MATERIALIZED \
         (SELECT users.id, users.created_at FROM users",
    );
    push_where(qb, tenant_id, f);
    qb.push(
        "), counted AS MATERIALIZED (SELECT COUNT(*) AS total FROM matched) \
         SELECT users.*, (SELECT total FROM counted) AS total FROM \
         (SELECT id FROM matched ORDER BY created_at DESC, id DESC LIMIT ",
    )
    .push_bind(i64::from(page.limit))
    .push(" OFFSET ")
    .push_bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
    .push(
        ") AS m JOIN users ON users.id = m.id) AS users \
         ORDER BY users.created_at DESC, users.id DESC",
    );
}

/// `walk` reads the tenant's newest `budget` users down `users_order` and keeps
/// the first `offset + limit` that match: when a needle is common, that is
/// the page after a few hundred rows. When the walk found fewer and did not
/// reach the tenant's end, its users are not the page; only then (a one-time
/// filter, so the other branch never runs otherwise) the matches are read
/// from the trigram indexes, or the tenant for a needle under 3 characters,
/// and sorted. PostgreSQL's planner cannot tell the two cases apart from its
/// statistics; the walk's result can.
fn push_walk_page<'a>(
    qb: &mut QueryBuilder<'a, Postgres>,
    tenant_id: &'a str,
    f: &'a UserFilter,
    page: PageRequest,
    push_total: impl FnOnce(&mut QueryBuilder<'a, Postgres>),
) {
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    let n = offset.saturating_add(i64::from(page.limit));
    let budget = n.saturating_mul(WALK_PER_ROW).clamp(WALK_MIN, WALK_MAX);
    qb.push("total AS total FROM (WITH counted AS MATERIALIZED (SELECT ");
    push_total(qb);
    // The walk: a LIMIT over rows already in the order of the outer ORDER BY,
    // so it stops at the `n`th match without a sort.
    qb.push(
        " AS total), walk AS MATERIALIZED (SELECT users.* FROM (SELECT * FROM users \
         WHERE users.tenant_id = ",
    )
    .push_bind(tenant_id)
    .push(" ORDER BY users.created_at DESC, users.id DESC LIMIT ")
    .push_bind(budget)
    .push(") AS users");
    push_where_of(qb, tenant_id, f);
    qb.push(" ORDER BY users.created_at DESC, users.id DESC LIMIT ")
        .push_bind(n)
        .push("), enough AS MATERIALIZED (SELECT (SELECT COUNT(*) FROM walk) = ")
        .push_bind(n)
        .push(" OR (SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE users.tenant_id = ")
        .push_bind(tenant_id)
        .push(" LIMIT ")
        .push_bind(budget)
        .push(") AS head) < ")
        .push_bind(budget)
        // A total no greater than the offset: the page is empty, nothing to read.
        .push(" OR (SELECT total FROM counted) <= ")
        .push_bind(offset)
        .push(
            " AS yes) SELECT users.*, (SELECT total FROM counted) AS total FROM \
             (SELECT * FROM walk WHERE (SELECT yes FROM enough) UNION ALL \
             SELECT * FROM (SELECT users.* FROM users",
        );
    push_where(qb, tenant_id, f);
    // `+ 0`: the order of `users_order` must not tempt the planner into the
    // walk that just failed; the matches are fetched, then sorted. The filter
    // outside the LIMIT stays above the plan of the matches (a parallel one
    // would start its workers before a filter inside it said no).
    qb.push(" ORDER BY users.created_at + 0 DESC, users.id DESC LIMIT ")
        .push_bind(n)
        .push(
            ") AS matches WHERE NOT (SELECT yes FROM enough)) AS users \
             ORDER BY users.created_at DESC, users.id DESC LIMIT ",
        )
        .push_bind(i64::from(page.limit))
        .push(" OFFSET ")
        .push_bind(offset)
        .push(") AS users ORDER BY users.created_at DESC, users.id DESC");
}

/// One tenant's gram counts, as the triggers of migration 0007 keep them:
/// per gram and part (1 name, 2 email, 3 either, a user counted once).
pub(super) struct GramCounts(GramTally);

impl Default for GramCounts {
    fn default() -> Self {
        // As the migration's `user_grams_of`: substrings in characters.
        GramCounts(GramTally::new(GRAM_CHARS))
    }
}

impl GramCounts {
    /// Counts one user.
    pub(super) fn add(&mut self, name_fold: Option<&str>, email_fold: Option<&str>) {
        self.0.add(name_fold, email_fold);
    }

    /// Adds the counts to the tenant's slot 0.
    pub(super) async fn write(
        self,
        conn: &mut sqlx::PgConnection,
        tenant_id: &str,
    ) -> Result<(), StoreError> {
        let mut grams = Vec::new();
        let mut parts = Vec::new();
        let mut ns = Vec::new();
        for (g, search_in, n) in self.0.counts() {
            grams.push(g);
            parts.push(part(search_in));
            ns.push(n);
        }
        sqlx::query(
            "INSERT INTO user_grams (tenant_id, gram, part, slot, n) \
             SELECT $1, g, p, 0, n FROM UNNEST($2::text[], $3::int2[], $4::int8[]) AS v(g, p, n) \
             ON CONFLICT (tenant_id, gram, part, slot) DO UPDATE SET n = user_grams.n + excluded.n",
        )
        .bind(tenant_id)
        .bind(grams)
        .bind(parts)
        .bind(ns)
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// Computes one tenant's gram counts again from its users, into slot 0, as
/// `user_grams_recount` (migration 0007) does, but counted here, which is
/// many times faster than the SQL. Writers of every tenant wait meanwhile (a
/// share lock on `users`), so no write falls between the count and the
/// trigger.
pub(super) async fn recount_grams(pool: &PgPool, tenant_id: &str) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("LOCK TABLE users IN SHARE MODE")
        .execute(&mut *tx)
        .await?;
    let mut counts = GramCounts::default();
    {
        let mut rows = sqlx::query_as::<_, (Option<String>, Option<String>)>(
            "SELECT name_fold, email_fold FROM users WHERE tenant_id = $1",
        )
        .bind(tenant_id)
        .fetch(&mut *tx);
        while let Some((name, email)) = rows.try_next().await? {
            counts.add(name.as_deref(), email.as_deref());
        }
    }
    sqlx::query("DELETE FROM user_grams WHERE tenant_id = $1")
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    counts.write(&mut tx, tenant_id).await?;
    tx.commit().await?;
    Ok(())
}
