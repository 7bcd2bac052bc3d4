//! "Mark every user matching the filters": the list walked page by page, up
//! to a cap, following what the server returns (the next page starts after
//! the rows received, as the list pane pages).

use crate::api::MAX_LIMIT;
use crate::api::client::{Client, ClientError, ListQuery};
use crate::console::view::{BothViews, Dialects, ListRow};

/// At most this many users are marked at once.
pub const MAX_MARKED: usize = 10_000;
/// Above this many, the console asks before marking them all.
pub const ASK_ABOVE: u64 = 1_000;

/// The users matching a filter, up to the cap.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Collected {
    pub rows: Vec<ListRow>,
    /// How many match, when the server said.
    pub total: Option<u64>,
}

impl Collected {
    /// More users match than were collected.
    pub fn capped(&self) -> bool {
        self.total.is_some_and(|t| t > self.rows.len() as u64)
    }
}

/// Every user matching `filters` (their offset and limit are ignored), at most `max`.
pub async fn collect(
    client: &Client,
    dialects: Dialects,
    filters: &ListQuery,
    max: usize,
) -> Result<Collected, ClientError> {
    let mut out = Collected::default();
    let mut offset = 0;
    while out.rows.len() < max {
        let q = ListQuery {
            offset,
            limit: MAX_LIMIT,
            ..filters.clone()
        };
        let page = client.list(dialects, &q).await?;
        out.total = page.total.or(out.total);
        if page.rows.is_empty() {
            break;
        }
        offset += page.rows.len() as u64;
        let room = max - out.rows.len();
        out.rows.extend(page.rows.into_iter().take(room));
        if out.total.is_some_and(|t| offset >= t) {
            break;
        }
    }
    Ok(out)
}
