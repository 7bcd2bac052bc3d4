//! Styles, in one place: a palette read from a theme file (the built-in ones
//! are `assets/themes/*.toml`, embedded in the binary; `theme = "..."` in
//! config.toml picks one or names a file of the user's own), and NO_COLOR
//! (https://no-color.org), which drops every colour and keeps only what still
//! reads in monochrome: bold, dim, reverse.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The themes the binary carries, by name: `(name, file text)`.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../../../assets/themes/dark.toml")),
    ("light", include_str!("../../../assets/themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../../assets/themes/high-contrast.toml"),
    ),
];

/// One style for each thing the panes draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub dim: Style,
    pub title: Style,
    pub label: Style,
    pub focused: Style,
    pub header: Style,
    pub selected: Style,
    pub key: Style,
    pub error: Style,
    pub banner: Style,
    pub inactive: Style,
    pub json_key: Style,
    pub json_string: Style,
    pub json_number: Style,
    pub json_literal: Style,
}

/// What a theme file holds: `[styles]`, each a `{ fg, bg, modifiers }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("no theme {name:?}: the built-in ones are {known}, or name a .toml file")]
    Unknown { name: String, known: String },
    #[error("reading the theme {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the theme {origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl StyleSpec {
    fn style(&self) -> Result<Style, String> {
        let color = |c: &str| {
            Color::from_str(c).map_err(|_| {
                format!("{c:?} is not a colour (a name such as \"cyan\", \"#rrggbb\", or 0-255)")
            })
        };
        let mut style = Style::new();
        if let Some(fg) = &self.fg {
            style = style.fg(color(fg)?);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(color(bg)?);
        }
        for m in &self.modifiers {
            style = style.add_modifier(match m.as_str() {
                "bold" => Modifier::BOLD,
                "dim" => Modifier::DIM,
                "italic" => Modifier::ITALIC,
                "underlined" => Modifier::UNDERLINED,
                "reversed" => Modifier::REVERSED,
                other => {
                    return Err(format!(
                        "{other:?} is not a modifier (bold, dim, italic, underlined, reversed)"
                    ));
                }
            });
        }
        Ok(style)
    }
}

impl Palette {
    /// The palette a theme file describes, each unset style taken from `base`.
    fn parse(text: &str, base: &Palette, origin: &str) -> Result<Palette, ThemeError> {
        let invalid = |message: String| ThemeError::Invalid {
            origin: origin.to_string(),
            message,
        };
        let file: ThemeFile = toml::from_str(text).map_err(|e| invalid(e.message().into()))?;
        let mut palette = *base;
        for (name, spec) in &file.styles {
            let style = spec.style().map_err(|m| invalid(format!("{name}: {m}")))?;
            let slot = match name.as_str() {
                "dim" => &mut palette.dim,
                "title" => &mut palette.title,
                "label" => &mut palette.label,
                "focused" => &mut palette.focused,
                "header" => &mut palette.header,
                "selected" => &mut palette.selected,
                "key" => &mut palette.key,
                "error" => &mut palette.error,
                "banner" => &mut palette.banner,
                "inactive" => &mut palette.inactive,
                "json_key" => &mut palette.json_key,
                "json_string" => &mut palette.json_string,
                "json_number" => &mut palette.json_number,
                "json_literal" => &mut palette.json_literal,
                other => {
                    return Err(invalid(format!(
                        "{other:?} is not a style this console draws"
                    )));
                }
            };
            *slot = style;
        }
        Ok(palette)
    }

    /// A built-in theme by name.
    pub fn built_in(name: &str) -> Option<&'static Palette> {
        static PALETTES: OnceLock<Vec<Palette>> = OnceLock::new();
        let palettes = PALETTES.get_or_init(|| {
            let blank = Palette::blank();
            let dark = Palette::parse(BUILT_IN[0].1, &blank, "dark")
                .expect("assets/themes/dark.toml parses (a test checks it)");
            BUILT_IN
                .iter()
                .map(|(name, text)| Palette::parse(text, &dark, name).unwrap_or(dark))
                .collect()
        });
        BUILT_IN
            .iter()
            .position(|(n, _)| *n == name)
            .map(|i| &palettes[i])
    }

    /// `theme = "..."` of config.toml: a built-in name, else a file (relative
    /// to `config_dir`, `.toml` added when missing). The palette lives as
    /// long as the process, as the console's settings do.
    pub fn load(theme: &str, config_dir: &Path) -> Result<&'static Palette, ThemeError> {
        if let Some(p) = Palette::built_in(theme) {
            return Ok(p);
        }
        let mut path = config_dir.join(theme);
        if path.extension().is_none() {
            path.set_extension("toml");
        }
        if !path.exists() {
            return Err(ThemeError::Unknown {
                name: theme.to_string(),
                known: BUILT_IN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ThemeError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let dark = Palette::built_in("dark").unwrap_or(&FALLBACK);
        let palette = Palette::parse(&text, dark, &path.display().to_string())?;
        Ok(Box::leak(Box::new(palette)))
    }

    const fn blank() -> Palette {
        let s = Style::new();
        Palette {
            dim: s,
            title: s,
            label: s,
            focused: s,
            header: s,
            selected: s,
            key: s,
            error: s,
            banner: s,
            inactive: s,
            json_key: s,
            json_string: s,
            json_number: s,
            json_literal: s,
        }
    }
}

/// Only if the embedded default failed to parse, which a test rules out.
static FALLBACK: Palette = Palette::blank();

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub palette: &'static Palette,
}

impl Default for Theme {
    /// The default palette, in colour.
    fn default() -> Self {
        Theme {
            color: true,
            palette: Palette::built_in("dark").unwrap_or(&FALLBACK),
        }
    }
}

impl Theme {
    /// `palette`, in colour unless NO_COLOR is set to anything non-empty.
    pub fn from_env(palette: &'static Palette) -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            palette,
        }
    }

    /// No colour at all, as under NO_COLOR.
    pub fn monochrome() -> Theme {
        Theme {
            color: false,
            ..Theme::default()
        }
    }

    /// `style`, or under NO_COLOR its modifiers alone.
    fn pick(self, style: Style) -> Style {
        if self.color {
            style
        } else {
            Style::new().add_modifier(style.add_modifier)
        }
    }

    pub fn plain(self) -> Style {
        Style::new()
    }

    pub fn dim(self) -> Style {
        self.pick(self.palette.dim)
    }

    pub fn title(self) -> Style {
        self.pick(self.palette.title)
    }

    pub fn label(self) -> Style {
        self.pick(self.palette.label)
    }

    pub fn focused(self) -> Style {
        self.pick(self.palette.focused)
    }

    pub fn header(self) -> Style {
        self.pick(self.palette.header)
    }

    /// The cursor's row: reversed without colour, whatever the theme says,
    /// so it is always seen.
    pub fn selected(self) -> Style {
        if self.color {
            self.palette.selected
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn key(self) -> Style {
        self.pick(self.palette.key)
    }

    pub fn error(self) -> Style {
        self.pick(self.palette.error)
    }

    /// The unreachable-server banner: it must stand out even without colour.
    pub fn banner(self) -> Style {
        if self.color {
            self.palette.banner
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    pub fn inactive(self) -> Style {
        self.pick(self.palette.inactive)
    }

    pub fn json_key(self) -> Style {
        self.pick(self.palette.json_key)
    }

    pub fn json_string(self) -> Style {
        self.pick(self.palette.json_string)
    }

    pub fn json_number(self) -> Style {
        self.pick(self.palette.json_number)
    }

    pub fn json_literal(self) -> Style {
        self.pick(self.palette.json_literal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_sets_every_style() {
        let blank = Palette::blank();
        for (name, text) in BUILT_IN {
            let parsed = Palette::parse(text, &blank, name).unwrap();
            for (what, style) in [
                ("dim", parsed.dim),
                ("title", parsed.title),
                ("selected", parsed.selected),
                ("banner", parsed.banner),
                ("json_literal", parsed.json_literal),
            ] {
                assert_ne!(style, Style::new(), "{name}: {what} is unset");
            }
        }
        assert_ne!(
            Palette::built_in("light").unwrap(),
            Palette::built_in("dark").unwrap()
        );
    }

    #[test]
    fn a_users_theme_sets_some_styles_and_inherits_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[styles]\ntitle = { fg = \"#ff8800\", modifiers = [\"italic\"] }\n",
        )
        .unwrap();
        let mine = Palette::load("mine", dir.path()).unwrap();
        let dark = Palette::built_in("dark").unwrap();
        assert_eq!(
            mine.title,
            Style::new()
                .fg(Color::Rgb(0xff, 0x88, 0x00))
                .add_modifier(Modifier::ITALIC)
        );
        assert_eq!(mine.header, dark.header);
    }

    #[test]
    fn mistakes_in_a_theme_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let bad = |text: &str| {
            std::fs::write(dir.path().join("bad.toml"), text).unwrap();
            Palette::load("bad.toml", dir.path())
                .unwrap_err()
                .to_string()
        };
        assert!(bad("[styles]\ntitle = { fg = \"chartreuse-ish\" }\n").contains("title"));
        assert!(bad("[styles]\ntitel = { fg = \"red\" }\n").contains("titel"));
        assert!(bad("[styles]\nkey = { modifiers = [\"blink\"] }\n").contains("blink"));
        let unknown = Palette::load("solarized", dir.path())
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("dark, light, high-contrast"), "{unknown}");
    }

    #[test]
    fn no_color_keeps_only_modifiers() {
        let t = Theme::monochrome();
        assert_eq!(t.title(), Style::new().add_modifier(Modifier::BOLD));
        assert_eq!(t.label(), Style::new());
        assert_eq!(t.selected(), Style::new().add_modifier(Modifier::REVERSED));
    }
}
