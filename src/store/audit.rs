//! The audit table, alike on both databases: the event a write appends (in the
//! write's own transaction), and the newest-first reads of a tenant's events.

use sqlx::{Database, QueryBuilder};

use super::{PageRequest, StoreError};
use crate::model::{
    Actor, AuditAction, AuditEvent, FieldChanges, Timestamp, User, changes, deleted,
};

/// Which of a tenant's events to read; the filters combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub user_id: Option<String>,
    /// A key's public prefix, or (starting `usr_`) the user a key is bound to.
    pub actor: Option<String>,
    /// At or after.
    pub since: Option<Timestamp>,
    /// Strictly before.
    pub until: Option<Timestamp>,
}

/// One page of events, newest first, and how many match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub total: u64,
}

pub const AUDIT_COLUMNS: &str =
    "seq, tenant_id, user_id, version, at, action, actor_key, actor_user_id, changes";

#[derive(sqlx::FromRow)]
pub struct AuditRow {
    seq: i64,
    tenant_id: String,
    user_id: String,
    version: i64,
    at: i64,
    action: String,
    actor_key: Option<String>,
    actor_user_id: Option<String>,
    changes: String,
}

impl TryFrom<AuditRow> for AuditEvent {
    type Error = StoreError;

    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        let action = AuditAction::parse(&r.action)
            .ok_or_else(|| StoreError::Corrupt(format!("audit action {:?}", r.action)))?;
        let changes: FieldChanges = serde_json::from_str(&r.changes)
            .map_err(|e| StoreError::Corrupt(format!("audit changes: {e}")))?;
        Ok(AuditEvent {
            seq: r.seq,
            tenant_id: r.tenant_id,
            user_id: r.user_id,
            version: r.version,
            at: Timestamp(r.at),
            action,
            actor: Actor {
                key: r.actor_key,
                user_id: r.actor_user_id,
            },
            changes,
        })
    }
}

/// The event of a write that produced `after` (from `before`, none for a
/// create; a delete names the deleted user as both). Its values are owned, so
/// it runs in any transaction.
pub fn event_query<DB>(
    action: AuditAction,
    before: Option<&User>,
    after: &User,
    actor: &Actor,
) -> QueryBuilder<'static, DB>
where
    DB: Database,
    String: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
    &'static str: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'static, DB> + sqlx::Type<DB>,
{
    // A delete produces no version of the user; it is numbered after the last
    // one, so a user's events stay one per version.
    let (at, version, changed) = match action {
        AuditAction::Create => (after.created_at, after.version, changes(None, after)),
        AuditAction::Update => (
            after.updated_at.unwrap_or(after.created_at),
            after.version,
            changes(before, after),
        ),
        AuditAction::Delete => (Timestamp::now(), after.version + 1, deleted(after)),
    };
    let changed = serde_json::to_string(&changed).unwrap_or_else(|_| "{}".into());
    let row = (
        after.tenant_id.clone(),
        after.id.clone(),
        actor.key.clone(),
        actor.user_id.clone(),
        changed,
    );
    let mut qb = QueryBuilder::new(
        "INSERT INTO audit_events (tenant_id, user_id, version, at, action, actor_key, \
         actor_user_id, changes) ",
    );
    qb.push_values([row], |mut b, (tenant, user, key, key_user, changed)| {
        b.push_bind(tenant)
            .push_bind(user)
            .push_bind(version)
            .push_bind(at.millis())
            .push_bind(action.as_str())
            .push_bind(key)
            .push_bind(key_user)
            .push_bind(changed);
    });
    qb
}

/// ` FROM audit_events WHERE ...` of a tenant's events under `f`.
fn push_from_where<'a, DB>(qb: &mut QueryBuilder<'a, DB>, tenant_id: &'a str, f: &'a AuditFilter)
where
    DB: Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" FROM audit_events WHERE tenant_id = ")
        .push_bind(tenant_id);
    if let Some(u) = &f.user_id {
        qb.push(" AND user_id = ").push_bind(u);
    }
    match &f.actor {
        Some(a) if a.starts_with("usr_") => {
            qb.push(" AND actor_user_id = ").push_bind(a);
        }
        Some(a) => {
            qb.push(" AND actor_key = ").push_bind(a);
        }
        None => {}
    }
    if let Some(t) = f.since {
        qb.push(" AND at >= ").push_bind(t.millis());
    }
    if let Some(t) = f.until {
        qb.push(" AND at < ").push_bind(t.millis());
    }
}

/// The page of events, newest first.
pub fn page_query<'a, DB>(
    tenant_id: &'a str,
    f: &'a AuditFilter,
    page: PageRequest,
) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut qb = QueryBuilder::new(format!("SELECT {AUDIT_COLUMNS}"));
    push_from_where(&mut qb, tenant_id, f);
    qb.push(" ORDER BY seq DESC LIMIT ")
        .push_bind(i64::from(page.limit))
        .push(" OFFSET ")
        .push_bind(i64::try_from(page.offset).unwrap_or(i64::MAX));
    qb
}

/// How many events match, for the page's `total`.
pub fn count_query<'a, DB>(tenant_id: &'a str, f: &'a AuditFilter) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut qb = QueryBuilder::new("SELECT COUNT(*)");
    push_from_where(&mut qb, tenant_id, f);
    qb
}

/// Deletes the tenant's events from before `before`.
pub fn prune_query<'a, DB>(tenant_id: &'a str, before: Timestamp) -> QueryBuilder<'a, DB>
where
    DB: Database,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut qb = QueryBuilder::new("DELETE FROM audit_events WHERE tenant_id = ");
    qb.push_bind(tenant_id)
        .push(" AND at < ")
        .push_bind(before.millis());
    qb
}

pub fn page(rows: Vec<AuditRow>, total: i64) -> Result<AuditPage, StoreError> {
    Ok(AuditPage {
        events: rows
            .into_iter()
            .map(AuditEvent::try_from)
            .collect::<Result<_, _>>()?,
        total: u64::try_from(total).unwrap_or(0),
    })
}
