//! Opening the database file: pragmas, the pool, embedded migrations, and the
//! work a migration leaves to the server.

use super::*;

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
        // The log is checkpointed by a thread of its own (`checkpoint`), not by
        // whichever commit crosses SQLite's threshold.
        let options = if memory {
            options
        } else {
            options.pragma("wal_autocheckpoint", "0").pragma(
                "journal_size_limit",
                checkpoint::JOURNAL_SIZE_LIMIT.to_string(),
            )
        };
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
        fill_short(&pool).await?;
        let writer = Arc::new(tokio::sync::Mutex::new(()));
        let checkpointer = match &bulk_options {
            Some(o) => Some(
                checkpoint::Checkpointer::start(o.get_filename(), writer.clone())
                    .map_err(|e| StoreError::Open(format!("starting the checkpoints: {e}")))?,
            ),
            None => None,
        };
        Ok(SqliteStore {
            _checkpointer: checkpointer,
            direct: bulk_options
                .as_ref()
                .map(|o| DirectReads::start(o.get_filename(), &pool)),
            pool,
            options: bulk_options,
            writer,
        })
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

/// Indexes the grams of the users stored before migration 0008
/// (`users_short`, `short_counts`), which leaves a row in `short_pending` and
/// triggers that do nothing until it is gone. One write transaction: another
/// process opening the file at the same time finds the row gone and skips.
async fn fill_short(pool: &SqlitePool) -> Result<(), StoreError> {
    const BATCH: i64 = 1000;
    let pending: Option<i64> = sqlx::query_scalar("SELECT 1 FROM short_pending LIMIT 1")
        .fetch_optional(pool)
        .await?;
    if pending.is_none() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let still: Option<i64> = sqlx::query_scalar("SELECT 1 FROM short_pending LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?;
    if still.is_none() {
        return Ok(());
    }
    type Row = (i64, String, Option<String>, Option<String>);
    let mut load = grams::ShortLoad::default();
    let mut after = i64::MIN;
    let mut users = 0usize;
    loop {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, tenant_id, name_fold, email_fold FROM users \
             WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        users += rows.len();
        let folded = rows
            .iter()
            .map(|(seq, tenant_id, name, email)| grams::Folded {
                seq: *seq,
                tenant_id,
                name: name.clone(),
                email: email.clone(),
            });
        let rows = load.tokens_folded(folded);
        grams::ShortLoad::insert(&rows)
            .build()
            .execute(&mut *tx)
            .await?;
    }
    for mut qb in load.counts() {
        qb.build().execute(&mut *tx).await?;
    }
    for sql in [
        "INSERT INTO users_short(users_short) VALUES ('optimize')",
        "DELETE FROM short_pending",
    ] {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    if users > 0 {
        tracing::info!(
            "search: indexed the short grams of {users} users in {:.1}s",
            started.elapsed().as_secs_f64()
        );
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
