//! The list's order and the mouse, through `update()`: `s` and the column
//! keys, `:sort` (parse, Tab, the dialect's spelling), a server that refuses
//! or ignores `sort`, clicks, double-clicks, the wheel and header clicks;
//! and the header's ▲/▼ and the export's progress on TestBackend (80×24).

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use raven_console::api::client::{ClientError, ListQuery};
use raven_console::console::app::mouse::{Hit, hit};
use raven_console::console::app::{Action, Effect, Focus, State, update};
use raven_console::console::export::Progress;
use raven_console::console::ui::{self, Theme};
use raven_console::console::view::{Dialects, ListPage, ListRow};
use raven_console::store::{Sort, SortKey};

#[path = "support/console.rs"]
mod support;
use support::{Boot, ch, demo_row, key, list_req};

fn rows(d: Dialects, n: u64) -> Vec<ListRow> {
    (0..n).map(|i| demo_row(i, d)).collect()
}

/// Connected to a server of `d`, 80 columns wide, first page of 300 on screen.
fn connected(d: Dialects) -> State {
    let mut s = Boot {
        dialects: d,
        ..Boot::default()
    }
    .listed(|s, _| ListPage {
        rows: rows(d, u64::from(s.limit)),
        total: Some(300),
        limit: None,
    });
    s.width = 80;
    s
}

/// The sort of the one list request among `fx`.
fn asked(fx: &[Effect]) -> (u64, Option<Sort>) {
    let (id, q) = list_req(fx);
    (id, q.sort)
}

fn by(key: SortKey, descending: bool) -> Option<Sort> {
    Some(Sort { key, descending })
}

/// `rows` in the order `sort` asks, as a server that sorts would send them.
fn sorted(mut rows: Vec<ListRow>, sort: Sort) -> Vec<ListRow> {
    let k = |r: &ListRow| r.name.clone().map(|n| n.to_lowercase());
    rows.sort_by(|a, b| {
        assert_eq!(sort.key, SortKey::DisplayName, "the test sorts names only");
        let o = k(a).cmp(&k(b));
        if sort.descending { o.reverse() } else { o }
    });
    rows
}

fn answer(s: &mut State, id: u64, result: Result<ListPage, ClientError>) -> Vec<Effect> {
    update(s, Action::Listed { id, result })
}

fn page_of(rows: Vec<ListRow>) -> Result<ListPage, ClientError> {
    Ok(ListPage {
        rows,
        total: Some(300),
        limit: None,
    })
}

#[test]
fn s_cycles_the_focused_column_ascending_descending_default() {
    let mut s = connected(Dialects::BOTH);
    assert_eq!(s.sort.focus, SortKey::DisplayName);
    let fx = update(&mut s, ch('s'));
    assert_eq!(asked(&fx).1, by(SortKey::DisplayName, false));
    assert_eq!(s.offset, 0);
    let fx = update(&mut s, ch('s'));
    assert_eq!(asked(&fx).1, by(SortKey::DisplayName, true));
    let fx = update(&mut s, ch('s'));
    assert_eq!(asked(&fx).1, None, "third press: newest first again");
}

#[test]
fn the_column_keys_move_over_the_sortable_columns_on_screen() {
    let mut s = connected(Dialects::BOTH);
    // 80 columns: Name, Email, Role, Status, Last login.
    update(&mut s, ch('>'));
    assert_eq!(s.sort.focus, SortKey::Email);
    update(&mut s, key(KeyCode::Right));
    update(&mut s, key(KeyCode::Right));
    update(&mut s, key(KeyCode::Right));
    assert_eq!(s.sort.focus, SortKey::LastLoginAt);
    update(&mut s, key(KeyCode::Right));
    assert_eq!(s.sort.focus, SortKey::DisplayName, "wraps round");
    update(&mut s, ch('<'));
    assert_eq!(s.sort.focus, SortKey::LastLoginAt);
    update(&mut s, key(KeyCode::Left));
    let fx = update(&mut s, ch('s'));
    assert_eq!(asked(&fx).1, by(SortKey::Status, false));
    // j and k still move the cursor.
    update(&mut s, ch('j'));
    assert_eq!(s.cursor, 1);
}

#[test]
fn a_sorted_page_in_order_stays() {
    let mut s = connected(Dialects::BOTH);
    let fx = update(&mut s, ch('s'));
    let (id, sort) = asked(&fx);
    let fx = answer(
        &mut s,
        id,
        page_of(sorted(rows(Dialects::BOTH, 19), sort.unwrap())),
    );
    assert_eq!(fx, vec![]);
    assert_eq!(s.sort.current, sort);
    assert!(s.list.as_ref().unwrap().filters.sort == sort);
}

#[test]
fn a_server_that_ignores_sort_is_noticed_and_the_list_goes_back_to_newest_first() {
    let mut s = connected(Dialects::BOTH);
    let fx = update(&mut s, ch('s'));
    let (id, _) = asked(&fx);
    // The rows come back as they were, not by name.
    let fx = answer(&mut s, id, page_of(rows(Dialects::BOTH, 19)));
    let (_, again) = asked(&fx);
    assert_eq!(again, None);
    assert_eq!(s.sort.current, None);
    let said = s.info.clone().unwrap();
    assert!(said.contains("name column cannot be sorted"), "{said}");
    // And `s` on it again says so at once, without asking.
    let fx = update(&mut s, ch('s'));
    assert_eq!(fx, vec![]);
    assert!(s.error.as_ref().unwrap().text.contains("cannot be sorted"));
}

#[test]
fn a_server_that_refuses_sort_is_noticed_too() {
    let mut s = connected(Dialects::RAVEN);
    let fx = update(&mut s, ch('s'));
    let (id, sort) = asked(&fx);
    assert_eq!(sort.map(|s| s.key), Some(SortKey::DisplayName));
    let refused = ClientError::Api {
        status: 400,
        code: "invalid_request".into(),
        message: "unknown query parameter sort".into(),
        field: None,
        user_id: None,
    };
    let fx = answer(&mut s, id, Err(refused));
    assert_eq!(asked(&fx).1, None);
    assert!(
        s.info
            .as_ref()
            .unwrap()
            .contains("cannot be sorted on this server")
    );
    assert_eq!(s.error, None, "not an error: the list goes on unsorted");
}

#[test]
fn a_page_that_cannot_tell_is_taken_as_sorted() {
    let mut s = connected(Dialects::BOTH);
    let fx = update(&mut s, ch('s'));
    let (id, sort) = asked(&fx);
    let one = rows(Dialects::BOTH, 1);
    answer(&mut s, id, page_of(one));
    assert_eq!(s.sort.current, sort);
}

fn command_line(s: &mut State, line: &str) -> Vec<Effect> {
    update(s, ch(':'));
    support::typed(s, line);
    update(s, key(KeyCode::Enter))
}

#[test]
fn colon_sort_takes_the_dialects_spelling_and_alone_goes_back() {
    let mut s = connected(Dialects::EAI);
    let fx = command_line(&mut s, "sort -lastLoginAt");
    assert_eq!(asked(&fx).1, by(SortKey::LastLoginAt, true));
    assert_eq!(s.focus, Focus::List);
    assert_eq!(s.sort.focus, SortKey::LastLoginAt);
    // Raven's spelling is not this server's.
    let fx = command_line(&mut s, "sort display_name");
    assert_eq!(fx, vec![]);
    let e = s.cmdline.error.clone().unwrap();
    assert!(e.contains("does not sort by \"display_name\""), "{e}");
    assert!(e.contains("lastLoginAt"), "{e}");
    update(&mut s, key(KeyCode::Esc));
    let fx = command_line(&mut s, "sort");
    assert_eq!(asked(&fx).1, None);
}

#[test]
fn tab_completes_the_sort_fields_of_the_servers_dialect() {
    let mut s = connected(Dialects::RAVEN);
    update(&mut s, ch(':'));
    support::typed(&mut s, "sort -ex");
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.cmdline.input.value(), "sort -external_ref");
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, ch(':'));
    support::typed(&mut s, "sort ");
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(
        s.cmdline.choices,
        ["display_name", "external_ref", "created_at", "updated_at"]
    );
}

#[test]
fn a_field_of_the_other_dialect_is_not_asked_for() {
    let mut s = connected(Dialects::RAVEN);
    let fx = command_line(&mut s, "sort email");
    assert_eq!(fx, vec![]);
    assert!(s.cmdline.error.is_some());
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}

fn click(s: &mut State, column: u16, row: u16, at: Instant) -> Vec<Effect> {
    let event = mouse(MouseEventKind::Down(MouseButton::Left), column, row);
    update(s, Action::Mouse { event, at })
}

#[test]
fn hits_follow_the_drawn_layout() {
    let s = connected(Dialects::BOTH);
    // Row 0 the filter bar, row 1 the header, rows from 2.
    assert_eq!(hit(&s, 3, 1), Hit::Header(Some(SortKey::DisplayName)));
    assert_eq!(hit(&s, 0, 1), Hit::Elsewhere, "the mark column");
    assert_eq!(hit(&s, 3, 2), Hit::Row(0));
    assert_eq!(hit(&s, 3, 20), Hit::Row(18));
    assert_eq!(hit(&s, 3, 21), Hit::Elsewhere);
    assert_eq!(hit(&s, 3, 0), Hit::Elsewhere);
    // The last column at 80: Last login, at the right edge.
    assert_eq!(hit(&s, 79, 1), Hit::Header(Some(SortKey::LastLoginAt)));
}

#[test]
fn a_click_selects_a_double_click_opens() {
    let mut s = connected(Dialects::BOTH);
    let t0 = Instant::now();
    assert_eq!(click(&mut s, 5, 6, t0), vec![]);
    assert_eq!(s.cursor, 4);
    assert_eq!(s.focus, Focus::List);
    // A second click long after is a new first click.
    click(&mut s, 5, 6, t0 + Duration::from_secs(2));
    assert_eq!(s.focus, Focus::List);
    let fx = click(&mut s, 5, 6, t0 + Duration::from_millis(2200));
    assert_eq!(s.focus, Focus::Detail);
    assert!(fx.iter().any(
        |e| matches!(e, Effect::Get { user_id, .. } if *user_id == demo_row(4, Dialects::BOTH).id)
    ));
}

#[test]
fn two_clicks_on_different_rows_do_not_open() {
    let mut s = connected(Dialects::BOTH);
    let t0 = Instant::now();
    click(&mut s, 5, 6, t0);
    click(&mut s, 5, 7, t0 + Duration::from_millis(100));
    assert_eq!(s.cursor, 5);
    assert_eq!(s.focus, Focus::List);
}

#[test]
fn the_wheel_scrolls_and_a_header_click_sorts() {
    let mut s = connected(Dialects::BOTH);
    let at = Instant::now();
    update(
        &mut s,
        Action::Mouse {
            event: mouse(MouseEventKind::ScrollDown, 5, 5),
            at,
        },
    );
    update(
        &mut s,
        Action::Mouse {
            event: mouse(MouseEventKind::ScrollDown, 5, 5),
            at,
        },
    );
    assert_eq!(s.cursor, 2);
    update(
        &mut s,
        Action::Mouse {
            event: mouse(MouseEventKind::ScrollUp, 5, 5),
            at,
        },
    );
    assert_eq!(s.cursor, 1);
    // "Email" starts after Name at 80 columns.
    let email_x = ui::list::header(Dialects::BOTH, 80)
        .into_iter()
        .find(|h| h.title == "Email")
        .unwrap()
        .x;
    let fx = click(&mut s, email_x, 1, at);
    assert_eq!(asked(&fx).1, by(SortKey::Email, false));
    let fx = click(&mut s, email_x + 1, 1, at);
    assert_eq!(asked(&fx).1, by(SortKey::Email, true));
}

fn screen(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| ui::draw(f, s, Theme::default())).unwrap();
    format!("{}", t.backend())
}

#[test]
fn the_header_shows_the_sort() {
    for (name, desc) in [("header_sorted_up", false), ("header_sorted_down", true)] {
        let mut s = connected(Dialects::BOTH);
        let fx = update(&mut s, ch('>'));
        assert_eq!(fx, vec![]);
        let sort = Sort {
            key: SortKey::Email,
            descending: desc,
        };
        let fx = command_line(&mut s, if desc { "sort -email" } else { "sort email" });
        let (id, _) = asked(&fx);
        let mut page = rows(Dialects::BOTH, 19);
        page.sort_by_key(|r| r.email.clone());
        if desc {
            page.reverse();
        }
        answer(&mut s, id, page_of(page));
        assert_eq!(s.sort.current, Some(sort));
        let text = screen(&s);
        assert!(
            text.contains(if desc { "Email ▼" } else { "Email ▲" }),
            "{text}"
        );
        insta::assert_snapshot!(format!("{name}_80x24"), text);
    }
}

#[test]
fn the_export_shows_its_progress_and_esc_cancels_it() {
    let mut s = connected(Dialects::BOTH);
    let fx = command_line(&mut s, "export /tmp/users.csv");
    let id = match fx.as_slice() {
        [Effect::Export { id, request, .. }] => {
            assert_eq!(request.filters, ListQuery::default());
            *id
        }
        other => panic!("one export expected, not {other:?}"),
    };
    update(
        &mut s,
        Action::ExportProgress {
            id,
            progress: Progress {
                done: 100,
                total: Some(300),
            },
        },
    );
    let text = screen(&s);
    assert!(text.contains("100/300 users"), "{text}");
    insta::assert_snapshot!("export_progress_80x24", text);
    let fx = update(&mut s, key(KeyCode::Esc));
    assert_eq!(fx, vec![Effect::CancelExport { id }]);
    assert!(s.export.running.is_none());
    assert!(s.info.as_ref().unwrap().contains("was not written"));
    // A late answer of the cancelled export changes nothing.
    update(
        &mut s,
        Action::Exported {
            id,
            result: Ok(300),
        },
    );
    assert!(s.info.is_none() || !s.info.as_ref().unwrap().contains("Exported"));
}

#[test]
fn a_finished_export_says_how_many() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('s'));
    let fx = command_line(&mut s, "export users.json");
    let (id, request, format) = match fx.as_slice() {
        [
            Effect::Export {
                id,
                request,
                format,
                ..
            },
        ] => (*id, request.clone(), *format),
        other => panic!("one export expected, not {other:?}"),
    };
    assert_eq!(
        request.sort,
        by(SortKey::DisplayName, false),
        "the list's sort"
    );
    assert_eq!(format, raven_console::console::export::Format::Json);
    update(
        &mut s,
        Action::Exported {
            id,
            result: Ok(300),
        },
    );
    assert_eq!(s.info.as_deref(), Some("Exported 300 users to users.json."));
}
