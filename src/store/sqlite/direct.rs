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
//!
//! Inside a request's [`one_snapshot`] (the server's GET and HEAD requests),
//! the key's lookup leaves its read transaction open for the read after it,
//! so that a list page is one transaction, not two: starting and ending a
//! read transaction takes a lock on the log's index, shared with other
//! processes (`fcntl`), which was a tenth of a list request's CPU. The
//! transaction ends with that read, before any read or write on the pool
//! (`SqliteStore::pool`), or with the request.
//!
//! A key read once is not read again while nothing was committed to the file
//! since (`stamp`): the request then takes no transaction for its key, and a
//! list page kept encoded (`server::pages`) none at all.

use std::cell::RefCell;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use sqlx::SqlitePool;

use super::super::row::{KeyRow, ListedRow, USER_COLUMNS, UserRow, key_and_tenant};
use super::super::{PageRequest, StoreError, UserFilter, UserPage};
use super::stamp::{Remembered, Stamps};
use crate::keys::StoredKey;
use crate::model::{ListedUser, Tenant, User};

tokio::task_local! {
    /// The read transaction a request's key lookup left open, if any.
    static SNAPSHOT: RefCell<Option<Held>>;
}

/// Runs `request` so that its key lookup and the direct read after it share
/// one read transaction. For requests that write nothing: a write on the pool
/// would not be seen by a later direct read in the same snapshot.
pub async fn one_snapshot<F: Future>(request: F) -> F::Output {
    SNAPSHOT.scope(RefCell::new(None), request).await
}

/// Ends the calling request's open read transaction, if it has one.
pub fn end_snapshot() {
    // Outside a request's scope there is nothing to end.
    let _ = SNAPSHOT.try_with(|held| held.borrow_mut().take());
}

/// A connection in a read transaction, given back when dropped; or, for a key
/// answered from what was read under the current stamp, no connection.
struct Held {
    reads: Arc<DirectReads>,
    conn: Option<Connection>,
    /// The key's tenant and its `users_tag` in this snapshot.
    tag: Option<Tag>,
}

/// A tenant and its `users_tag`.
type Tag = (String, i64);

/// What a key's lookup found: the key and its tenant, and the tenant's tag.
type FoundKey = (Option<(StoredKey, Tenant)>, Option<Tag>);

impl Held {
    /// Whether this is a snapshot of `reads`' file (a test's requests may
    /// read more than one store).
    fn of(&self, reads: &DirectReads) -> bool {
        std::ptr::eq(Arc::as_ptr(&self.reads), reads)
    }
}

/// Runs one of the statements that begin and end a transaction.
fn run(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

impl Drop for Held {
    fn drop(&mut self) {
        // One that cannot end its transaction is closed instead.
        if let Some(conn) = self.conn.take().filter(|c| run(c, "COMMIT").is_ok()) {
            self.reads.give_back(conn);
        }
    }
}

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
/// while one synchronous read runs, or from a request's key lookup to the
/// read after it (`one_snapshot`), so the pool holds about one per request in
/// flight at most, and one per runtime worker under a steady load.
pub struct DirectReads {
    path: PathBuf,
    idle: Mutex<Vec<Idle>>,
    /// `None` when the file's commits cannot be told apart this way: every
    /// key is then read in a transaction.
    stamps: Option<Stamps>,
    /// Keys looked up by prefix, as read after the header was its stamp.
    keys: Mutex<Remembered<FoundKey>>,
}

struct Idle {
    conn: Connection,
    since: Instant,
}

impl DirectReads {
    /// Direct reads of the database file at `path`, whose idle connections are
    /// closed while the store lives (`idle`).
    pub fn start(path: &Path, pool: &SqlitePool) -> Arc<Self> {
        let stamps = Stamps::open(path).unwrap_or_else(|e| {
            tracing::debug!("every key is read in a transaction: {e}");
            None
        });
        let direct = Arc::new(DirectReads {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            stamps,
            keys: Mutex::default(),
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

    /// Runs `read` on an idle connection, or a new one; in a request's
    /// snapshot, on the connection its key lookup left in a transaction.
    fn with<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let held = SNAPSHOT.try_with(|h| h.borrow_mut().take()).ok().flatten();
        // A snapshot of another store's file (a test's), or one without a
        // transaction, ends here, unused.
        if let Some(held) = held.filter(|h| h.of(self)) {
            if let Some(conn) = &held.conn {
                // `held` ends the transaction and gives its connection back
                // when dropped, after the read.
                return read(conn);
            }
        }
        let conn = self.take()?;
        let result = read(&conn);
        self.give_back(conn);
        result
    }

    /// Runs `read` and, in a request's snapshot, leaves its transaction open
    /// for the request's next direct read, with the tenant's tag `read` gave.
    fn begin_with<T>(
        self: &Arc<Self>,
        read: impl FnOnce(&Connection) -> Result<(T, Option<Tag>), StoreError>,
    ) -> Result<(T, Option<Tag>), StoreError> {
        end_snapshot();
        let in_request = SNAPSHOT.try_with(|_| ()).is_ok();
        if !in_request {
            return self.with(read);
        }
        let conn = self.take()?;
        if let Err(e) = run(&conn, "BEGIN") {
            self.give_back(conn);
            return Err(e);
        }
        let mut held = Held {
            reads: Arc::clone(self),
            conn: Some(conn),
            tag: None,
        };
        // On an error, `held` is dropped here, which ends the transaction.
        let (found, tag) = read(held.conn.as_ref().expect("just set"))?;
        held.tag.clone_from(&tag);
        let _ = SNAPSHOT.try_with(|h| *h.borrow_mut() = Some(held));
        Ok((found, tag))
    }

    /// Gives the calling request a snapshot with `tag` and no transaction.
    fn hold_tag(self: &Arc<Self>, tag: Option<Tag>) {
        end_snapshot();
        let held = Held {
            reads: Arc::clone(self),
            conn: None,
            tag,
        };
        let _ = SNAPSHOT.try_with(|h| *h.borrow_mut() = Some(held));
    }

    /// The tenant's `users_tag` as the calling request's open snapshot of
    /// this file sees it, if its key lookup was of that tenant.
    pub fn users_tag(&self, tenant_id: &str) -> Option<i64> {
        SNAPSHOT
            .try_with(|held| {
                let held = held.borrow();
                let held = held.as_ref().filter(|h| h.of(self))?;
                held.tag
                    .as_ref()
                    .filter(|(tenant, _)| tenant == tenant_id)
                    .map(|&(_, tag)| tag)
            })
            .ok()
            .flatten()
    }

    fn take(&self) -> Result<Connection, StoreError> {
        let idle = self.lock().pop();
        match idle {
            Some(i) => Ok(i.conn),
            None => self.open(),
        }
    }

    /// Puts `conn`, in no transaction, back with the idle ones.
    fn give_back(&self, conn: Connection) {
        self.lock().push(Idle {
            conn,
            since: Instant::now(),
        });
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

    /// Whether the calling request holds a read transaction on this file.
    #[cfg(test)]
    pub fn in_transaction(&self) -> bool {
        SNAPSHOT
            .try_with(|h| {
                h.borrow()
                    .as_ref()
                    .is_some_and(|h| h.of(self) && h.conn.is_some())
            })
            .unwrap_or(false)
    }

    #[cfg(test)]
    pub fn idle_count(&self) -> usize {
        self.lock().len()
    }

    /// Whether a list is one of the short reads done here.
    pub fn takes(filter: &UserFilter, page: PageRequest) -> bool {
        *filter == UserFilter::default() && page.offset <= MAX_OFFSET
    }

    /// The key and its tenant. Read again only once something was committed
    /// since it was last read, so a key revoked by any process is refused by
    /// the next request.
    pub fn find_key(
        self: &Arc<Self>,
        prefix: &str,
    ) -> Result<Option<(StoredKey, Tenant)>, StoreError> {
        // Taken before the transaction begins, so that what it reads is at
        // least as new as the stamp.
        let stamp = self.stamps.as_ref().and_then(Stamps::now);
        if let Some(now) = &stamp {
            let known = self.known_keys().get(now, prefix);
            if let Some((found, tag)) = known {
                self.hold_tag(tag);
                return Ok(found);
            }
        }
        let (found, tag) = self.read_key(prefix)?;
        if let Some(stamp) = stamp {
            self.known_keys()
                .put(stamp, prefix, (found.clone(), tag.clone()));
        }
        Ok(found)
    }

    fn known_keys(&self) -> std::sync::MutexGuard<'_, Remembered<FoundKey>> {
        // A panic while holding the lock leaves a valid map: keep using it.
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read_key(self: &Arc<Self>, prefix: &str) -> Result<FoundKey, StoreError> {
        self.begin_with(|conn| {
            let mut stmt = conn.prepare_cached(super::FIND_KEY)?;
            let row = stmt
                .query_row([prefix], |r| {
                    Ok((
                        KeyRow::from_rusqlite(r, 0)?,
                        r.get::<_, Option<String>>(7)?,
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<i64>>(9)?,
                        r.get::<_, Option<i64>>(10)?,
                    ))
                })
                .optional()?;
            let Some((key, slug, name, created_at, tag)) = row else {
                return Ok((None, None));
            };
            let (key, tenant) = key_and_tenant(key, slug, name, created_at)?;
            let tag = tag.map(|t| (tenant.id.clone(), t));
            Ok((Some((key, tenant)), tag))
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
    use crate::model::{Actor, NewUser, Tenant, Timestamp};
    use crate::store::{PageRequest, Store, UserFilter, UserPage};

    /// A tenant named for its slug, and a read key of its own (not stored).
    fn tenant_and_key(slug: &str) -> (Tenant, keys::StoredKey) {
        let tenant = Tenant {
            id: format!("ten_{slug:0<8}"),
            slug: slug.into(),
            name: slug.into(),
            created_at: Timestamp(1_000),
        };
        let key = keys::generate(&tenant.id, vec![Scope::UsersRead], None).stored;
        (tenant, key)
    }

    #[tokio::test]
    async fn direct_reads_answer_what_the_pool_answers() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("direct.db").display());
        let file = SqliteStore::open(&url).await.unwrap();
        let memory = SqliteStore::open("sqlite::memory:").await.unwrap();
        assert!(file.direct.is_some() && memory.direct.is_none());

        let (tenant, key) = tenant_and_key("direct");
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

    /// In a request's snapshot the key and the read after it see the same
    /// state, whatever commits in between; the read, or a call to the pool,
    /// ends the snapshot, and the connection goes back.
    #[tokio::test]
    async fn a_requests_key_and_next_read_share_one_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("snapshot.db").display());
        let reader = SqliteStore::open(&url).await.unwrap();
        // Another process's writes, as `raven-server seed` makes them, from
        // outside the request's task (whose pool calls end its snapshot).
        let writer = std::sync::Arc::new(SqliteStore::open(&url).await.unwrap());
        let write = |user| {
            let writer = std::sync::Arc::clone(&writer);
            async move {
                tokio::spawn(async move { writer.insert_user(&user, &Actor::default()).await })
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        let (tenant, key) = tenant_and_key("snap");
        writer.insert_tenant(&tenant).await.unwrap();
        writer.insert_key(&key).await.unwrap();
        let add = || build_user(&tenant.id, NewUser::default());
        write(add()).await;
        let page = PageRequest {
            limit: 20,
            offset: 0,
        };
        let f = UserFilter::default();
        let total = |p: UserPage| p.total;

        let tag = || reader.users_tag(&tenant.id);
        assert_eq!(tag(), None, "outside a request's snapshot");
        let (in_snapshot, after_read, tags) = super::one_snapshot(async {
            assert!(reader.find_key(&key.prefix).await.unwrap().is_some());
            let before = tag();
            assert!(before.is_some());
            assert_eq!(reader.users_tag("ten_other"), None, "not the key's tenant");
            write(add()).await;
            // The snapshot's tag, as its users, stays what it was.
            assert_eq!(tag(), before);
            let seen = total(reader.list_users(&tenant.id, &f, page).await.unwrap());
            assert_eq!(tag(), None, "the read ended the snapshot");
            // That read ended the snapshot: the next one sees the new user.
            (
                seen,
                total(reader.list_users(&tenant.id, &f, page).await.unwrap()),
                before,
            )
        })
        .await;
        assert_eq!((in_snapshot, after_read), (1, 2));
        let after_write = super::one_snapshot(async {
            reader.find_key(&key.prefix).await.unwrap();
            tag()
        })
        .await;
        assert!(
            after_write.is_some() && after_write != tags,
            "a write changes the tag"
        );

        let after_pool = super::one_snapshot(async {
            assert!(reader.find_key(&key.prefix).await.unwrap().is_some());
            write(add()).await;
            let _ = reader.pool();
            total(reader.list_users(&tenant.id, &f, page).await.unwrap())
        })
        .await;
        assert_eq!(after_pool, 3, "a call to the pool ends the snapshot");

        // A snapshot left open by the key alone ends with the request, and
        // its connection is idle again.
        let direct = reader.direct.as_ref().unwrap();
        let idle = direct.idle_count();
        super::one_snapshot(async {
            assert!(reader.find_key(&key.prefix).await.unwrap().is_some());
            assert_eq!(direct.idle_count(), idle - 1);
        })
        .await;
        assert_eq!(direct.idle_count(), idle);
        write(add()).await;
        assert_eq!(
            total(reader.list_users(&tenant.id, &f, page).await.unwrap()),
            4
        );
    }

    /// A key is read in a transaction once; while nothing is committed to the
    /// file it is answered without one, with its tenant's tag; any commit, by
    /// this store, another process or a shell, has the next lookup read again.
    #[tokio::test]
    async fn a_key_is_read_again_only_after_a_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.db");
        let url = format!("sqlite://{}", path.display());
        let reader = SqliteStore::open(&url).await.unwrap();
        let writer = SqliteStore::open(&url).await.unwrap();
        let (tenant, key) = tenant_and_key("keys");
        writer.insert_tenant(&tenant).await.unwrap();
        writer.insert_key(&key).await.unwrap();
        let direct = reader.direct.as_ref().unwrap();
        // What a request's lookup finds, whether it began a transaction, and
        // the tag it leaves for the request.
        let lookup = || async {
            super::one_snapshot(async {
                let found = reader.find_key(&key.prefix).await.unwrap();
                (found, direct.in_transaction(), reader.users_tag(&tenant.id))
            })
            .await
        };

        let (first, took, tag) = lookup().await;
        assert_eq!(first, Some((key.clone(), tenant.clone())));
        assert!(took && tag.is_some(), "the first lookup reads");
        assert_eq!(
            lookup().await,
            (first.clone(), false, tag),
            "no commit since"
        );
        assert_eq!(
            reader.find_key(&key.prefix).await.unwrap(),
            first,
            "outside a request as well"
        );

        // Another process revokes it.
        writer.revoke_key(&key.prefix).await.unwrap();
        let (revoked, took, _) = lookup().await;
        assert!(took);
        assert!(revoked.unwrap().0.revoked_at.is_some());
        assert!(!lookup().await.1);

        // A shell on the file takes the revocation back.
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute("UPDATE api_keys SET revoked_at = NULL", [])
            .unwrap();
        let (again, took, _) = lookup().await;
        assert!(took && again.unwrap().0.revoked_at.is_none());

        // A user's commit changes the tag the next lookup leaves.
        writer
            .insert_user(
                &build_user(&tenant.id, NewUser::default()),
                &Actor::default(),
            )
            .await
            .unwrap();
        let (_, took, after) = lookup().await;
        assert!(took && after.is_some() && after != tag);
        assert_eq!(lookup().await, (first, false, after));

        // An unknown prefix is remembered too, and found once it is added.
        let late = keys::generate(&tenant.id, vec![Scope::UsersRead], None).stored;
        assert_eq!(reader.find_key(&late.prefix).await.unwrap(), None);
        writer.insert_key(&late).await.unwrap();
        assert!(reader.find_key(&late.prefix).await.unwrap().is_some());
    }
}
