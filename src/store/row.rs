//! Rows as the databases return them, and their conversion to the model.

use crate::keys::{Scope, StoredKey};
use crate::model::{ListedUser, Object, Tenant, Timestamp, User, fold};

use super::StoreError;

/// The user columns, in the order every query selects them.
pub const USER_COLUMNS: &str = "users.id AS id, users.tenant_id AS tenant_id, \
     users.external_ref AS external_ref, users.display_name AS display_name, users.email AS email, \
     users.avatar AS avatar, users.role AS role, users.status AS status, \
     users.metadata AS metadata, users.preferences AS preferences, \
     users.conversation_count AS conversation_count, users.version AS version, \
     users.created_at AS created_at, users.updated_at AS updated_at, \
     users.last_login_at AS last_login_at, users.username AS username";

/// The columns of a list item; the list statements select `USER_COLUMNS` and
/// this reads the ones a list shows.
#[derive(sqlx::FromRow)]
pub struct ListedRow {
    id: String,
    tenant_id: String,
    external_ref: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
    role: String,
    status: String,
    created_at: i64,
    updated_at: Option<i64>,
    last_login_at: Option<i64>,
    username: String,
}

#[derive(sqlx::FromRow)]
pub struct UserRow {
    #[sqlx(flatten)]
    listed: ListedRow,
    avatar: Option<String>,
    metadata: String,
    preferences: String,
    conversation_count: i64,
    version: i64,
}

fn object(column: &str, text: &str) -> Result<Object, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// rusqlite reads columns by position: looking a name up is a scan of the
/// statement's column names for every value (a fifth of a list request's CPU).
/// `at` is where `USER_COLUMNS` start; the offsets below follow its order.
impl ListedRow {
    pub fn from_rusqlite(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Self> {
        Ok(ListedRow {
            id: r.get(at)?,
            tenant_id: r.get(at + 1)?,
            external_ref: r.get(at + 2)?,
            display_name: r.get(at + 3)?,
            email: r.get(at + 4)?,
            role: r.get(at + 6)?,
            status: r.get(at + 7)?,
            created_at: r.get(at + 12)?,
            updated_at: r.get(at + 13)?,
            last_login_at: r.get(at + 14)?,
            username: r.get(at + 15)?,
        })
    }
}

impl UserRow {
    pub fn from_rusqlite(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Self> {
        Ok(UserRow {
            listed: ListedRow::from_rusqlite(r, at)?,
            avatar: r.get(at + 5)?,
            metadata: r.get(at + 8)?,
            preferences: r.get(at + 9)?,
            conversation_count: r.get(at + 10)?,
            version: r.get(at + 11)?,
        })
    }
}

impl TryFrom<ListedRow> for ListedUser {
    type Error = StoreError;

    fn try_from(r: ListedRow) -> Result<Self, StoreError> {
        Ok(ListedUser {
            role: r.role.parse().map_err(StoreError::Corrupt)?,
            status: r.status.parse().map_err(StoreError::Corrupt)?,
            id: r.id,
            tenant_id: r.tenant_id,
            username: r.username,
            external_ref: r.external_ref,
            display_name: r.display_name,
            email: r.email,
            created_at: Timestamp(r.created_at),
            updated_at: r.updated_at.map(Timestamp),
            last_login_at: r.last_login_at.map(Timestamp),
        })
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        let l = ListedUser::try_from(r.listed)?;
        Ok(User {
            metadata: object("metadata", &r.metadata)?,
            preferences: object("preferences", &r.preferences)?,
            id: l.id,
            tenant_id: l.tenant_id,
            username: l.username,
            external_ref: l.external_ref,
            display_name: l.display_name,
            email: l.email,
            avatar: r.avatar,
            role: l.role,
            status: l.status,
            conversation_count: r.conversation_count,
            version: r.version,
            created_at: l.created_at,
            updated_at: l.updated_at,
            last_login_at: l.last_login_at,
        })
    }
}

pub fn listed(rows: Vec<ListedRow>) -> Result<Vec<ListedUser>, StoreError> {
    rows.into_iter().map(ListedUser::try_from).collect()
}

pub const TENANT_COLUMNS: &str = "id, slug, name, created_at";

#[derive(sqlx::FromRow)]
pub struct TenantRow {
    id: String,
    slug: String,
    name: String,
    created_at: i64,
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Self {
        Tenant {
            id: r.id,
            slug: r.slug,
            name: r.name,
            created_at: Timestamp(r.created_at),
        }
    }
}

pub const KEY_COLUMNS: &str = "prefix, tenant_id, hash, scopes, user_id, created_at, revoked_at";

#[derive(sqlx::FromRow)]
pub struct KeyRow {
    prefix: String,
    tenant_id: String,
    hash: Vec<u8>,
    scopes: String,
    user_id: Option<String>,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl KeyRow {
    /// By position, in `KEY_COLUMNS`' order from `at`.
    pub fn from_rusqlite(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Self> {
        Ok(KeyRow {
            prefix: r.get(at)?,
            tenant_id: r.get(at + 1)?,
            hash: r.get(at + 2)?,
            scopes: r.get(at + 3)?,
            user_id: r.get(at + 4)?,
            created_at: r.get(at + 5)?,
            revoked_at: r.get(at + 6)?,
        })
    }
}

/// A key and its tenant from one row of `FIND_KEY`, whose tenant columns come
/// from an outer join.
pub fn key_and_tenant(
    key: KeyRow,
    slug: Option<String>,
    name: Option<String>,
    created_at: Option<i64>,
) -> Result<(StoredKey, Tenant), StoreError> {
    let key = StoredKey::try_from(key)?;
    let (Some(slug), Some(name), Some(created_at)) = (slug, name, created_at) else {
        return Err(StoreError::Corrupt(format!(
            "key {} has no tenant",
            key.prefix
        )));
    };
    let tenant = Tenant {
        id: key.tenant_id.clone(),
        slug,
        name,
        created_at: Timestamp(created_at),
    };
    Ok((key, tenant))
}

impl TryFrom<KeyRow> for StoredKey {
    type Error = StoreError;

    fn try_from(r: KeyRow) -> Result<Self, StoreError> {
        let scopes = r
            .scopes
            .split(',')
            .map(|s| s.parse::<Scope>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::Corrupt)?;
        Ok(StoredKey {
            prefix: r.prefix,
            tenant_id: r.tenant_id,
            hash: r.hash,
            scopes,
            user_id: r.user_id,
            created_at: Timestamp(r.created_at),
            revoked_at: r.revoked_at.map(Timestamp),
        })
    }
}

/// The start of an insert of users; `push_user_values` supplies the rows, in
/// this column order.
pub const INSERT_USERS: &str = "INSERT INTO users (id, tenant_id, external_ref, display_name, \
     email, avatar, role, status, metadata, preferences, conversation_count, version, \
     created_at, updated_at, last_login_at, name_fold, email_fold, username, username_fold) ";
/// How many columns `INSERT_USERS` names.
pub const INSERT_USERS_COLUMNS: usize = 19;

/// `VALUES (...), (...)` for `users`, in `INSERT_USERS`' column order, for either database.
pub fn push_user_values<'a, DB>(
    qb: &mut sqlx::QueryBuilder<'a, DB>,
    users: impl IntoIterator<Item = &'a User>,
) where
    DB: sqlx::Database,
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push_values(users, |mut b, u| push_user_binds(&mut b, u));
}

/// One user's values, in `INSERT_USERS`' column order.
pub fn push_user_binds<'a, DB>(
    b: &mut sqlx::query_builder::Separated<'_, 'a, DB, &'static str>,
    u: &'a User,
) where
    DB: sqlx::Database,
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    b.push_bind(&u.id)
        .push_bind(&u.tenant_id)
        .push_bind(&u.external_ref)
        .push_bind(&u.display_name)
        .push_bind(&u.email)
        .push_bind(&u.avatar)
        .push_bind::<&'a str>(u.role.as_str())
        .push_bind::<&'a str>(u.status.as_str())
        .push_bind(json_text(&u.metadata))
        .push_bind(json_text(&u.preferences))
        .push_bind(u.conversation_count)
        .push_bind(u.version)
        .push_bind(u.created_at.millis())
        .push_bind(u.updated_at.map(Timestamp::millis))
        .push_bind(u.last_login_at.map(Timestamp::millis))
        .push_bind(folded(&u.display_name))
        .push_bind(folded(&u.email))
        .push_bind(&u.username)
        .push_bind(fold(&u.username));
}

/// What `name_fold` / `email_fold` hold for a display name or email: its case
/// fold, which searches compare (`model::fold`).
pub fn folded(text: &Option<String>) -> Option<String> {
    text.as_deref().map(fold)
}

/// The JSON text of an object, for a TEXT column.
pub fn json_text(o: &Object) -> String {
    // Straight from the map: no copy of it as a Value first.
    serde_json::to_string(o).unwrap_or_else(|_| "{}".into())
}

/// An FTS5 phrase that matches `needle` as a substring under the trigram tokenizer.
pub fn fts_phrase(needle: &str) -> String {
    format!("\"{}\"", needle.replace('"', "\"\""))
}

/// An FTS5 query for `needle` in the `columns` (`{display_name email}`, an
/// FTS5 column filter) only.
pub fn fts_in(columns: &str, needle: &str) -> String {
    format!("{columns} : {}", fts_phrase(needle))
}

/// The distinct substrings of 1 to `longest` characters of a folded value,
/// sorted: the grams both stores index short searches by (SQLite's
/// `users_short`, PostgreSQL's `user_grams`), counted in characters as SQL's
/// `substr` is.
pub fn distinct_grams(folded: &str, longest: usize) -> Vec<&str> {
    let ends: Vec<usize> = folded
        .char_indices()
        .map(|(at, _)| at)
        .chain([folded.len()])
        .collect();
    let mut out = Vec::with_capacity(ends.len() * longest);
    for (i, &at) in ends.iter().enumerate() {
        for width in 1..=longest {
            if let Some(&end) = ends.get(i + width) {
                out.push(&folded[at..end]);
            }
        }
    }
    // A sort of a few dozen short pieces: cheaper than hashing each (a seed
    // of a million users does this for every one of them).
    out.sort_unstable();
    out.dedup();
    out
}

/// How many users hold each gram of 1 to `longest` characters, and where: in
/// the folded name, in the folded email, and in either (a gram in both
/// counted once there), as both stores' gram counts keep them.
pub struct GramTally {
    longest: usize,
    /// Per gram: the counts in name, email and either (`slot`'s order).
    counts: std::collections::HashMap<String, [i64; 3], foldhash::fast::RandomState>,
}

impl GramTally {
    pub fn new(longest: usize) -> Self {
        GramTally {
            longest,
            counts: Default::default(),
        }
    }

    /// Counts one user.
    pub fn add(&mut self, name_fold: Option<&str>, email_fold: Option<&str>) {
        use super::SearchIn;
        let name = distinct_grams(name_fold.unwrap_or_default(), self.longest);
        let email = distinct_grams(email_fold.unwrap_or_default(), self.longest);
        let mut count = |gram: &str, search_in: SearchIn| {
            // Looked up by `&str` first: the grams are few, the users many,
            // so a key is allocated once per distinct gram.
            let slot = Self::slot(search_in);
            match self.counts.get_mut(gram) {
                Some(n) => n[slot] += 1,
                None => {
                    let mut n = [0; 3];
                    n[slot] = 1;
                    self.counts.insert(gram.to_owned(), n);
                }
            }
        };
        for g in &name {
            count(g, SearchIn::Name);
        }
        for g in &email {
            count(g, SearchIn::Email);
        }
        // Both lists are sorted and distinct: the stable sort finds the two
        // runs and merges them.
        let mut either: Vec<&str> = name.iter().chain(&email).copied().collect();
        either.sort();
        either.dedup();
        for g in either {
            count(g, SearchIn::Both);
        }
    }

    fn slot(search_in: super::SearchIn) -> usize {
        match search_in {
            super::SearchIn::Name => 0,
            super::SearchIn::Email => 1,
            super::SearchIn::Both => 2,
        }
    }

    /// Every gram counted, where, and how many users hold it there (never 0).
    pub fn counts(&self) -> impl Iterator<Item = (&str, super::SearchIn, i64)> {
        use super::SearchIn;
        self.counts.iter().flat_map(|(gram, n)| {
            [SearchIn::Name, SearchIn::Email, SearchIn::Both]
                .into_iter()
                .map(move |s| (gram.as_str(), s, n[Self::slot(s)]))
                .filter(|&(_, _, n)| n > 0)
        })
    }
}

/// A LIKE pattern that matches `needle` anywhere, with `\` escaping wildcards.
pub fn like_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}
