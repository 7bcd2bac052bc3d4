//! The list in each built-in theme (assets/themes/*.toml), as insta snapshots
//! of the text and of the style of every cell, and NO_COLOR over any theme.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::{Color, Style};
use raven_console::console::app::update;
use raven_console::console::ui::theme::{BUILT_IN, Palette};
use raven_console::console::ui::{self, Theme};
use raven_console::console::view::{Dialects, ListPage};

#[path = "support/console.rs"]
mod support;
use support::{Boot, demo_row, key};

fn drawn(theme: Theme) -> Buffer {
    let mut s = Boot::default().listed(|s, _| ListPage {
        rows: (0..u64::from(s.limit))
            .map(|i| demo_row(i, Dialects::BOTH))
            .collect(),
        total: Some(300),
        limit: None,
    });
    update(&mut s, key(KeyCode::Down));
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| ui::draw(f, &s, theme)).unwrap();
    t.backend().buffer().clone()
}

/// The screen's text, then each row's styles as letters, then what each letter is.
fn with_styles(buf: &Buffer) -> String {
    let mut legend: Vec<Style> = Vec::new();
    let (mut text, mut styles) = (String::new(), String::new());
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            text.push_str(cell.symbol());
            let style = Style::new()
                .fg(cell.fg)
                .bg(cell.bg)
                .add_modifier(cell.modifier);
            let i = legend.iter().position(|s| *s == style).unwrap_or_else(|| {
                legend.push(style);
                legend.len() - 1
            });
            styles.push(char::from(b'a' + u8::try_from(i % 26).unwrap()));
        }
        text.push('\n');
        styles.push('\n');
    }
    let legend: String = legend
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "{} = fg {:?}, bg {:?}, {:?}\n",
                char::from(b'a' + u8::try_from(i % 26).unwrap()),
                s.fg.unwrap_or(Color::Reset),
                s.bg.unwrap_or(Color::Reset),
                s.add_modifier
            )
        })
        .collect();
    format!("{text}\n{styles}\n{legend}")
}

#[test]
fn the_list_in_each_built_in_theme() {
    let mut seen = Vec::new();
    for (name, _) in BUILT_IN {
        let palette = Palette::built_in(name).unwrap();
        let shown = with_styles(&drawn(Theme {
            color: true,
            palette,
        }));
        insta::assert_snapshot!(format!("list_theme_{name}"), shown);
        seen.push(shown);
    }
    seen.dedup();
    assert_eq!(seen.len(), BUILT_IN.len(), "two themes draw the same");
}

#[test]
fn no_color_drops_every_colour_of_every_theme() {
    for (name, _) in BUILT_IN {
        let buf = drawn(Theme {
            color: false,
            palette: Palette::built_in(name).unwrap(),
        });
        assert!(
            buf.content()
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
            "{name} keeps a colour under NO_COLOR"
        );
    }
}
