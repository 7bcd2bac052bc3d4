//! `raven-server backup` on SQLite: `VACUUM INTO`, one read transaction, so the
//! copy is the database as of one moment while writers go on (in WAL mode a
//! reader blocks no writer), and it comes out compacted.

use std::path::Path;

use sqlx::SqlitePool;

use crate::store::StoreError;

/// Copies the database to `to` (which must not exist), through a file beside
/// it that is renamed only once complete, so no half-written copy is ever
/// found under the backup's name.
pub(super) async fn vacuum_into(pool: &SqlitePool, to: &Path) -> Result<(), StoreError> {
    if to.exists() {
        return Err(StoreError::Unsupported(format!(
            "{} already exists; name a new file (a backup never overwrites one)",
            to.display()
        )));
    }
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let target = partial
        .to_str()
        .ok_or_else(|| StoreError::Unsupported(format!("{} is not UTF-8", to.display())))?;
    let copied = sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(pool)
        .await;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    std::fs::rename(&partial, to)
        .map_err(|e| StoreError::Unsupported(format!("{}: {e}", to.display())))
}
