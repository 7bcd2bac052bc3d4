//! The statements of a user list, a search and an insert, built for
//! `QueryBuilder`: the tenant's rowid range, the indexed searches, filters,
//! totals and pages.

use super::*;
pub(super) use crate::store::shared::push_filters;

/// Low bits of `seq` that number a user within its tenant; the bits above are
/// the tenant's `no`, so a tenant's users are one rowid range (migration 0003).
pub(super) const SEQ_BITS: u32 = 40;

/// `(SELECT ...)`: the first or the last `seq` of the tenant's range.
pub(super) fn push_seq_bound<'a>(
    qb: &mut QueryBuilder<'a, Sqlite>,
    tenant_id: &'a str,
    last: bool,
) {
    let top = if last {
        format!(" | {}", (1_i64 << SEQ_BITS) - 1)
    } else {
        String::new()
    };
    qb.push(format!(
        "(SELECT (no << {SEQ_BITS}){top} FROM tenants WHERE id = "
    ))
    .push_bind(tenant_id)
    .push(")");
}

/// A search an FTS5 index answers, by rowid ranges like the tenant's users:
/// the trigram index for needles of three characters and more, `users_short`
/// (migration 0008) for one or two.
pub(crate) struct IndexedSearch {
    /// The FTS5 table.
    pub(super) table: &'static str,
    /// Its `MATCH` query.
    pub(super) query: String,
    /// For a short needle, its row in `short_counts`: the folded gram and
    /// where it is looked for (`n`ame, `e`mail or `b`oth).
    pub(super) counted: Option<(String, &'static str)>,
}

/// The index that answers the filter's search, if it has one.
pub(crate) fn indexed_search(f: &UserFilter) -> Option<IndexedSearch> {
    let needle = f.search.as_deref()?;
    if let Some(query) = short_query(needle, f.search_in) {
        return Some(IndexedSearch {
            table: "users_short",
            query,
            counted: Some((fold(needle), super::grams::within(f.search_in))),
        });
    }
    (needle.chars().count() >= TRIGRAM).then(|| IndexedSearch {
        table: "users_search",
        query: match f.search_in {
            SearchIn::Both => fts_phrase(needle),
            only => fts_in(only.fts_columns(), needle),
        },
        counted: None,
    })
}

/// `FROM ... WHERE ...` of the tenant's users a search finds in its index.
/// The tenant is a rowid range of the index, so without other filters the
/// index alone answers; with them (or when `join`), each match is checked
/// through the small `users_search_cover` index, never its whole row.
pub(super) fn push_search_from<'a>(
    qb: &mut QueryBuilder<'a, Sqlite>,
    tenant_id: &'a str,
    f: &'a UserFilter,
    search: &IndexedSearch,
    join: bool,
) {
    let join = join || f.external_ref.is_some() || f.role.is_some() || f.status.is_some();
    let t = search.table;
    qb.push(format!(" FROM {t}"));
    if join {
        qb.push(format!(
            " CROSS JOIN users INDEXED BY users_search_cover ON users.seq = {t}.rowid"
        ));
    }
    qb.push(format!(" WHERE {t} MATCH "))
        .push_bind(search.query.clone())
        .push(format!(" AND {t}.rowid BETWEEN "));
    push_seq_bound(qb, tenant_id, false);
    qb.push(" AND ");
    push_seq_bound(qb, tenant_id, true);
    if join {
        push_filters(qb, f);
    }
}

/// `FROM ... WHERE ...` of a user list without an indexed search: the
/// tenant's users by the list indexes (an empty needle matches everyone).
pub(super) fn push_from_where<'a>(
    qb: &mut QueryBuilder<'a, Sqlite>,
    tenant_id: &'a str,
    f: &'a UserFilter,
) {
    qb.push(" FROM users WHERE users.tenant_id = ")
        .push_bind(tenant_id);
    if let Some(needle) = f.search.as_deref() {
        // The folded text against the folded needle: the trigram index's
        // folding (`model::fold`), where LIKE would fold ASCII only.
        let needle = fold(needle);
        push_short_search(qb, needle, f.search_in);
    }
    push_filters(qb, f);
}

/// ` AND (...)`: a search tested on the folded columns themselves, for rows
/// an index has already narrowed down (`filtered`).
pub(super) fn push_short_search<'a>(
    qb: &mut QueryBuilder<'a, Sqlite>,
    needle: String,
    search_in: SearchIn,
) {
    qb.push(" AND (");
    if search_in.name() {
        qb.push("instr(users.name_fold, ")
            .push_bind(needle.clone())
            .push(") > 0");
    }
    if search_in == SearchIn::Both {
        qb.push(" OR ");
    }
    if search_in.email() {
        qb.push("instr(users.email_fold, ")
            .push_bind(needle)
            .push(") > 0");
    }
    qb.push(")");
}

/// The exact total of a user list, as a scalar expression. Without a search or
/// an external_ref it is a sum over the per-tenant counts the triggers keep
/// (`user_counts`), not a count over the tenant's users; a plain search of
/// one or two characters is a row of `short_counts`, a longer one is counted
/// in the index alone.
pub(crate) fn push_total<'a>(
    qb: &mut QueryBuilder<'a, Sqlite>,
    tenant_id: &'a str,
    f: &'a UserFilter,
) {
    let alone = f.external_ref.is_none() && f.role.is_none() && f.status.is_none();
    if let Some(search) = indexed_search(f) {
        match search.counted {
            // A gram of the tenant's users has its count kept (migration 0008).
            Some((gram, within)) if alone => {
                qb.push("(SELECT COALESCE((SELECT n FROM short_counts WHERE tenant_id = ")
                    .push_bind(tenant_id)
                    .push(" AND gram = ")
                    .push_bind(gram)
                    .push(" AND within = ")
                    .push_bind(within)
                    .push("), 0))");
            }
            _ => {
                qb.push("(SELECT COUNT(*)");
                push_search_from(qb, tenant_id, f, &search, false);
                qb.push(")");
            }
        }
    } else if f.search.is_none() && f.external_ref.is_none() {
        qb.push("(SELECT COALESCE(SUM(n), 0) FROM user_counts WHERE tenant_id = ")
            .push_bind(tenant_id);
        if let Some(r) = f.role {
            qb.push(" AND role = ").push_bind(r.as_str());
        }
        if let Some(s) = f.status {
            qb.push(" AND status = ").push_bind(s.as_str());
        }
        qb.push(")");
    } else {
        qb.push("(SELECT COUNT(*)");
        push_from_where(qb, tenant_id, f);
        qb.push(")");
    }
}

/// ` LIMIT ? OFFSET ?` of a page.
pub(super) fn push_page<'a>(qb: &mut QueryBuilder<'a, Sqlite>, page: PageRequest) {
    qb.push(" LIMIT ")
        .push_bind(i64::from(page.limit))
        .push(" OFFSET ")
        .push_bind(i64::try_from(page.offset).unwrap_or(i64::MAX));
}

/// Matches a search reads beyond the `offset + limit` it needs, to cover ties
/// on `created_at` at the end of the page without going back to the index.
pub(super) const SEARCH_SLACK: i64 = 100;

/// The one statement of a user list, after `prefix` (`EXPLAIN QUERY PLAN ` in
/// tests): the page's users, each row carrying the exact `total` of the list.
/// One statement reads one snapshot, so page and total agree without a
/// transaction around them. An indexed search is `newest_matches_query`.
pub(crate) fn page_query<'a>(
    prefix: &str,
    tenant_id: &'a str,
    filter: &'a UserFilter,
    page: PageRequest,
) -> QueryBuilder<'a, Sqlite> {
    if let Some(sort) = filter.sort {
        return sorted_page_query(prefix, tenant_id, filter, sort, page);
    }
    if let Some(search) = indexed_search(filter) {
        return newest_matches_query(prefix, tenant_id, filter, &search, page);
    }
    let mut qb = QueryBuilder::new(prefix);
    qb.push("SELECT ");
    push_total(&mut qb, tenant_id, filter);
    qb.push(format!(" AS total, {USER_COLUMNS}"));
    push_from_where(&mut qb, tenant_id, filter);
    qb.push(" ORDER BY users.created_at DESC, users.id DESC");
    push_page(&mut qb, page);
    qb
}

/// An indexed search's page without sorting all its matches, when it can.
///
/// It walks the index once, newest `seq` first, for the first `offset + limit
/// + SEARCH_SLACK` matches (`m`). Most needles have fewer, and then `m` is all
/// of them: count and sort those. With more, the total is counted in the
/// index, and while the tenant's `seq` order is creation order
/// (`tenants.ordered`), the page is among the matches from the first `seq` of
/// the `created_at` of the `offset + limit`-th match (`low`) on, which `m`
/// holds unless more than `SEARCH_SLACK` users share that millisecond.
///
/// Always one row or more: the first carries `total` and `exact`; with
/// `exact` false (`bound` is NULL) the page is `sorted_matches_query`'s to
/// answer, and this one has no users (their columns are NULL).
pub(super) fn newest_matches_query<'a>(
    prefix: &str,
    tenant_id: &'a str,
    filter: &'a UserFilter,
    search: &IndexedSearch,
    page: PageRequest,
) -> QueryBuilder<'a, Sqlite> {
    let t = search.table;
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    let nth = offset.saturating_add(i64::from(page.limit));
    let walk = nth.saturating_add(SEARCH_SLACK);
    let mut qb = QueryBuilder::new(prefix);
    qb.push(format!("WITH m AS MATERIALIZED (SELECT {t}.rowid AS seq"));
    push_search_from(&mut qb, tenant_id, filter, search, false);
    qb.push(format!(" ORDER BY {t}.rowid DESC LIMIT "))
        .push_bind(walk)
        .push("), nth AS (SELECT seq FROM m ORDER BY seq DESC LIMIT 1 OFFSET ")
        .push_bind(nth - 1)
        .push("), low AS (SELECT MIN(t.seq) AS seq FROM users AS t WHERE t.tenant_id = ")
        .push_bind(tenant_id)
        .push(
            " AND t.created_at = (SELECT c.created_at FROM users AS c \
             WHERE c.seq = (SELECT seq FROM nth)) \
             AND (SELECT ordered FROM tenants WHERE id = ",
        )
        .push_bind(tenant_id)
        // `found`: how many matches there are, when `m` holds them all.
        .push(")), bound AS (SELECT CASE WHEN n < ")
        .push_bind(walk)
        .push(
            " THEN -1 WHEN (SELECT seq FROM low) >= least THEN (SELECT seq FROM low) END AS seq, \
             CASE WHEN n < ",
        )
        .push_bind(walk)
        .push(
            " THEN n END AS found FROM (SELECT COUNT(*) AS n, MIN(seq) AS least FROM m)), \
             p AS MATERIALIZED (SELECT users.seq AS seq, users.created_at AS created_at, \
             users.id AS id FROM m CROSS JOIN users INDEXED BY users_search_cover \
             ON users.seq = m.seq WHERE m.seq >= (SELECT seq FROM bound) \
             ORDER BY users.created_at DESC, users.id DESC",
        );
    push_page(&mut qb, page);
    qb.push(
        "), meta AS (SELECT CASE WHEN bound.seq IS NULL THEN NULL \
         WHEN bound.found IS NOT NULL THEN bound.found ELSE ",
    );
    push_total(&mut qb, tenant_id, filter);
    qb.push(format!(
        " END AS total, bound.seq IS NOT NULL AS exact, (SELECT seq FROM low) AS low FROM bound) \
         SELECT meta.total AS total, meta.exact AS exact, meta.low AS low, {USER_COLUMNS} \
         FROM meta LEFT JOIN p LEFT JOIN users ON users.seq = p.seq \
         ORDER BY p.created_at DESC, p.id DESC"
    ));
    qb
}

/// An indexed search's page the plain way: the tenant's matches, checked
/// and sorted through `users_search_cover`, whole rows for the page only. For
/// what `newest_matches_query` cannot answer: with `from`, the `low` it found
/// (more ties at the page's end than it reads past it), the page is among the
/// matches from that `seq` on, and only those are sorted; without, all are.
pub(crate) fn sorted_matches_query<'a>(
    prefix: &str,
    tenant_id: &'a str,
    filter: &'a UserFilter,
    search: &IndexedSearch,
    from: Option<i64>,
    page: PageRequest,
) -> QueryBuilder<'a, Sqlite> {
    let mut qb = QueryBuilder::new(prefix);
    qb.push(
        "WITH m AS MATERIALIZED (SELECT users.seq AS seq, users.created_at AS created_at, \
         users.id AS id",
    );
    push_search_from(&mut qb, tenant_id, filter, search, true);
    match from {
        Some(from) => {
            qb.push(format!(" AND {}.rowid >= ", search.table))
                .push_bind(from)
                .push(") SELECT ");
            push_total(&mut qb, tenant_id, filter);
        }
        None => {
            qb.push(") SELECT (SELECT COUNT(*) FROM m)");
        }
    }
    qb.push(format!(
        " AS total, {USER_COLUMNS} \
         FROM (SELECT seq, created_at, id FROM m ORDER BY created_at DESC, id DESC"
    ));
    push_page(&mut qb, page);
    qb.push(") AS p CROSS JOIN users ON users.seq = p.seq ORDER BY p.created_at DESC, p.id DESC");
    qb
}

/// The value a sort compares, as the sort indexes of migration 0005 hold it:
/// names and emails folded (`model::fold`), external refs by SQLite's
/// `lower()` (ASCII only), the rest as stored.
pub(crate) fn sort_expr(key: SortKey) -> &'static str {
    match key {
        SortKey::Username => "users.username_fold",
        SortKey::DisplayName => "users.name_fold",
        SortKey::Email => "users.email_fold",
        SortKey::ExternalRef => "lower(users.external_ref)",
        SortKey::Role => "users.role",
        SortKey::Status => "users.status",
        SortKey::LastLoginAt => "users.last_login_at",
        SortKey::CreatedAt => "users.created_at",
        SortKey::UpdatedAt => "users.updated_at",
    }
}

/// A page in the order of `sort`, after `prefix`.
///
/// SQLite sorts NULL first ascending, so one index `(tenant_id, key, id)`
/// cannot hand out "missing values last" in both directions in one walk.
/// Instead the users with a value and those without are two walks of that
/// index (the first by key then id, the second, `key IS NULL`, by id), each
/// cut at `offset + limit`, and only those rows are sorted: an unfiltered
/// first page reads `limit` entries of each, never the whole tenant. A
/// search sorts its matches instead (`sorted_search_query`).
pub(crate) fn sorted_page_query<'a>(
    prefix: &str,
    tenant_id: &'a str,
    filter: &'a UserFilter,
    sort: Sort,
    page: PageRequest,
) -> QueryBuilder<'a, Sqlite> {
    if let Some(search) = indexed_search(filter) {
        return sorted_search_query(prefix, tenant_id, filter, &search, sort, page);
    }
    let key = sort_expr(sort.key);
    let dir = sort.dir();
    let n = i64::try_from(page.offset)
        .unwrap_or(i64::MAX)
        .saturating_add(i64::from(page.limit));
    let mut qb = QueryBuilder::new(prefix);
    qb.push("SELECT ");
    push_total(&mut qb, tenant_id, filter);
    qb.push(format!(
        " AS total, {USER_COLUMNS} FROM (SELECT seq, part, k, id FROM \
         (SELECT users.seq AS seq, 0 AS part, {key} AS k, users.id AS id"
    ));
    push_from_where(&mut qb, tenant_id, filter);
    if sort.key.nullable() {
        qb.push(format!(" AND {key} IS NOT NULL"));
    }
    qb.push(format!(" ORDER BY {key} {dir}, users.id {dir} LIMIT "))
        .push_bind(n)
        .push(")");
    if sort.key.nullable() {
        qb.push(
            " UNION ALL SELECT seq, part, k, id FROM \
             (SELECT users.seq AS seq, 1 AS part, NULL AS k, users.id AS id",
        );
        push_from_where(&mut qb, tenant_id, filter);
        qb.push(format!(" AND {key} IS NULL ORDER BY users.id {dir} LIMIT "))
            .push_bind(n)
            .push(")");
    }
    qb.push(format!(" ORDER BY part, k {dir}, id {dir}"));
    push_page(&mut qb, page);
    qb.push(format!(
        ") AS p CROSS JOIN users ON users.seq = p.seq ORDER BY p.part, p.k {dir}, p.id {dir}"
    ));
    qb
}

/// An indexed search's page in the order of `sort`: its matches, sorted
/// (missing values last), whole rows for the page only.
pub(crate) fn sorted_search_query<'a>(
    prefix: &str,
    tenant_id: &'a str,
    filter: &'a UserFilter,
    search: &IndexedSearch,
    sort: Sort,
    page: PageRequest,
) -> QueryBuilder<'a, Sqlite> {
    let key = sort_expr(sort.key);
    let dir = sort.dir();
    let mut qb = QueryBuilder::new(prefix);
    qb.push(format!(
        "WITH m AS MATERIALIZED (SELECT users.seq AS seq, {key} AS k, users.id AS id"
    ));
    push_search_from(&mut qb, tenant_id, filter, search, true);
    qb.push(format!(
        ") SELECT (SELECT COUNT(*) FROM m) AS total, {USER_COLUMNS} \
         FROM (SELECT seq, k, id FROM m ORDER BY k IS NULL, k {dir}, id {dir}"
    ));
    push_page(&mut qb, page);
    qb.push(format!(
        ") AS p CROSS JOIN users ON users.seq = p.seq ORDER BY p.k IS NULL, p.k {dir}, p.id {dir}"
    ));
    qb
}

/// `{verb} INTO users (seq, ...` up to the rows: `verb` is `INSERT` or
/// `INSERT OR IGNORE`.
pub(super) fn insert_into(verb: &str) -> String {
    let (_, columns) = INSERT_USERS.split_once('(').unwrap_or_default();
    format!("{verb} INTO users (seq, {columns}")
}

/// An insert of users of one tenant, numbered after the tenant's last user:
/// each row's `seq` is the tenant's highest so far plus the row's place in
/// `users` (see migration 0003), found by the statement itself, so that it
/// needs no transaction around it. Inserts nothing when there is no such tenant.
pub(super) fn insert_query<'a>(
    verb: &str,
    tenant_id: &'a str,
    users: impl IntoIterator<Item = &'a User>,
) -> QueryBuilder<'a, Sqlite> {
    let values = (2..=INSERT_USERS_COLUMNS + 1)
        .map(|i| format!("v.column{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut qb = QueryBuilder::new(format!(
        "{}SELECT base.last + v.column1, {values} FROM (",
        insert_into(verb)
    ));
    push_numbered_values(&mut qb, (1..).zip(users));
    qb.push(") AS v, (SELECT ");
    push_last_seq(&mut qb, tenant_id);
    qb.push(" AS last) AS base WHERE base.last IS NOT NULL");
    qb
}

/// `VALUES (seq, ...), ...` for `insert_into`'s columns.
pub(super) fn push_numbered_values<'a>(
    qb: &mut QueryBuilder<'a, Sqlite>,
    rows: impl IntoIterator<Item = (i64, &'a User)>,
) {
    qb.push_values(rows, |mut b, (seq, u)| {
        b.push_bind(seq);
        push_user_binds(&mut b, u);
    });
}

/// `(...)`: the highest `seq` of the tenant's users, or the start of its range
/// when it has none; NULL when there is no such tenant.
pub(super) fn push_last_seq<'a>(qb: &mut QueryBuilder<'a, Sqlite>, tenant_id: &'a str) {
    qb.push("COALESCE((SELECT MAX(seq) FROM users WHERE seq BETWEEN ");
    push_seq_bound(qb, tenant_id, false);
    qb.push(" AND ");
    push_seq_bound(qb, tenant_id, true);
    qb.push("), ");
    push_seq_bound(qb, tenant_id, false);
    qb.push(")");
}
