/// What can go wrong in a store, in terms the server maps to a status.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value (external_ref, email, tenant slug) is taken.
    #[error("{field} {value:?} is already taken")]
    Conflict {
        field: &'static str,
        value: String,
        /// The user that holds it, when it is a user's field.
        existing_user_id: Option<String>,
    },
    /// A compare-and-set lost: the record changed since it was read.
    #[error("the record was changed by someone else")]
    VersionMismatch,
    #[error("not found: {0}")]
    NotFound(String),
    /// The database cannot be reached right now; worth retrying.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Unsupported(String),
    /// A stored value that does not parse: a bug or a hand-edited database.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// From the reads SQLite answers on the request's thread (rusqlite).
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("cannot open the database: {0}")]
    Open(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                StoreError::Unavailable(e.to_string())
            }
            other => StoreError::Database(other),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{CannotOpen, DatabaseBusy, DatabaseLocked};
        match e.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked | CannotOpen) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Sqlite(e),
        }
    }
}
