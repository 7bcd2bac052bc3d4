//! `raven-server seed`'s bulk load: one transaction on a connection of its own.

use super::grams::ShortLoad;
use super::*;

/// A bulk load on its own connection, in one write transaction.
///
/// Into an empty `users` table (a new database being seeded) it also puts off
/// the work that is cheaper done once at the end: the trigram index is built
/// from `users` in one pass instead of row by row, and every index of `users`
/// (the unique ones on external_ref, email and username, and those of the
/// orders and sorts, each on a random key: kept live, they tripled the seed of
/// a million users) is dropped and built again by sorting, while the load
/// checks its rows against what it inserted itself (the table was empty, so
/// nothing else can collide); the per-tenant counts are counted once at the
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
    /// With `users_short`'s trigger put off: the grams the load writes itself.
    short: Option<ShortLoad>,
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
    pub(super) async fn begin(options: &SqliteConnectOptions) -> Result<Self, StoreError> {
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
                 AND (type = 'index' \
                      OR (type = 'trigger' AND name IN ('users_search_insert', 'user_counts_insert', \
                      'users_order_kept', 'users_short_insert'))) \
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
        let short = (!deferred.is_empty()).then(ShortLoad::default);
        Ok(SqliteBulk {
            conn,
            deferred,
            taken,
            short,
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
                if let Some(short) = &mut self.short {
                    let mut qb = short.insert((first..).zip(chunk.iter().copied()));
                    qb.build().execute(&mut self.conn).await?;
                }
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
            if let Some(short) = &self.short {
                for mut qb in short.counts() {
                    qb.build().execute(&mut *conn).await?;
                }
                sqlx::query("INSERT INTO users_short(users_short) VALUES ('optimize')")
                    .execute(&mut *conn)
                    .await?;
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
        checkpoint_all(&mut self.conn).await?;
        self.conn.close().await?;
        Ok(())
    }
}

/// Copies the whole log into the database file and empties it.
///
/// SQLite answers a TRUNCATE checkpoint with `busy` instead of waiting when
/// another connection is checkpointing (the store's own checkpointer runs a
/// passive one every 100 ms): unchecked, a seed of a million users left its
/// 1.6 GB log behind for the next process to copy, in the middle of whatever
/// it was serving. So it tries again until the log is empty.
async fn checkpoint_all(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    const PATIENCE: Duration = Duration::from_secs(120);
    let started = std::time::Instant::now();
    loop {
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await?;
        if busy == 0 {
            return Ok(());
        }
        if started.elapsed() > PATIENCE {
            tracing::warn!(
                "the log could not be emptied after the load: readers kept it busy; \
                 it is copied into the database by the next checkpoint"
            );
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
