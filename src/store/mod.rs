//! Persistence: one `Store` trait, one implementation per database. The store
//! knows one user record; the dialects are views the server builds on top.

mod audit;
mod condition;
mod error;
mod pg_search;
mod postgres;
mod postgres_bulk;
mod row;
#[cfg(test)]
mod search_tests;
mod shared;
mod sqlite;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use async_trait::async_trait;

pub use audit::{AuditFilter, AuditPage};
pub use condition::{Condition, TextField, TextOp, TimeField, TimeOp};
pub use error::StoreError;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
/// Runs a request that writes nothing so that its key lookup and the read
/// after it share one read transaction, where the store can (SQLite's direct
/// reads); elsewhere it only runs it.
pub use sqlite::one_snapshot;

use crate::keys::StoredKey;
use crate::model::{Actor, ListedUser, Role, Status, Tenant, Timestamp, User};

/// Filters of a user list; they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    pub external_ref: Option<String>,
    pub role: Option<Role>,
    pub status: Option<Status>,
    /// Case-insensitive substring of the display name or the email.
    pub search: Option<String>,
    /// Which of the two `search` looks in.
    pub search_in: SearchIn,
    /// The list's order; `None` is the default, newest first.
    pub sort: Option<Sort>,
    /// Further conditions, all of which must hold (SCIM's filters).
    pub conditions: Vec<Condition>,
}

/// Where a search looks: the display name, the email, or either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SearchIn {
    #[default]
    Both,
    Name,
    Email,
}

impl SearchIn {
    /// The trigram index's columns this search reads.
    pub(crate) fn fts_columns(self) -> &'static str {
        match self {
            SearchIn::Both => "{display_name email}",
            SearchIn::Name => "{display_name}",
            SearchIn::Email => "{email}",
        }
    }

    pub(crate) fn name(self) -> bool {
        self != SearchIn::Email
    }

    pub(crate) fn email(self) -> bool {
        self != SearchIn::Name
    }
}

/// What a list can be sorted by, whatever a dialect calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// Folded, like the uniqueness it keeps (SCIM's userName).
    Username,
    DisplayName,
    Email,
    ExternalRef,
    Role,
    Status,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

impl SortKey {
    /// Whether a user may have no value for it (those come last either way).
    pub fn nullable(self) -> bool {
        !matches!(
            self,
            SortKey::Username | SortKey::Role | SortKey::Status | SortKey::CreatedAt
        )
    }
}

/// A list order other than the default: by `key`, users without a value
/// last in both directions, ties by id in the same direction as the key (so
/// `-created_at` is the default order, and a page never drifts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    /// `ASC` or `DESC`.
    pub(crate) fn dir(self) -> &'static str {
        if self.descending { "DESC" } else { "ASC" }
    }
}

impl UserFilter {
    /// The filter as the stores compare it: the search needle case-folded
    /// like the `name_fold` and `email_fold` columns (`model::fold`).
    pub(crate) fn folded(&self) -> UserFilter {
        UserFilter {
            search: self.search.as_deref().map(crate::model::fold),
            ..self.clone()
        }
    }
}

/// A user's values that are unique within a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    ExternalRef,
    Email,
}

impl UniqueKey {
    pub fn column(self) -> &'static str {
        match self {
            UniqueKey::ExternalRef => "external_ref",
            UniqueKey::Email => "email",
        }
    }
}

/// Which slice of the list (in the order of `UserFilter::sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub limit: u32,
    pub offset: u64,
}

/// One page of users and how many match the filters in all.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPage {
    pub users: Vec<ListedUser>,
    pub total: u64,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn insert_tenant(&self, tenant: &Tenant) -> Result<(), StoreError>;
    /// A tenant by its id (`ten_...`) or its slug.
    async fn find_tenant(&self, id_or_slug: &str) -> Result<Option<Tenant>, StoreError>;

    async fn insert_key(&self, key: &StoredKey) -> Result<(), StoreError>;
    /// A key and its tenant, by the key's public prefix, revoked or not.
    async fn find_key(&self, prefix: &str) -> Result<Option<(StoredKey, Tenant)>, StoreError>;
    async fn list_keys(&self, tenant_id: &str) -> Result<Vec<StoredKey>, StoreError>;
    /// Marks the key revoked; `false` when there is no such key.
    async fn revoke_key(&self, prefix: &str) -> Result<bool, StoreError>;

    /// Inserts one user and its `create` event by `actor`, in one
    /// transaction; a taken external_ref or email is `StoreError::Conflict`.
    async fn insert_user(&self, user: &User, actor: &Actor) -> Result<(), StoreError>;

    /// Inserts many users in few transactions, skipping any whose external_ref
    /// or email is taken; returns how many went in.
    async fn insert_users(&self, users: &[User]) -> Result<u64, StoreError>;
    /// Inserts every user in one transaction, new ids in the tenant's order; a
    /// taken external_ref or email fails them all (`Conflict`) and nothing is
    /// written (`raven-server import`).
    async fn insert_all(&self, users: &[User]) -> Result<(), StoreError>;
    /// Which of `values` users of the tenant already hold as `key`.
    async fn taken(
        &self,
        tenant_id: &str,
        key: UniqueKey,
        values: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError>;
    /// Starts a bulk load (`raven-server seed`): insert batches, then `finish`.
    /// What the store can make faster for many rows at once it does here; on
    /// SQLite the whole load is one transaction, so nothing of it is visible,
    /// or kept, before `finish` succeeds. `expected` is how many users the
    /// load means to insert: against the users already stored, it tells the
    /// store whether rebuilding its indexes at the end is cheap next to the load.
    async fn bulk_load(&self, expected: u64) -> Result<Box<dyn BulkLoad + '_>, StoreError>;
    async fn get_user(&self, tenant_id: &str, id: &str) -> Result<Option<User>, StoreError>;
    async fn list_users(
        &self,
        tenant_id: &str,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<UserPage, StoreError>;
    /// A tag of the tenant's users as the calling request's snapshot sees
    /// them (`one_snapshot`, after its key lookup): while the tag is the same,
    /// so are the users, their order and their totals, whoever wrote them.
    /// `None` outside such a snapshot, and where the store keeps no tag
    /// (PostgreSQL, where one row written by every write would serialise the
    /// writers of all replicas).
    fn users_tag(&self, _tenant_id: &str) -> Option<i64> {
        None
    }
    /// Writes every mutable field of `user` if the stored version is still
    /// `expected_version` (compare-and-set), bumping the version and `updated_at`.
    /// Otherwise `StoreError::VersionMismatch`, and nothing is written. The
    /// `update` event by `actor` is written in the same transaction.
    async fn update_user(
        &self,
        user: &User,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<User, StoreError>;

    /// Deletes the user, if its version is still `expected_version` when one
    /// is given (else `VersionMismatch`); `NotFound` when there is no such
    /// user. The `delete` event by `actor` (every field the user held, to
    /// null) is written in the same transaction. Returns the user as it was.
    async fn delete_user(
        &self,
        tenant_id: &str,
        id: &str,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<User, StoreError>;

    /// The tenant's audit events under `filter`, newest first.
    async fn list_audit(
        &self,
        tenant_id: &str,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<AuditPage, StoreError>;
    /// Deletes the tenant's events from before `before`; returns how many.
    async fn prune_audit(&self, tenant_id: &str, before: Timestamp) -> Result<u64, StoreError>;

    /// Whether the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The pool's connections now: (open, idle), for `/metrics`.
    fn pool_use(&self) -> (u32, usize);

    /// Writes a consistent copy of the database to `to`, a file that must not
    /// exist yet, while the database stays in use. `Unsupported` where the
    /// database has its own tool for it (PostgreSQL: pg_dump).
    async fn backup(&self, to: &std::path::Path) -> Result<(), StoreError>;
}

/// A bulk load in progress (see [`Store::bulk_load`]).
#[async_trait]
pub trait BulkLoad: Send {
    /// Inserts users, skipping any whose external_ref or email is taken;
    /// returns how many went in.
    async fn insert(&mut self, users: &[User]) -> Result<u64, StoreError>;
    /// Ends the load; dropping it unfinished abandons what the store had not
    /// committed yet.
    async fn finish(self: Box<Self>) -> Result<(), StoreError>;
}

/// The plain bulk load: each batch through `insert_users`.
pub(crate) struct Batches<'a>(pub(crate) &'a dyn Store);

#[async_trait]
impl BulkLoad for Batches<'_> {
    async fn insert(&mut self, users: &[User]) -> Result<u64, StoreError> {
        self.0.insert_users(users).await
    }

    async fn finish(self: Box<Self>) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Opens the store a database URL names, creating and migrating it as needed:
/// `postgres://...`, `sqlite://PATH`, `sqlite::memory:` or a plain file path.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PgStore::open(url).await?));
    }
    if url.contains("://") && !url.starts_with("sqlite:") {
        return Err(StoreError::Open(format!(
            "unsupported database URL {url:?}: use sqlite://PATH or postgres://..."
        )));
    }
    Ok(Arc::new(SqliteStore::open(url).await?))
}

/// The database URL to use when none is given: the SQLite file in the data directory.
pub fn default_url() -> String {
    format!(
        "sqlite://{}",
        crate::paths::default_database_path().display()
    )
}
