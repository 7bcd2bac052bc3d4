//! `D`, delete a user: `update` units for the confirmation, the request it
//! sends, its answers and the greying, and TestBackend snapshots of the
//! confirmation and of a SCIM user's detail (extensions included).

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use raven_console::api::client::ClientError;
use raven_console::api::client::scim::ScimSite;
use raven_console::api::key::KeyInfo;
use raven_console::console::app::{Action, Effect, Focus, State, update};
use raven_console::console::ui::{self, Theme};
use raven_console::console::view::{Dialects, ListPage, ListRow, scim};
use serde_json::json;

#[path = "support/console.rs"]
mod support;
use support::{Boot, demo_row, key, list_req};

const SCIM: Dialects = Dialects {
    raven: true,
    eai: true,
    scim: Some(ScimSite {
        under_root: true,
        etag: true,
        sort: false,
        filter: true,
        roles: true,
        no_or: false,
    }),
};

fn page(
    d: Dialects,
    n: u64,
) -> impl FnOnce(&State, &raven_console::api::client::ListQuery) -> ListPage {
    move |_, _| ListPage {
        rows: (0..n).map(|i| demo_row(i, d)).collect(),
        total: Some(n),
        limit: None,
    }
}

fn state(d: Dialects, n: u64) -> State {
    Boot {
        dialects: d,
        ..Boot::default()
    }
    .listed(page(d, n))
}

fn delete_effect(fx: &[Effect]) -> (u64, String, Option<String>) {
    match fx {
        [
            Effect::Delete {
                id,
                user_id,
                if_match,
                ..
            },
        ] => (*id, user_id.clone(), if_match.clone()),
        other => panic!("expected one delete in {other:?}"),
    }
}

fn error(s: &State) -> String {
    s.error.as_ref().map(|e| e.text.clone()).unwrap_or_default()
}

#[test]
fn d_asks_first_naming_the_user_and_n_or_enter_keep_them() {
    let mut s = state(Dialects::BOTH, 5);
    update(&mut s, key(KeyCode::Down));
    let row = s.selected().cloned().unwrap_or_default();
    assert!(
        update(&mut s, key(KeyCode::Char('D'))).is_empty(),
        "nothing sent yet"
    );
    let q = s
        .deletes
        .confirm
        .as_ref()
        .map(|c| c.question())
        .unwrap_or_default();
    let name = row.name.clone().unwrap_or_default();
    let email = row.email.clone().unwrap_or_default();
    assert_eq!(
        q,
        format!(
            "Delete {name} <{email}> ({})? This cannot be undone.",
            row.id
        )
    );
    // Keys the confirmation does not bind do nothing, `q` included.
    assert!(update(&mut s, key(KeyCode::Char('q'))).is_empty());
    assert!(!s.quit && s.deletes.confirm.is_some());
    for no in [KeyCode::Char('n'), KeyCode::Enter, KeyCode::Esc] {
        update(&mut s, key(KeyCode::Char('D')));
        assert!(update(&mut s, key(no)).is_empty());
        assert!(s.deletes.confirm.is_none(), "{no:?} keeps the user");
    }
}

#[test]
fn y_deletes_and_the_answer_refreshes_the_list_with_the_cursor_in_place() {
    let mut s = state(Dialects::BOTH, 5);
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Down));
    let gone = s.selected().map(|r| r.id.clone()).unwrap_or_default();
    update(&mut s, key(KeyCode::Char('D')));
    let (id, user_id, if_match) = delete_effect(&update(&mut s, key(KeyCode::Char('y'))));
    assert_eq!(
        (user_id.as_str(), if_match),
        (gone.as_str(), None),
        "the list knows no version"
    );
    assert!(s.busy());
    let fx = update(
        &mut s,
        Action::Deleted {
            id,
            user_id: gone.clone(),
            result: Ok(()),
        },
    );
    let (list_id, _) = list_req(&fx);
    assert_eq!(s.info.as_deref(), Some(format!("Deleted {gone}.").as_str()));
    let rows: Vec<ListRow> = (0..5u64)
        .filter(|i| *i != 2)
        .map(|i| demo_row(i, Dialects::BOTH))
        .collect();
    update(
        &mut s,
        Action::Listed {
            id: list_id,
            result: Ok(ListPage {
                rows,
                total: Some(4),
                limit: None,
            }),
        },
    );
    assert_eq!(s.cursor, 2, "the cursor stays on its row");
    assert_ne!(s.selected().map(|r| r.id.clone()), Some(gone));
}

#[test]
fn from_the_detail_the_version_goes_as_if_match_and_the_pane_closes() {
    let mut s = state(SCIM, 3);
    update(&mut s, key(KeyCode::Enter));
    let fx = s.pending_detail();
    let views = scim::views(
        &json!({"schemas": [raven_console::api::client::scim::USER_SCHEMA], "id": "usr_demo000000", "userName": "x"}),
        Some("W/\"7\"".into()),
    );
    update(
        &mut s,
        Action::Fetched {
            id: fx.unwrap_or_default(),
            result: Ok(Box::new(views)),
        },
    );
    assert_eq!(s.focus, Focus::Detail);
    update(&mut s, key(KeyCode::Char('D')));
    let (id, user_id, if_match) = delete_effect(&update(&mut s, key(KeyCode::Char('y'))));
    assert_eq!(if_match.as_deref(), Some("W/\"7\""));
    update(
        &mut s,
        Action::Deleted {
            id,
            user_id,
            result: Ok(()),
        },
    );
    assert_eq!(s.focus, Focus::List);
    assert!(s.detail.is_none());
}

#[test]
fn a_405_greys_delete_with_the_reason_from_then_on() {
    let mut s = state(Dialects::BOTH, 3);
    update(&mut s, key(KeyCode::Char('D')));
    let (id, user_id, _) = delete_effect(&update(&mut s, key(KeyCode::Char('y'))));
    let fx = update(
        &mut s,
        Action::Deleted {
            id,
            user_id,
            result: Err(ClientError::Api {
                status: 405,
                code: "method_not_allowed".into(),
                message: "method not allowed".into(),
                field: None,
                user_id: None,
            }),
        },
    );
    assert!(fx.is_empty(), "nothing was deleted, nothing to refresh");
    assert!(
        error(&s).contains("no DELETE /api/v1/users/{user_id}"),
        "{}",
        error(&s)
    );
    assert!(error(&s).contains("405"), "{}", error(&s));
    assert!(
        s.greyed().iter().any(|g| g.starts_with("D delete:")),
        "{:?}",
        s.greyed()
    );
    update(&mut s, key(KeyCode::Char('D')));
    assert!(s.deletes.confirm.is_none(), "greyed: no confirmation");
    assert!(error(&s).starts_with("Delete is off: this server has no DELETE"));
}

#[test]
fn read_only_keys_and_eai_only_servers_cannot_delete() {
    let mut s = Boot {
        key: Some(KeyInfo {
            key: "rk_live_AbCd…".into(),
            tenant_id: "ten_1".into(),
            scopes: vec!["users:read".into()],
            user_id: None,
        }),
        ..Boot::default()
    }
    .listed(page(Dialects::BOTH, 3));
    update(&mut s, key(KeyCode::Char('D')));
    assert!(s.deletes.confirm.is_none());
    assert_eq!(
        error(&s),
        "Delete is off: this key is read-only (users:read, no users:write)."
    );
    let mut s = state(Dialects::EAI, 3);
    update(&mut s, key(KeyCode::Char('D')));
    assert!(s.deletes.confirm.is_none());
    assert_eq!(error(&s), "Delete is off: the EAI v3 API has no delete.");
}

#[test]
fn a_user_already_gone_is_said_and_the_list_refreshes() {
    let mut s = state(SCIM, 3);
    update(&mut s, key(KeyCode::Char('D')));
    let (id, user_id, _) = delete_effect(&update(&mut s, key(KeyCode::Char('y'))));
    let fx = update(
        &mut s,
        Action::Deleted {
            id,
            user_id: user_id.clone(),
            result: Err(ClientError::NotFound {
                code: "not_found".into(),
                message: "Resource not found".into(),
            }),
        },
    );
    list_req(&fx);
    assert_eq!(error(&s), format!("{user_id} was already gone."));
    assert!(s.deletes.lacking.is_none());
}

fn snap(name: &str, s: &State) {
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    t.draw(|f| ui::draw(f, s, Theme::default())).expect("draw");
    insta::assert_snapshot!(name, t.backend());
}

#[test]
fn snapshot_of_the_delete_confirmation() {
    let mut s = state(Dialects::BOTH, 19);
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Char('D')));
    snap("delete_confirmation_80x24", &s);
}

#[test]
fn snapshot_of_a_scim_users_detail_with_extensions() {
    let resource = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:raven:params:scim:schemas:extension:2.0:User"
        ],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "hr-0042",
        "userName": "bjensen",
        "name": {"formatted": "Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
        "active": true,
        "roles": [{"value": "admin", "primary": true}],
        "meta": {"resourceType": "User", "created": "2026-03-11T09:30:00Z",
                 "lastModified": "2026-03-12T10:00:00Z", "version": "W/\"3\""},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
            {"employeeNumber": "701984", "department": "Tour Operations"},
        "urn:raven:params:scim:schemas:extension:2.0:User":
            {"metadata": {"plan": "pro"}, "preferences": {"theme": "dark"}}
    });
    let row = scim::row(&resource);
    let mut s = Boot {
        dialects: SCIM,
        ..Boot::default()
    }
    .listed(move |_, _| ListPage {
        rows: vec![row],
        total: Some(1),
        limit: None,
    });
    update(&mut s, key(KeyCode::Enter));
    let id = s.pending_detail().unwrap_or_default();
    update(
        &mut s,
        Action::Fetched {
            id,
            result: Ok(Box::new(scim::views(&resource, Some("W/\"3\"".into())))),
        },
    );
    snap("scim_detail_80x24", &s);
    // Scrolled to the extensions, which a tall user pushes below the fold.
    for _ in 0..22 {
        update(&mut s, key(KeyCode::Down));
    }
    snap("scim_detail_extensions_80x24", &s);
}
