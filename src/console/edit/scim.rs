//! A save and a create over SCIM: the form's [`Patches`] as SCIM PATCH
//! operations (RFC 7644 §3.5.2), the create form as a `POST /Users` body.
//!
//! The form computes its changes as the other dialects do; this module says
//! them in SCIM: a cleared text is a `remove`, a set one a `replace` of that
//! attribute, the email and the role replace the whole multi-valued attribute
//! with one primary value, metadata and preferences replace their member of
//! raven's extension schema. Preferences are edited as an RFC 7396 diff, which
//! SCIM cannot send: the save applies it to the user as the server has it now.

use serde_json::{Map, Value, json};

use super::patch::Patches;
use super::save::{Created, SaveFailed, Saved};
use crate::api::client::scim::{RAVEN_EXTENSION, ScimSite, USER_SCHEMA};
use crate::api::client::{Client, ClientError};
use crate::api::{eai, raven};
use crate::console::view::scim as view;
use crate::model::{Object, Status, merge_patch};

fn ext_path(member: &str) -> String {
    format!("{RAVEN_EXTENSION}:{member}")
}

/// `replace` with the value, or `remove` for a cleared one.
fn set(ops: &mut Vec<Value>, path: &str, value: Option<Value>) {
    ops.push(match value {
        Some(v) => json!({"op": "replace", "path": path, "value": v}),
        None => json!({"op": "remove", "path": path}),
    });
}

fn text(v: &Option<String>) -> Option<Value> {
    v.as_ref()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| Value::String(s.to_string()))
}

/// One primary value of a multi-valued attribute (`emails`, `roles`, `photos`).
fn one(value: &str, kind: Option<&str>) -> Value {
    let mut v = json!({"value": value, "primary": true});
    if let (Some(k), Some(o)) = (kind, v.as_object_mut()) {
        o.insert("type".into(), Value::String(k.to_string()));
    }
    Value::Array(vec![v])
}

/// The operations that make `patches` true. `preferences` is the user's whole
/// new preferences object when the patch changes them (see [`save`]).
pub fn operations(patches: &Patches, preferences: Option<&Object>) -> Vec<Value> {
    let mut ops = Vec::new();
    let mut name_done = false;
    if let Some(r) = &patches.raven {
        if let Some(x) = &r.external_ref {
            set(&mut ops, "externalId", text(x));
        }
        if let Some(n) = &r.display_name {
            set(&mut ops, "displayName", text(n));
            name_done = true;
        }
        if let Some(m) = &r.metadata {
            set(
                &mut ops,
                &ext_path("metadata"),
                Some(Value::Object(m.clone())),
            );
        }
    }
    if let Some(e) = &patches.eai {
        if let (Some(n), false) = (&e.name, name_done) {
            set(&mut ops, "displayName", text(n));
        }
        if let Some(m) = &e.email {
            set(
                &mut ops,
                "emails",
                text(m).and_then(|v| v.as_str().map(|s| one(s, Some("work")))),
            );
        }
        if let Some(a) = &e.avatar {
            set(
                &mut ops,
                "photos",
                text(a).and_then(|v| v.as_str().map(|s| one(s, Some("photo")))),
            );
        }
        if let Some(role) = e.role {
            set(&mut ops, "roles", Some(one(role.as_str(), None)));
        }
        if let Some(s) = e.status {
            set(&mut ops, "active", Some(Value::Bool(s == Status::Active)));
        }
        if let (Some(_), Some(p)) = (&e.preferences, preferences) {
            set(
                &mut ops,
                &ext_path("preferences"),
                Some(Value::Object(p.clone())),
            );
        }
    }
    ops
}

/// One PATCH with every change; `If-Match` only where the server supports ETags.
pub async fn save(
    client: &Client,
    site: &ScimSite,
    user_id: &str,
    patches: &Patches,
    if_match: Option<&str>,
) -> Result<Saved, Box<SaveFailed>> {
    let if_match = if_match.filter(|_| site.etag);
    let fail = |error: ClientError| {
        Box::new(SaveFailed {
            written: Saved::default(),
            error,
            theirs: None,
        })
    };
    let preferences = match patches.eai.as_ref().and_then(|e| e.preferences.as_ref()) {
        Some(diff) => {
            let (now, _) = client.scim_get(site, user_id).await.map_err(fail)?;
            let mut prefs = Value::Object(
                view::views(&now, None)
                    .eai
                    .map(|e| e.preferences)
                    .unwrap_or_default(),
            );
            merge_patch(&mut prefs, diff);
            Some(prefs.as_object().cloned().unwrap_or_default())
        }
        None => None,
    };
    let ops = operations(patches, preferences.as_ref());
    if ops.is_empty() {
        return Ok(Saved::default());
    }
    let answer = client.scim_patch(site, user_id, &ops, if_match).await;
    let (resource, etag) = match answer {
        Ok((Some(v), etag)) => (v, etag),
        // 204: the server wrote it and sent nothing back; read it.
        Ok((None, _)) => client.scim_get(site, user_id).await.map_err(fail)?,
        Err(error) => {
            let theirs = match error.is_precondition_failed() {
                true => client
                    .scim_get(site, user_id)
                    .await
                    .ok()
                    .map(|(v, etag)| Box::new(view::views(&v, etag))),
                false => None,
            };
            return Err(Box::new(SaveFailed {
                written: Saved::default(),
                error,
                theirs,
            }));
        }
    };
    let views = view::views(&resource, etag.filter(|_| site.etag));
    Ok(Saved {
        raven: views.raven,
        eai: views.eai,
        etag: views.etag,
    })
}

/// The `POST /Users` body of the create form. SCIM requires a `userName`:
/// the email, else the external_ref, else the name, the way raven-server
/// defaults it.
pub fn create_body(
    user: &raven::CreateUser,
    rest: Option<&eai::PatchUser>,
) -> Result<Value, String> {
    let email = rest
        .and_then(|r| r.email.clone().flatten())
        .filter(|e| !e.trim().is_empty());
    let user_name = email
        .clone()
        .or_else(|| user.external_ref.clone())
        .or_else(|| user.display_name.clone())
        .filter(|u| !u.trim().is_empty())
        .ok_or("SCIM needs a userName: give the user an email, a ref or a name")?;
    let mut body = Map::new();
    let mut schemas = vec![json!(USER_SCHEMA)];
    body.insert("userName".into(), json!(user_name.trim()));
    if let Some(n) = &user.display_name {
        body.insert("displayName".into(), json!(n));
    }
    if let Some(x) = &user.external_ref {
        body.insert("externalId".into(), json!(x));
    }
    if let Some(e) = &email {
        body.insert("emails".into(), one(e, Some("work")));
    }
    if let Some(role) = rest.and_then(|r| r.role) {
        body.insert("roles".into(), one(role.as_str(), None));
    }
    // The form leaves out a status that is the default, active; say it anyway,
    // as SCIM servers differ in theirs.
    let status = rest.and_then(|r| r.status).unwrap_or(Status::Active);
    body.insert("active".into(), json!(status == Status::Active));
    if let Some(m) = user.metadata.as_ref().filter(|m| !m.is_empty()) {
        schemas.push(json!(RAVEN_EXTENSION));
        body.insert(RAVEN_EXTENSION.into(), json!({"metadata": m}));
    }
    body.insert("schemas".into(), Value::Array(schemas));
    Ok(Value::Object(body))
}

/// `POST /Users` with everything the form holds, in one request.
pub async fn create(
    client: &Client,
    site: &ScimSite,
    user: &raven::CreateUser,
    rest: Option<&eai::PatchUser>,
) -> Result<Created, ClientError> {
    let body = create_body(user, rest).map_err(|message| ClientError::Api {
        status: 400,
        code: String::new(),
        message,
        field: Some("email".into()),
        user_id: None,
    })?;
    let (made, _) = client.scim_create(site, &body).await?;
    let views = view::views(&made, None);
    let user = views.raven.ok_or_else(|| ClientError::Decode {
        url: client.base_url().to_string(),
        reason: "the created user has no id".into(),
    })?;
    Ok(Created::from(user))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn each_change_is_one_operation() {
        let patches = Patches {
            raven: Some(raven::PatchUser {
                external_ref: Some(None),
                display_name: Some(Some("Jane Doe".into())),
                metadata: None,
            }),
            eai: Some(eai::PatchUser {
                email: Some(Some("jane@example.com".into())),
                role: Some(Role::Viewer),
                status: Some(Status::Inactive),
                preferences: Some(json!({"beta": null})),
                ..eai::PatchUser::default()
            }),
        };
        let prefs = json!({"theme": "dark"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let ops = operations(&patches, Some(&prefs));
        assert_eq!(ops[0], json!({"op": "remove", "path": "externalId"}));
        assert_eq!(
            ops[1],
            json!({"op": "replace", "path": "displayName", "value": "Jane Doe"})
        );
        assert_eq!(ops[2]["value"][0]["value"], "jane@example.com");
        assert_eq!(
            ops[3]["value"],
            json!([{"value": "viewer", "primary": true}])
        );
        assert_eq!(
            ops[4],
            json!({"op": "replace", "path": "active", "value": false})
        );
        assert_eq!(ops[5]["path"], format!("{RAVEN_EXTENSION}:preferences"));
        assert_eq!(ops[5]["value"], json!({"theme": "dark"}));
        assert_eq!(ops.len(), 6);
    }

    #[test]
    fn a_create_needs_a_user_name() {
        let user = raven::CreateUser {
            display_name: Some("Jane".into()),
            ..raven::CreateUser::default()
        };
        let rest = eai::PatchUser {
            email: Some(Some("jane@example.com".into())),
            ..eai::PatchUser::default()
        };
        let body = create_body(&user, Some(&rest)).unwrap_or_default();
        assert_eq!(body["userName"], "jane@example.com");
        assert_eq!(body["emails"][0]["primary"], true);
        assert!(create_body(&raven::CreateUser::default(), None).is_err());
    }
}
