//! A list with conditions (SCIM's filters): one statement that starts from
//! the trigram index when the search or a substring, prefix or suffix
//! condition on the name or the email can use it, and from the tenant's users
//! by their indexes otherwise; every other condition is checked on the rows it
//! finds.

use sqlx::{FromRow, Row, SqlitePool};

use super::super::condition::push_conditions;
use super::*;

/// The index and query the list can start from, if any.
fn anchor(f: &UserFilter) -> Option<IndexedSearch> {
    if let Some(search) = indexed_search(f) {
        return Some(search);
    }
    f.conditions
        .iter()
        .find_map(|c| c.trigram(TRIGRAM))
        .map(|(column, needle)| IndexedSearch {
            table: "users_search",
            query: fts_in(&format!("{{{column}}}"), &needle),
            counted: None,
        })
}

/// ` FROM ... WHERE ...` of the tenant's users the filter lets through.
fn push_from<'a>(qb: &mut QueryBuilder<'a, Sqlite>, tenant_id: &'a str, f: &'a UserFilter) {
    match anchor(f) {
        Some(IndexedSearch {
            table: t, query, ..
        }) => {
            qb.push(format!(
                " FROM {t} CROSS JOIN users ON users.seq = {t}.rowid WHERE {t} MATCH "
            ))
            .push_bind(query)
            .push(format!(" AND {t}.rowid BETWEEN "));
            push_seq_bound(qb, tenant_id, false);
            qb.push(" AND ");
            push_seq_bound(qb, tenant_id, true);
        }
        None => {
            qb.push(" FROM users WHERE users.tenant_id = ")
                .push_bind(tenant_id);
        }
    }
    // The index finds candidates; the exact test is on the folded columns.
    if let Some(needle) = &f.search {
        push_short_search(qb, fold(needle), f.search_in);
    }
    push_filters(qb, f);
    push_conditions(qb, &f.conditions);
}

/// The page's statement, after `prefix` (`EXPLAIN QUERY PLAN ` in tests):
/// each row carries the list's `total`.
pub(crate) fn filtered_query<'a>(
    prefix: &str,
    tenant_id: &'a str,
    f: &'a UserFilter,
    page: PageRequest,
) -> QueryBuilder<'a, Sqlite> {
    let mut qb = QueryBuilder::new(prefix);
    qb.push("SELECT (SELECT COUNT(*)");
    push_from(&mut qb, tenant_id, f);
    qb.push(format!(") AS total, {USER_COLUMNS}"));
    push_from(&mut qb, tenant_id, f);
    match f.sort {
        Some(sort) => {
            let (key, dir) = (sort_expr(sort.key), sort.dir());
            qb.push(format!(
                " ORDER BY {key} IS NULL, {key} {dir}, users.id {dir}"
            ));
        }
        None => {
            qb.push(" ORDER BY users.created_at DESC, users.id DESC");
        }
    }
    push_page(&mut qb, page);
    qb
}

pub(super) async fn list(
    pool: &SqlitePool,
    tenant_id: &str,
    f: &UserFilter,
    page: PageRequest,
) -> Result<UserPage, StoreError> {
    let rows = filtered_query("", tenant_id, f, page)
        .build()
        .fetch_all(pool)
        .await?;
    let total: i64 = match rows.first() {
        Some(first) => first.try_get("total")?,
        None => {
            let mut count = QueryBuilder::new("SELECT COUNT(*)");
            push_from(&mut count, tenant_id, f);
            count.build_query_scalar().fetch_one(pool).await?
        }
    };
    let rows = rows
        .iter()
        .map(ListedRow::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(UserPage {
        users: row::listed(rows)?,
        total: u64::try_from(total).unwrap_or(0),
    })
}
