//! The bulk run: one change sent to many users, at most [`AT_ONCE`] requests
//! at a time, each PATCH conditional on the version the console saw. It needs
//! no terminal: the console's worker runs it, and so does
//! `examples/bulk_bench.rs`; each user's outcome goes out on a channel as it
//! is known.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;

use super::Change;
use crate::api::client::{Client, ClientError};
use crate::api::{eai, raven};
use crate::console::view::Dialects;
use crate::model::Object;

/// Requests in flight at once: enough to keep a server busy, few enough
/// that a bulk change never crowds out the admins working beside it.
pub const AT_ONCE: usize = 4;

/// What the console knows of a marked user beyond its list row: the version
/// it saw (each dialect's ETag, where the server sends one) and the two
/// objects a list does not carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Seen {
    pub raven_etag: Option<String>,
    pub eai_etag: Option<String>,
    pub metadata: Option<Object>,
    pub preferences: Option<Object>,
}

impl Seen {
    /// The ETag that guards a PATCH in the dialect that carries `change`.
    fn etag_for(&self, change: &Change) -> Option<&str> {
        match change {
            Change::SetMetadata(..) | Change::RemoveMetadata(_) => self.raven_etag.as_deref(),
            _ => self.eai_etag.as_deref(),
        }
        .or(self.raven_etag.as_deref())
        .or(self.eai_etag.as_deref())
    }

    /// Learns the version a write produced. Where both dialects showed one
    /// tag (raven-server's ETag is the version in both), both move on.
    fn wrote(&mut self, change: &Change, etag: Option<String>) {
        let same = self.raven_etag == self.eai_etag;
        match change {
            Change::SetMetadata(..) | Change::RemoveMetadata(_) => {
                self.raven_etag = etag.clone();
                if same {
                    self.eai_etag = etag;
                }
            }
            _ => {
                self.eai_etag = etag.clone();
                if same {
                    self.raven_etag = etag;
                }
            }
        }
    }
}

/// One user to change, with what the console saw of it (`None`: not read
/// yet, so the run reads it first and guards the PATCH with that version).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: String,
    pub seen: Option<Seen>,
}

/// How one user came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Already as the change would leave it: nothing was sent.
    Unchanged,
    /// The user changed since the console saw it (412): left alone.
    Conflict(String),
    /// The server said no to this change for this user (403, 400, 409, 413).
    Refused(String),
    /// Anything else: the network, the server, a user that is gone.
    Failed(String),
    /// Esc came before its request was sent.
    NotSent,
}

impl Outcome {
    pub fn failed(&self) -> bool {
        matches!(
            self,
            Outcome::Conflict(_) | Outcome::Refused(_) | Outcome::Failed(_)
        )
    }
}

/// One user's outcome, as the run learns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub id: String,
    pub outcome: Outcome,
    /// The user as it is now, when the run learnt it: after a write, or
    /// read again after a conflict (so a retry is guarded by the version that
    /// is there now).
    pub seen: Option<Seen>,
}

/// Esc for a run: requests not yet sent are not sent; those in flight finish.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl PartialEq for Stop {
    fn eq(&self, other: &Stop) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Reads what a bulk change needs of one user: each dialect's ETag, metadata
/// and preferences.
pub async fn read(client: &Client, dialects: Dialects, id: &str) -> Result<Seen, ClientError> {
    let (r, e) = tokio::join!(
        async {
            match dialects.raven {
                true => Some(client.get_raven(id).await),
                false => None,
            }
        },
        async {
            match dialects.eai {
                true => Some(client.get_eai(id).await),
                false => None,
            }
        },
    );
    let mut seen = Seen::default();
    if let Some(r) = r {
        let r = r?;
        seen.raven_etag = r.etag;
        seen.metadata = Some(r.user.metadata);
    }
    if let Some(e) = e {
        let e = e?;
        seen.eai_etag = e.etag;
        seen.preferences = Some(e.user.preferences);
    }
    Ok(seen)
}

/// Sends `change` to every target, [`AT_ONCE`] at a time, and reports each
/// outcome on `progress` as it comes; returns when every target has one.
/// After `stop`, the targets not yet begun come out [`Outcome::NotSent`].
pub async fn run(
    client: &Client,
    dialects: Dialects,
    targets: Vec<Target>,
    change: &Change,
    progress: UnboundedSender<Progress>,
    stop: &Stop,
) {
    futures::stream::iter(targets)
        .map(|t| async {
            let p = if stop.stopped() {
                Progress {
                    id: t.id,
                    outcome: Outcome::NotSent,
                    seen: None,
                }
            } else {
                one(client, dialects, t, change).await
            };
            // The receiver gone (the console quit) leaves nobody to tell.
            let _ = progress.send(p);
        })
        .buffer_unordered(AT_ONCE)
        .for_each(|()| async {})
        .await;
}

/// One user: read it when it was not read when marked, PATCH it with
/// If-Match of the version seen, and read it again after a 412.
async fn one(client: &Client, dialects: Dialects, t: Target, change: &Change) -> Progress {
    let id = t.id;
    let seen = match t.seen {
        Some(s) => s,
        None => match read(client, dialects, &id).await {
            Ok(s) => s,
            Err(e) => return outcome(id, Err(e), None),
        },
    };
    let result = patch(client, &id, &seen, change).await;
    if matches!(&result, Err(e) if e.is_precondition_failed()) {
        let now = read(client, dialects, &id).await.ok();
        return Progress {
            id,
            outcome: Outcome::Conflict(
                "changed since the console read it; left alone (read again: retry sends the change to what is there now)".into(),
            ),
            seen: now,
        };
    }
    outcome(id, result, Some(seen))
}

fn outcome(id: String, result: Result<Seen, ClientError>, seen: Option<Seen>) -> Progress {
    let (outcome, seen) = match result {
        Ok(now) => (Outcome::Done, Some(now)),
        Err(e) => {
            let text = crate::console::words::explain(&e, "the console's key");
            let outcome = match &e {
                ClientError::Forbidden { .. } | ClientError::ReadOnly => Outcome::Refused(text),
                ClientError::Api {
                    status: 400 | 409 | 413 | 422,
                    ..
                } => Outcome::Refused(text),
                _ => Outcome::Failed(text),
            };
            (outcome, seen)
        }
    };
    Progress { id, outcome, seen }
}

/// The PATCH of one change, in the dialect that carries it. Answers with
/// what is known of the user after it.
async fn patch(
    client: &Client,
    id: &str,
    seen: &Seen,
    change: &Change,
) -> Result<Seen, ClientError> {
    let if_match = seen.etag_for(change);
    let mut after = seen.clone();
    match change {
        Change::SetMetadata(..) | Change::RemoveMetadata(_) => {
            // Raven replaces metadata whole: the object as seen, one key changed,
            // guarded by the version it was seen at.
            let mut metadata = seen.metadata.clone().unwrap_or_default();
            match change {
                Change::SetMetadata(k, v) => {
                    metadata.insert(k.clone(), v.clone());
                }
                Change::RemoveMetadata(k) => {
                    metadata.remove(k);
                }
                _ => {}
            }
            let body = raven::PatchUser {
                metadata: Some(metadata),
                ..raven::PatchUser::default()
            };
            let (user, etag) = client.patch_raven(id, &body, if_match).await?;
            after.metadata = Some(user.metadata);
            after.wrote(change, etag);
        }
        _ => {
            let mut body = eai::PatchUser::default();
            match change {
                Change::Role(r) => body.role = Some(*r),
                Change::Status(s) => body.status = Some(*s),
                Change::SetPreference(k, v) => body.preferences = Some(json!({ k: v })),
                Change::RemovePreference(k) => body.preferences = Some(json!({ k: Value::Null })),
                _ => {}
            }
            let (user, etag) = client.patch_eai(id, &body, if_match).await?;
            after.preferences = Some(user.preferences);
            after.wrote(change, etag);
        }
    }
    Ok(after)
}
