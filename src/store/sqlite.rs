//! The SQLite store: one file in WAL mode, migrations embedded in the binary,
//! substring search through an FTS5 trigram index. The hot reads of every
//! request run on the request's own thread (`direct`).

mod direct;
mod idle;

use std::collections::hash_map::Entry;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, QueryBuilder, Sqlite};

use super::row::{
    self, INSERT_USERS, INSERT_USERS_COLUMNS, KEY_COLUMNS, KeyRow, ListedRow, TENANT_COLUMNS,
    TenantRow, USER_COLUMNS, UserRow, fts_phrase, json_text, push_user_binds,
};
use super::{BulkLoad, PageRequest, Store, StoreError, UserFilter, UserPage};
use crate::keys::{StoredKey, format_scopes};
use crate::model::{Tenant, Timestamp, User, fold};
use direct::{DirectReads, settled};

/// Rows a bulk insert sends in one statement (16 columns each, well under
/// SQLite's limit of 32,766 bound values).
const BULK_ROWS: usize = 1_000;
/// FTS5 trigram queries need three characters; shorter needles use LIKE.
const TRIGRAM: usize = 3;

/// Page cache of each connection, in KiB. Smaller caches cost searches that
/// match many users dearly (at 1M users, `son`: p50 ~110 ms with 64 MiB, ~200 ms
/// with 16 MiB, ~240 ms with 8 MiB); the memory of idle connections is given
/// back instead (`idle`).
const CACHE_KIB: i64 = 65_536;

/// Every request starts here: the key and its tenant in one statement
/// (`KEY_COLUMNS`' order, then the tenant's: `direct` reads them by position).
const FIND_KEY: &str = "SELECT k.prefix AS prefix, k.tenant_id AS tenant_id, k.hash AS hash, \
     k.scopes AS scopes, k.user_id AS user_id, k.created_at AS created_at, \
     k.revoked_at AS revoked_at, t.slug AS tenant_slug, t.name AS tenant_name, \
     t.created_at AS tenant_created_at \
     FROM api_keys AS k LEFT JOIN tenants AS t ON t.id = k.tenant_id WHERE k.prefix = ?";

pub struct SqliteStore {
    pool: SqlitePool,
    /// The hot reads off the pool; `None` in memory, where the pool's one
    /// connection is the database.
    direct: Option<Arc<DirectReads>>,
    /// How the pool connects, for the bulk-load connection; `None` in memory,
    /// where the pool's one connection is the database.
    options: Option<SqliteConnectOptions>,
    /// This process's writes, one at a time. SQLite has one writer; the others
    /// would wait in its busy handler, which polls with sleeps of up to 100 ms
    /// (PATCH p99 was ~200 ms with 16 clients). Queued here, each starts as
    /// soon as the one before is done. Other processes (`seed`, `key revoke`)
    /// still meet the busy timeout.
    writer: tokio::sync::Mutex<()>,
}

impl SqliteStore {
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let memory = url.contains(":memory:");
        let options = if memory {
            SqliteConnectOptions::from_str("sqlite::memory:")
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let path = path.strip_prefix("sqlite:").unwrap_or(path);
            if path.is_empty() {
                return Err(StoreError::Open("the SQLite URL names no file".into()));
            }
            if let Some(dir) = Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Open(format!("{}: {e}", dir.display())))?;
            }
            Ok(SqliteConnectOptions::new().filename(path))
        }
        .map_err(|e| StoreError::Open(e.to_string()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL in WAL mode loses nothing when the process dies, only on power loss.
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        .pragma("cache_size", format!("-{CACHE_KIB}"))
        .pragma("temp_store", "memory");

        let bulk_options = (!memory).then(|| options.clone());
        let pool = if memory {
            // An in-memory database lives in its one connection: never close it.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
        } else {
            // Idle connections close, and their page caches with them (`idle`).
            SqlitePoolOptions::new()
                .max_connections(8)
                .min_connections(0)
                .idle_timeout(idle::IDLE_TIMEOUT)
        }
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Open(e.to_string()))?;
        let migrator = sqlx::migrate!("migrations/sqlite");
        announce_migrations(&pool, &migrator).await;
        migrator
            .run(&pool)
            .await
            .map_err(|e| StoreError::Open(format!("migrating the database: {e}")))?;
        fill_folds(&pool).await?;
        Ok(SqliteStore {
            direct: bulk_options
                .as_ref()
                .map(|o| DirectReads::start(o.get_filename(), &pool)),
            pool,
            options: bulk_options,
            writer: tokio::sync::Mutex::new(()),
        })
    }

    #[cfg(test)]
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Whether the tenant's users are numbered in creation order (migration 0003).
    #[cfg(test)]
    pub(crate) async fn tenant_ordered(&self, tenant_id: &str) -> bool {
        sqlx::query_scalar("SELECT ordered FROM tenants WHERE id = ?")
            .bind(tenant_id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Turns a unique-constraint failure into a `Conflict` naming the field and,
    /// for a user's field, the user holding the value.
    async fn conflict_or(&self, e: sqlx::Error, user: &User) -> StoreError {
        let Some(db) = e.as_database_error().filter(|d| d.is_unique_violation()) else {
            return e.into();
        };
        let message = db.message().to_string();
        let (field, column, value) = if message.contains("external_ref") {
            ("external_ref", "external_ref", user.external_ref.clone())
        } else if message.contains("email") {
            ("email", "email", user.email.clone())
        } else {
            return e.into();
        };
        let existing_user_id = match &value {
            Some(v) => sqlx::query_scalar::<_, String>(&format!(
                "SELECT id FROM users WHERE tenant_id = ? AND {column} = ? AND id <> ?"
            ))
            .bind(&user.tenant_id)
            .bind(v)
            .bind(&user.id)
            .fetch_optional(&self.pool)
            .await
            .ok()
            .flatten(),
            None => None,
        };
        StoreError::Conflict {
            field,
            value: value.unwrap_or_default(),
            existing_user_id,
        }
    }
}

/// Folds the names and emails of the users stored before migration 0004,
/// which could only lower() them (right for ASCII): each user whose fold
/// differs is updated. 0004 leaves a row in `folds_pending` for this to find and delete (a row,
/// not the table: a schema change here, at every start, raced the bulk loader's
/// own).
async fn fill_folds(pool: &SqlitePool) -> Result<(), StoreError> {
    const BATCH: i64 = 5000;
    let pending: Option<i64> = sqlx::query_scalar("SELECT 1 FROM folds_pending LIMIT 1")
        .fetch_optional(pool)
        .await?;
    if pending.is_none() {
        return Ok(());
    }
    type Folds = (
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut after = i64::MIN;
    let mut changed = 0usize;
    loop {
        let rows: Vec<Folds> = sqlx::query_as(
            "SELECT seq, display_name, email, name_fold, email_fold FROM users \
             WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let mut tx = pool.begin().await?;
        for (seq, name, email, name_fold, email_fold) in &rows {
            let (name, email) = (row::folded(name), row::folded(email));
            if (&name, &email) != (name_fold, email_fold) {
                sqlx::query("UPDATE users SET name_fold = ?, email_fold = ? WHERE seq = ?")
                    .bind(name)
                    .bind(email)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
                changed += 1;
            }
        }
        tx.commit().await?;
    }
    sqlx::query("DELETE FROM folds_pending")
        .execute(pool)
        .await?;
    if changed > 0 {
        tracing::info!("search: folded the names and emails of {changed} users beyond ASCII");
    }
    Ok(())
}

/// Says so before migrations run on a database that has users: some rewrite
/// every user (0003 renumbers them, ~40 s at a million), and a server that
/// starts silently and then answers nothing for that long looks hung.
async fn announce_migrations(pool: &SqlitePool, migrator: &sqlx::migrate::Migrator) {
    // A new database has no table of applied migrations yet: nothing to rewrite.
    let Ok(applied) = sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations")
        .fetch_all(pool)
        .await
    else {
        return;
    };
    let pending: Vec<i64> = migrator
        .iter()
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect();
    if pending.is_empty() {
        return;
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
        .unwrap_or(0);
    if users > 0 {
        tracing::info!(
            "updating the database for this version (migrations {pending:?}, {users} users); \
             on a large database this takes a while"
        );
    }
}

/// Low bits of `seq` that number a user within its tenant; the bits above are
/// the tenant's `no`, so a tenant's users are one rowid range (migration 0003).
const SEQ_BITS: u32 = 40;

/// `(SELECT ...)`: the first or the last `seq` of the tenant's range.
fn push_seq_bound<'a>(qb: &mut QueryBuilder<'a, Sqlite>, tenant_id: &'a str, last: bool) {
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

/// The needle of a search the trigram index can answer (three characters or more).
fn trigram_needle(f: &UserFilter) -> Option<&str> {
    f.search.as_deref().filter(|n| n.chars().count() >= TRIGRAM)
}

/// `FROM ... WHERE ...` of the tenant's users a trigram search finds. The
/// tenant is a rowid range of the index, so without other filters the index
/// alone answers; with them (or when `join`), each match is checked through the
/// small `users_search_cover` index, never its whole row.
fn push_search_from<'a>(
    qb: &mut QueryBuilder<'a, Sqlite>,
    tenant_id: &'a str,
    f: &'a UserFilter,
    needle: &str,
    join: bool,
) {
    let join = join || f.external_ref.is_some() || f.role.is_some() || f.status.is_some();
    qb.push(" FROM users_search");
    if join {
        qb.push(
            " CROSS JOIN users INDEXED BY users_search_cover ON users.seq = users_search.rowid",
        );
    }
    qb.push(" WHERE users_search MATCH ")
        .push_bind(fts_phrase(needle))
        .push(" AND users_search.rowid BETWEEN ");
    push_seq_bound(qb, tenant_id, false);
    qb.push(" AND ");
    push_seq_bound(qb, tenant_id, true);
    if join {
        push_filters(qb, f);
    }
}

/// `FROM ... WHERE ...` of a user list without a trigram search: the tenant's
/// users by the list indexes, or a LIKE over them for a needle too short for
/// trigrams.
fn push_from_where<'a>(qb: &mut QueryBuilder<'a, Sqlite>, tenant_id: &'a str, f: &'a UserFilter) {
    qb.push(" FROM users WHERE users.tenant_id = ")
        .push_bind(tenant_id);
    if let Some(needle) = f.search.as_deref() {
        // The folded text against the folded needle: the trigram index's
        // folding (`model::fold`), where LIKE would fold ASCII only.
        let needle = fold(needle);
        qb.push(" AND (instr(users.name_fold, ")
            .push_bind(needle.clone())
            .push(") > 0 OR instr(users.email_fold, ")
            .push_bind(needle)
            .push(") > 0)");
    }
    push_filters(qb, f);
}

fn push_filters<'a>(qb: &mut QueryBuilder<'a, Sqlite>, f: &'a UserFilter) {
    if let Some(r) = &f.external_ref {
        qb.push(" AND users.external_ref = ").push_bind(r);
    }
    if let Some(r) = f.role {
        qb.push(" AND users.role = ").push_bind(r.as_str());
    }
    if let Some(s) = f.status {
        qb.push(" AND users.status = ").push_bind(s.as_str());
    }
}

/// The exact total of a user list, as a scalar expression. Without a search or
/// an external_ref it is a sum over the per-tenant counts the triggers keep
/// (`user_counts`), not a count over the tenant's users; a plain trigram search
/// is counted in the index alone.
pub(crate) fn push_total<'a>(
    qb: &mut QueryBuilder<'a, Sqlite>,
    tenant_id: &'a str,
    f: &'a UserFilter,
) {
    if let Some(needle) = trigram_needle(f) {
        qb.push("(SELECT COUNT(*)");
        push_search_from(qb, tenant_id, f, needle, false);
        qb.push(")");
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
fn push_page<'a>(qb: &mut QueryBuilder<'a, Sqlite>, page: PageRequest) {
    qb.push(" LIMIT ")
        .push_bind(i64::from(page.limit))
        .push(" OFFSET ")
        .push_bind(i64::try_from(page.offset).unwrap_or(i64::MAX));
}

/// Matches a search reads beyond the `offset + limit` it needs, to cover ties
/// on `created_at` at the end of the page without going back to the index.
const SEARCH_SLACK: i64 = 100;

/// The one statement of a user list, after `prefix` (`EXPLAIN QUERY PLAN ` in
/// tests): the page's users, each row carrying the exact `total` of the list.
/// One statement reads one snapshot, so page and total agree without a
/// transaction around them. A trigram search is `newest_matches_query`.
pub(crate) fn page_query<'a>(
    prefix: &str,
    tenant_id: &'a str,
    filter: &'a UserFilter,
    page: PageRequest,
) -> QueryBuilder<'a, Sqlite> {
    if let Some(needle) = trigram_needle(filter) {
        return newest_matches_query(prefix, tenant_id, filter, needle, page);
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

/// A trigram search's page without sorting all its matches, when it can.
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
fn newest_matches_query<'a>(
    prefix: &str,
    tenant_id: &'a str,
    filter: &'a UserFilter,
    needle: &'a str,
    page: PageRequest,
) -> QueryBuilder<'a, Sqlite> {
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    let nth = offset.saturating_add(i64::from(page.limit));
    let walk = nth.saturating_add(SEARCH_SLACK);
    let mut qb = QueryBuilder::new(prefix);
    qb.push("WITH m AS MATERIALIZED (SELECT users_search.rowid AS seq");
    push_search_from(&mut qb, tenant_id, filter, needle, false);
    qb.push(" ORDER BY users_search.rowid DESC LIMIT ")
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
        " END AS total, bound.seq IS NOT NULL AS exact FROM bound) \
         SELECT meta.total AS total, meta.exact AS exact, {USER_COLUMNS} \
         FROM meta LEFT JOIN p LEFT JOIN users ON users.seq = p.seq \
         ORDER BY p.created_at DESC, p.id DESC"
    ));
    qb
}

/// A trigram search's page the plain way: all the tenant's matches, checked
/// and sorted through `users_search_cover`, whole rows for the page only. For
/// what `newest_matches_query` cannot answer.
pub(crate) fn sorted_matches_query<'a>(
    prefix: &str,
    tenant_id: &'a str,
    filter: &'a UserFilter,
    needle: &'a str,
    page: PageRequest,
) -> QueryBuilder<'a, Sqlite> {
    let mut qb = QueryBuilder::new(prefix);
    qb.push(
        "WITH m AS MATERIALIZED (SELECT users.seq AS seq, users.created_at AS created_at, \
         users.id AS id",
    );
    push_search_from(&mut qb, tenant_id, filter, needle, true);
    qb.push(format!(
        ") SELECT (SELECT COUNT(*) FROM m) AS total, {USER_COLUMNS} \
         FROM (SELECT seq, created_at, id FROM m ORDER BY created_at DESC, id DESC"
    ));
    push_page(&mut qb, page);
    qb.push(") AS p CROSS JOIN users ON users.seq = p.seq ORDER BY p.created_at DESC, p.id DESC");
    qb
}

/// `{verb} INTO users (seq, ...` up to the rows: `verb` is `INSERT` or
/// `INSERT OR IGNORE`.
fn insert_into(verb: &str) -> String {
    let (_, columns) = INSERT_USERS.split_once('(').unwrap_or_default();
    format!("{verb} INTO users (seq, {columns}")
}

/// An insert of users of one tenant, numbered after the tenant's last user:
/// each row's `seq` is the tenant's highest so far plus the row's place in
/// `users` (see migration 0003), found by the statement itself, so that it
/// needs no transaction around it. Inserts nothing when there is no such tenant.
fn insert_query<'a>(
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
fn push_numbered_values<'a>(
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
fn push_last_seq<'a>(qb: &mut QueryBuilder<'a, Sqlite>, tenant_id: &'a str) {
    qb.push("COALESCE((SELECT MAX(seq) FROM users WHERE seq BETWEEN ");
    push_seq_bound(qb, tenant_id, false);
    qb.push(" AND ");
    push_seq_bound(qb, tenant_id, true);
    qb.push("), ");
    push_seq_bound(qb, tenant_id, false);
    qb.push(")");
}

#[async_trait]
impl Store for SqliteStore {
    async fn insert_tenant(&self, t: &Tenant) -> Result<(), StoreError> {
        let _writing = self.writer.lock().await;
        let result =
            // `no` numbers the tenant's users' `seq` range (migration 0003).
            sqlx::query(
                "INSERT INTO tenants (id, slug, name, created_at, no) \
                 VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(no), 0) + 1 FROM tenants))",
            )
                .bind(&t.id)
                .bind(&t.slug)
                .bind(&t.name)
                .bind(t.created_at.millis())
                .execute(&self.pool)
                .await;
        match result {
            Err(e)
                if e.as_database_error()
                    .is_some_and(|d| d.is_unique_violation()) =>
            {
                Err(StoreError::Conflict {
                    field: "slug",
                    value: t.slug.clone(),
                    existing_user_id: None,
                })
            }
            other => other.map(drop).map_err(Into::into),
        }
    }

    async fn find_tenant(&self, id_or_slug: &str) -> Result<Option<Tenant>, StoreError> {
        let row: Option<TenantRow> = sqlx::query_as(&format!(
            "SELECT {TENANT_COLUMNS} FROM tenants WHERE id = ?1 OR slug = ?1"
        ))
        .bind(id_or_slug)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Tenant::from))
    }

    async fn insert_key(&self, k: &StoredKey) -> Result<(), StoreError> {
        let _writing = self.writer.lock().await;
        sqlx::query(
            "INSERT INTO api_keys (prefix, tenant_id, hash, scopes, user_id, created_at, revoked_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&k.prefix)
        .bind(&k.tenant_id)
        .bind(&k.hash)
        .bind(format_scopes(&k.scopes))
        .bind(&k.user_id)
        .bind(k.created_at.millis())
        .bind(k.revoked_at.map(Timestamp::millis))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn find_key(&self, prefix: &str) -> Result<Option<(StoredKey, Tenant)>, StoreError> {
        use sqlx::{FromRow, Row};
        if let Some(done) = self
            .direct
            .as_ref()
            .and_then(|d| settled(d.find_key(prefix)))
        {
            return done;
        }
        let Some(row) = sqlx::query(FIND_KEY)
            .bind(prefix)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        row::key_and_tenant(
            KeyRow::from_row(&row)?,
            row.try_get("tenant_slug")?,
            row.try_get("tenant_name")?,
            row.try_get("tenant_created_at")?,
        )
        .map(Some)
    }

    async fn list_keys(&self, tenant_id: &str) -> Result<Vec<StoredKey>, StoreError> {
        let rows: Vec<KeyRow> = sqlx::query_as(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id = ? ORDER BY created_at, prefix"
        ))
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(StoredKey::try_from).collect()
    }

    async fn revoke_key(&self, prefix: &str) -> Result<bool, StoreError> {
        let _writing = self.writer.lock().await;
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE prefix = ?",
        )
        .bind(Timestamp::now().millis())
        .bind(prefix)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        let _writing = self.writer.lock().await;
        match insert_query("INSERT", &user.tenant_id, [user])
            .build()
            .execute(&self.pool)
            .await
        {
            Ok(done) if done.rows_affected() == 0 => {
                Err(StoreError::NotFound(format!("tenant {}", user.tenant_id)))
            }
            Ok(_) => Ok(()),
            Err(e) => Err(self.conflict_or(e, user).await),
        }
    }

    async fn insert_users(&self, users: &[User]) -> Result<u64, StoreError> {
        let _writing = self.writer.lock().await;
        let mut inserted = 0;
        let mut tx = self.pool.begin().await?;
        for tenant in users.chunk_by(|a, b| a.tenant_id == b.tenant_id) {
            for chunk in tenant.chunks(BULK_ROWS) {
                inserted += insert_query("INSERT OR IGNORE", &chunk[0].tenant_id, chunk)
                    .build()
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
        }
        tx.commit().await?;
        Ok(inserted)
    }

    async fn bulk_load(&self) -> Result<Box<dyn BulkLoad + '_>, StoreError> {
        match &self.options {
            Some(options) => Ok(Box::new(SqliteBulk::begin(options).await?)),
            None => Ok(Box::new(super::Batches(self))),
        }
    }

    async fn get_user(&self, tenant_id: &str, id: &str) -> Result<Option<User>, StoreError> {
        if let Some(done) = (self.direct.as_ref()).and_then(|d| settled(d.get_user(tenant_id, id)))
        {
            return done;
        }
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE users.id = ? AND users.tenant_id = ?"
        ))
        .bind(id)
        .bind(tenant_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(User::try_from).transpose()
    }

    async fn list_users(
        &self,
        tenant_id: &str,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<UserPage, StoreError> {
        use sqlx::{FromRow, Row};
        if let Some(done) = (self.direct.as_ref())
            .filter(|_| DirectReads::takes(filter, page))
            .and_then(|d| settled(d.list_users(tenant_id, page)))
        {
            return done;
        }
        let mut rows = page_query("", tenant_id, filter, page)
            .build()
            .fetch_all(&self.pool)
            .await?;
        let mut total: Option<i64> = None;
        if let Some(needle) = trigram_needle(filter) {
            // The first row says whether the fast statement could answer.
            let first = rows.first();
            let exact = first.map(|r| r.try_get::<bool, _>("exact")).transpose()?;
            if exact == Some(true) {
                total = first.map(|r| r.try_get("total")).transpose()?;
                rows.retain(|r| {
                    r.try_get::<Option<String>, _>("id")
                        .is_ok_and(|id| id.is_some())
                });
            } else {
                rows = sorted_matches_query("", tenant_id, filter, needle, page)
                    .build()
                    .fetch_all(&self.pool)
                    .await?;
            }
        }
        let total = match (total, rows.first()) {
            (Some(total), _) => total,
            (None, Some(first)) => first.try_get("total")?,
            // An empty page carries no total: count on its own.
            (None, None) => {
                let mut count = QueryBuilder::new("SELECT ");
                push_total(&mut count, tenant_id, filter);
                count.build_query_scalar().fetch_one(&self.pool).await?
            }
        };
        let rows = rows
            .iter()
            .map(ListedRow::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(UserPage {
            users: row::listed(rows)?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn update_user(&self, user: &User, expected_version: i64) -> Result<User, StoreError> {
        let _writing = self.writer.lock().await;
        let result = sqlx::query_as::<_, UserRow>(&format!(
            "UPDATE users SET external_ref = ?, display_name = ?, email = ?, avatar = ?, \
             role = ?, status = ?, metadata = ?, preferences = ?, version = version + 1, \
             updated_at = ?, name_fold = ?, email_fold = ? \
             WHERE tenant_id = ? AND id = ? AND version = ? \
             RETURNING {USER_COLUMNS}"
        ))
        .bind(&user.external_ref)
        .bind(&user.display_name)
        .bind(&user.email)
        .bind(&user.avatar)
        .bind(user.role.as_str())
        .bind(user.status.as_str())
        .bind(json_text(&user.metadata))
        .bind(json_text(&user.preferences))
        .bind(Timestamp::now().millis())
        .bind(row::folded(&user.display_name))
        .bind(row::folded(&user.email))
        .bind(&user.tenant_id)
        .bind(&user.id)
        .bind(expected_version)
        .fetch_optional(&self.pool)
        .await;
        match result {
            Ok(Some(row)) => User::try_from(row),
            Ok(None) => Err(StoreError::VersionMismatch),
            Err(e) => Err(self.conflict_or(e, user).await),
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// A bulk load on its own connection, in one write transaction.
///
/// Into an empty `users` table (a new database being seeded) it also puts off
/// the work that is cheaper done once at the end: the trigram index is built
/// from `users` in one pass instead of row by row, and the unique indexes on
/// external_ref and email are dropped and built again by sorting, while the
/// load checks its rows against what it inserted itself (the table was empty,
/// so nothing else can collide); the per-tenant counts are counted once at the
/// end. The other indexes stay live. All of it is inside the transaction, so a crash or an error
/// leaves the database as it was.
///
/// Only this connection runs with `synchronous = OFF`; the final checkpoint
/// runs with `NORMAL` again, so the loaded data is on disk when `finish`
/// returns. Other writers wait for the load (busy timeout) while it runs.
pub struct SqliteBulk {
    conn: SqliteConnection,
    /// `CREATE ...` statements of what was dropped, to run again at the end.
    deferred: Vec<String>,
    /// With the unique indexes put off: what the load has taken so far.
    taken: Option<Taken>,
    /// The tenants loaded into so far. The load holds the write lock, so it
    /// numbers their users itself.
    tenants: std::collections::HashMap<String, TenantLoad>,
}

/// Where a bulk load stands in one tenant.
struct TenantLoad {
    /// The `seq` of the tenant's last user.
    last_seq: i64,
    /// The latest `created_at` loaded, and whether every user so far came in
    /// creation order: with the order trigger put off, the load keeps
    /// `tenants.ordered` itself.
    latest: i64,
    ordered: bool,
}

/// Page cache of the bulk-load connection: the unique indexes of a million
/// users fit, so inserting into them does not go to the file.
const BULK_CACHE_KIB: &str = "-524288";

impl SqliteBulk {
    async fn begin(options: &SqliteConnectOptions) -> Result<Self, StoreError> {
        let mut conn = options
            .clone()
            .synchronous(SqliteSynchronous::Off)
            .pragma("cache_size", BULK_CACHE_KIB)
            // The one checkpoint is the durable one in `finish`.
            .pragma("wal_autocheckpoint", "0")
            .connect()
            .await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await?;
        let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM users)")
            .fetch_one(&mut conn)
            .await?;
        let mut deferred = Vec::new();
        if empty {
            let put_off: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'users' AND sql IS NOT NULL \
                 AND ((type = 'index' AND sql LIKE 'CREATE UNIQUE %') \
                      OR (type = 'trigger' AND name IN ('users_search_insert', 'user_counts_insert', \
                      'users_order_kept'))) \
                 ORDER BY type, name",
            )
            .fetch_all(&mut conn)
            .await?;
            for (kind, name, sql) in put_off {
                let drop = if kind == "index" { "INDEX" } else { "TRIGGER" };
                sqlx::query(&format!("DROP {drop} \"{name}\""))
                    .execute(&mut conn)
                    .await?;
                deferred.push(sql);
            }
        }
        let taken = (!deferred.is_empty()).then(Taken::default);
        Ok(SqliteBulk {
            conn,
            deferred,
            taken,
            tenants: std::collections::HashMap::new(),
        })
    }
}

/// The external_refs and emails a bulk load into an empty table has inserted,
/// as 128-bit fingerprints, standing in for the unique indexes it put off.
#[derive(Default)]
struct Taken {
    keys: (std::hash::RandomState, std::hash::RandomState),
    seen: std::collections::HashSet<u128>,
}

impl Taken {
    fn fingerprint(&self, field: &str, tenant_id: &str, value: &str) -> u128 {
        use std::hash::BuildHasher;
        let one = |k: &std::hash::RandomState| k.hash_one((field, tenant_id, value));
        (u128::from(one(&self.keys.0)) << 64) | u128::from(one(&self.keys.1))
    }

    /// Whether `u` may go in; if so, its values count as taken from now on.
    fn admit(&mut self, u: &User) -> bool {
        let prints: Vec<u128> = [("external_ref", &u.external_ref), ("email", &u.email)]
            .into_iter()
            .filter_map(|(f, v)| v.as_deref().map(|v| self.fingerprint(f, &u.tenant_id, v)))
            .collect();
        if prints.iter().any(|p| self.seen.contains(p)) {
            return false;
        }
        self.seen.extend(prints);
        true
    }
}

#[async_trait]
impl BulkLoad for SqliteBulk {
    async fn insert(&mut self, users: &[User]) -> Result<u64, StoreError> {
        let admitted: Vec<&User> = match &mut self.taken {
            Some(taken) => users.iter().filter(|u| taken.admit(u)).collect(),
            None => users.iter().collect(),
        };
        let mut inserted = 0;
        for tenant in admitted.chunk_by(|a, b| a.tenant_id == b.tenant_id) {
            let tenant_id = &tenant[0].tenant_id;
            let load = match self.tenants.entry(tenant_id.clone()) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(new) => {
                    let mut qb = QueryBuilder::new("SELECT ");
                    push_last_seq(&mut qb, tenant_id);
                    let last_seq: Option<i64> =
                        qb.build_query_scalar().fetch_one(&mut self.conn).await?;
                    new.insert(TenantLoad {
                        last_seq: last_seq
                            .ok_or_else(|| StoreError::NotFound(format!("tenant {tenant_id}")))?,
                        latest: i64::MIN,
                        ordered: true,
                    })
                }
            };
            for u in tenant {
                let at = u.created_at.millis();
                load.ordered &= at >= load.latest;
                load.latest = load.latest.max(at);
            }
            for chunk in tenant.chunks(BULK_ROWS) {
                let first = load.last_seq + 1;
                load.last_seq += i64::try_from(chunk.len()).unwrap_or(i64::MAX);
                let mut qb = QueryBuilder::new(insert_into("INSERT OR IGNORE"));
                push_numbered_values(&mut qb, (first..).zip(chunk.iter().copied()));
                inserted += qb.build().execute(&mut self.conn).await?.rows_affected();
            }
        }
        Ok(inserted)
    }

    async fn finish(mut self: Box<Self>) -> Result<(), StoreError> {
        let conn = &mut self.conn;
        let started = std::time::Instant::now();
        if !self.deferred.is_empty() {
            // What the dropped triggers would have written, all at once. A
            // rebuild leaves the index in many segments, each of which every
            // search walks; merged into one (`optimize`), a rare needle costs
            // ~40% less at a million users, for ~1.5 s here.
            for sql in [
                "INSERT INTO users_search(users_search) VALUES ('rebuild')",
                "INSERT INTO users_search(users_search) VALUES ('optimize')",
                "INSERT INTO user_counts (tenant_id, role, status, n) \
                 SELECT tenant_id, role, status, COUNT(*) FROM users GROUP BY tenant_id, role, status \
                 ON CONFLICT (tenant_id, role, status) DO UPDATE SET n = n + excluded.n",
            ] {
                sqlx::query(sql).execute(&mut *conn).await?;
            }
            for (tenant, _) in self.tenants.iter().filter(|(_, load)| !load.ordered) {
                sqlx::query("UPDATE tenants SET ordered = 0 WHERE id = ?")
                    .bind(tenant)
                    .execute(&mut *conn)
                    .await?;
            }
            for sql in &self.deferred {
                sqlx::query(sql).execute(&mut *conn).await?;
            }
        }
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        tracing::debug!(
            "bulk load: indexes and triggers built again in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        // Back to the durability of every other connection before the data
        // goes from the log into the database file.
        sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut *conn)
            .await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *conn)
            .await?;
        self.conn.close().await?;
        Ok(())
    }
}
