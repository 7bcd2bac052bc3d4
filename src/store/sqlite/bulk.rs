//! `raven-server seed`'s bulk load: one transaction on a connection of its own.

use super::grams::ShortLoad;
use super::*;

/// A bulk load on its own connection, in one write transaction.
///
/// When rebuilding is cheap next to the load (the table is empty, or holds
/// no more users than the load expects to add, so a rebuild costs at most about
/// twice the load and a file of many big tenants is never rebuilt for a small
/// seed) it puts off the work that is cheaper done once at the end: every
/// index of `users` (the unique ones on external_ref, email and username, and
/// those of the orders and sorts, each on a random key: kept live, they
/// tripled the seed of a million users) is dropped and built again by
/// sorting, and the triggers of [`PUT_OFF`] are dropped and their work done
/// once at the end. Meanwhile the load checks its rows against what it
/// inserted itself and what its tenants already held (`Taken`): the unique
/// keys are per tenant, so other tenants cannot collide. The `id`'s own unique
/// index (the table's, which cannot be dropped) stays live. All of it is
/// inside the transaction, so a crash or an error leaves the database as it
/// was.
///
/// Only this connection runs with `synchronous = OFF`; the final checkpoint
/// runs with `NORMAL` again, so the loaded data is on disk when `finish`
/// returns. Other writers wait for the load (busy timeout) while it runs.
pub struct SqliteBulk {
    conn: SqliteConnection,
    /// `CREATE ...` statements of the indexes and triggers dropped, to run
    /// again at the end.
    deferred: Vec<String>,
    /// The work of the dropped triggers, to do at the end.
    catch_up: Vec<&'static CatchUp>,
    /// With the unique indexes put off: what the load and its tenants hold.
    taken: Option<Taken>,
    /// With `users_short`'s trigger put off: the grams the load writes itself.
    short: Option<ShortLoad>,
    /// Whether the table held users when the load began: then a tenant's
    /// values are read into `taken` when the load first sees it.
    preload: bool,
    /// The tenants loaded into so far. The load holds the write lock, so it
    /// numbers their users itself.
    tenants: std::collections::HashMap<String, TenantLoad>,
    /// The FTS5 settings the load changed (`FTS_BULK`), with the values to
    /// put back at the end.
    fts_restore: Vec<(&'static str, &'static str, i64)>,
}

/// Where a bulk load stands in one tenant.
struct TenantLoad {
    /// The `seq` the load gave the tenant's first new user: the load's rows
    /// of the tenant are `first_seq..=last_seq`.
    first_seq: i64,
    /// The `seq` of the tenant's last user.
    last_seq: i64,
    /// The latest `created_at` of the tenant (its last user's, then the
    /// load's), and whether every user so far came in creation order: with
    /// the order trigger put off, the load keeps `tenants.ordered` itself.
    latest: i64,
    ordered: bool,
}

/// A trigger of `users` that a deferring load drops, and what it would have
/// written, done once for the whole load in `finish`. One more FTS5 index
/// kept by triggers is one more entry here.
pub(super) struct PutOff {
    pub trigger: &'static str,
    pub catch_up: CatchUp,
    /// The FTS5 index the catch-up fills in bulk, which gets `FTS_BULK`'s
    /// settings meanwhile.
    pub fills: Option<&'static str>,
}

pub(super) enum CatchUp {
    /// Statements over the whole table (an external-content index's
    /// `'rebuild'`, which reads every row: fine while the table holds no more
    /// users than the load adds).
    Whole(&'static [&'static str]),
    /// One statement per tenant loaded into, for the load's rows of it:
    /// `?1` and `?2` bind the first and last `seq` (`TenantLoad`).
    Loaded(&'static str),
    /// `tenants.ordered`, from what the load saw (`TenantLoad::ordered`).
    Ordered,
    /// `users_short`: its tokens are written with each batch (`ShortLoad`,
    /// for the load's rows only), the tenants' gram counts added at the end.
    Short,
}

pub(super) const PUT_OFF: &[PutOff] = &[
    // A rebuild leaves the index in many segments, each of which every
    // search walks; merged into one (`optimize`), a rare needle costs ~40%
    // less at a million users, for ~1.5 s here.
    PutOff {
        trigger: "users_search_insert",
        catch_up: CatchUp::Whole(&[
            "INSERT INTO users_search(users_search) VALUES ('rebuild')",
            "INSERT INTO users_search(users_search) VALUES ('optimize')",
        ]),
        fills: Some("users_search"),
    },
    // Added to, not counted afresh: the other tenants' counts stay as they are.
    PutOff {
        trigger: "user_counts_insert",
        catch_up: CatchUp::Loaded(
            "INSERT INTO user_counts (tenant_id, role, status, n) \
             SELECT tenant_id, role, status, COUNT(*) FROM users WHERE seq BETWEEN ?1 AND ?2 \
             GROUP BY tenant_id, role, status \
             ON CONFLICT (tenant_id, role, status) DO UPDATE SET n = n + excluded.n",
        ),
        fills: None,
    },
    // Once per tenant, not once per row: the tenant whose rowid range holds
    // the load's rows (`seq >> 40` is its `no`). Every `Loaded` statement is
    // bound both ends of the range; this one needs only the first.
    PutOff {
        trigger: "users_tag_insert",
        catch_up: CatchUp::Loaded(
            "UPDATE tenants SET users_tag = random() WHERE no = ?1 >> 40 AND ?2 >= ?1",
        ),
        fills: None,
    },
    PutOff {
        trigger: "users_order_kept",
        catch_up: CatchUp::Ordered,
        fills: None,
    },
    PutOff {
        trigger: "users_short_insert",
        catch_up: CatchUp::Short,
        fills: Some("users_short"),
    },
];

/// FTS5 settings for an index a deferring load fills in bulk: (name, value
/// during the load, FTS5's default). FTS5 writes its pending tokens out as a
/// new segment whenever they pass `hashsize` (1 MiB), and merges segments
/// as they pile up (`automerge`, `crisismerge`): over a million users the
/// trigram index's rebuild was mostly merging (`sqlite3`: 20 s with the
/// defaults, 9 s with these). The final `optimize` merges everything once.
const FTS_BULK: &[(&str, i64, i64)] = &[
    ("hashsize", 256 << 20, 1 << 20),
    ("automerge", 0, 4),
    ("crisismerge", 1_999, 16),
];

/// Rows of `users_short` one insert sends: 3 values each, under SQLite's
/// 32,766.
const SHORT_ROWS: usize = 10_000;

/// Page cache of the bulk-load connection: the unique indexes of a million
/// users fit, so inserting into them does not go to the file.
const BULK_CACHE_KIB: &str = "-524288";

impl SqliteBulk {
    /// `expected`: how many users the load means to add (see `Store::bulk_load`).
    pub(super) async fn begin(
        options: &SqliteConnectOptions,
        expected: u64,
    ) -> Result<Self, StoreError> {
        let mut conn = options
            .clone()
            .synchronous(SqliteSynchronous::Off)
            .pragma("cache_size", BULK_CACHE_KIB)
            // The one checkpoint is the durable one in `finish`.
            .pragma("wal_autocheckpoint", "0")
            .connect()
            .await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await?;
        // Counted only up to past `expected`: a file of a hundred million
        // users is not counted through for a small seed.
        let expected = i64::try_from(expected).map_or(i64::MAX - 1, |n| n.min(i64::MAX - 1));
        let (empty, few): (bool, bool) = sqlx::query_as(
            "SELECT NOT EXISTS (SELECT 1 FROM users), \
             (SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT ?2)) <= ?1",
        )
        .bind(expected)
        .bind(expected + 1)
        .fetch_one(&mut conn)
        .await?;
        let mut deferred = Vec::new();
        let mut catch_up = Vec::new();
        let mut filled = Vec::new();
        // `empty` implies `few`; it only decides whether tenants' values are read.
        if few {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'users' \
                 AND sql IS NOT NULL AND (type = 'index' OR (type = 'trigger' AND name IN (",
            );
            let mut names = qb.separated(", ");
            for p in PUT_OFF {
                names.push_bind(p.trigger);
            }
            qb.push("))) ORDER BY type, name");
            let put_off: Vec<(String, String, String)> =
                qb.build_query_as().fetch_all(&mut conn).await?;
            for (kind, name, sql) in put_off {
                let drop = if kind == "index" { "INDEX" } else { "TRIGGER" };
                sqlx::query(&format!("DROP {drop} \"{name}\""))
                    .execute(&mut conn)
                    .await?;
                deferred.push(sql);
                for p in PUT_OFF.iter().filter(|p| p.trigger == name) {
                    catch_up.push(&p.catch_up);
                    filled.extend(p.fills);
                }
            }
        }
        let mut fts_restore = Vec::new();
        for table in filled {
            for &(key, during, default) in FTS_BULK {
                let was: Option<i64> = sqlx::query_scalar(&format!(
                    "SELECT CAST(v AS INTEGER) FROM \"{table}_config\" WHERE k = ?"
                ))
                .bind(key)
                .fetch_optional(&mut conn)
                .await?;
                set_fts(&mut conn, table, key, during).await?;
                fts_restore.push((table, key, was.unwrap_or(default)));
            }
        }
        let taken = (!deferred.is_empty()).then(Taken::default);
        let short = catch_up
            .iter()
            .any(|c| matches!(c, CatchUp::Short))
            .then(ShortLoad::default);
        Ok(SqliteBulk {
            conn,
            deferred,
            catch_up,
            taken,
            short,
            preload: !empty,
            tenants: std::collections::HashMap::new(),
            fts_restore,
        })
    }
}

/// The external_refs, emails and usernames a deferring bulk load has
/// inserted or found in its tenants, as 128-bit fingerprints, standing in for
/// the unique indexes it put off (each on the tenant and one of these).
///
/// foldhash, not the standard library's SipHash: the load checks three values
/// of each of its users against millions, and SipHash was a tenth of a seed.
/// Two independent seeds make a false "taken" (a user wrongly skipped) a
/// 2^-128 chance per pair.
#[derive(Default)]
struct Taken {
    keys: (foldhash::fast::RandomState, foldhash::fast::RandomState),
    seen: std::collections::HashSet<u128, foldhash::fast::RandomState>,
}

impl Taken {
    fn fingerprint(&self, field: &str, tenant_id: &str, value: &str) -> u128 {
        use std::hash::BuildHasher;
        let one = |k: &foldhash::fast::RandomState| k.hash_one((field, tenant_id, value));
        (u128::from(one(&self.keys.0)) << 64) | u128::from(one(&self.keys.1))
    }

    /// The fingerprints of one user's unique values, as the indexes compare
    /// them: external_ref and email as they are, the username folded.
    fn prints(&self, tenant_id: &str, row: [Option<&str>; 3]) -> Vec<u128> {
        ["external_ref", "email", "username_fold"]
            .into_iter()
            .zip(row)
            .filter_map(|(f, v)| v.map(|v| self.fingerprint(f, tenant_id, v)))
            .collect()
    }

    /// Whether `u` may go in; if so, its values count as taken from now on.
    fn admit(&mut self, u: &User) -> bool {
        let username = fold(&u.username);
        let prints = self.prints(
            &u.tenant_id,
            [
                u.external_ref.as_deref(),
                u.email.as_deref(),
                Some(&username),
            ],
        );
        if prints.iter().any(|p| self.seen.contains(p)) {
            return false;
        }
        self.seen.extend(prints);
        true
    }

    /// Counts the values of a tenant's users already in the table as taken.
    /// They are the `seq`s up to `last_seq` of its range (the unique indexes
    /// that would find them faster are dropped).
    async fn preload(
        &mut self,
        conn: &mut SqliteConnection,
        tenant_id: &str,
        last_seq: i64,
    ) -> Result<(), StoreError> {
        let first = (last_seq >> SEQ_BITS) << SEQ_BITS;
        type Row = (Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT external_ref, email, username_fold FROM users \
             WHERE seq BETWEEN ?1 AND ?2 AND tenant_id = ?3",
        )
        .bind(first)
        .bind(last_seq)
        .bind(tenant_id)
        .fetch_all(&mut *conn)
        .await?;
        for (external_ref, email, username) in &rows {
            let prints = self.prints(
                tenant_id,
                [
                    external_ref.as_deref(),
                    email.as_deref(),
                    username.as_deref(),
                ],
            );
            self.seen.extend(prints);
        }
        Ok(())
    }
}

impl SqliteBulk {
    /// Where the load stands in `tenant_id`, looked up when first seen: its
    /// last `seq`, its newest user's `created_at`, and (deferring into a
    /// table that has users) its values, into `taken`.
    async fn tenant(&mut self, tenant_id: &str) -> Result<&mut TenantLoad, StoreError> {
        if !self.tenants.contains_key(tenant_id) {
            let mut qb = QueryBuilder::new("SELECT ");
            push_last_seq(&mut qb, tenant_id);
            let last_seq: Option<i64> = qb.build_query_scalar().fetch_one(&mut self.conn).await?;
            let last_seq =
                last_seq.ok_or_else(|| StoreError::NotFound(format!("tenant {tenant_id}")))?;
            let latest: Option<i64> =
                sqlx::query_scalar("SELECT created_at FROM users WHERE seq = ?")
                    .bind(last_seq)
                    .fetch_optional(&mut self.conn)
                    .await?;
            if let (true, Some(taken)) = (self.preload, &mut self.taken) {
                taken.preload(&mut self.conn, tenant_id, last_seq).await?;
            }
            self.tenants.insert(
                tenant_id.to_string(),
                TenantLoad {
                    first_seq: last_seq + 1,
                    last_seq,
                    latest: latest.unwrap_or(i64::MIN),
                    ordered: true,
                },
            );
        }
        self.tenants
            .get_mut(tenant_id)
            .ok_or_else(|| StoreError::NotFound(format!("tenant {tenant_id}")))
    }
}

#[async_trait]
impl BulkLoad for SqliteBulk {
    async fn insert(&mut self, users: &[User]) -> Result<u64, StoreError> {
        let mut inserted = 0;
        for tenant in users.chunk_by(|a, b| a.tenant_id == b.tenant_id) {
            // First, so that a new tenant's values are taken before its
            // users are checked against them.
            self.tenant(&tenant[0].tenant_id).await?;
            let admitted: Vec<&User> = match &mut self.taken {
                Some(taken) => tenant.iter().filter(|u| taken.admit(u)).collect(),
                None => tenant.iter().collect(),
            };
            let load = self.tenant(&tenant[0].tenant_id).await?;
            for u in &admitted {
                let at = u.created_at.millis();
                load.ordered &= at >= load.latest;
                load.latest = load.latest.max(at);
            }
            let mut numbered = Vec::with_capacity(admitted.len());
            for u in admitted {
                load.last_seq += 1;
                numbered.push((load.last_seq, u));
            }
            // SQLite runs on sqlx's worker thread: while it inserts one chunk,
            // this thread makes up the next chunk's statement and the
            // chunk's `users_short` tokens (a fifth of a seed's work).
            let chunks: Vec<&[(i64, &User)]> = numbered.chunks(BULK_ROWS).collect();
            let (conn, short) = (&mut self.conn, &mut self.short);
            let mut short_rows = Vec::new();
            let mut next = chunks.first().map(|c| users_insert(c));
            for (i, chunk) in chunks.iter().enumerate() {
                let Some(mut qb) = next.take() else { break };
                let (done, made) = tokio::join!(qb.build().execute(&mut *conn), async {
                    if let Some(short) = short.as_mut() {
                        short_rows.extend(short.tokens(chunk.iter().copied()));
                    }
                    chunks.get(i + 1).map(|c| users_insert(c))
                });
                inserted += done?.rows_affected();
                next = made;
            }
            // In statements as large as SQLite binds: FTS5 writes its
            // pending tokens out as a new segment at every statement.
            for rows in short_rows.chunks(SHORT_ROWS) {
                ShortLoad::insert(rows).build().execute(&mut *conn).await?;
            }
        }
        Ok(inserted)
    }

    async fn finish(mut self: Box<Self>) -> Result<(), StoreError> {
        let conn = &mut self.conn;
        let started = std::time::Instant::now();
        for step in &self.catch_up {
            match step {
                CatchUp::Whole(sqls) => {
                    for sql in *sqls {
                        sqlx::query(sql).execute(&mut *conn).await?;
                    }
                }
                CatchUp::Loaded(sql) => {
                    for load in self.tenants.values().filter(|l| l.last_seq >= l.first_seq) {
                        sqlx::query(sql)
                            .bind(load.first_seq)
                            .bind(load.last_seq)
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                CatchUp::Short => {
                    if let Some(short) = &self.short {
                        for mut qb in short.counts() {
                            qb.build().execute(&mut *conn).await?;
                        }
                    }
                    sqlx::query("INSERT INTO users_short(users_short) VALUES ('optimize')")
                        .execute(&mut *conn)
                        .await?;
                }
                CatchUp::Ordered => {
                    for (tenant, _) in self.tenants.iter().filter(|(_, load)| !load.ordered) {
                        sqlx::query("UPDATE tenants SET ordered = 0 WHERE id = ?")
                            .bind(tenant)
                            .execute(&mut *conn)
                            .await?;
                    }
                }
            }
        }
        for &(table, key, value) in &self.fts_restore {
            set_fts(&mut *conn, table, key, value).await?;
        }
        for sql in &self.deferred {
            sqlx::query(sql).execute(&mut *conn).await?;
        }
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        tracing::debug!(
            "bulk load: {} indexes and triggers put off, built again in {:.1}s",
            self.deferred.len(),
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

/// The insert of one chunk of a load's numbered users.
fn users_insert<'u>(chunk: &[(i64, &'u User)]) -> QueryBuilder<'u, Sqlite> {
    let mut qb = QueryBuilder::new(insert_into("INSERT OR IGNORE"));
    push_numbered_values(&mut qb, chunk.iter().copied());
    qb
}

/// Sets one of an FTS5 index's settings (kept in its `_config` table, so
/// inside the load's transaction like the rest).
async fn set_fts(
    conn: &mut SqliteConnection,
    table: &str,
    key: &str,
    value: i64,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO \"{table}\"(\"{table}\", rank) VALUES (?, ?)"
    ))
    .bind(key)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
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
