//! The SQLite store: one file in WAL mode, migrations embedded in the binary,
//! substring search through an FTS5 trigram index. The hot reads of every
//! request run on the request's own thread (`direct`).

mod backup;
mod bulk;
mod checkpoint;
mod direct;
mod filtered;
pub(crate) mod grams;
mod idle;
mod open;
mod query;
mod stamp;

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
    self, INSERT_USERS, INSERT_USERS_COLUMNS, KeyRow, ListedRow, TenantRow, USER_COLUMNS, UserRow,
    fts_in, fts_phrase, json_text, push_user_binds,
};
use super::{
    AuditFilter, AuditPage, BulkLoad, PageRequest, SearchIn, Sort, SortKey, Store, StoreError,
    UserFilter, UserPage, audit, shared,
};
use crate::keys::StoredKey;
use crate::model::{Actor, AuditAction, Tenant, Timestamp, User, fold};
use bulk::SqliteBulk;
pub use direct::one_snapshot;
use direct::{DirectReads, settled};
#[cfg(test)]
pub(crate) use filtered::filtered_query;
use grams::{TRIGRAM, short_query};
use query::*;
pub(crate) use query::{indexed_search, page_query, push_total, sorted_matches_query};

/// Every write transaction takes SQLite's write lock at its start: one that
/// reads first (the audit's "before") and writes after would otherwise fail
/// with SQLITE_BUSY, without waiting, when another process (a replica, `seed`)
/// wrote in between.
const WRITE: &str = "BEGIN IMMEDIATE";

/// Rows a bulk insert sends in one statement (20 columns each, well under
/// SQLite's limit of 32,766 bound values).
const BULK_ROWS: usize = 1_000;
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
     t.created_at AS tenant_created_at, t.users_tag AS tenant_users_tag \
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
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Copies the log into the database file off the requests' path; `None`
    /// in memory.
    _checkpointer: Option<checkpoint::Checkpointer>,
}

impl SqliteStore {
    /// The pool, for a read or write off the direct path. A request's read
    /// transaction ends first (`direct::one_snapshot`): it would otherwise stay
    /// open for as long as the pool's work takes, and hold back checkpoints.
    pub(crate) fn pool(&self) -> &SqlitePool {
        direct::end_snapshot();
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
        shared::conflict_or(e, user, |column, value| async move {
            shared::holder_query::<Sqlite>(column, user, value)
                .build_query_scalar::<String>()
                .fetch_optional(&self.pool)
                .await
                .ok()
                .flatten()
        })
        .await
    }
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
                .execute(self.pool())
                .await;
        result
            .map(drop)
            .map_err(|e| shared::tenant_conflict_or(e, &t.slug))
    }

    async fn find_tenant(&self, id_or_slug: &str) -> Result<Option<Tenant>, StoreError> {
        let row: Option<TenantRow> = shared::find_tenant_query::<Sqlite>(id_or_slug)
            .build_query_as()
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(Tenant::from))
    }

    async fn insert_key(&self, k: &StoredKey) -> Result<(), StoreError> {
        let _writing = self.writer.lock().await;
        shared::insert_key_query::<Sqlite>(k)
            .build()
            .execute(self.pool())
            .await?;
        Ok(())
    }

    fn users_tag(&self, tenant_id: &str) -> Option<i64> {
        self.direct.as_ref()?.users_tag(tenant_id)
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
            .fetch_optional(self.pool())
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
        let rows: Vec<KeyRow> = shared::list_keys_query::<Sqlite>(tenant_id)
            .build_query_as()
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(StoredKey::try_from).collect()
    }

    async fn revoke_key(&self, prefix: &str) -> Result<bool, StoreError> {
        let _writing = self.writer.lock().await;
        let done = shared::revoke_key_query::<Sqlite>(prefix)
            .build()
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_user(&self, user: &User, actor: &Actor) -> Result<(), StoreError> {
        let _writing = self.writer.lock().await;
        let mut tx = self.pool().begin_with(WRITE).await?;
        let done = insert_query("INSERT", &user.tenant_id, [user])
            .build()
            .execute(&mut *tx)
            .await;
        match done {
            Ok(done) if done.rows_affected() == 0 => {
                return Err(StoreError::NotFound(format!("tenant {}", user.tenant_id)));
            }
            Ok(_) => {}
            Err(e) => {
                // The holder look-up needs a connection: on `:memory:` the
                // pool's only one is this transaction's.
                tx.rollback().await?;
                return Err(self.conflict_or(e, user).await);
            }
        }
        audit::event_query::<Sqlite>(AuditAction::Create, None, user, actor)
            .build()
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_users(&self, users: &[User]) -> Result<u64, StoreError> {
        let _writing = self.writer.lock().await;
        let mut inserted = 0;
        let mut tx = self.pool().begin_with(WRITE).await?;
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

    async fn insert_all(&self, users: &[User]) -> Result<(), StoreError> {
        let _writing = self.writer.lock().await;
        let mut tx = self.pool().begin_with(WRITE).await?;
        for tenant in users.chunk_by(|a, b| a.tenant_id == b.tenant_id) {
            for chunk in tenant.chunks(BULK_ROWS) {
                let done = insert_query("INSERT", &chunk[0].tenant_id, chunk)
                    .build()
                    .execute(&mut *tx)
                    .await;
                match done {
                    Ok(d) if d.rows_affected() == 0 => {
                        return Err(StoreError::NotFound(format!(
                            "tenant {}",
                            chunk[0].tenant_id
                        )));
                    }
                    Ok(_) => {}
                    Err(e) => return Err(shared::batch_conflict_or(e)),
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn taken(
        &self,
        tenant_id: &str,
        key: super::UniqueKey,
        values: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut found = std::collections::HashSet::new();
        for chunk in values.chunks(shared::TAKEN_CHUNK) {
            let rows: Vec<String> = shared::taken_query::<Sqlite>(tenant_id, key, chunk)
                .build_query_scalar()
                .fetch_all(self.pool())
                .await?;
            found.extend(rows);
        }
        Ok(found)
    }

    async fn bulk_load(&self, expected: u64) -> Result<Box<dyn BulkLoad + '_>, StoreError> {
        match &self.options {
            Some(options) => Ok(Box::new(SqliteBulk::begin(options, expected).await?)),
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
        .fetch_optional(self.pool())
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
        if !filter.conditions.is_empty() {
            return filtered::list(self.pool(), tenant_id, filter, page).await;
        }
        let mut rows = page_query("", tenant_id, filter, page)
            .build()
            .fetch_all(self.pool())
            .await?;
        let mut total: Option<i64> = None;
        // A sorted list is one statement (`sorted_page_query`).
        if let Some(search) = indexed_search(filter).filter(|_| filter.sort.is_none()) {
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
                let low = first
                    .map(|r| r.try_get::<Option<i64>, _>("low"))
                    .transpose()?
                    .flatten();
                rows = sorted_matches_query("", tenant_id, filter, &search, low, page)
                    .build()
                    .fetch_all(self.pool())
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
                count.build_query_scalar().fetch_one(self.pool()).await?
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

    async fn update_user(
        &self,
        user: &User,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        let _writing = self.writer.lock().await;
        let mut tx = self.pool().begin_with(WRITE).await?;
        // The version names the row's state, so this is what the write changes.
        let before: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users \
             WHERE users.tenant_id = ? AND users.id = ? AND users.version = ?"
        ))
        .bind(&user.tenant_id)
        .bind(&user.id)
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(before) = before.map(User::try_from).transpose()? else {
            return Err(StoreError::VersionMismatch);
        };
        let result = sqlx::query_as::<_, UserRow>(&format!(
            "UPDATE users SET external_ref = ?, display_name = ?, email = ?, avatar = ?, \
             role = ?, status = ?, metadata = ?, preferences = ?, version = version + 1, \
             updated_at = ?, name_fold = ?, email_fold = ?, username = ?, username_fold = ? \
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
        .bind(&user.username)
        .bind(fold(&user.username))
        .bind(&user.tenant_id)
        .bind(&user.id)
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await;
        let saved = match result {
            Ok(Some(row)) => User::try_from(row)?,
            Ok(None) => return Err(StoreError::VersionMismatch),
            Err(e) => {
                tx.rollback().await?;
                return Err(self.conflict_or(e, user).await);
            }
        };
        audit::event_query::<Sqlite>(AuditAction::Update, Some(&before), &saved, actor)
            .build()
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn delete_user(
        &self,
        tenant_id: &str,
        id: &str,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        let _writing = self.writer.lock().await;
        let mut tx = self.pool().begin_with(WRITE).await?;
        let before: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE users.tenant_id = ? AND users.id = ?"
        ))
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(before) = before.map(User::try_from).transpose()? else {
            return Err(StoreError::NotFound(format!("user {id}")));
        };
        if expected_version.is_some_and(|v| v != before.version) {
            return Err(StoreError::VersionMismatch);
        }
        sqlx::query("DELETE FROM users WHERE tenant_id = ? AND id = ?")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::event_query::<Sqlite>(AuditAction::Delete, Some(&before), &before, actor)
            .build()
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(before)
    }

    async fn list_audit(
        &self,
        tenant_id: &str,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<AuditPage, StoreError> {
        // One read transaction: the page and the total see the same events.
        let mut tx = self.pool().begin().await?;
        let rows: Vec<audit::AuditRow> = audit::page_query::<Sqlite>(tenant_id, filter, page)
            .build_query_as()
            .fetch_all(&mut *tx)
            .await?;
        let total: i64 = audit::count_query::<Sqlite>(tenant_id, filter)
            .build_query_scalar()
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        audit::page(rows, total)
    }

    async fn prune_audit(&self, tenant_id: &str, before: Timestamp) -> Result<u64, StoreError> {
        let _writing = self.writer.lock().await;
        let done = audit::prune_query::<Sqlite>(tenant_id, before)
            .build()
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }

    fn pool_use(&self) -> (u32, usize) {
        (self.pool().size(), self.pool().num_idle())
    }

    async fn backup(&self, to: &std::path::Path) -> Result<(), StoreError> {
        backup::vacuum_into(self.pool(), to).await
    }
}
