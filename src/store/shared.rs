//! What the two stores write and refuse alike, built once for either database:
//! the key insert (placeholders come from `QueryBuilder`), and the reading of a
//! unique violation (the `on_constraint` of realworld-axum-sqlx).

use sqlx::{Database, QueryBuilder};

use super::{StoreError, UniqueKey, UserFilter};
use crate::keys::{StoredKey, format_scopes};
use crate::model::{Timestamp, User};
use crate::store::row::{KEY_COLUMNS, TENANT_COLUMNS};

/// ` AND ...` of a list's external_ref, role and status filters, on the rows
/// named `users`.
pub fn push_filters<'a, DB>(qb: &mut QueryBuilder<'a, DB>, f: &'a UserFilter)
where
    DB: Database,
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    if let Some(r) = &f.external_ref {
        qb.push(" AND users.external_ref = ").push_bind(r);
    }
    if let Some(r) = f.role {
        qb.push(" AND users.role = ")
            .push_bind::<&'a str>(r.as_str());
    }
    if let Some(s) = f.status {
        qb.push(" AND users.status = ")
            .push_bind::<&'a str>(s.as_str());
    }
}

/// A unique value a write collided with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Slug,
    ExternalRef,
    Email,
    Username,
}

/// The unique value `e` says was taken, if it is a unique violation.
/// PostgreSQL names the constraint; SQLite names the columns in its message.
pub fn taken(e: &sqlx::Error) -> Option<Taken> {
    let db = e.as_database_error().filter(|d| d.is_unique_violation())?;
    let what = db.constraint().unwrap_or_else(|| db.message());
    if what.contains("external_ref") {
        Some(Taken::ExternalRef)
    } else if what.contains("username") {
        Some(Taken::Username)
    } else if what.contains("email") {
        Some(Taken::Email)
    } else if what.contains("slug") {
        Some(Taken::Slug)
    } else {
        None
    }
}

impl Taken {
    /// The field as the API names it, and the user's value of it.
    fn of(self, user: &User) -> (&'static str, Option<&String>) {
        match self {
            Taken::ExternalRef => ("external_ref", user.external_ref.as_ref()),
            Taken::Email => ("email", user.email.as_ref()),
            Taken::Username => ("username", Some(&user.username)),
            Taken::Slug => ("slug", None),
        }
    }
}

/// What a store answers when writing `user` hit a unique value: `Conflict`
/// naming the field and, as `holder` finds it, the user who holds the value.
/// Any other error passes through.
pub async fn conflict_or<F, Fut>(e: sqlx::Error, user: &User, holder: F) -> StoreError
where
    F: FnOnce(&'static str, String) -> Fut,
    Fut: Future<Output = Option<String>>,
{
    let Some((field, value)) = taken(&e).filter(|t| *t != Taken::Slug).map(|t| t.of(user)) else {
        return e.into();
    };
    let existing_user_id = match value {
        Some(v) => holder(field, v.clone()).await,
        None => None,
    };
    StoreError::Conflict {
        field,
        value: value.cloned().unwrap_or_default(),
        existing_user_id,
    }
}

/// `SELECT id` of the other user of `user`'s tenant whose `column` is `value`.
pub fn holder_query<'a, DB>(
    column: &'static str,
    user: &'a User,
    value: String,
) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    // Usernames are unique ignoring case: their fold is what collided.
    let (column, value) = match column {
        "username" => ("username_fold", crate::model::fold(&value)),
        _ => (column, value),
    };
    let mut qb = QueryBuilder::new("SELECT id FROM users WHERE tenant_id = ");
    qb.push_bind(&user.tenant_id)
        .push(format!(" AND {column} = "))
        .push_bind(value)
        .push(" AND id <> ")
        .push_bind(&user.id);
    qb
}

/// The insert of an API key.
pub fn insert_key_query<'a, DB>(k: &'a StoredKey) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a Vec<u8>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut qb = QueryBuilder::new(
        "INSERT INTO api_keys (prefix, tenant_id, hash, scopes, user_id, created_at, revoked_at) ",
    );
    qb.push_values([k], |mut b, k| {
        b.push_bind(&k.prefix)
            .push_bind(&k.tenant_id)
            .push_bind(&k.hash)
            .push_bind(format_scopes(&k.scopes))
            .push_bind(&k.user_id)
            .push_bind(k.created_at.millis())
            .push_bind(k.revoked_at.map(Timestamp::millis));
    });
    qb
}

/// A batch insert's unique violation: which field, not which row (the
/// caller checked the batch against the tenant first; this is a race lost).
pub fn batch_conflict_or(e: sqlx::Error) -> StoreError {
    let field = match taken(&e) {
        Some(Taken::ExternalRef) => "external_ref",
        Some(Taken::Email) => "email",
        Some(Taken::Username) => "username",
        _ => return e.into(),
    };
    StoreError::Conflict {
        field,
        value: "(a value another writer took meanwhile)".into(),
        existing_user_id: None,
    }
}

/// A tenant insert's unique violation: its slug is taken.
pub fn tenant_conflict_or(e: sqlx::Error, slug: &str) -> StoreError {
    if taken(&e).is_some() {
        StoreError::Conflict {
            field: "slug",
            value: slug.to_string(),
            existing_user_id: None,
        }
    } else {
        e.into()
    }
}

/// Values a `taken` look-up sends in one statement.
pub const TAKEN_CHUNK: usize = 500;

/// `SELECT` of those of `values` (at most `TAKEN_CHUNK`) the tenant's users
/// hold as `key`.
pub fn taken_query<'a, DB>(
    tenant_id: &'a str,
    key: UniqueKey,
    values: &'a [String],
) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let column = key.column();
    let mut qb = QueryBuilder::new(format!("SELECT {column} FROM users WHERE tenant_id = "));
    qb.push_bind(tenant_id).push(format!(" AND {column} IN ("));
    let mut list = qb.separated(", ");
    for v in values {
        list.push_bind(v);
    }
    qb.push(")");
    qb
}

/// A tenant by its id or its slug.
pub fn find_tenant_query<'a, DB>(id_or_slug: &'a str) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut qb = QueryBuilder::new(format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = "));
    qb.push_bind(id_or_slug)
        .push(" OR slug = ")
        .push_bind(id_or_slug);
    qb
}

/// A tenant's keys, oldest first.
pub fn list_keys_query<'a, DB>(tenant_id: &'a str) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut qb = QueryBuilder::new(format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id = "
    ));
    qb.push_bind(tenant_id).push(" ORDER BY created_at, prefix");
    qb
}

/// Marks a key revoked now, or keeps the time it was revoked first.
pub fn revoke_key_query<'a, DB>(prefix: &'a str) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut qb = QueryBuilder::new("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ");
    qb.push_bind(Timestamp::now().millis())
        .push(") WHERE prefix = ")
        .push_bind(prefix);
    qb
}
