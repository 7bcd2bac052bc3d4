//! The requests behind the console's view of a server, and the join of their
//! answers: which dialects there are, who the key acts as, a page of the list
//! from both dialects joined by id, one user from both.

use super::{ActingAs, Connection, Dialects, ListPage, ListRow, UserViews, scim};
use crate::api::client::scim::ScimSite;
use futures::StreamExt;

use crate::api::client::{Client, ClientError, ListQuery};
use crate::api::sort::{EAI_SORTS, RAVEN_SORTS, spelling};
use crate::api::{EAI_BASE, RAVEN_BASE, eai, raven};
use crate::console::config::ApiChoice;
use crate::model::Status;

/// The console's questions to a server, answered from every dialect it speaks.
// An async trait method's future is Send whenever the impl's is: the one impl
// is `Client`'s, which every caller names, so the lint's worry does not apply.
#[allow(async_fn_in_trait)]
pub trait BothViews {
    /// Which dialects to use, who the key acts as, and what it may do.
    async fn connect(&self, api: ApiChoice) -> Result<Connection, ClientError>;
    /// Asks each base path what it is: a 404 there means that dialect is absent.
    async fn detect(&self) -> Result<Dialects, ClientError>;
    /// Checks that the server speaks the dialects the admin named (`--api raven|eai`),
    /// so a wrong choice is said as such, not as a missing user.
    async fn require(&self, wanted: Dialects) -> Result<Dialects, ClientError>;
    /// `GET /api/eai/v3/users/me`: the bound user, or the whole tenant.
    async fn me(&self) -> Result<ActingAs, ClientError>;
    /// One page, joined by id across the dialects the server speaks. Each
    /// dialect is sent only the filters it serves.
    async fn list(&self, dialects: Dialects, q: &ListQuery) -> Result<ListPage, ClientError>;
    /// One user from every dialect the server speaks.
    async fn get(&self, dialects: Dialects, id: &str) -> Result<UserViews, ClientError>;
}

impl BothViews for Client {
    async fn connect(&self, api: ApiChoice) -> Result<Connection, ClientError> {
        let dialects = match api {
            ApiChoice::Auto => self.detect().await?,
            // Named by the admin: check it, so a wrong choice is said as such.
            ApiChoice::Raven => self.require(Dialects::RAVEN).await?,
            ApiChoice::Eai => self.require(Dialects::EAI).await?,
            ApiChoice::Scim => match self.scim_discover().await? {
                Some(site) => Dialects::scim(site),
                None => {
                    return Err(ClientError::NoDialect {
                        url: self.base_url().to_string(),
                        dialect: "SCIM 2.0 API",
                        path: "/scim/v2/ServiceProviderConfig",
                    });
                }
            },
        };
        if dialects.scim.is_some() {
            // `me` and `GET /api/v1/key` are the other dialects'; SCIM has neither.
            return Ok(Connection::from((dialects, ActingAs::Unknown)));
        }
        let (acting_as, key) = tokio::join!(
            async {
                match dialects.eai {
                    true => self.me().await,
                    false => Ok(ActingAs::Unknown),
                }
            },
            self.key_info(),
        );
        Ok(Connection {
            dialects,
            acting_as: acting_as?,
            key: key?,
        })
    }

    async fn detect(&self) -> Result<Dialects, ClientError> {
        let (raven, eai) = tokio::join!(self.probe(RAVEN_BASE), self.probe(EAI_BASE));
        let dialects = Dialects {
            raven: raven?,
            eai: eai?,
            scim: None,
        };
        if dialects == Dialects::default() {
            // Neither of the two: perhaps the standard every identity provider speaks.
            if let Some(site) = self.scim_discover().await? {
                return Ok(Dialects::scim(site));
            }
            return Err(ClientError::NoApi {
                url: self.base_url().to_string(),
            });
        }
        Ok(dialects)
    }

    async fn require(&self, wanted: Dialects) -> Result<Dialects, ClientError> {
        for (on, base, dialect) in [
            (wanted.raven, RAVEN_BASE, "Raven Users API v1"),
            (wanted.eai, EAI_BASE, "EAI Users REST API v3"),
        ] {
            if on && !self.probe(base).await? {
                return Err(ClientError::NoDialect {
                    url: self.base_url().to_string(),
                    dialect,
                    path: base,
                });
            }
        }
        Ok(wanted)
    }

    async fn me(&self) -> Result<ActingAs, ClientError> {
        match self.get_me().await {
            Ok(user) => Ok(ActingAs::User(Box::new(user))),
            // raven-server says `no_current_user`; any 404 there means the same.
            Err(ClientError::NotFound { .. } | ClientError::Api { status: 404, .. }) => {
                Ok(ActingAs::Tenant)
            }
            Err(e @ (ClientError::Unauthorized { .. } | ClientError::PlainHttp { .. })) => Err(e),
            // Every key of an inactive user is refused: say so now, not at each request.
            Err(e @ ClientError::Forbidden { .. }) if is_user_inactive(&e) => Err(e),
            Err(e) if e.is_transient() => Err(e),
            // A `me` of its own shape, or none: who the key is stays unknown.
            Err(_) => Ok(ActingAs::Unknown),
        }
    }

    async fn list(&self, dialects: Dialects, q: &ListQuery) -> Result<ListPage, ClientError> {
        if let Some(site) = dialects.scim {
            return scim_page(self, &site, q).await;
        }
        // Raven filters by external_ref only, EAI by role, status and search;
        // raven-server's two lists take all four, and share filters and order.
        let raven_q = ListQuery {
            role: None,
            status: None,
            search: None,
            ..q.clone()
        };
        let eai_q = ListQuery {
            external_ref: None,
            ..q.clone()
        };
        match (dialects.raven, dialects.eai) {
            (true, false) => {
                let list = self.list_raven(&raven_q).await?;
                Ok(ListPage {
                    total: list.total,
                    limit: list.limit,
                    rows: list.users.into_iter().map(raven_row).collect(),
                })
            }
            (false, true) => {
                let list = self.list_eai(&eai_q).await?;
                Ok(ListPage {
                    total: list.total,
                    limit: None,
                    rows: list.data.into_iter().map(eai_row).collect(),
                })
            }
            (true, true) if one_sided(q).is_some() => self.list_sorted_by_one(q).await,
            (true, true) => {
                // Both lists of one server share filters and order, so page N of
                // one holds the same users as page N of the other.
                let (r, e) = tokio::join!(self.list_raven(q), self.list_eai(q));
                let (r, e) = (r?, e?);
                let rows = e
                    .data
                    .into_iter()
                    .map(|u| {
                        let mut row = eai_row(u);
                        if let Some(rv) = r.users.iter().find(|x| x.user_id == row.id) {
                            row.external_ref = rv.external_ref.clone();
                            row.created_at = Some(rv.created_at.clone());
                        }
                        row
                    })
                    .collect();
                // The EAI page drives the rows; either may say how many there are.
                Ok(ListPage {
                    total: e.total.or(r.total),
                    limit: r.limit,
                    rows,
                })
            }
            (false, false) => Err(ClientError::NoApi {
                url: self.base_url().to_string(),
            }),
        }
    }

    async fn get(&self, dialects: Dialects, id: &str) -> Result<UserViews, ClientError> {
        if let Some(site) = dialects.scim {
            let (v, etag) = self.scim_get(&site, id).await?;
            // Without ETag support a version would only make the server refuse If-Match.
            return Ok(scim::views(&v, etag.filter(|_| site.etag)));
        }
        let (r, e) = tokio::join!(
            async {
                match dialects.raven {
                    true => Some(self.get_raven(id).await),
                    false => None,
                }
            },
            async {
                match dialects.eai {
                    true => Some(self.get_eai(id).await),
                    false => None,
                }
            },
        );
        let mut views = UserViews::default();
        if let Some(r) = r {
            let r = r?;
            views.extra.extend(r.extra);
            views.raven = Some(r.user);
            views.etag = r.etag;
        }
        if let Some(e) = e {
            let e = e?;
            for (k, x) in e.extra {
                views.extra.entry(k).or_insert(x);
            }
            views.eai = Some(e.user);
            views.etag = views.etag.or(e.etag);
            views.status = status_of(self, &views).await;
        }
        Ok(views)
    }
}

/// The dialect that alone sorts by the key asked for (email is EAI's,
/// external_ref Raven's): its page decides the rows, since the other list
/// cannot be asked for the same order.
fn one_sided(q: &ListQuery) -> Option<Dialects> {
    let key = q.sort?.key;
    match (
        spelling(RAVEN_SORTS, key).is_some(),
        spelling(EAI_SORTS, key).is_some(),
    ) {
        (true, false) => Some(Dialects::RAVEN),
        (false, true) => Some(Dialects::EAI),
        _ => None,
    }
}

/// Requests at a time when a page's rows are completed from the other dialect.
const FILL_AT_ONCE: usize = 8;

impl Client {
    /// A page of a server that speaks both, sorted by a field only one of
    /// them has: that dialect's page, each row completed from the other
    /// dialect's view of the user (one GET each). A user gone meanwhile keeps
    /// the columns its page had.
    async fn list_sorted_by_one(&self, q: &ListQuery) -> Result<ListPage, ClientError> {
        let other = match one_sided(q) {
            Some(Dialects::EAI) => Dialects::RAVEN,
            _ => Dialects::EAI,
        };
        let mut page = if other == Dialects::RAVEN {
            let list = self.list_eai(q).await?;
            ListPage {
                total: list.total,
                limit: None,
                rows: list.data.into_iter().map(eai_row).collect(),
            }
        } else {
            let list = self.list_raven(q).await?;
            ListPage {
                total: list.total,
                limit: list.limit,
                rows: list.users.into_iter().map(raven_row).collect(),
            }
        };
        // Each GET owns its client and id, so the futures hold no borrow
        // and stay `Send` for the worker's tasks.
        let gets: Vec<_> = page
            .rows
            .iter()
            .map(|r| {
                let (client, id) = (self.clone(), r.id.clone());
                Box::pin(async move { client.get(other, &id).await.ok() })
                    as std::pin::Pin<Box<dyn Future<Output = Option<UserViews>> + Send>>
            })
            .collect();
        let views: Vec<Option<UserViews>> = futures::stream::iter(gets)
            .buffered(FILL_AT_ONCE)
            .collect()
            .await;
        for (row, views) in page.rows.iter_mut().zip(views) {
            let Some(v) = views else { continue };
            if let Some(r) = v.raven {
                row.external_ref = r.external_ref;
                row.created_at = Some(r.created_at);
            }
            if let Some(e) = v.eai {
                row.email = e.email;
                row.role = Some(e.role);
                row.last_login_at = e.last_login_at;
                row.status = v.status;
            }
        }
        Ok(page)
    }
}

/// One page of a SCIM list. The page size is the server's when it sent
/// fewer than asked while more remain (`itemsPerPage` below `count`).
async fn scim_page(
    client: &Client,
    site: &ScimSite,
    q: &ListQuery,
) -> Result<ListPage, ClientError> {
    // SCIM's attribute for the key, from either dialect's spelling of it; a
    // server that does not sort is noticed by the order of what comes back.
    let sort = q.sort.and_then(|s| {
        let name = spelling(RAVEN_SORTS, s.key).or_else(|| spelling(EAI_SORTS, s.key))?;
        Some(if s.descending {
            format!("-{name}")
        } else {
            name.to_string()
        })
    });
    let list = client.scim_list(site, q, sort.as_deref()).await?;
    let got = list.resources.len() as u64;
    let per_page = list.items_per_page.unwrap_or(got);
    let more = list.total_results.is_some_and(|t| q.offset + got < t);
    let cap = (more && per_page > 0 && per_page < u64::from(q.limit))
        .then(|| u32::try_from(per_page).ok())
        .flatten();
    Ok(ListPage {
        rows: list.resources.iter().map(scim::row).collect(),
        total: list.total_results,
        limit: cap,
    })
}

fn is_user_inactive(e: &ClientError) -> bool {
    matches!(e, ClientError::Forbidden { code, .. } if code == "user_inactive")
}

/// The user's EAI status: a field of the profile where a server sends one,
/// else the list item found by searching for the email. Best effort: a
/// key that may not list, or a user without email, leaves it unknown.
async fn status_of(client: &Client, d: &UserViews) -> Option<Status> {
    if let Some(s) = d.extra.get("status").and_then(|v| v.as_str()) {
        return s.parse().ok();
    }
    let e = d.eai.as_ref()?;
    let q = ListQuery {
        search: Some(e.email.clone()?),
        limit: 10,
        ..ListQuery::default()
    };
    let list = client.list_eai(&q).await.ok()?;
    list.data
        .into_iter()
        .find(|u| u.id == e.id)
        .map(|u| u.status)
}

fn raven_row(u: raven::UserSummary) -> ListRow {
    ListRow {
        id: u.user_id,
        name: u.display_name,
        external_ref: u.external_ref,
        created_at: Some(u.created_at),
        ..ListRow::default()
    }
}

fn eai_row(u: eai::UserSummary) -> ListRow {
    ListRow {
        id: u.id,
        name: u.name,
        email: u.email,
        role: Some(u.role),
        status: Some(u.status),
        last_login_at: u.last_login_at,
        ..ListRow::default()
    }
}
