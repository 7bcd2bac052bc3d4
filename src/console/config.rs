//! Which server the console talks to: the command line, then a named profile
//! from `config.toml`, then the environment; with none of them, the embedded server.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, ValueEnum};
use serde::Deserialize;

use crate::paths;

/// Which dialect(s) to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiChoice {
    /// Ask the server which dialects it speaks and use them all.
    #[default]
    Auto,
    /// Only the Raven Users API v1 (/api/v1/users).
    Raven,
    /// Only the EAI Users REST API v3 (/api/eai/v3/users).
    Eai,
    /// SCIM 2.0 (RFC 7644): /scim/v2/Users under the URL, or --url is the SCIM base.
    Scim,
}

/// Browse, filter, inspect, create and edit the users of a tenant from the keyboard.
///
/// With no server named, starts an embedded server on a SQLite file in the data
/// directory (a demo tenant and a few hundred users on first run).
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "raven-console",
    version = crate::VERSION,
    after_help = "Examples:\n  raven-console\n  \
                  raven-console --url https://raven.example.com --token rk_live_...\n  \
                  raven-console --profile prod --read-only"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Server to connect to, e.g. https://raven.example.com
    #[arg(long, global = true, env = "RAVEN_URL")]
    pub url: Option<String>,
    /// API key for that server (rk_live_...)
    #[arg(long, global = true, env = "RAVEN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Dialect to speak; auto asks the server
    #[arg(long, global = true, value_enum)]
    pub api: Option<ApiChoice>,
    /// A [profiles.NAME] table of config.toml in the config directory
    #[arg(long, global = true, env = "RAVEN_PROFILE")]
    pub profile: Option<String>,
    /// Never send a write: browse and inspect only
    #[arg(long)]
    pub read_only: bool,
    /// Colour theme: dark, light, high-contrast, or a .toml file in the config
    /// directory (default: `theme` in config.toml, else dark)
    #[arg(long, env = "RAVEN_THEME", value_name = "NAME")]
    pub theme: Option<String>,
    /// Leave the mouse to the terminal (no clicks, no wheel); also `mouse = false` in config.toml
    #[arg(long)]
    pub no_mouse: bool,
    /// Where url and token came from, to tell an admin what to fix.
    #[arg(skip)]
    pub url_from_env: bool,
    #[arg(skip)]
    pub token_from_env: bool,
}

impl Args {
    /// Parses the process's arguments, remembering which values came from the environment.
    pub fn from_process() -> Args {
        let matches = Args::command().get_matches();
        let mut args = match Args::from_arg_matches(&matches) {
            Ok(a) => a,
            Err(e) => e.exit(),
        };
        args.url_from_env = matches.value_source("url") == Some(ValueSource::EnvVariable);
        args.token_from_env = matches.value_source("token") == Some(ValueSource::EnvVariable);
        args
    }
}

/// What the console does instead of opening, when asked.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Print a shell completion script
    #[command(after_help = "Examples:\n  \
        raven-console completions bash > ~/.local/share/bash-completion/completions/raven-console\n  \
        raven-console completions zsh > ~/.zfunc/_raven-console\n  \
        raven-console completions fish > ~/.config/fish/completions/raven-console.fish")]
    Completions {
        /// bash, zsh, fish, elvish or powershell
        #[arg(value_name = "SHELL")]
        shell: crate::shell::Shell,
    },
    /// Write man pages for raven-console and each of its commands
    #[command(
        after_help = "Example:\n  raven-console man --dir ~/.local/share/man/man1 && man raven-console"
    )]
    Man {
        /// Directory to write the pages into (made if missing)
        #[arg(long, value_name = "DIR", default_value = "man")]
        dir: std::path::PathBuf,
    },
    /// Write the filtered, sorted list of users, every page, as CSV, JSON or NDJSON
    Export(crate::console::export::cli::ExportArgs),
}

/// One `[profiles.NAME]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: String,
    pub token: Option<String>,
    /// Read the key from this environment variable rather than the file.
    pub token_env: Option<String>,
    pub api: Option<ApiChoice>,
    /// `read_only = true`: as `--read-only`, for a profile that should never write.
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// `theme = "light"`, or the name of a .toml file beside config.toml.
    theme: Option<String>,
    /// `mouse = false`: as `--no-mouse`.
    mouse: Option<bool>,
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, Profile>,
}

/// Where the console connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Embedded,
    Remote {
        url: String,
        token: Option<String>,
        /// Where the key comes from, in words: what to fix on a 401.
        token_hint: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub target: Target,
    pub api: ApiChoice,
    /// No write is sent: `--read-only`, or the profile's `read_only = true`.
    pub read_only: bool,
    /// `--theme`, else `theme` in config.toml; `None`: the default.
    pub theme: Option<String>,
    /// Clicks and the wheel go to the console: not `--no-mouse`, not `mouse = false`.
    pub mouse: bool,
    /// The profiles of config.toml, for `:profile`.
    pub profiles: Vec<String>,
}

/// A mistake in how the console was asked to run (flags, environment,
/// config.toml): reported on one line, with exit code 2 like a usage error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A TOML error on one line: `line 3, column 7: expected ...`.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

pub fn config_file() -> PathBuf {
    paths::config_dir().join("config.toml")
}

/// Resolves the arguments against `config.toml` in the config directory.
pub fn resolve(args: &Args) -> anyhow::Result<Resolved> {
    resolve_with(args, &config_file(), &|name| std::env::var(name).ok())
}

/// Command-line flags win over a named profile, which wins over RAVEN_URL / RAVEN_TOKEN:
/// naming a profile is a deliberate choice, the environment may be left over.
pub fn resolve_with(
    args: &Args,
    config: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Resolved> {
    let flag_url = args.url.clone().filter(|_| !args.url_from_env);
    let flag_token = args.token.clone().filter(|_| !args.token_from_env);
    let env_url = args.url.clone().filter(|_| args.url_from_env);
    let env_token = args.token.clone().filter(|_| args.token_from_env);

    let profile = match &args.profile {
        Some(name) => Some((name.clone(), load_profile(config, name)?)),
        None => None,
    };

    let url = flag_url
        .clone()
        .or_else(|| profile.as_ref().map(|(_, p)| p.url.clone()))
        .or(env_url)
        .filter(|u| !u.trim().is_empty());
    let api = args
        .api
        .or_else(|| profile.as_ref().and_then(|(_, p)| p.api))
        .unwrap_or_default();
    let read_only = args.read_only || profile.as_ref().is_some_and(|(_, p)| p.read_only);
    let file = read_config(config)?;
    let theme = match &args.theme {
        Some(t) => Some(t.clone()),
        None => file.as_ref().and_then(|f| f.theme.clone()),
    };
    let mouse = !args.no_mouse && file.as_ref().and_then(|f| f.mouse).unwrap_or(true);
    let profiles: Vec<String> = file
        .as_ref()
        .map(|f| f.profiles.keys().cloned().collect())
        .unwrap_or_default();

    let Some(url) = url else {
        if flag_token.is_some() {
            bail!("--token needs a server: add --url URL (or set RAVEN_URL)");
        }
        return Ok(Resolved {
            target: Target::Embedded,
            api,
            read_only,
            theme,
            mouse,
            profiles,
        });
    };

    let (token, token_hint) = if let Some(t) = flag_token {
        (Some(t), "the key given with --token".to_string())
    } else if let Some((name, p)) = &profile {
        match (&p.token_env, &p.token) {
            (Some(var), _) => (
                env(var),
                format!(
                    "the key in ${var} (profile '{name}' in {})",
                    config.display()
                ),
            ),
            (None, Some(t)) => (
                Some(t.clone()),
                format!("the token of profile '{name}' in {}", config.display()),
            ),
            (None, None) => (
                env_token,
                format!(
                    "RAVEN_TOKEN, or a token for profile '{name}' in {}",
                    config.display()
                ),
            ),
        }
    } else if let Some(t) = env_token {
        (Some(t), "the key in $RAVEN_TOKEN".to_string())
    } else {
        (
            None,
            "the key: none was given; pass --token or set RAVEN_TOKEN".to_string(),
        )
    };

    Ok(Resolved {
        target: Target::Remote {
            url,
            token,
            token_hint,
        },
        api,
        read_only,
        theme,
        mouse,
        profiles,
    })
}

/// config.toml, or `None` when there is none.
fn read_config(config: &Path) -> anyhow::Result<Option<ConfigFile>> {
    if !config.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(config)
        .with_context(|| format!("cannot read {}", config.display()))?;
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{}: {}", config.display(), toml_error(&text, &e)))
}

fn load_profile(config: &Path, name: &str) -> anyhow::Result<Profile> {
    let text = std::fs::read_to_string(config)
        .with_context(|| format!("profile '{name}': cannot read {}", config.display()))?;
    let file: ConfigFile = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", config.display(), toml_error(&text, &e)))?;
    match file.profiles.get(name) {
        Some(p) => Ok(p.clone()),
        None => {
            let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
            bail!(
                "no profile '{name}' in {} (it has: {})",
                config.display(),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn write_config(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn no_arguments_means_the_embedded_server() {
        let r = resolve_with(&Args::default(), Path::new("/nonexistent"), &no_env).unwrap();
        assert_eq!(r.target, Target::Embedded);
        assert_eq!(r.api, ApiChoice::Auto);
    }

    #[test]
    fn a_token_without_a_url_is_refused() {
        let args = Args {
            token: Some("rk_live_x".into()),
            ..Args::default()
        };
        let err = resolve_with(&args, Path::new("/nonexistent"), &no_env).unwrap_err();
        assert!(err.to_string().contains("--url"));
    }

    #[test]
    fn a_profile_wins_over_the_environment_but_not_over_flags() {
        let cfg = write_config(
            "[profiles.staging]\nurl = \"https://staging.example\"\ntoken_env = \"STAGING_KEY\"\napi = \"eai\"\n",
        );
        let env = |name: &str| (name == "STAGING_KEY").then(|| "rk_live_staging".to_string());
        let args = Args {
            url: Some("https://from-env.example".into()),
            url_from_env: true,
            profile: Some("staging".into()),
            ..Args::default()
        };
        let r = resolve_with(&args, cfg.path(), &env).unwrap();
        let Target::Remote {
            url,
            token,
            token_hint,
        } = r.target
        else {
            panic!("remote expected")
        };
        assert_eq!(url, "https://staging.example");
        assert_eq!(token.as_deref(), Some("rk_live_staging"));
        assert!(token_hint.contains("$STAGING_KEY"));
        assert_eq!(r.api, ApiChoice::Eai);

        let args = Args {
            url: Some("https://flag.example".into()),
            api: Some(ApiChoice::Raven),
            profile: Some("staging".into()),
            ..Args::default()
        };
        let r = resolve_with(&args, cfg.path(), &env).unwrap();
        assert!(
            matches!(r.target, Target::Remote { ref url, .. } if url == "https://flag.example")
        );
        assert_eq!(r.api, ApiChoice::Raven);
    }

    #[test]
    fn an_unknown_profile_names_the_known_ones() {
        let cfg = write_config("[profiles.prod]\nurl = \"https://prod.example\"\n");
        let args = Args {
            profile: Some("staging".into()),
            ..Args::default()
        };
        let err = resolve_with(&args, cfg.path(), &no_env).unwrap_err();
        assert!(err.to_string().contains("prod"), "{err}");
    }

    #[test]
    fn the_mouse_is_on_unless_the_flag_or_the_file_says_off() {
        let r = resolve_with(&Args::default(), Path::new("/nonexistent"), &no_env).unwrap();
        assert!(r.mouse);
        let cfg = write_config("mouse = false\n[profiles.prod]\nurl = \"https://prod.example\"\n");
        let r = resolve_with(&Args::default(), cfg.path(), &no_env).unwrap();
        assert!(!r.mouse);
        assert_eq!(r.profiles, ["prod"]);
        let args = Args {
            no_mouse: true,
            ..Args::default()
        };
        let r = resolve_with(&args, Path::new("/nonexistent"), &no_env).unwrap();
        assert!(!r.mouse);
    }

    #[test]
    fn the_token_hint_names_the_env_var() {
        let args = Args {
            url: Some("http://x".into()),
            url_from_env: true,
            token: Some("rk".into()),
            token_from_env: true,
            ..Args::default()
        };
        let r = resolve_with(&args, Path::new("/nonexistent"), &no_env).unwrap();
        assert!(
            matches!(r.target, Target::Remote { ref token_hint, .. } if token_hint.contains("RAVEN_TOKEN"))
        );
    }

    /// A 401 for a console started without a key says so, and how to give one.
    #[test]
    fn no_key_is_named_in_the_refusal() {
        let args = Args {
            url: Some("http://x".into()),
            ..Args::default()
        };
        let r = resolve_with(&args, Path::new("/nonexistent"), &no_env).unwrap();
        let Target::Remote { token_hint, .. } = r.target else {
            panic!("a remote target");
        };
        let err = crate::api::client::ClientError::Unauthorized {
            message: "missing".into(),
        };
        assert_eq!(
            crate::console::words::explain(&err, &token_hint),
            "The server refused the key (401). Check the key: none was given; \
             pass --token or set RAVEN_TOKEN."
        );
    }
}
