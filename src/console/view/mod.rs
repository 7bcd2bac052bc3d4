//! The console's view model: what it knows of a server and its users, joined
//! from the dialects the server speaks. `api::client` is the transport (one
//! method per request, wire types in and out); this module decides which
//! requests a list or a user takes, and joins their answers into the rows and
//! records the panes show. Drawing is `ui/`; this is data only.
//!
//! - [`load`]: connecting, a page of the list, one user: the requests and the join.
//! - [`merged`]: one record made of both views, for the detail pane.
//! - [`order`]: a row's sort value, and whether a page came back in the order asked.

#[cfg(test)]
pub(crate) mod fixtures;
pub mod load;
pub mod merged;
pub mod order;
pub mod scim;

pub use load::BothViews;

use crate::api::client::scim::ScimSite;
use crate::api::key::KeyInfo;
use crate::api::{eai, raven};
use crate::model::{Role, Status};

/// Which dialects a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dialects {
    pub raven: bool,
    pub eai: bool,
    /// A SCIM 2.0 server (`--api scim`, or found under `auto` when neither of
    /// the others answers). SCIM carries every field of both other views, so
    /// `raven` and `eai` are on too, and each request goes to SCIM instead.
    pub scim: Option<ScimSite>,
}

impl Dialects {
    pub const BOTH: Dialects = Dialects {
        raven: true,
        eai: true,
        scim: None,
    };
    pub const RAVEN: Dialects = Dialects {
        raven: true,
        eai: false,
        scim: None,
    };
    pub const EAI: Dialects = Dialects {
        raven: false,
        eai: true,
        scim: None,
    };

    /// A SCIM server that supports what `site` says.
    pub fn scim(site: ScimSite) -> Dialects {
        Dialects {
            raven: true,
            eai: true,
            scim: Some(site),
        }
    }

    pub fn label(self) -> &'static str {
        if self.scim.is_some() {
            return "scim 2.0";
        }
        match (self.raven, self.eai) {
            (true, true) => "raven v1 + eai v3",
            (true, false) => "raven v1",
            (false, true) => "eai v3",
            (false, false) => "none",
        }
    }
}

/// A user in the console's list, joined from whichever dialects answered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListRow {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub external_ref: Option<String>,
    pub role: Option<Role>,
    pub status: Option<Status>,
    pub last_login_at: Option<String>,
    pub created_at: Option<String>,
}

/// One page of the list as the server answered it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListPage {
    pub rows: Vec<ListRow>,
    /// `None` when the server did not say (the specs' examples have it, a vendor may not).
    pub total: Option<u64>,
    /// The page size the server says it used (Raven's `limit`), which may be
    /// less than the one asked for.
    pub limit: Option<u32>,
}

/// One user as each dialect shows it, with the ETag that guards an edit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserViews {
    pub raven: Option<raven::User>,
    pub eai: Option<eai::User>,
    pub etag: Option<String>,
    /// Top-level fields the server sent that neither spec names, shown as they came.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// EAI's status, which its profile does not carry: from the list, found by email.
    pub status: Option<Status>,
}

/// Who the console's key acts as (the server's own idea of this is
/// `server::auth::Principal`; this is what the console learnt from `me`).
#[derive(Debug, Clone, PartialEq)]
pub enum ActingAs {
    /// An unbound key: the whole tenant, within its scopes.
    Tenant,
    /// A key bound to one user.
    User(Box<eai::User>),
    /// The server has no EAI dialect, so there is no `me` to ask.
    Unknown,
}

/// What connecting learnt: the dialects, who the key acts as, and (from
/// servers with `GET /api/v1/key`) what it may do.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub dialects: Dialects,
    pub acting_as: ActingAs,
    pub key: Option<KeyInfo>,
}

impl From<(Dialects, ActingAs)> for Connection {
    fn from((dialects, acting_as): (Dialects, ActingAs)) -> Connection {
        Connection {
            dialects,
            acting_as,
            key: None,
        }
    }
}
