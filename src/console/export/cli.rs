//! `raven-console export`: the console's server resolution (flags, profile,
//! environment, else the embedded server with its demo data), the filters
//! as flags, the rows to stdout or a file, a progress bar on stderr when it
//! is a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Format, Progress, Request, Sink};
use crate::api::client::{Client, ListQuery};
use crate::console::config::{self, Args, Target, UsageError};
use crate::console::view::BothViews;
use crate::console::{embedded, words};
use crate::model::{Role, Status};

/// Write the filtered, sorted list of users, every page, as CSV, JSON or NDJSON
///
/// The server is chosen as the console chooses it: --url/--token, --profile,
/// RAVEN_URL/RAVEN_TOKEN, else the embedded server and its demo tenant.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(after_help = "Examples:\n  \
    raven-console export > users.csv\n  \
    raven-console export --profile prod --status inactive --format json --output inactive.json\n  \
    raven-console export --url https://raven.example.com --token rk_live_... --sort -lastLoginAt")]
pub struct ExportArgs {
    /// Only users with this role (admin, member, viewer)
    #[arg(long, value_name = "R")]
    pub role: Option<String>,
    /// Only users with this status (active, inactive)
    #[arg(long, value_name = "S")]
    pub status: Option<String>,
    /// Only users whose name or email contains Q (case-insensitive)
    #[arg(long, value_name = "Q")]
    pub search: Option<String>,
    /// Only the user with this external_ref
    #[arg(long, value_name = "X")]
    pub external_ref: Option<String>,
    /// Order: a field as the server's dialect spells it (display_name,
    /// created_at, name, email, lastLoginAt, ...), -FIELD descending.
    /// Default: oldest first where the server sorts
    #[arg(long, value_name = "F", allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Write here (replaced only once the export is complete); default stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl ExportArgs {
    /// The filters and the order, checked before anything is asked.
    fn request(&self) -> Result<Request, UsageError> {
        let role = self
            .role
            .as_deref()
            .map(|r| {
                r.parse::<Role>()
                    .map_err(|e| UsageError(format!("--role: {e}")))
            })
            .transpose()?;
        let status = self
            .status
            .as_deref()
            .map(|s| {
                s.parse::<Status>()
                    .map_err(|e| UsageError(format!("--status: {e}")))
            })
            .transpose()?;
        let sort = self
            .sort
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                crate::api::sort::parse(s).ok_or_else(|| {
                    UsageError(format!(
                        "--sort {s}: not a field either dialect sorts by ({})",
                        crate::console::app::sort::fields(None).join(", ")
                    ))
                })
            })
            .transpose()?;
        Ok(Request {
            filters: ListQuery {
                role,
                status,
                search: self.search.clone().filter(|s| !s.is_empty()),
                external_ref: self.external_ref.clone().filter(|s| !s.is_empty()),
                ..ListQuery::default()
            },
            sort,
        })
    }
}

/// Runs the export; errors come back as one line for `main` to print.
pub async fn run(args: &Args, export: &ExportArgs) -> anyhow::Result<()> {
    let req = export.request()?;
    let resolved = config::resolve(args).map_err(|e| UsageError(format!("{e:#}")))?;
    let mut embedded = None;
    let (url, token, hint) = match resolved.target {
        Target::Embedded => {
            let e = embedded::start().await?;
            let hint = format!("the console's key file {}", e.key_file.display());
            let parts = (e.url.clone(), Some(e.token.clone()), hint);
            embedded = Some(e);
            parts
        }
        Target::Remote {
            url,
            token,
            token_hint,
        } => (url, token, token_hint),
    };
    let result = export_from(&url, token, &hint, resolved.api, &req, export).await;
    if let Some(e) = embedded {
        e.stop().await;
    }
    result
}

async fn export_from(
    url: &str,
    token: Option<String>,
    hint: &str,
    api: config::ApiChoice,
    req: &Request,
    export: &ExportArgs,
) -> anyhow::Result<()> {
    let client = Client::new(url, token).map_err(|e| UsageError(e.to_string()))?;
    let said = |e: &crate::api::client::ClientError| anyhow::anyhow!(words::explain(e, hint));
    let dialects = client.connect(api).await.map_err(|e| said(&e))?.dialects;
    if req.sort.is_some() {
        let fields = crate::console::app::sort::fields(Some(dialects));
        let spelt = export.sort.as_deref().unwrap_or("").trim_start_matches('-');
        if !fields.contains(&spelt) {
            return Err(UsageError(format!(
                "--sort {spelt}: this server ({}) sorts by {}",
                dialects.label(),
                fields.join(", ")
            ))
            .into());
        }
    }
    let bar = progress_bar();
    let mut tell = |p: Progress| {
        if let Some(t) = p.total {
            bar.set_length(t.max(p.done));
        }
        bar.set_position(p.done);
    };
    let outcome = match &export.output {
        Some(path) => super::to_file(&client, dialects, req, export.format, path, &mut tell)
            .await
            .with_context(|| format!("exporting to {}", path.display())),
        None => {
            let out = std::io::BufWriter::new(std::io::stdout());
            let run = async {
                let mut sink = Sink::new(export.format, dialects, out)?;
                let n = super::run(&client, dialects, req, &mut sink, &mut tell).await?;
                sink.finish()?;
                Ok::<u64, super::ExportError>(n)
            };
            run.await.map_err(anyhow::Error::from)
        }
    };
    bar.finish_and_clear();
    match outcome {
        Ok(n) => {
            if std::io::stderr().is_terminal() {
                eprintln!("{n} users exported.");
            }
            Ok(())
        }
        Err(e) => Err(match e.downcast_ref::<super::ExportError>() {
            Some(super::ExportError::Client(c)) => anyhow::anyhow!(words::explain(c, hint)),
            _ => e,
        }),
    }
}

/// A bar on stderr when it is a terminal; hidden otherwise, so a pipe or a
/// log gets the rows and the one-line outcome only.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} users ({elapsed}, {per_sec})")
    {
        bar.set_style(style);
    }
    bar
}
