//! Every screen on ratatui's TestBackend, at 80×24 and 160×45, as insta snapshots.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use raven_console::api::client::ClientError;
use raven_console::api::{eai, raven};
use raven_console::console::app::{Action, Effect, State, update};
use raven_console::console::config::ApiChoice;
use raven_console::console::ui::{self, Theme};
use raven_console::console::view::{ActingAs, Dialects, ListPage, ListRow, UserViews};
use raven_console::model::Role;
use serde_json::json;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 45)];
#[path = "support/console.rs"]
mod support;
use support::{
    Boot, ctrl, demo_row as row, edited, key, list_req, precondition_failed, save_failed, typed,
};

fn list_id(fx: &[Effect]) -> u64 {
    list_req(fx).0
}

/// Connected and showing the first page of `total` users.
fn state(d: Dialects, height: u16, total: u64) -> State {
    Boot {
        url: "http://127.0.0.1:3000",
        height,
        dialects: d,
        ..Boot::default()
    }
    .listed(|s, _| ListPage {
        rows: (0..u64::from(s.limit).min(total))
            .map(|i| row(i, d))
            .collect(),
        total: Some(total),
        limit: None,
    })
}

fn render(s: &State, w: u16, h: u16, theme: Theme) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, s, theme)).unwrap();
    t
}

fn snap(name: &str, s: &State, w: u16, h: u16) {
    let t = render(s, w, h, Theme::default());
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
}

#[test]
fn list() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::BOTH, h, 300);
        update(&mut s, key(KeyCode::Down));
        update(&mut s, key(KeyCode::Down));
        snap("list", &s, w, h);
    }
}

#[test]
fn filter_bar_with_greyed_fields() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::RAVEN, h, 42);
        update(
            &mut s,
            Action::Key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::NONE)),
        );
        for c in "crm-01".chars() {
            update(&mut s, key(KeyCode::Char(c)));
        }
        snap("filter_raven_only", &s, w, h);
    }
    for (w, h) in SIZES {
        let mut s = state(Dialects::EAI, h, 12);
        update(&mut s, key(KeyCode::Char('f')));
        update(&mut s, key(KeyCode::Right));
        snap("filter_eai_only", &s, w, h);
    }
}

fn detail() -> UserViews {
    let r = row(1, Dialects::BOTH);
    UserViews {
        raven: Some(raven::User {
            user_id: r.id.clone(),
            tenant_id: "ten_k3x9q2ab".into(),
            external_ref: r.external_ref.clone(),
            display_name: r.name.clone(),
            metadata: json!({"plan": "enterprise", "source": "web", "seats": 25, "trial": false,
                "billing": {"currency": "EUR", "vat_id": null}})
            .as_object()
            .cloned()
            .unwrap(),
            conversation_count: Some(17),
            created_at: "2025-02-15T10:00:00.000Z".into(),
            updated_at: Some("2026-03-02T16:45:12.000Z".into()),
        }),
        eai: Some(eai::User {
            id: r.id.clone(),
            email: r.email.clone(),
            name: r.name.clone(),
            avatar: Some("https://avatars.example.com/ravi.jpg".into()),
            role: Role::Member,
            permissions: Role::Member.permissions().to_vec(),
            tenant_id: "acme-corp".into(),
            preferences: json!({"theme": "dark", "language": "en", "timezone": "Europe/Berlin",
                "notifications": {"email": true, "push": false}})
            .as_object()
            .cloned()
            .unwrap(),
            created_at: "2025-02-15T10:00:00.000Z".into(),
            last_login_at: r.last_login_at.clone(),
        }),
        etag: Some("\"v4\"".into()),
        extra: Default::default(),
        status: None,
    }
}

#[test]
fn detail_pane() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::BOTH, h, 300);
        update(&mut s, key(KeyCode::Down));
        let fx = update(&mut s, key(KeyCode::Enter));
        let Some(Effect::Get { id, .. }) = fx.first() else {
            panic!("{fx:?}")
        };
        update(
            &mut s,
            Action::Fetched {
                id: *id,
                result: Ok(Box::new(detail())),
            },
        );
        update(&mut s, key(KeyCode::Down));
        snap("detail", &s, w, h);
    }
}

#[test]
fn help_overlay() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::BOTH, h, 300);
        update(&mut s, key(KeyCode::Char('?')));
        snap("help", &s, w, h);
    }
}

#[test]
fn error_banner_over_the_last_data() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::BOTH, h, 300);
        let id = list_id(&update(&mut s, key(KeyCode::Char('r'))));
        let err = ClientError::Unreachable {
            url: "http://127.0.0.1:3000".into(),
            reason: "Connection refused (os error 111)".into(),
        };
        update(
            &mut s,
            Action::Listed {
                id,
                result: Err(err),
            },
        );
        snap("error_banner", &s, w, h);
    }
}

#[test]
fn refused_key() {
    let (w, h) = SIZES[0];
    let mut s = State::new(
        "https://raven.example.com",
        "the key in $RAVEN_TOKEN",
        ApiChoice::Auto,
        h,
    );
    s.start();
    let err = ClientError::Unauthorized {
        message: "unknown key".into(),
    };
    update(&mut s, Action::Connected(Err(err)));
    snap("unauthorized", &s, w, h);
}

#[test]
fn empty_result() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::BOTH, h, 300);
        update(&mut s, key(KeyCode::Char('/')));
        for c in "zzz".chars() {
            update(&mut s, key(KeyCode::Char(c)));
        }
        // The third character already asked (a trigram search goes out at once).
        update(&mut s, key(KeyCode::Enter));
        let id = s.pending_list().expect("a list request");
        update(
            &mut s,
            Action::Listed {
                id,
                result: Ok(ListPage::default()),
            },
        );
        snap("empty", &s, w, h);
    }
}

#[test]
fn no_color_means_no_colour() {
    let mut s = state(Dialects::BOTH, 24, 300);
    let id = list_id(&update(&mut s, key(KeyCode::Char('r'))));
    let err = ClientError::Unreachable {
        url: "http://x".into(),
        reason: "down".into(),
    };
    update(
        &mut s,
        Action::Listed {
            id,
            result: Err(err),
        },
    );
    let t = render(&s, 80, 24, Theme::monochrome());
    let buf = t.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "NO_COLOR output must carry no colour"
    );
    let t = render(&s, 80, 24, Theme::default());
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset)
    );
}

// ---- Editing and creating ----

use raven_console::console::edit::form::FormField;

/// The second user open in the edit form.
fn editing(h: u16, who: ActingAs) -> State {
    let mut s = Boot {
        url: "http://127.0.0.1:3000",
        height: h,
        acting_as: who,
        ..Boot::default()
    }
    .listed(|s, _| ListPage {
        rows: (0..u64::from(s.limit).min(300))
            .map(|i| row(i, Dialects::BOTH))
            .collect(),
        total: Some(300),
        limit: None,
    });
    update(&mut s, key(KeyCode::Down));
    let fx = update(&mut s, key(KeyCode::Char('e')));
    let Some(Effect::Get { id, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Action::Fetched {
            id: *id,
            result: Ok(Box::new(detail())),
        },
    );
    s
}

#[test]
fn edit_form() {
    for (w, h) in SIZES {
        let mut s = editing(h, ActingAs::Tenant);
        typed(&mut s, " Jr.");
        snap("edit_form", &s, w, h);
    }
}

#[test]
fn edit_form_with_a_member_key_locks_role_and_status() {
    let (w, h) = SIZES[0];
    let me = detail().eai.map(Box::new).unwrap();
    let s = editing(h, ActingAs::User(me));
    snap("edit_form_locked", &s, w, h);
}

#[test]
fn edit_form_validation_errors() {
    for (w, h) in SIZES {
        let mut s = editing(h, ActingAs::Tenant);
        // The server refused the email...
        update(&mut s, key(KeyCode::Tab));
        update(&mut s, key(KeyCode::Tab));
        typed(&mut s, "@");
        update(&mut s, ctrl('s'));
        let fx = update(&mut s, key(KeyCode::Enter));
        let Some(Effect::Save { id, .. }) = fx.first() else {
            panic!("{fx:?}")
        };
        save_failed(
            &mut s,
            *id,
            ClientError::Api {
                status: 400,
                code: "invalid_request".into(),
                message: "email is not an email address".into(),
                field: Some("email".into()),
                user_id: None,
            },
            None,
        );
        // ...and the preferences being typed do not parse.
        edited(
            &mut s,
            FormField::Preferences,
            "{\n  \"theme\": \"dark\",\n  \"language\" \"en\"\n}",
        );
        snap("edit_form_errors", &s, w, h);
    }
}

#[test]
fn quitting_with_unsaved_changes() {
    for (w, h) in SIZES {
        let mut s = editing(h, ActingAs::Tenant);
        typed(&mut s, " Jr.");
        update(&mut s, ctrl('c'));
        snap("quit_with_unsaved_changes", &s, w, h);
    }
}

#[test]
fn save_summary() {
    for (w, h) in SIZES {
        let mut s = editing(h, ActingAs::Tenant);
        typed(&mut s, " Jr.");
        edited(
            &mut s,
            FormField::Preferences,
            r#"{"theme": "light", "language": "en", "timezone": "Europe/Berlin", "notifications": {"email": true}}"#,
        );
        update(&mut s, ctrl('s'));
        snap("save_summary", &s, w, h);
    }
}

#[test]
fn conflict_view() {
    for (w, h) in SIZES {
        let mut s = editing(h, ActingAs::Tenant);
        typed(&mut s, " Jr.");
        edited(
            &mut s,
            FormField::Metadata,
            r#"{"plan": "enterprise", "source": "web", "seats": 30, "trial": false}"#,
        );
        update(&mut s, ctrl('s'));
        let fx = update(&mut s, key(KeyCode::Enter));
        let Some(Effect::Save { id, .. }) = fx.first() else {
            panic!("{fx:?}")
        };
        let mut theirs = detail();
        theirs.etag = Some("\"v6\"".into());
        let r = theirs.raven.as_mut().unwrap();
        r.metadata.insert("seats".into(), json!(40));
        theirs.eai.as_mut().unwrap().role = Role::Admin;
        save_failed(&mut s, *id, precondition_failed("changed"), Some(theirs));
        snap("conflict", &s, w, h);
    }
}

#[test]
fn create_form_with_a_duplicate_ref() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::BOTH, h, 300);
        update(&mut s, key(KeyCode::Char('c')));
        typed(&mut s, "crm-01001");
        update(&mut s, key(KeyCode::Tab));
        typed(&mut s, "Ravi Patel");
        snap("create_form", &s, w, h);
        update(&mut s, ctrl('s'));
        let fx = update(&mut s, key(KeyCode::Enter));
        let Some(Effect::Create { id, .. }) = fx.first() else {
            panic!("{fx:?}")
        };
        let err = ClientError::Api {
            status: 409,
            code: "conflict".into(),
            message: "external_ref \"crm-01001\" already belongs to user usr_00000000007919".into(),
            field: Some("external_ref".into()),
            user_id: Some("usr_00000000007919".into()),
        };
        update(
            &mut s,
            Action::Created {
                id: *id,
                result: Err(err),
            },
        );
        snap("create_duplicate", &s, w, h);
    }
}

#[test]
fn a_list_without_a_total() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::EAI, h, 300);
        let id = list_id(&update(&mut s, key(KeyCode::Char('r'))));
        let page = ListPage {
            rows: (0..10).map(|i| row(i, Dialects::EAI)).collect(),
            total: None,
            limit: None,
        };
        update(
            &mut s,
            Action::Listed {
                id,
                result: Ok(page),
            },
        );
        snap("no_total", &s, w, h);
    }
}

#[test]
fn a_read_only_key_on_the_status_line_and_e_refused() {
    for (w, h) in SIZES {
        let mut s = Boot {
            url: "http://127.0.0.1:3000",
            height: h,
            key: Some(raven_console::api::key::KeyInfo {
                key: "rk_live_AbCd1234…".into(),
                tenant_id: "ten_k3x9q2ab".into(),
                scopes: vec!["users:read".into()],
                user_id: None,
            }),
            ..Boot::default()
        }
        .listed(|s, _| ListPage {
            rows: (0..u64::from(s.limit))
                .map(|i| row(i, Dialects::BOTH))
                .collect(),
            total: Some(300),
            limit: None,
        });
        update(&mut s, key(KeyCode::Char('e')));
        snap("read_only", &s, w, h);
    }
}

/// Names and a detail carrying bidi controls and a zero-width space, and a field no spec names.
#[test]
fn hidden_characters_are_drawn_visibly() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::BOTH, h, 300);
        let id = list_id(&update(&mut s, key(KeyCode::Char('r'))));
        let mut rows: Vec<ListRow> = (0..5).map(|i| row(i, Dialects::BOTH)).collect();
        rows[0].name = Some("admin\u{202E}nimda".into());
        rows[1].email = Some("ravi\u{200B}@example.com".into());
        update(
            &mut s,
            Action::Listed {
                id,
                result: Ok(ListPage {
                    rows,
                    total: Some(5),
                    limit: None,
                }),
            },
        );
        snap("hidden_chars_list", &s, w, h);
        let fx = update(&mut s, key(KeyCode::Enter));
        let Some(Effect::Get { id, .. }) = fx.first() else {
            panic!("{fx:?}")
        };
        let mut d = detail();
        if let Some(e) = d.eai.as_mut() {
            e.name = Some("admin\u{202E}nimda".into());
        }
        d.extra
            .insert("department".into(), json!("Ops\u{2066}x\u{2069}"));
        update(
            &mut s,
            Action::Fetched {
                id: *id,
                result: Ok(Box::new(d)),
            },
        );
        snap("hidden_chars_detail", &s, w, h);
    }
}

/// A conflict whose summary is longer than its column: it wraps, nothing is cut.
#[test]
fn conflict_view_with_a_long_summary() {
    for (w, h) in SIZES {
        let mut s = editing(h, ActingAs::Tenant);
        edited(
            &mut s,
            FormField::Metadata,
            r#"{"plan": "enterprise", "source": "web", "seats": 30, "trial": true,
                "region": "eu-central-1", "owner": "platform-team", "cost_center": "CC-4711",
                "tags": ["alpha", "beta", "gamma"], "notes": "renewal due in the spring"}"#,
        );
        update(&mut s, ctrl('s'));
        let fx = update(&mut s, key(KeyCode::Enter));
        let Some(Effect::Save { id, .. }) = fx.first() else {
            panic!("{fx:?}")
        };
        let mut theirs = detail();
        theirs.etag = Some("\"v6\"".into());
        let r = theirs.raven.as_mut().unwrap();
        r.metadata.insert("seats".into(), json!(40));
        save_failed(&mut s, *id, precondition_failed("changed"), Some(theirs));
        snap("conflict_long", &s, w, h);
    }
}

/// A value wider than the pane wraps in the detail.
#[test]
fn detail_wraps_a_long_value() {
    let (w, h) = SIZES[0];
    let mut s = state(Dialects::BOTH, h, 300);
    let fx = update(&mut s, key(KeyCode::Enter));
    let Some(Effect::Get { id, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    let mut d = detail();
    if let Some(e) = d.eai.as_mut() {
        e.avatar = Some(format!(
            "https://avatars.example.com/{}.jpg",
            "x".repeat(90)
        ));
    }
    update(
        &mut s,
        Action::Fetched {
            id: *id,
            result: Ok(Box::new(d)),
        },
    );
    for _ in 0..8 {
        update(&mut s, key(KeyCode::Down));
    }
    snap("detail_wrapped", &s, w, h);
}

/// The screen's text, row by row.
fn text_of(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The detail's "back" is bound to Esc and Backspace; what the screen says
/// is the keymap's label, both keys included.
#[test]
fn the_screen_names_every_key_of_a_binding() {
    use raven_console::console::keymap::{self, Command, Context};
    let (w, h) = SIZES[1];
    let mut s = state(Dialects::BOTH, h, 300);
    let fx = update(&mut s, key(KeyCode::Enter));
    let Some(Effect::Get { id, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Action::Fetched {
            id: *id,
            result: Ok(Box::new(detail())),
        },
    );
    let shown = text_of(&render(&s, w, h, Theme::monochrome()));
    let back = keymap::hint(Context::Detail, Command::Back);
    assert!(back.starts_with("Esc Backspace "), "{back}");
    assert!(shown.contains(&back), "{shown}");
}

#[test]
fn command_line() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::BOTH, h, 300);
        update(&mut s, key(KeyCode::Char(':')));
        typed(&mut s, "pa");
        update(&mut s, key(KeyCode::Tab));
        typed(&mut s, "999");
        update(&mut s, key(KeyCode::Enter));
        snap("command_line_error", &s, w, h);
    }
    for (w, h) in SIZES {
        let mut s = state(Dialects::BOTH, h, 300);
        update(&mut s, key(KeyCode::Char(':')));
        snap("command_line", &s, w, h);
    }
}

#[test]
fn mark_column() {
    for (w, h) in SIZES {
        let mut s = state(Dialects::BOTH, h, 300);
        update(&mut s, key(KeyCode::Char(' ')));
        update(&mut s, key(KeyCode::Down));
        update(&mut s, key(KeyCode::Down));
        update(&mut s, key(KeyCode::Char(' ')));
        update(&mut s, key(KeyCode::Down));
        snap("mark_column", &s, w, h);
    }
}
