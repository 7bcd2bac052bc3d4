//! The hot reads, on the request's own thread.
//!
//! sqlx runs each SQLite connection on a worker thread of its own and hands
//! every statement and every row across threads through channels; for the
//! short reads every request makes (its key, one user, the first pages of the
//! plain list) those hand-offs cost more than SQLite itself (futex wake-ups were
//! a third of the CPU; docs/BENCHMARKS.md, finding 4). These reads run on
//! rusqlite connections of their own instead, on the calling thread, which they
//! hold for the tens of microseconds a point lookup or a short indexed walk
//! takes. Anything that can take longer (a search, a filter, a deep offset)
//! stays on the sqlx pool.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use sqlx::SqlitePool;

use super::super::row::{KeyRow, ListedRow, USER_COLUMNS, UserRow, key_and_tenant};
use super::super::{PageRequest, StoreError, UserFilter, UserPage};
use crate::keys::StoredKey;
use crate::model::{ListedUser, Tenant, User};

/// A direct read's answer; `None` when SQLite was busy, and the read should
/// wait for it on the pool instead, off the request's thread.
pub fn settled<T>(read: Result<T, StoreError>) -> Option<Result<T, StoreError>> {
    match read {
        Err(StoreError::Unavailable(_)) => None,
        done => Some(done),
    }
}

/// Deepest offset of a plain list read here: a page first walks this many
/// entries of the `users_order` index, and a read here must stay short.
const MAX_OFFSET: u64 = 1_000;

/// How long a read here waits for a lock before handing the read to the pool.
const BUSY_TIMEOUT: Duration = Duration::from_millis(10);

/// Statements each connection keeps prepared (the few hot ones, and a few
/// page sizes of the list).
const STATEMENT_CACHE: usize = 16;

/// A pool of query-only connections to one database file. A connection is out
/// only while one synchronous read runs, so the pool never holds more than one
/// per thread that reads at the same time (the runtime's workers).
pub struct DirectReads {
    path: PathBuf,
    idle: Mutex<Vec<Idle>>,
}

struct Idle {
    conn: Connection,
    since: Instant,
}

impl DirectReads {
    /// Direct reads of the database file at `path`, whose idle connections are
    /// closed while the store lives (`idle`).
    pub fn start(path: &Path, pool: &SqlitePool) -> Arc<Self> {
        let direct = Arc::new(DirectReads {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        });
        super::idle::spawn_reaper(pool.clone(), &direct);
        direct
    }

    fn open(&self) -> Result<Connection, StoreError> {
        // Read-write without create: the sqlx pool made and migrated the file,
        // and a read-only open cannot recover a WAL whose -shm is gone.
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch(&format!(
            "PRAGMA query_only = ON; PRAGMA cache_size = -{}; PRAGMA temp_store = memory;",
            super::CACHE_KIB
        ))?;
        // A reader is busy only while a checkpoint restarts the log or the
        // log is recovered; rather than block the request's thread for it, a
        // busy read goes to the pool (`StoreError::Unavailable`), which waits
        // off the thread.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }

    /// Runs `read` on an idle connection, or a new one.
    fn with<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = self.lock().pop();
        let conn = match idle {
            Some(i) => i.conn,
            None => self.open()?,
        };
        let result = read(&conn);
        self.lock().push(Idle {
            conn,
            since: Instant::now(),
        });
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Idle>> {
        // A panic while holding the lock leaves a valid Vec: keep using it.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the connections idle for longer than `timeout`, and with them
    /// their page caches; returns how many.
    pub fn close_idle(&self, timeout: Duration) -> usize {
        let closing: Vec<Idle> = {
            let mut idle = self.lock();
            let (keep, close) = idle.drain(..).partition(|i| i.since.elapsed() < timeout);
            *idle = keep;
            close
        };
        // Closed here, outside the lock.
        closing.len()
    }

    #[cfg(test)]
    pub fn idle_count(&self) -> usize {
        self.lock().len()
    }

    /// Whether a list is one of the short reads done here.
    pub fn takes(filter: &UserFilter, page: PageRequest) -> bool {
        *filter == UserFilter::default() && page.offset <= MAX_OFFSET
    }

    pub fn find_key(&self, prefix: &str) -> Result<Option<(StoredKey, Tenant)>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(super::FIND_KEY)?;
            let row = stmt
                .query_row([prefix], |r| {
                    Ok((
                        KeyRow::from_rusqlite(r, 0)?,
                        r.get::<_, Option<String>>(7)?,
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<i64>>(9)?,
                    ))
                })
                .optional()?;
            let Some((key, slug, name, created_at)) = row else {
                return Ok(None);
            };
            key_and_tenant(key, slug, name, created_at).map(Some)
        })
    }

    pub fn get_user(&self, tenant_id: &str, id: &str) -> Result<Option<User>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE users.id = ? AND users.tenant_id = ?"
            ))?;
            let row = stmt
                .query_row([id, tenant_id], |r| UserRow::from_rusqlite(r, 0))
                .optional()?;
            row.map(User::try_from).transpose()
        })
    }

    /// A plain list (see [`DirectReads::takes`]): the same statement as the
    /// sqlx path, whose binds are, in order, the tenant (for the total), the
    /// tenant (for the page), the limit and the offset.
    pub fn list_users(&self, tenant_id: &str, page: PageRequest) -> Result<UserPage, StoreError> {
        let filter = UserFilter::default();
        let sql = super::page_query("", tenant_id, &filter, page).into_sql();
        let limit = i64::from(page.limit);
        let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut total = None;
            let mut users = Vec::new();
            let mut rows = stmt.query(rusqlite::params![tenant_id, tenant_id, limit, offset])?;
            while let Some(r) = rows.next()? {
                // `total`, then the user's columns.
                total.get_or_insert(r.get::<_, i64>(0)?);
                users.push(ListedUser::try_from(ListedRow::from_rusqlite(r, 1)?)?);
            }
            let total = match total {
                Some(t) => t,
                // An empty page carries no total: count on its own.
                None => {
                    let mut count = sqlx::QueryBuilder::new("SELECT ");
                    super::push_total(&mut count, tenant_id, &filter);
                    conn.prepare_cached(count.sql())?
                        .query_row([tenant_id], |r| r.get(0))?
                }
            };
            Ok(UserPage {
                users,
                total: u64::try_from(total).unwrap_or(0),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    //! The direct reads answer exactly what the pool answers: the same rows in
    //! a file (direct reads) and in memory (the pool alone).

    use std::time::Duration;

    use super::super::SqliteStore;
    use crate::keys::{self, Scope};
    use crate::model::build_user;
    use crate::model::{NewUser, Tenant, Timestamp};
    use crate::store::{PageRequest, Store, UserFilter};

    #[tokio::test]
    async fn direct_reads_answer_what_the_pool_answers() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("direct.db").display());
        let file = SqliteStore::open(&url).await.unwrap();
        let memory = SqliteStore::open("sqlite::memory:").await.unwrap();
        assert!(file.direct.is_some() && memory.direct.is_none());

        let tenant = Tenant {
            id: "ten_direct01".into(),
            slug: "direct".into(),
            name: "Direct".into(),
            created_at: Timestamp(1_000),
        };
        let key = keys::generate(&tenant.id, vec![Scope::UsersRead], None).stored;
        let metadata = serde_json::json!({"plan": "pro", "seats": 3});
        let users: Vec<_> = (0..7)
            .map(|i| {
                let mut u = build_user(
                    &tenant.id,
                    NewUser {
                        display_name: Some(format!("User {i}")),
                        metadata: metadata.as_object().cloned().unwrap_or_default(),
                        ..NewUser::default()
                    },
                );
                // Ties on created_at: the id decides the order.
                u.created_at = Timestamp(2_000 + i % 3);
                u
            })
            .collect();
        for store in [&file, &memory] {
            store.insert_tenant(&tenant).await.unwrap();
            store.insert_key(&key).await.unwrap();
            assert_eq!(store.insert_users(&users).await.unwrap(), 7);
        }

        for _ in 0..2 {
            assert_eq!(
                file.find_key(&key.prefix).await.unwrap(),
                Some((key.clone(), tenant.clone()))
            );
            assert_eq!(file.find_key("rk_live_00000000").await.unwrap(), None);
            for u in &users {
                assert_eq!(
                    file.get_user(&tenant.id, &u.id).await.unwrap().as_ref(),
                    Some(u)
                );
            }
            assert_eq!(
                file.get_user("ten_other", &users[0].id).await.unwrap(),
                None
            );
            // First page, a middle one, past the end (a total without rows),
            // past MAX_OFFSET (the pool), another tenant.
            for (tenant_id, limit, offset) in [
                (&tenant.id[..], 20, 0),
                (&tenant.id[..], 2, 3),
                (&tenant.id[..], 2, 10),
                (&tenant.id[..], 2, 5_000),
                ("ten_other", 20, 0),
            ] {
                let page = PageRequest { limit, offset };
                let f = UserFilter::default();
                assert_eq!(
                    file.list_users(tenant_id, &f, page).await.unwrap(),
                    memory.list_users(tenant_id, &f, page).await.unwrap(),
                    "{tenant_id} limit {limit} offset {offset}"
                );
            }
            // Closing the idle connections loses nothing: the next read opens one.
            if let Some(direct) = &file.direct {
                let open = direct.idle_count();
                assert!(open > 0);
                assert_eq!(direct.close_idle(Duration::ZERO), open);
                assert_eq!(direct.idle_count(), 0);
            }
        }
    }
}
