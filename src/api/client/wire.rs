//! Answers read as the specs promise them, not as raven-server happens to send
//! them: a list may lack `total` (or Raven's `limit`), a timestamp may carry an
//! offset, and a user may carry fields the console does not know.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::{eai, raven};

/// `GET /api/v1/users`. `limit` is the page size the server used, which may be
/// smaller than the one asked for.
#[derive(Debug, Deserialize)]
pub struct RavenList {
    pub users: Vec<raven::UserSummary>,
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// `GET /api/eai/v3/users`.
#[derive(Debug, Deserialize)]
pub struct EaiList {
    pub data: Vec<eai::UserSummary>,
    #[serde(default)]
    pub total: Option<u64>,
}

/// Top-level fields of each view that the console shows in their own place.
pub(super) const RAVEN_KNOWN: &[&str] = &[
    "user_id",
    "tenant_id",
    "external_ref",
    "display_name",
    "metadata",
    "conversation_count",
    "created_at",
    "updated_at",
];
pub(super) const EAI_KNOWN: &[&str] = &[
    "id",
    "email",
    "name",
    "avatar",
    "role",
    "permissions",
    "tenantId",
    "preferences",
    "createdAt",
    "lastLoginAt",
];

/// The members of `v` not in `known`: what a server adds beyond the spec.
pub(super) fn extras(v: &Value, known: &[&str]) -> Map<String, Value> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// An RFC 3339 time with an offset, as the same instant in UTC (`…Z`), so every
/// time on screen is in one zone. Anything else is left as it came.
pub fn utc(s: &str) -> String {
    if s.ends_with('Z') {
        return s.to_string();
    }
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        Err(_) => s.to_string(),
    }
}

fn utc_opt(s: &mut Option<String>) {
    if let Some(t) = s {
        *t = utc(t);
    }
}

pub(super) fn raven_summary_utc(u: &mut raven::UserSummary) {
    u.created_at = utc(&u.created_at);
    utc_opt(&mut u.updated_at);
}

pub(super) fn raven_user_utc(u: &mut raven::User) {
    u.created_at = utc(&u.created_at);
    utc_opt(&mut u.updated_at);
}

pub(super) fn eai_summary_utc(u: &mut eai::UserSummary) {
    utc_opt(&mut u.last_login_at);
}

pub(super) fn eai_user_utc(u: &mut eai::User) {
    u.created_at = utc(&u.created_at);
    utc_opt(&mut u.last_login_at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_utc() {
        assert_eq!(utc("2026-03-11T11:30:00+02:00"), "2026-03-11T09:30:00Z");
        assert_eq!(
            utc("2026-03-11T04:30:00.250-05:00"),
            "2026-03-11T09:30:00.250Z"
        );
        assert_eq!(utc("2026-03-11T09:30:00.000Z"), "2026-03-11T09:30:00.000Z");
        assert_eq!(utc("yesterday"), "yesterday");
    }

    #[test]
    fn extras_are_what_the_spec_does_not_name() {
        let v = serde_json::json!({"id": "u", "name": "N", "department": "Ops"});
        let x = extras(&v, EAI_KNOWN);
        assert_eq!(x.len(), 1);
        assert_eq!(x["department"], "Ops");
    }
}
