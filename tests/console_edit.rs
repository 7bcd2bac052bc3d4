//! Editing and creating through the pure `update`: what a save sends, what a
//! failure keeps, the conflict choices, and the panes after a save.

use ratatui::crossterm::event::KeyCode;
use raven_console::api::client::ClientError;
use raven_console::console::app::{Action, Effect, Focus, State, update};
use raven_console::console::edit::form::{AfterDiscard, FormField, Phase};
use raven_console::console::edit::patch::Patches;
use raven_console::console::edit::save::{SaveFailed, Saved};
use raven_console::console::view::{ActingAs, ListPage};
use raven_console::model::{Role, Status};
use serde_json::json;

#[path = "support/console.rs"]
mod support;
use support::{
    Boot, ctrl, edited as set_json, jane_eai as eai_user, jane_raven as raven_user,
    jane_row as row, jane_views as detail, key, obj, precondition_failed, save_failed, typed,
};

/// Connected to both dialects with Jane's list loaded, as `who`.
fn listed(who: ActingAs) -> State {
    Boot {
        token_hint: "the key",
        acting_as: who,
        ..Boot::default()
    }
    .listed(|_, _| ListPage {
        rows: vec![row()],
        total: Some(1),
        limit: None,
    })
}

/// `e` on Jane: the form opens once her detail (version 3) has loaded.
fn editing() -> State {
    let mut s = listed(ActingAs::Tenant);
    let fx = update(&mut s, key(KeyCode::Char('e')));
    let [Effect::Get { id, user_id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(user_id, "usr_jane");
    assert_eq!(s.focus, Focus::Detail, "the detail shows while it loads");
    update(
        &mut s,
        Action::Fetched {
            id: *id,
            result: Ok(Box::new(detail(3))),
        },
    );
    assert_eq!(s.focus, Focus::Form);
    s
}

fn form(s: &State) -> &raven_console::console::edit::Form {
    s.form.as_ref().expect("the form is open")
}

/// Ctrl-s then Enter: the one save request.
fn save(s: &mut State) -> (u64, Patches, Option<String>) {
    assert_eq!(update(s, ctrl('s')), vec![]);
    assert_eq!(form(s).phase, Phase::Confirm, "the summary comes first");
    let fx = update(s, key(KeyCode::Enter));
    let [
        Effect::Save {
            id,
            patches,
            if_match,
            user_id,
            ..
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(user_id, "usr_jane");
    assert!(s.busy(), "the spinner turns while saving");
    (*id, (**patches).clone(), if_match.clone())
}

#[test]
fn a_saved_name_shows_in_the_list_and_the_detail_at_once() {
    let mut s = editing();
    typed(&mut s, " Doe");
    let (id, patches, if_match) = save(&mut s);
    assert_eq!(if_match.as_deref(), Some("\"v3\""));
    assert_eq!(
        patches.raven.as_ref().unwrap().display_name,
        Some(Some("Jane Doe".into()))
    );
    assert!(patches.eai.is_none(), "{patches:?}");

    let saved = Saved {
        raven: Some(raven_user("Jane Doe", json!({"plan": "pro"}))),
        eai: None,
        etag: Some("\"v4\"".into()),
    };
    update(
        &mut s,
        Action::Saved {
            id,
            result: Ok(Box::new(saved)),
        },
    );
    assert!(s.form.is_none());
    assert_eq!(s.focus, Focus::Detail);
    assert_eq!(s.info.as_deref(), Some("Saved."));
    let list_row = &s.list.as_ref().unwrap().rows[0];
    assert_eq!(list_row.name.as_deref(), Some("Jane Doe"));
    assert_eq!(
        list_row.last_login_at,
        row().last_login_at,
        "untouched columns stay"
    );
    let d = s.detail.as_ref().unwrap();
    let rec = d.record.as_ref().unwrap();
    assert_eq!(rec["name"], "Jane Doe");
    assert_eq!(rec["etag"], "\"v4\"");
    assert_eq!(rec["conversation_count"], 4);
}

#[test]
fn preferences_go_as_a_merge_patch_and_metadata_whole() {
    let mut s = editing();
    set_json(
        &mut s,
        FormField::Metadata,
        r#"{"plan": "enterprise", "seats": 5}"#,
    );
    set_json(&mut s, FormField::Preferences, r#"{"theme": "light"}"#);
    let (_, patches, _) = save(&mut s);
    assert_eq!(
        patches.raven.unwrap().metadata,
        Some(obj(json!({"plan": "enterprise", "seats": 5})))
    );
    assert_eq!(
        patches.eai.unwrap().preferences,
        Some(json!({"theme": "light", "beta": null}))
    );
}

#[test]
fn invalid_json_is_never_sent() {
    let mut s = editing();
    set_json(&mut s, FormField::Metadata, "{\n  \"plan\": pro\n}");
    assert_eq!(update(&mut s, ctrl('s')), vec![]);
    assert_eq!(form(&s).phase, Phase::Editing);
    assert_eq!(form(&s).focus, FormField::Metadata);
    let text = &s.error.as_ref().unwrap().text;
    assert!(text.contains("line 2, column 11"), "{text}");
}

#[test]
fn nothing_changed_is_nothing_to_save() {
    let mut s = editing();
    assert_eq!(update(&mut s, ctrl('s')), vec![]);
    assert_eq!(form(&s).phase, Phase::Editing);
    assert!(s.info.as_deref().unwrap().contains("Nothing changed"));
    // And Esc leaves without asking.
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.focus, Focus::Detail);
}

#[test]
fn esc_on_a_changed_form_asks_first() {
    let mut s = editing();
    typed(&mut s, "x");
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(
        form(&s).phase,
        Phase::Discard {
            then: AfterDiscard::Close
        }
    );
    update(&mut s, key(KeyCode::Char('n')));
    assert_eq!(form(&s).phase, Phase::Editing);
    assert_eq!(form(&s).name.value(), "Janex", "the draft is intact");
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Char('y')));
    assert!(s.form.is_none());
    assert_eq!(s.focus, Focus::Detail);
}

#[test]
fn ctrl_c_on_a_changed_form_asks_before_quitting() {
    let mut s = editing();
    typed(&mut s, "x");
    update(&mut s, ctrl('c'));
    assert!(!s.quit, "one keystroke does not lose an edit");
    assert_eq!(
        form(&s).phase,
        Phase::Discard {
            then: AfterDiscard::Quit
        }
    );
    update(&mut s, key(KeyCode::Char('n')));
    assert_eq!(form(&s).phase, Phase::Editing);
    assert_eq!(form(&s).name.value(), "Janex", "the draft is intact");
    // y discards and quits; so does a second Ctrl-C.
    update(&mut s, ctrl('c'));
    update(&mut s, key(KeyCode::Char('y')));
    assert!(s.quit);
    let mut s = editing();
    typed(&mut s, "x");
    update(&mut s, ctrl('c'));
    update(&mut s, ctrl('c'));
    assert!(s.quit);
    // Nothing changed: nothing to ask.
    let mut s = editing();
    update(&mut s, ctrl('c'));
    assert!(s.quit);
}

fn conflict_after_their_write(s: &mut State, id: u64) {
    let mut theirs = detail(5);
    theirs.raven = Some(raven_user("Jane", json!({"plan": "enterprise"})));
    theirs.eai.as_mut().unwrap().email = Some("j@example.com".into());
    save_failed(
        s,
        id,
        precondition_failed("the user has changed"),
        Some(theirs),
    );
}

#[test]
fn a_412_shows_mine_and_theirs_and_reapplies_my_draft_onto_theirs() {
    let mut s = editing();
    typed(&mut s, " Doe");
    set_json(
        &mut s,
        FormField::Metadata,
        r#"{"plan": "pro", "seats": 5}"#,
    );
    let (id, _, _) = save(&mut s);
    conflict_after_their_write(&mut s, id);
    let Phase::Conflict(c) = &form(&s).phase else {
        panic!("{:?}", form(&s).phase)
    };
    let fields: Vec<FormField> = c.rows().iter().map(|r| r.field).collect();
    assert_eq!(
        fields,
        [FormField::Name, FormField::Email, FormField::Metadata]
    );

    update(&mut s, key(KeyCode::Char('r')));
    let f = form(&s);
    assert_eq!(f.phase, Phase::Editing);
    assert_eq!(f.etag(), Some("\"v5\""));
    assert_eq!(f.name.value(), "Jane Doe", "my change kept");
    assert_eq!(f.email.value(), "j@example.com", "their change kept");
    let (_, patches, if_match) = save(&mut s);
    assert_eq!(if_match.as_deref(), Some("\"v5\""));
    let r = patches.raven.unwrap();
    assert_eq!(r.display_name, Some(Some("Jane Doe".into())));
    assert_eq!(
        r.metadata,
        Some(obj(json!({"plan": "enterprise", "seats": 5}))),
        "their plan, my seats"
    );
    assert!(patches.eai.is_none(), "their email is not sent back");
}

#[test]
fn overwrite_sends_mine_against_their_version() {
    let mut s = editing();
    set_json(
        &mut s,
        FormField::Metadata,
        r#"{"plan": "pro", "seats": 5}"#,
    );
    let (id, _, _) = save(&mut s);
    conflict_after_their_write(&mut s, id);
    update(&mut s, key(KeyCode::Char('o')));
    assert_eq!(form(&s).phase, Phase::Confirm);
    let fx = update(&mut s, key(KeyCode::Enter));
    let [
        Effect::Save {
            patches, if_match, ..
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(if_match.as_deref(), Some("\"v5\""));
    assert_eq!(
        patches.raven.as_ref().unwrap().metadata,
        Some(obj(json!({"plan": "pro", "seats": 5})))
    );
    // Their email differs from my (unchanged) draft's, so it goes back too: a deliberate overwrite.
    assert_eq!(
        patches.eai.as_ref().unwrap().email,
        Some(Some("jane@example.com".into()))
    );
}

#[test]
fn esc_in_the_conflict_view_goes_back_to_the_draft() {
    let mut s = editing();
    typed(&mut s, "!");
    let (id, _, _) = save(&mut s);
    conflict_after_their_write(&mut s, id);
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(form(&s).phase, Phase::Editing);
    assert_eq!(form(&s).name.value(), "Jane!");
}

#[test]
fn a_network_failure_keeps_the_draft_and_ctrl_s_retries() {
    let mut s = editing();
    typed(&mut s, " Doe");
    let (id, first, _) = save(&mut s);
    save_failed(
        &mut s,
        id,
        ClientError::Unreachable {
            url: "http://raven.test".into(),
            reason: "Connection refused".into(),
        },
        None,
    );
    assert_eq!(s.focus, Focus::Form);
    assert_eq!(form(&s).phase, Phase::Editing);
    assert_eq!(form(&s).name.value(), "Jane Doe");
    let text = &s.error.as_ref().unwrap().text;
    assert!(
        text.contains("Cannot reach") && text.contains("Ctrl-s tries again"),
        "{text}"
    );
    let (_, again, if_match) = save(&mut s);
    assert_eq!(again, first);
    assert_eq!(if_match.as_deref(), Some("\"v3\""));
}

#[test]
fn when_the_second_patch_fails_the_first_counts_and_only_the_rest_is_resent() {
    let mut s = editing();
    typed(&mut s, " Doe");
    update(&mut s, key(KeyCode::Tab)); // external_ref
    update(&mut s, key(KeyCode::Tab)); // email
    update(&mut s, key(KeyCode::Tab)); // role
    assert_eq!(form(&s).focus, FormField::Role);
    update(&mut s, key(KeyCode::Left));
    assert_eq!(form(&s).role, Some(Role::Admin));
    set_json(&mut s, FormField::Metadata, r#"{"plan": "team"}"#);
    let (id, patches, _) = save(&mut s);
    assert!(patches.raven.is_some() && patches.eai.is_some());

    let failed = SaveFailed {
        written: Saved {
            raven: Some(raven_user("Jane Doe", json!({"plan": "team"}))),
            eai: None,
            etag: Some("\"v4\"".into()),
        },
        error: ClientError::Api {
            status: 503,
            code: "unavailable".into(),
            message: "the database is unavailable".into(),
            field: None,
            user_id: None,
        },
        theirs: None,
    };
    update(
        &mut s,
        Action::Saved {
            id,
            result: Err(Box::new(failed)),
        },
    );
    let text = &s.error.as_ref().unwrap().text;
    assert!(text.contains("were saved; the rest was not"), "{text}");
    assert_eq!(
        s.list.as_ref().unwrap().rows[0].name.as_deref(),
        Some("Jane Doe"),
        "the written half shows"
    );
    let (_, rest, if_match) = save(&mut s);
    assert_eq!(if_match.as_deref(), Some("\"v4\""));
    assert!(rest.raven.is_none(), "{rest:?}");
    assert_eq!(rest.eai.unwrap().role, Some(Role::Admin));
}

#[test]
fn a_refused_field_gets_the_servers_message_beside_it() {
    let mut s = editing();
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Tab));
    typed(&mut s, "x");
    let (id, _, _) = save(&mut s);
    save_failed(
        &mut s,
        id,
        ClientError::Api {
            status: 400,
            code: "invalid_request".into(),
            message: "email must look like name@example.com".into(),
            field: Some("email".into()),
            user_id: None,
        },
        None,
    );
    let f = form(&s);
    assert_eq!(f.focus, FormField::Email);
    assert_eq!(
        f.errors[&FormField::Email],
        "email must look like name@example.com"
    );
    // Typing in it again clears the complaint.
    typed(&mut s, "y");
    assert!(form(&s).errors.is_empty());
}

#[test]
fn role_and_status_are_locked_for_a_member_key() {
    let me = ActingAs::User(Box::new(eai_user("Jane", json!({}))));
    let mut s = listed(me);
    let fx = update(&mut s, key(KeyCode::Enter));
    let [Effect::Get { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Action::Fetched {
            id: *id,
            result: Ok(Box::new(detail(3))),
        },
    );
    update(&mut s, key(KeyCode::Char('e')));
    let f = form(&s);
    assert!(f.locked[&FormField::Role].contains("users.manage"));
    assert!(f.locked.contains_key(&FormField::Status));
}

#[test]
fn ctrl_e_hands_the_json_field_to_the_editor() {
    let mut s = editing();
    assert_eq!(update(&mut s, ctrl('e')), vec![], "not on a text field");
    for _ in 0..5 {
        update(&mut s, key(KeyCode::Tab));
    }
    assert_eq!(form(&s).focus, FormField::Metadata);
    let fx = update(&mut s, ctrl('e'));
    let [Effect::Editor { field, text }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*field, FormField::Metadata);
    assert_eq!(text, "{\n  \"plan\": \"pro\"\n}");
    update(
        &mut s,
        Action::Edited {
            field: FormField::Metadata,
            result: Err("vi: not found".into()),
        },
    );
    assert!(
        s.error
            .as_ref()
            .unwrap()
            .text
            .contains("metadata is unchanged")
    );
    assert!(!form(&s).is_dirty());
}

#[test]
fn create_then_a_duplicate_ref_offers_the_holder() {
    let mut s = listed(ActingAs::Tenant);
    update(&mut s, key(KeyCode::Char('c')));
    assert_eq!(s.focus, Focus::Form);
    assert_eq!(form(&s).focus, FormField::ExternalRef);
    typed(&mut s, "crm-1");
    update(&mut s, key(KeyCode::Tab));
    typed(&mut s, "Jane Again");
    update(&mut s, ctrl('s'));
    let fx = update(&mut s, key(KeyCode::Enter));
    let [Effect::Create { id, user, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(user.external_ref.as_deref(), Some("crm-1"));
    assert_eq!(user.display_name.as_deref(), Some("Jane Again"));
    let err = ClientError::Api {
        status: 409,
        code: "conflict".into(),
        message: "external_ref \"crm-1\" already belongs to user usr_jane".into(),
        field: Some("external_ref".into()),
        user_id: Some("usr_jane".into()),
    };
    update(
        &mut s,
        Action::Created {
            id: *id,
            result: Err(err),
        },
    );
    let f = form(&s);
    assert_eq!(f.holder.as_deref(), Some("usr_jane"));
    assert!(f.errors[&FormField::ExternalRef].contains("already belongs"));
    assert!(
        s.error
            .as_ref()
            .unwrap()
            .text
            .contains("Ctrl-o opens usr_jane")
    );

    update(&mut s, ctrl('o'));
    assert_eq!(
        form(&s).phase,
        Phase::Discard {
            then: AfterDiscard::Open("usr_jane".into())
        }
    );
    let fx = update(&mut s, key(KeyCode::Char('y')));
    let [Effect::Get { user_id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(user_id, "usr_jane");
    assert_eq!(s.focus, Focus::Detail);
}

#[test]
fn a_created_user_opens_and_the_list_refreshes() {
    let mut s = listed(ActingAs::Tenant);
    update(&mut s, key(KeyCode::Char('c')));
    typed(&mut s, "crm-77");
    update(&mut s, ctrl('s'));
    let fx = update(&mut s, key(KeyCode::Enter));
    let [Effect::Create { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let mut user = raven_user("", json!({}));
    user.user_id = "usr_new".into();
    user.display_name = None;
    user.external_ref = Some("crm-77".into());
    let fx = update(
        &mut s,
        Action::Created {
            id: *id,
            result: Ok(Box::new(user.into())),
        },
    );
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Get { user_id, .. } if user_id == "usr_new"))
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::List { .. })));
    assert_eq!(s.focus, Focus::Detail);
    assert_eq!(s.info.as_deref(), Some("Created usr_new."));
}

#[test]
fn a_late_answer_to_an_abandoned_save_changes_nothing() {
    let mut s = editing();
    typed(&mut s, "!");
    let (id, _, _) = save(&mut s);
    update(
        &mut s,
        Action::Saved {
            id: id + 100,
            result: Ok(Box::new(Saved::default())),
        },
    );
    assert_eq!(form(&s).phase, Phase::Saving(id));
}

#[test]
fn a_created_user_gets_its_name_in_the_title_and_its_status_from_the_list() {
    let mut s = listed(ActingAs::Tenant);
    update(&mut s, key(KeyCode::Char('c')));
    typed(&mut s, "crm-77");
    update(&mut s, ctrl('s'));
    let fx = update(&mut s, key(KeyCode::Enter));
    let [Effect::Create { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let mut user = raven_user("", json!({}));
    user.user_id = "usr_new".into();
    user.display_name = None;
    let fx = update(
        &mut s,
        Action::Created {
            id: *id,
            result: Ok(Box::new(user.into())),
        },
    );
    let get = fx
        .iter()
        .find_map(|e| match e {
            Effect::Get { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    let list = fx
        .iter()
        .find_map(|e| match e {
            Effect::List { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    let mut d = detail(1);
    if let Some(e) = d.eai.as_mut() {
        e.id = "usr_new".into();
        e.name = Some("New Person".into());
    }
    update(
        &mut s,
        Action::Fetched {
            id: get,
            result: Ok(Box::new(d)),
        },
    );
    let view = s.detail.as_ref().unwrap();
    assert_eq!(
        view.row.name.as_deref(),
        Some("New Person"),
        "the title has a name"
    );
    assert_eq!(view.row.status, None, "not known yet");
    let mut new_row = row();
    new_row.id = "usr_new".into();
    new_row.status = Some(Status::Inactive);
    update(
        &mut s,
        Action::Listed {
            id: list,
            result: Ok(ListPage {
                rows: vec![new_row, row()],
                total: Some(2),
                limit: None,
            }),
        },
    );
    let view = s.detail.as_ref().unwrap();
    assert_eq!(view.row.status, Some(Status::Inactive));
    assert_eq!(view.record.as_ref().unwrap()["status"], "inactive");
    // And the form no longer says status is not known.
    update(&mut s, key(KeyCode::Char('e')));
    assert!(!form(&s).locked.contains_key(&FormField::Status));
}

#[test]
fn a_json_error_goes_when_the_json_is_fixed() {
    let mut s = editing();
    set_json(&mut s, FormField::Metadata, "{\n  \"plan\": pro\n}");
    update(&mut s, ctrl('s'));
    assert!(s.error.is_some());
    set_json(&mut s, FormField::Metadata, "{\n  \"plan\": \"pro\"\n}");
    assert_eq!(s.error, None);
}

#[test]
fn draft_is_kept_goes_with_the_discarded_draft() {
    let mut s = editing();
    typed(&mut s, " Doe");
    let (id, _, _) = save(&mut s);
    save_failed(
        &mut s,
        id,
        ClientError::Unreachable {
            url: "http://raven.test".into(),
            reason: "Connection refused".into(),
        },
        None,
    );
    assert!(s.error.as_ref().unwrap().text.contains("draft is kept"));
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Char('y')));
    assert!(s.form.is_none());
    assert_eq!(s.error, None, "no draft, no 'draft is kept'");
}

#[test]
fn a_good_reload_clears_a_failed_one() {
    let mut s = editing();
    update(&mut s, key(KeyCode::Esc)); // unchanged: closes at once
    assert_eq!(s.focus, Focus::Detail);
    let fx = update(&mut s, key(KeyCode::Char('r')));
    let [Effect::Get { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Action::Fetched {
            id: *id,
            result: Err(ClientError::Api {
                status: 400,
                code: "invalid_request".into(),
                message: "bad id".into(),
                field: None,
                user_id: None,
            }),
        },
    );
    assert!(s.error.is_some());
    let fx = update(&mut s, key(KeyCode::Char('r')));
    let [Effect::Get { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Action::Fetched {
            id: *id,
            result: Ok(Box::new(detail(4))),
        },
    );
    assert_eq!(s.error, None);
}

#[test]
fn a_save_under_filters_asks_for_the_list_again() {
    let mut s = listed(ActingAs::Tenant);
    update(&mut s, key(KeyCode::Char('f')));
    update(&mut s, key(KeyCode::Tab)); // role
    let fx = update(&mut s, key(KeyCode::Right)); // admin
    let Some(Effect::List { id, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    let mut admin = row();
    admin.role = Some(Role::Admin);
    update(
        &mut s,
        Action::Listed {
            id: *id,
            result: Ok(ListPage {
                rows: vec![admin],
                total: Some(1),
                limit: None,
            }),
        },
    );
    update(&mut s, key(KeyCode::Enter));
    assert!(s.has_filters());
    let fx = update(&mut s, key(KeyCode::Char('e')));
    let [Effect::Get { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let id = *id;
    update(
        &mut s,
        Action::Fetched {
            id,
            result: Ok(Box::new(detail(3))),
        },
    );
    assert!(s.form.is_some(), "{:?}", s.error);
    typed(&mut s, "!");
    let (id, _, _) = save(&mut s);
    let saved = Saved {
        raven: Some(raven_user("Jane!", json!({"plan": "pro"}))),
        eai: Some(eai_user("Jane!", json!({"theme": "dark", "beta": true}))),
        etag: Some("\"v4\"".into()),
    };
    let fx = update(
        &mut s,
        Action::Saved {
            id,
            result: Ok(Box::new(saved)),
        },
    );
    assert_eq!(s.info.as_deref(), Some("Saved."));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::List { .. })),
        "{fx:?}"
    );
}

#[test]
fn an_empty_create_is_refused_before_anything_is_sent() {
    let mut s = listed(ActingAs::Tenant);
    update(&mut s, key(KeyCode::Char('c')));
    assert_eq!(update(&mut s, ctrl('s')), vec![]);
    assert_eq!(form(&s).phase, Phase::Editing);
    assert!(
        s.error
            .as_ref()
            .unwrap()
            .text
            .starts_with("Nothing to create")
    );
}

#[test]
fn create_sets_email_role_and_status_through_eai() {
    let mut s = listed(ActingAs::Tenant);
    update(&mut s, key(KeyCode::Char('c')));
    typed(&mut s, "crm-9");
    update(&mut s, key(KeyCode::Tab)); // name
    typed(&mut s, "Nia");
    update(&mut s, key(KeyCode::Tab)); // email
    typed(&mut s, "nia@example.com");
    update(&mut s, key(KeyCode::Tab)); // role
    update(&mut s, key(KeyCode::Left)); // member -> admin
    update(&mut s, ctrl('s'));
    let fx = update(&mut s, key(KeyCode::Enter));
    let [Effect::Create { user, rest, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(user.display_name.as_deref(), Some("Nia"));
    let rest = rest.as_ref().expect("an EAI half");
    assert_eq!(rest.email, Some(Some("nia@example.com".into())));
    assert_eq!(rest.role, Some(Role::Admin));
    assert_eq!(rest.status, None, "active is what a create makes anyway");
}
