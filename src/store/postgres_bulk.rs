//! `raven-server seed`'s bulk load on PostgreSQL: one transaction, rows sent
//! with `COPY`, and the indexes nobody checks against built once at the end.

use async_trait::async_trait;
use sqlx::postgres::PgPool;
use sqlx::{Postgres, Transaction};

use std::collections::HashMap;

use super::pg_search::GramCounts;
use super::row::{folded, json_text};
use super::{BulkLoad, StoreError};
use crate::model::{Timestamp, User, fold};

/// A bulk load in one transaction of its own.
///
/// Each batch goes by `COPY ... FROM STDIN` into a temporary table, then into
/// `users` with `ON CONFLICT DO NOTHING`, so the unique indexes (id,
/// external_ref, email, username: live throughout) skip what is taken, as
/// `insert_users` does; the `user_counts` trigger counts each batch in one
/// statement, so the counts are right at the end.
///
/// When rebuilding is cheap next to the load (the table is empty or holds
/// no more users than the load expects to add), the other indexes of `users`
/// (the two trigram GIN indexes, the orders, the sorts) are dropped at the
/// start and built again by sorting at the end, with a large
/// `maintenance_work_mem`: kept live, each row costs a random insert into each.
/// DDL is transactional, so an error or a crash leaves them as they were; the
/// price is that the drop locks `users` against every other session (the
/// replicas' reads included) until the load commits.
///
/// The commit does not wait for the WAL to be flushed (`synchronous_commit`
/// off for this transaction only): a crash right after may lose the seed,
/// never leave half of it.
pub(super) struct PgBulk {
    tx: Transaction<'static, Postgres>,
    /// `CREATE INDEX ...` of what was dropped, to run again at the end.
    deferred: Vec<String>,
    /// The gram counts of the users inserted so far, per tenant: the load
    /// turns the `user_grams_insert` trigger off for its transaction (its
    /// statement-level count of a batch took ~1 ms a user) and adds these at
    /// the end.
    grams: HashMap<String, GramCounts>,
}

/// The columns a batch is copied in, in `row::INSERT_USERS`' order.
const COLUMNS: &str = "id, tenant_id, external_ref, display_name, email, avatar, role, status, \
     metadata, preferences, conversation_count, version, created_at, updated_at, last_login_at, \
     name_fold, email_fold, username, username_fold";

/// Memory for building an index again: a million users' GIN index is sorted
/// in memory instead of in many runs on disk.
const BUILD_MEMORY: &str = "512MB";

impl PgBulk {
    /// `expected`: how many users the load means to add (see `Store::bulk_load`).
    pub(super) async fn begin(pool: &PgPool, expected: u64) -> Result<Self, StoreError> {
        let mut tx = pool.begin().await?;
        for sql in [
            "SET LOCAL synchronous_commit = off".to_string(),
            // Read by `user_grams_counted` (migration 0007).
            "SET LOCAL raven.bulk_load = 'on'".to_string(),
            format!("SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"),
            format!(
                "CREATE TEMPORARY TABLE bulk_users ON COMMIT DROP AS \
                 SELECT {COLUMNS} FROM users WITH NO DATA"
            ),
        ] {
            sqlx::query(&sql).execute(&mut *tx).await?;
        }
        // Counted only up to past `expected`: a table of a hundred million
        // users is not counted through for a small seed.
        let expected = i64::try_from(expected).map_or(i64::MAX - 1, |n| n.min(i64::MAX - 1));
        // An empty table holds "no more than" any load, so this covers it too.
        let few: bool = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT $2) AS s) <= $1",
        )
        .bind(expected)
        .bind(expected + 1)
        .fetch_one(&mut *tx)
        .await?;
        let mut deferred = Vec::new();
        if few {
            let put_off: Vec<(String, String)> = sqlx::query_as(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) \
                 FROM pg_index AS i WHERE i.indrelid = 'users'::regclass \
                 AND NOT i.indisunique AND NOT i.indisprimary ORDER BY 1",
            )
            .fetch_all(&mut *tx)
            .await?;
            for (name, sql) in put_off {
                sqlx::query(&format!("DROP INDEX {name}"))
                    .execute(&mut *tx)
                    .await?;
                deferred.push(sql);
            }
        }
        Ok(PgBulk {
            tx,
            deferred,
            grams: HashMap::new(),
        })
    }
}

#[async_trait]
impl BulkLoad for PgBulk {
    async fn insert(&mut self, users: &[User]) -> Result<u64, StoreError> {
        if users.is_empty() {
            return Ok(0);
        }
        sqlx::query("TRUNCATE bulk_users")
            .execute(&mut *self.tx)
            .await?;
        let mut copy = self
            .tx
            .copy_in_raw(&format!(
                "COPY bulk_users ({COLUMNS}) FROM STDIN WITH (FORMAT csv)"
            ))
            .await?;
        copy.send(csv_rows(users)).await?;
        copy.finish().await?;
        // The rows that went in (not those a unique index skipped) are counted.
        let done: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(&format!(
            "INSERT INTO users ({COLUMNS}) SELECT {COLUMNS} FROM bulk_users ON CONFLICT DO NOTHING \
             RETURNING tenant_id, name_fold, email_fold"
        ))
        .fetch_all(&mut *self.tx)
        .await?;
        for (tenant_id, name, email) in &done {
            self.grams
                .entry(tenant_id.clone())
                .or_default()
                .add(name.as_deref(), email.as_deref());
        }
        Ok(done.len() as u64)
    }

    async fn finish(mut self: Box<Self>) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        for (tenant_id, counts) in std::mem::take(&mut self.grams) {
            counts.write(&mut self.tx, &tenant_id).await?;
        }
        for sql in &self.deferred {
            sqlx::query(sql).execute(&mut *self.tx).await?;
        }
        tracing::debug!(
            "bulk load: {} indexes put off, built again in {:.1}s",
            self.deferred.len(),
            started.elapsed().as_secs_f64()
        );
        self.tx.commit().await?;
        Ok(())
    }
}

/// Users as `COPY`'s CSV, in `COLUMNS`' order: text always quoted, so an
/// empty string stays one, and NULL as an empty unquoted field.
fn csv_rows(users: &[User]) -> Vec<u8> {
    let mut out = String::with_capacity(users.len() * 600);
    for u in users {
        let text = |out: &mut String, v: Option<&str>| {
            if let Some(v) = v {
                out.push('"');
                out.push_str(&v.replace('"', "\"\""));
                out.push('"');
            }
            out.push(',');
        };
        let number = |out: &mut String, v: Option<i64>| {
            if let Some(v) = v {
                out.push_str(&v.to_string());
            }
            out.push(',');
        };
        text(&mut out, Some(&u.id));
        text(&mut out, Some(&u.tenant_id));
        text(&mut out, u.external_ref.as_deref());
        text(&mut out, u.display_name.as_deref());
        text(&mut out, u.email.as_deref());
        text(&mut out, u.avatar.as_deref());
        text(&mut out, Some(u.role.as_str()));
        text(&mut out, Some(u.status.as_str()));
        text(&mut out, Some(&json_text(&u.metadata)));
        text(&mut out, Some(&json_text(&u.preferences)));
        number(&mut out, Some(u.conversation_count));
        number(&mut out, Some(u.version));
        number(&mut out, Some(u.created_at.millis()));
        number(&mut out, u.updated_at.map(Timestamp::millis));
        number(&mut out, u.last_login_at.map(Timestamp::millis));
        text(&mut out, folded(&u.display_name).as_deref());
        text(&mut out, folded(&u.email).as_deref());
        text(&mut out, Some(&u.username));
        text(&mut out, Some(&fold(&u.username)));
        // The last field's separator becomes the end of the row.
        out.pop();
        out.push('\n');
    }
    out.into_bytes()
}
