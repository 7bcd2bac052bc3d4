//! Whether anything was committed to the database file since an earlier read,
//! told without a read transaction.
//!
//! Starting and ending a read transaction takes a lock on the log's index
//! (a mutex and an `fcntl`), and reading a key is a statement on top: on a
//! list page answered from the kept pages that was most of the request's CPU
//! (docs/BENCHMARKS.md, finding 21). In WAL mode every commit, by any process,
//! rewrites the header of the log's index (the `-shm` file), whose
//! `iChange` counts transactions and whose salts change whenever the log
//! starts over (<https://www.sqlite.org/walformat.html>). A header equal to
//! the one read before an earlier read transaction means no commit since, so
//! what that transaction read still holds. SQLite's own readers rely on the
//! same header, read without a lock in the same way: two copies, written in
//! opposite orders, are read and compared.
//!
//! The index file lives only while a connection has the database open: the
//! last one to close it deletes it, and the next to open it starts a new one.
//! A [`Stamps`] keeps a connection of its own open, so that the file it reads
//! is the one every process writes, for as long as it lives.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};

use super::super::StoreError;

/// Bytes of the index's header, one copy (`WalIndexHdr`).
const HEADER: usize = 48;
/// Where `isInit` sits in a copy: zero while the index is being rebuilt.
const IS_INIT: usize = 12;

/// The state of the database's committed contents, as of one read of the header.
pub type Stamp = [u8; HEADER];

/// Reads the header of one database file's log index.
pub struct Stamps {
    shm: File,
    /// Open for as long as `shm` is read, so that it stays the file in use
    /// (in a mutex only to be shared between threads; it is never used).
    _pin: Mutex<Connection>,
}

impl Stamps {
    /// Stamps of the WAL-mode database at `path`; `None` for a file in
    /// another journal mode, whose commits leave no such header.
    pub fn open(path: &Path) -> Result<Option<Stamps>, StoreError> {
        let pin = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        pin.execute_batch("PRAGMA query_only = ON; PRAGMA cache_size = 0;")?;
        let mode: String = pin.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Ok(None);
        }
        // A read opens the log and its index, and the connection keeps them open.
        pin.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        // SQLite's own name for the file (symbolic links resolved), plus `-shm`.
        let Some(name) = pin.path().filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let mut shm = PathBuf::from(name).into_os_string();
        shm.push("-shm");
        let shm = File::open(&shm).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Some(Stamps {
            shm,
            _pin: Mutex::new(pin),
        }))
    }

    /// The header as it is now; `None` while a writer is rewriting it or the
    /// index is being rebuilt, which callers take as "changed".
    pub fn now(&self) -> Option<Stamp> {
        let mut both = [0u8; 2 * HEADER];
        read_at(&self.shm, &mut both)?;
        let (first, second) = both.split_at(HEADER);
        if first != second || first[IS_INIT] == 0 {
            return None;
        }
        first.try_into().ok()
    }
}

/// Most answers kept under one stamp; past it they start over.
const MAX_REMEMBERED: usize = 4_096;

/// Answers read in a transaction that began after the header was `stamp`:
/// still the answers while the header is `stamp`.
pub struct Remembered<V> {
    stamp: Option<Stamp>,
    answers: std::collections::HashMap<String, V>,
}

impl<V: Clone> Default for Remembered<V> {
    fn default() -> Self {
        Remembered {
            stamp: None,
            answers: std::collections::HashMap::new(),
        }
    }
}

impl<V: Clone> Remembered<V> {
    /// The answer for `key`, if one was kept under the header as it is `now`.
    pub fn get(&self, now: &Stamp, key: &str) -> Option<V> {
        if self.stamp.as_ref() != Some(now) {
            return None;
        }
        self.answers.get(key).cloned()
    }

    /// Keeps `answer`, read after the header was `stamp`; answers kept under
    /// another stamp are dropped.
    pub fn put(&mut self, stamp: Stamp, key: &str, answer: V) {
        if self.stamp != Some(stamp) || self.answers.len() >= MAX_REMEMBERED {
            self.answers.clear();
            self.stamp = Some(stamp);
        }
        self.answers.insert(key.to_owned(), answer);
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8]) -> Option<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, 0).ok()
}

#[cfg(not(unix))]
fn read_at(_file: &File, _buf: &mut [u8]) -> Option<()> {
    // Elsewhere every read takes its transaction.
    None
}

#[cfg(test)]
mod tests {
    use super::Stamps;

    #[test]
    fn every_commit_from_any_connection_changes_the_stamp_and_a_read_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stamp.db");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER);")
            .unwrap();
        let stamps = Stamps::open(&path).unwrap().expect("a WAL file");
        let mut seen = vec![stamps.now().expect("a settled header")];
        for v in 0..3 {
            writer.execute("INSERT INTO t VALUES (?)", [v]).unwrap();
            seen.push(stamps.now().unwrap());
        }
        // A checkpoint that starts the log over changes it as well.
        writer
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t VALUES (9);")
            .unwrap();
        seen.push(stamps.now().unwrap());
        let distinct: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(distinct.len(), seen.len(), "each commit changed the stamp");

        let _: i64 = writer
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stamps.now().as_ref(), seen.last(), "a read changes nothing");
        // A failed write (a rolled-back transaction) commits nothing.
        writer
            .execute_batch("BEGIN; INSERT INTO t VALUES (10); ROLLBACK;")
            .unwrap();
        assert_eq!(stamps.now().as_ref(), seen.last());

        // The writer closing leaves the file open through the stamps' own
        // connection: a new writer's commit still shows.
        drop(writer);
        let again = rusqlite::Connection::open(&path).unwrap();
        again.execute("INSERT INTO t VALUES (11)", []).unwrap();
        assert_ne!(stamps.now().as_ref(), seen.last());
    }

    #[test]
    fn a_file_not_in_wal_mode_has_no_stamps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("delete.db");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (v INTEGER);")
            .unwrap();
        assert!(Stamps::open(&path).unwrap().is_none());
    }
}
