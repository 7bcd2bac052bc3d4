//! The PostgreSQL store, for several raven-server replicas on one database.
//! A user write and its audit event are one transaction; compare-and-set and
//! uniqueness hold across replicas by the database's own row locks and unique
//! indexes.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{FromRow, Postgres, QueryBuilder, Row};

use super::postgres_bulk::PgBulk;
use super::row::{
    self, INSERT_USERS, KEY_COLUMNS, KeyRow, ListedRow, TenantRow, USER_COLUMNS, UserRow,
    json_text, push_user_values,
};
use super::{
    AuditFilter, AuditPage, BulkLoad, PageRequest, Sort, SortKey, Store, StoreError, UserFilter,
    UserPage, audit, pg_search, shared,
};
use crate::keys::StoredKey;
use crate::model::{Actor, AuditAction, Tenant, Timestamp, User};

/// Rows a bulk insert sends in one statement (19 columns each, well under
/// PostgreSQL's limit of 65,535 bound values).
const BULK_ROWS: usize = 1_000;

pub struct PgStore {
    pool: PgPool,
}

/// Folds the names and emails of the users stored before migration 0002,
/// which could only lower() them (right for ASCII). 0002 leaves a row in
/// `folds_pending`; the replica that takes its lock fills the folds, one batch
/// per transaction, and deletes the row; the others then find none.
async fn fill_folds(pool: &PgPool) -> Result<(), StoreError> {
    const BATCH: i64 = 5000;
    let mut after = String::new();
    loop {
        let mut tx = pool.begin().await?;
        sqlx::query("LOCK TABLE folds_pending")
            .execute(&mut *tx)
            .await?;
        let pending: Option<i32> = sqlx::query_scalar("SELECT 1 FROM folds_pending LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        if pending.is_none() {
            return Ok(());
        }
        let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, display_name, email FROM users WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(&after)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last() else {
            sqlx::query("DELETE FROM folds_pending")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(());
        };
        after = last.0.clone();
        let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let names: Vec<Option<String>> = rows.iter().map(|r| row::folded(&r.1)).collect();
        let emails: Vec<Option<String>> = rows.iter().map(|r| row::folded(&r.2)).collect();
        sqlx::query(
            "UPDATE users SET name_fold = v.n, email_fold = v.e \
             FROM UNNEST($1::text[], $2::text[], $3::text[]) AS v(id, n, e) WHERE users.id = v.id \
             AND (users.name_fold IS DISTINCT FROM v.n OR users.email_fold IS DISTINCT FROM v.e)",
        )
        .bind(ids)
        .bind(names)
        .bind(emails)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
}

impl PgStore {
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| StoreError::Open(e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // During a database outage a request fails fast with 503 rather
            // than hanging; the pool reconnects by itself once it is back.
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options.application_name("raven-server"))
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?;
        // The migrator takes an advisory lock, so replicas starting together
        // migrate once.
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Open(format!("migrating the database: {e}")))?;
        fill_folds(&pool).await?;
        Ok(PgStore { pool })
    }

    /// The gram counts of search totals (migration 0007) of one tenant
    /// computed again from its users (`pg_search::recount_grams`): a repair
    /// for counts a write outside the triggers spoiled, and what the tests
    /// hold the triggers to. A bulk load counts its own rows instead.
    pub async fn recount_grams(&self, tenant_id: &str) -> Result<(), StoreError> {
        pg_search::recount_grams(&self.pool, tenant_id).await
    }

    async fn conflict_or(&self, e: sqlx::Error, user: &User) -> StoreError {
        shared::conflict_or(e, user, |column, value| async move {
            shared::holder_query::<Postgres>(column, user, value)
                .build_query_scalar::<String>()
                .fetch_optional(&self.pool)
                .await
                .ok()
                .flatten()
        })
        .await
    }
}

/// `FROM users WHERE ...` of a user list (`pg_search::push_where`).
fn push_from_where<'a>(qb: &mut QueryBuilder<'a, Postgres>, tenant_id: &'a str, f: &'a UserFilter) {
    qb.push(" FROM users");
    pg_search::push_where(qb, tenant_id, f);
}

/// The value a sort compares, as the sort indexes of migration 0003 hold it
/// (text in byte order, as the SQLite store compares it), and the collation
/// to name again where the value comes out of a subquery.
fn sort_expr(key: SortKey) -> (&'static str, &'static str) {
    const C: &str = " COLLATE \"C\"";
    match key {
        SortKey::Username => ("(users.username_fold COLLATE \"C\")", C),
        SortKey::DisplayName => ("(users.name_fold COLLATE \"C\")", C),
        SortKey::Email => ("(users.email_fold COLLATE \"C\")", C),
        SortKey::ExternalRef => (
            "(translate(users.external_ref, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', \
             'abcdefghijklmnopqrstuvwxyz') COLLATE \"C\")",
            C,
        ),
        SortKey::Role => ("(users.role COLLATE \"C\")", C),
        SortKey::Status => ("(users.status COLLATE \"C\")", C),
        SortKey::LastLoginAt => ("users.last_login_at", ""),
        SortKey::CreatedAt => ("users.created_at", ""),
        SortKey::UpdatedAt => ("users.updated_at", ""),
    }
}

/// `SELECT {USER_COLUMNS} ...` of a page in the order of `sort`.
///
/// One index `(tenant_id, key, id)` walked forward is "missing values last"
/// ascending, but walked backward it puts them first. So without a search
/// the users with a value and those without are two walks of that index,
/// each cut at `offset + limit`, and only those rows are sorted: a first page
/// reads `limit` entries of each, never the whole tenant. A search sorts its
/// matches.
fn push_sorted_page<'a>(
    qb: &mut QueryBuilder<'a, Postgres>,
    tenant_id: &'a str,
    filter: &'a UserFilter,
    sort: Sort,
    page: PageRequest,
) {
    let (key, collate) = sort_expr(sort.key);
    let dir = sort.dir();
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    if filter.search.is_some() {
        push_from_where(qb, tenant_id, filter);
        qb.push(format!(" ORDER BY {key} {dir} NULLS LAST, users.id {dir}"));
    } else {
        let n = offset.saturating_add(i64::from(page.limit));
        qb.push(format!(
            " FROM (SELECT id, part, k FROM ((SELECT users.id AS id, 0 AS part, {key} AS k"
        ));
        push_from_where(qb, tenant_id, filter);
        if sort.key.nullable() {
            qb.push(format!(" AND {key} IS NOT NULL"));
        }
        qb.push(format!(" ORDER BY {key} {dir}, users.id {dir} LIMIT "))
            .push_bind(n)
            .push(")");
        if sort.key.nullable() {
            qb.push(" UNION ALL (SELECT users.id AS id, 1 AS part, NULL AS k");
            push_from_where(qb, tenant_id, filter);
            qb.push(format!(" AND {key} IS NULL ORDER BY users.id {dir} LIMIT "))
                .push_bind(n)
                .push(")");
        }
        qb.push(format!(
            ") AS u ORDER BY part, k{collate} {dir}, id {dir} LIMIT "
        ))
        .push_bind(i64::from(page.limit))
        .push(" OFFSET ")
        .push_bind(offset)
        .push(format!(
            ") AS p JOIN users ON users.id = p.id ORDER BY p.part, p.k{collate} {dir}, p.id {dir}"
        ));
        return;
    }
    qb.push(" LIMIT ")
        .push_bind(i64::from(page.limit))
        .push(" OFFSET ")
        .push_bind(offset);
}

/// The exact total of a user list, as a scalar expression: without a search,
/// an external_ref or a condition, a sum over the counts the triggers keep (`user_counts`,
/// migration 0006), not a count over the tenant's users; with only a search of
/// 1–3 characters, the sum of one gram's counts (`user_grams`, migration 0007).
fn push_total<'a>(qb: &mut QueryBuilder<'a, Postgres>, tenant_id: &'a str, f: &'a UserFilter) {
    if let Some((gram, part)) = pg_search::gram_total(f) {
        pg_search::push_gram_total(qb, tenant_id, gram, part);
    } else if f.search.is_none() && f.external_ref.is_none() && f.conditions.is_empty() {
        qb.push("(SELECT COALESCE(SUM(n), 0)::BIGINT FROM user_counts WHERE tenant_id = ")
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

#[async_trait]
impl Store for PgStore {
    async fn insert_tenant(&self, t: &Tenant) -> Result<(), StoreError> {
        let result =
            sqlx::query("INSERT INTO tenants (id, slug, name, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&t.id)
                .bind(&t.slug)
                .bind(&t.name)
                .bind(t.created_at.millis())
                .execute(&self.pool)
                .await;
        result
            .map(drop)
            .map_err(|e| shared::tenant_conflict_or(e, &t.slug))
    }

    async fn find_tenant(&self, id_or_slug: &str) -> Result<Option<Tenant>, StoreError> {
        let row: Option<TenantRow> = shared::find_tenant_query::<Postgres>(id_or_slug)
            .build_query_as()
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Tenant::from))
    }

    async fn insert_key(&self, k: &StoredKey) -> Result<(), StoreError> {
        shared::insert_key_query::<Postgres>(k)
            .build()
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn find_key(&self, prefix: &str) -> Result<Option<(StoredKey, Tenant)>, StoreError> {
        let Some(key) = sqlx::query_as::<_, KeyRow>(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE prefix = $1"
        ))
        .bind(prefix)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let key = StoredKey::try_from(key)?;
        let tenant = self
            .find_tenant(&key.tenant_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("key {prefix} has no tenant")))?;
        Ok(Some((key, tenant)))
    }

    async fn list_keys(&self, tenant_id: &str) -> Result<Vec<StoredKey>, StoreError> {
        let rows: Vec<KeyRow> = shared::list_keys_query::<Postgres>(tenant_id)
            .build_query_as()
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(StoredKey::try_from).collect()
    }

    async fn revoke_key(&self, prefix: &str) -> Result<bool, StoreError> {
        let done = shared::revoke_key_query::<Postgres>(prefix)
            .build()
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_user(&self, user: &User, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut qb = QueryBuilder::new(INSERT_USERS);
        push_user_values(&mut qb, std::slice::from_ref(user));
        if let Err(e) = qb.build().execute(&mut *tx).await {
            tx.rollback().await?;
            return Err(self.conflict_or(e, user).await);
        }
        audit::event_query::<Postgres>(AuditAction::Create, None, user, actor)
            .build()
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_users(&self, users: &[User]) -> Result<u64, StoreError> {
        let mut inserted = 0;
        let mut tx = self.pool.begin().await?;
        for chunk in users.chunks(BULK_ROWS) {
            let mut qb = QueryBuilder::new(INSERT_USERS);
            push_user_values(&mut qb, chunk);
            qb.push(" ON CONFLICT DO NOTHING");
            inserted += qb.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(inserted)
    }

    async fn insert_all(&self, users: &[User]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for chunk in users.chunks(BULK_ROWS) {
            let mut qb = QueryBuilder::new(INSERT_USERS);
            push_user_values(&mut qb, chunk);
            if let Err(e) = qb.build().execute(&mut *tx).await {
                return Err(shared::batch_conflict_or(e));
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
            let rows: Vec<String> = shared::taken_query::<Postgres>(tenant_id, key, chunk)
                .build_query_scalar()
                .fetch_all(&self.pool)
                .await?;
            found.extend(rows);
        }
        Ok(found)
    }

    async fn bulk_load(&self, expected: u64) -> Result<Box<dyn BulkLoad + '_>, StoreError> {
        Ok(Box::new(PgBulk::begin(&self.pool, expected).await?))
    }

    async fn get_user(&self, tenant_id: &str, id: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE users.id = $1 AND users.tenant_id = $2"
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
        // One statement, so the page and its total come from one snapshot
        // without a transaction around them (two round trips fewer).
        let filter = &filter.folded();
        let mut qb = QueryBuilder::new(format!("SELECT {USER_COLUMNS}, "));
        match filter.sort {
            None if filter.search.is_some() => {
                pg_search::push_search_page(&mut qb, tenant_id, filter, page, |qb| {
                    push_total(qb, tenant_id, filter)
                });
            }
            None => {
                push_total(&mut qb, tenant_id, filter);
                qb.push(" AS total");
                push_from_where(&mut qb, tenant_id, filter);
                qb.push(" ORDER BY users.created_at DESC, users.id DESC LIMIT ")
                    .push_bind(i64::from(page.limit))
                    .push(" OFFSET ")
                    .push_bind(i64::try_from(page.offset).unwrap_or(i64::MAX));
            }
            Some(sort) => {
                push_total(&mut qb, tenant_id, filter);
                qb.push(" AS total");
                push_sorted_page(&mut qb, tenant_id, filter, sort, page);
            }
        }
        let rows: Vec<PgRow> = qb.build().fetch_all(&self.pool).await?;
        let total: i64 = match rows.first() {
            Some(first) => first.try_get("total")?,
            // A page past the end has no row to carry the total.
            None => {
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

    async fn update_user(
        &self,
        user: &User,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Locked until the commit: the version names the row's state, so this
        // is what the write changes, whichever replica writes next.
        let before: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users \
             WHERE users.tenant_id = $1 AND users.id = $2 AND users.version = $3 FOR UPDATE"
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
            "UPDATE users SET external_ref = $1, display_name = $2, email = $3, avatar = $4, \
             role = $5, status = $6, metadata = $7, preferences = $8, version = version + 1, \
             updated_at = $9, name_fold = $13, email_fold = $14, username = $15, \
             username_fold = $16 \
             WHERE tenant_id = $10 AND id = $11 AND version = $12 \
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
        .bind(&user.tenant_id)
        .bind(&user.id)
        .bind(expected_version)
        .bind(row::folded(&user.display_name))
        .bind(row::folded(&user.email))
        .bind(&user.username)
        .bind(crate::model::fold(&user.username))
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
        audit::event_query::<Postgres>(AuditAction::Update, Some(&before), &saved, actor)
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
        let mut tx = self.pool.begin().await?;
        // Locked until the commit, so the event records what was deleted.
        let before: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users \
             WHERE users.tenant_id = $1 AND users.id = $2 FOR UPDATE"
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
        sqlx::query("DELETE FROM users WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::event_query::<Postgres>(AuditAction::Delete, Some(&before), &before, actor)
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
        // REPEATABLE READ: the page and the total come from the same snapshot.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let rows: Vec<audit::AuditRow> = audit::page_query::<Postgres>(tenant_id, filter, page)
            .build_query_as()
            .fetch_all(&mut *tx)
            .await?;
        let total: i64 = audit::count_query::<Postgres>(tenant_id, filter)
            .build_query_scalar()
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        audit::page(rows, total)
    }

    async fn prune_audit(&self, tenant_id: &str, before: Timestamp) -> Result<u64, StoreError> {
        let done = audit::prune_query::<Postgres>(tenant_id, before)
            .build()
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn pool_use(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    async fn backup(&self, to: &std::path::Path) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(format!(
            "raven-server does not back up PostgreSQL itself; use PostgreSQL's own tool, \
             which takes a consistent snapshot while replicas keep serving:\n  \
             pg_dump --format=custom --file={} \"$RAVEN_DATABASE_URL\"\n\
             and to restore into an empty database:\n  \
             pg_restore --dbname=\"$RAVEN_DATABASE_URL\" {}",
            to.display(),
            to.display()
        )))
    }
}
