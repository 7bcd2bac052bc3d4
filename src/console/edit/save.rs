//! One save against the server: up to two conditional PATCHes, chained.
//!
//! Against a server speaking both dialects a save may need Raven (external_ref,
//! display name, metadata) and EAI (email, preferences, role, status). Both
//! carry `If-Match`: the first the version the form loaded, the second the ETag
//! the first answered with, so a writer slipping in between still gets a 412.
//! The two are not one transaction: if the second fails, the first is written.
//! [`SaveFailed::written`] says so, and the console moves its baseline forward
//! by exactly that much, so the next Ctrl-s sends only what is still missing.

use super::patch::{self, Patches};
use crate::api::client::{Client, ClientError};
use crate::api::{eai, raven};
use crate::console::view::{BothViews, Dialects, ListRow, UserViews};

/// What the server answered for the parts that were written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Saved {
    pub raven: Option<raven::User>,
    pub eai: Option<eai::User>,
    /// The user's ETag after the last write that went through.
    pub etag: Option<String>,
}

impl Saved {
    pub fn is_empty(&self) -> bool {
        self.raven.is_none() && self.eai.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SaveFailed {
    /// What was written before the failure (the Raven half, when EAI failed).
    pub written: Saved,
    pub error: ClientError,
    /// On a 412: the user as it is now, for the conflict view.
    pub theirs: Option<Box<UserViews>>,
}

pub async fn save(
    client: &Client,
    dialects: Dialects,
    user_id: &str,
    patches: &Patches,
    if_match: Option<&str>,
) -> Result<Saved, Box<SaveFailed>> {
    if let Some(site) = dialects.scim {
        return super::scim::save(client, &site, user_id, patches, if_match).await;
    }
    let mut saved = Saved {
        etag: if_match.map(str::to_string),
        ..Saved::default()
    };
    if let Some(p) = &patches.raven {
        match client.patch_raven(user_id, p, saved.etag.as_deref()).await {
            Ok((user, etag)) => {
                saved.raven = Some(user);
                // Without an ETag the stale one stays: the EAI half then fails
                // with 412 rather than overwrite blindly.
                saved.etag = etag.or(saved.etag.take());
            }
            Err(error) => return Err(failed(client, dialects, user_id, saved, error).await),
        }
    }
    if let Some(p) = &patches.eai {
        match client.patch_eai(user_id, p, saved.etag.as_deref()).await {
            Ok((user, etag)) => {
                saved.eai = Some(user);
                saved.etag = etag.or(saved.etag.take());
            }
            Err(error) => return Err(failed(client, dialects, user_id, saved, error).await),
        }
    }
    Ok(saved)
}

async fn failed(
    client: &Client,
    dialects: Dialects,
    user_id: &str,
    written: Saved,
    error: ClientError,
) -> Box<SaveFailed> {
    // A 412 says only "not that version": fetch theirs to show mine against it.
    let theirs = if error.is_precondition_failed() {
        client.get(dialects, user_id).await.ok().map(Box::new)
    } else {
        None
    };
    Box::new(SaveFailed {
        written,
        error,
        theirs,
    })
}

/// A create: the Raven user made, and what became of the EAI half (email,
/// role, status), which is a second request and may fail on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub user: raven::User,
    /// The EAI half failed: the user exists without it.
    pub rest_failed: Option<ClientError>,
}

impl From<raven::User> for Created {
    fn from(user: raven::User) -> Created {
        Created {
            user,
            rest_failed: None,
        }
    }
}

/// `POST` in Raven, then, when there is more, a `PATCH` in EAI on the ETag the
/// create answered with.
pub async fn create(
    client: &Client,
    user: &raven::CreateUser,
    rest: Option<&eai::PatchUser>,
) -> Result<Created, ClientError> {
    let (made, etag) = client.create(user).await?;
    let rest_failed = match rest {
        Some(p) => client
            .patch_eai(&made.user_id, p, etag.as_deref())
            .await
            .err(),
        None => None,
    };
    Ok(Created {
        user: made,
        rest_failed,
    })
}

/// A create in whichever dialect the server speaks: one SCIM `POST`, or [`create`].
pub async fn create_in(
    client: &Client,
    dialects: Dialects,
    user: &raven::CreateUser,
    rest: Option<&eai::PatchUser>,
) -> Result<Created, ClientError> {
    match dialects.scim {
        Some(site) => super::scim::create(client, &site, user, rest).await,
        None => create(client, user, rest).await,
    }
}

/// Folds what the server wrote into the row and detail the form edits, so the
/// list, the detail pane and the form's baseline all show the saved values.
pub fn fold_written(row: &mut ListRow, detail: &mut UserViews, w: &Saved, draft: &patch::Values) {
    if let Some(r) = &w.raven {
        row.name = r.display_name.clone();
        row.external_ref = r.external_ref.clone();
        if let Some(e) = detail.eai.as_mut() {
            // One name, two views: keep them in step.
            e.name = r.display_name.clone();
        }
        let count = detail.raven.as_ref().and_then(|old| old.conversation_count);
        detail.raven = Some(raven::User {
            conversation_count: r.conversation_count.or(count),
            ..r.clone()
        });
    }
    if let Some(e) = &w.eai {
        row.name = e.name.clone();
        row.email = e.email.clone();
        row.role = Some(e.role);
        // EAI's profile has no status; it is what was sent, or unchanged.
        if draft.status.is_some() {
            row.status = draft.status;
        }
        if let Some(r) = detail.raven.as_mut() {
            r.display_name = e.name.clone();
        }
        detail.eai = Some(e.clone());
    }
    if w.etag.is_some() {
        detail.etag = w.etag.clone();
    }
}
