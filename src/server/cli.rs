//! The `raven-server` command line (DESIGN.md fixes its shape).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, CommandFactory, Parser, Subcommand};

use super::{ConnLimits, RateLimit, ServeOptions, Timeouts};
use crate::admin;
use crate::keys::{Scope, format_scopes};
use crate::store;

#[derive(Debug, Parser)]
#[command(
    name = "raven-server",
    version = crate::VERSION,
    about = "The Users API server: Raven Users API v1 and EAI Users REST API v3 over one store",
    long_about = "The Users API server behind raven-console. It speaks the Raven Users API v1 \
                  (/api/v1/users) and the EAI Users REST API v3 (/api/eai/v3/users) over one \
                  store: a SQLite file by default, or PostgreSQL.\n\n\
                  Start with: raven-server tenant create --name Acme, then \
                  raven-server key create --tenant acme --scopes users:read,users:write, then \
                  raven-server serve."
)]
pub struct Cli {
    /// Log lines as text for a person, or as one JSON object each for a log shipper
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "text",
        env = "RAVEN_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct Database {
    /// Database URL: sqlite://PATH or postgres://...; default: raven.db in the data directory
    #[arg(long, env = "RAVEN_DATABASE_URL", global = true, value_name = "URL")]
    pub database: Option<String>,
}

impl Database {
    pub fn url(&self) -> String {
        self.database.clone().unwrap_or_else(store::default_url)
    }
}

/// What one client may hold (SECURITY.md, "Availability").
#[derive(Debug, Args)]
pub struct ServeLimits {
    /// Seconds a connection has to send a complete request head, counted from
    /// connecting (whatever it sends meanwhile: nothing, part of a line, an HTTP/2
    /// preface) and, on a kept-alive connection, from a request's first byte; then
    /// it is closed
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = seconds)]
    pub header_timeout: Duration,
    /// Seconds a kept-alive connection (HTTP/1.1 or HTTP/2) may stay idle between
    /// requests before it is closed
    #[arg(long, default_value = "60", value_name = "SECS", value_parser = seconds)]
    pub idle_timeout: Duration,
    /// Connections open at once; at the cap a new one closes the connection idle
    /// the longest (never one with a request in flight), so silent sockets cannot
    /// lock clients out
    #[arg(long, default_value_t = 1024, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Requests per second per API key, with a burst (default: one second's
    /// worth), e.g. 20 or 20,40; over it: 429 with Retry-After. Counted per
    /// process: each replica allows this much. Default: no limit
    #[arg(long, value_name = "REQS_PER_S[,BURST]")]
    pub rate_limit: Option<RateLimit>,
}

impl ServeLimits {
    fn options(&self) -> ServeOptions {
        ServeOptions {
            connections: ConnLimits {
                timeouts: Timeouts {
                    header: self.header_timeout,
                    idle: self.idle_timeout,
                },
                max_connections: self.max_connections as usize,
            },
            rate_limit: self.rate_limit,
        }
    }
}

/// A positive number of seconds; decimals allowed (`0.5`).
fn seconds(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && *v <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{s:?} is not a number of seconds between 0 and 86400"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve both Users APIs over HTTP until Ctrl-C or SIGTERM
    #[command(after_help = "Examples:\n  raven-server serve\n  \
        raven-server serve --listen 0.0.0.0:3000 --database postgres://raven@db/raven")]
    Serve {
        /// Address to listen on (port 0 picks a free one)
        #[arg(long, default_value = "127.0.0.1:3000", value_name = "ADDR")]
        listen: SocketAddr,
        /// Serve GET /metrics on this address only, not on --listen
        #[arg(long, value_name = "ADDR")]
        metrics_listen: Option<SocketAddr>,
        #[command(flatten)]
        limits: ServeLimits,
        #[command(flatten)]
        db: Database,
    },
    /// Manage tenants
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage API keys
    #[command(subcommand)]
    Key(KeyCommand),
    /// Add realistic demo users to a tenant
    #[command(after_help = "Example:\n  raven-server seed --tenant acme --count 1000")]
    Seed {
        /// Tenant id (ten_...) or slug
        #[arg(long, value_name = "TEN")]
        tenant: String,
        /// How many users to add
        #[arg(long, value_name = "N")]
        count: u64,
        #[command(flatten)]
        db: Database,
    },
    /// Copy a live SQLite database to a new file, consistent, while it serves
    #[command(
        long_about = "Copy a live SQLite database to a new file. The copy is the database as of \
                      one moment (SQLite's VACUUM INTO, a single read transaction), taken while \
                      the server keeps serving and writing; it is compacted, and written under \
                      FILE only once complete.\n\n\
                      To restore: stop raven-server, copy the backup over the database file \
                      (removing any -wal and -shm files beside it), and start it again; \
                      migrations run as usual.\n\n\
                      Against PostgreSQL this says to use pg_dump, with the command line.",
        after_help = "Example:\n  raven-server backup --to /var/backups/raven-$(date +%F).db"
    )]
    Backup {
        /// The file to write; it must not exist yet
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
        #[command(flatten)]
        db: Database,
    },
    /// Print a tenant's audit events as JSON lines, newest first; or prune old ones
    #[command(
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true,
        long_about = "Print a tenant's audit events as JSON lines, newest first, each as \
                      GET /api/v1/audit shows it (with its user_id). Every create and PATCH \
                      through the API has one; seed and import write none.",
        after_help = "Examples:\n  raven-server audit --tenant acme\n  \
                      raven-server audit --tenant acme --user usr_abc123 --since 2026-03-01T00:00:00Z\n  \
                      raven-server audit prune --tenant acme --before 2026-01-01T00:00:00Z"
    )]
    Audit {
        #[command(subcommand)]
        prune: Option<AuditCommand>,
        /// Tenant id or slug
        #[arg(long, required = true)]
        tenant: Option<String>,
        /// Only this user's events
        #[arg(long, value_name = "USER_ID")]
        user: Option<String>,
        /// Events at or after this RFC 3339 time
        #[arg(long, value_name = "RFC3339", value_parser = rfc3339)]
        since: Option<crate::model::Timestamp>,
        /// Events strictly before this RFC 3339 time
        #[arg(long, value_name = "RFC3339", value_parser = rfc3339)]
        until: Option<crate::model::Timestamp>,
        #[command(flatten)]
        db: Database,
    },
    /// Add users to a tenant from a CSV or NDJSON file, checking every line first
    #[command(
        long_about = "Add users to a tenant from a CSV file with a header row, or NDJSON (one JSON \
                      object a line): the columns raven-console export writes, namely id, name, \
                      email, external_ref, role, status, metadata, preferences, avatar, \
                      created_at, last_login_at (any subset; id is not kept: users get new ids). \
                      In CSV, metadata and preferences are JSON text.\n\n\
                      Every line is checked first, by the API's rules, and each bad one is \
                      reported by line and field, as is an external_ref or email that is \
                      repeated in the file or already taken in the tenant. Unless every line is \
                      good nothing is written; with --skip-invalid the good lines are. The users \
                      go in one transaction.",
        after_help = "Examples:\n  raven-server import --tenant acme users.csv\n  \
                      raven-server import --tenant acme --skip-invalid users.ndjson"
    )]
    Import {
        /// Tenant id (ten_...) or slug
        #[arg(long, value_name = "TEN")]
        tenant: String,
        /// Write the good lines and report the bad ones, instead of writing nothing
        #[arg(long)]
        skip_invalid: bool,
        /// The file: .csv, or .ndjson / .jsonl (otherwise told by its first character)
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        #[command(flatten)]
        db: Database,
    },
    /// Print a shell completion script
    #[command(after_help = "Examples:\n  \
        raven-server completions bash > ~/.local/share/bash-completion/completions/raven-server\n  \
        raven-server completions zsh > ~/.zfunc/_raven-server\n  \
        raven-server completions fish > ~/.config/fish/completions/raven-server.fish")]
    Completions {
        /// bash, zsh, fish, elvish or powershell
        #[arg(value_name = "SHELL")]
        shell: crate::shell::Shell,
    },
    /// Write man pages for raven-server and each of its commands
    #[command(
        after_help = "Example:\n  raven-server man --dir ~/.local/share/man/man1 && man raven-server"
    )]
    Man {
        /// Directory to write the pages into (made if missing)
        #[arg(long, value_name = "DIR", default_value = "man")]
        dir: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Delete a tenant's audit events from before a time, and say how many
    #[command(
        after_help = "Example:\n  raven-server audit prune --tenant acme --before 2026-01-01T00:00:00Z"
    )]
    Prune {
        /// Tenant id or slug
        #[arg(long)]
        tenant: String,
        /// Delete the events strictly before this RFC 3339 time
        #[arg(long, value_name = "RFC3339", value_parser = rfc3339)]
        before: crate::model::Timestamp,
        #[command(flatten)]
        db: Database,
    },
}

fn rfc3339(s: &str) -> Result<crate::model::Timestamp, String> {
    crate::model::Timestamp::parse_rfc3339(s)
        .ok_or_else(|| format!("{s:?} is not an RFC 3339 time such as 2026-03-11T09:30:00Z"))
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and print its id
    #[command(
        after_help = "Example:\n  raven-server tenant create --name \"Acme Corp\" --slug acme"
    )]
    Create {
        /// Display name of the tenant
        #[arg(long)]
        name: String,
        /// URL-safe short name (EAI's tenantId); default: made from the name
        #[arg(long)]
        slug: Option<String>,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key and print it (the only time it is shown)
    #[command(
        after_help = "Examples:\n  raven-server key create --tenant acme --scopes users:read\n  \
        raven-server key create --tenant acme --scopes users:read,users:write --user usr_..."
    )]
    Create {
        /// Tenant id (ten_...) or slug
        #[arg(long, value_name = "TEN")]
        tenant: String,
        /// Comma-separated scopes: users:read, users:write
        #[arg(long, value_name = "S1,S2", value_delimiter = ',', required = true)]
        scopes: Vec<Scope>,
        /// Bind the key to this user (usr_...): it then acts as that user, `me` in EAI
        #[arg(long, value_name = "USR")]
        user: Option<String>,
        #[command(flatten)]
        db: Database,
    },
    /// List a tenant's keys: prefixes, scopes, user, state; never a key
    #[command(after_help = "Example:\n  raven-server key list --tenant acme")]
    List {
        /// Tenant id (ten_...) or slug
        #[arg(long, value_name = "TEN")]
        tenant: String,
        #[command(flatten)]
        db: Database,
    },
    /// Revoke a key by its prefix (as `key list` shows it); refused from then on
    #[command(after_help = "Example:\n  raven-server key revoke rk_live_AbCd1234")]
    Revoke {
        /// The key's prefix, e.g. rk_live_AbCd1234
        #[arg(value_name = "KEY_PREFIX")]
        prefix: String,
        #[command(flatten)]
        db: Database,
    },
}

/// Runs a parsed command; what it prints for scripts goes to stdout, the rest to stderr.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            listen,
            metrics_listen,
            limits,
            db,
        } => serve(listen, metrics_listen, &limits, &db.url()).await,
        Command::Tenant(TenantCommand::Create { name, slug, db }) => {
            let store = open(&db).await?;
            let tenant = admin::create_tenant(store.as_ref(), &name, slug.as_deref()).await?;
            eprintln!("created tenant {:?} (slug {})", tenant.name, tenant.slug);
            println!("{}", tenant.id);
            Ok(())
        }
        Command::Key(KeyCommand::Create {
            tenant,
            scopes,
            user,
            db,
        }) => {
            let store = open(&db).await?;
            let key = admin::create_key(store.as_ref(), &tenant, &scopes, user.as_deref()).await?;
            eprintln!("created key; store it now, it cannot be shown again");
            println!("{key}");
            Ok(())
        }
        Command::Key(KeyCommand::List { tenant, db }) => {
            let store = open(&db).await?;
            let keys = admin::list_keys(store.as_ref(), &tenant).await?;
            println!(
                "{:<18} {:<24} {:<20} {:<26} STATE",
                "PREFIX", "SCOPES", "USER", "CREATED"
            );
            for k in keys {
                println!(
                    "{:<18} {:<24} {:<20} {:<26} {}",
                    k.prefix,
                    format_scopes(&k.scopes),
                    k.user_id.as_deref().unwrap_or("-"),
                    k.created_at,
                    k.revoked_at
                        .map(|t| format!("revoked {t}"))
                        .unwrap_or_else(|| "active".into())
                );
            }
            Ok(())
        }
        Command::Key(KeyCommand::Revoke { prefix, db }) => {
            let store = open(&db).await?;
            admin::revoke_key(store.as_ref(), &prefix).await?;
            eprintln!("revoked {prefix}; it is refused from now on");
            Ok(())
        }
        Command::Import {
            tenant,
            skip_invalid,
            file,
            db,
        } => {
            let store = open(&db).await?;
            let options = crate::import::Options {
                skip_invalid,
                progress: std::io::stderr().is_terminal(),
            };
            match crate::import::run(store.as_ref(), &tenant, &file, options).await {
                Ok(report) => {
                    for p in &report.skipped {
                        eprintln!("skipped {p}");
                    }
                    let lines: std::collections::BTreeSet<usize> =
                        report.skipped.iter().map(|p| p.line).collect();
                    eprintln!(
                        "imported {} users into {tenant}; skipped {} lines",
                        report.imported,
                        lines.len()
                    );
                    Ok(())
                }
                Err(crate::import::ImportError::Invalid(problems)) => {
                    for p in &problems {
                        eprintln!("{p}");
                    }
                    Err(crate::import::ImportError::Invalid(problems).into())
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Completions { shell } => {
            crate::shell::completions(Cli::command(), shell);
            Ok(())
        }
        Command::Man { dir } => {
            for page in crate::shell::man_pages(Cli::command(), &dir)? {
                println!("{}", page.display());
            }
            Ok(())
        }
        Command::Backup { to, db } => {
            let store = open(&db).await?;
            let started = std::time::Instant::now();
            store.backup(&to).await.context("backing up")?;
            let size = std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
            eprintln!(
                "backed up to {} ({:.1} MiB) in {:.1}s",
                to.display(),
                size as f64 / (1024.0 * 1024.0),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Audit {
            prune: Some(AuditCommand::Prune { tenant, before, db }),
            ..
        } => {
            let store = open(&db).await?;
            let tenant = find_tenant(store.as_ref(), &tenant).await?;
            let pruned = store.prune_audit(&tenant.id, before).await?;
            eprintln!(
                "deleted {pruned} audit events of {} from before {before}",
                tenant.slug
            );
            Ok(())
        }
        Command::Audit {
            prune: None,
            tenant,
            user,
            since,
            until,
            db,
        } => {
            let store = open(&db).await?;
            let tenant = find_tenant(store.as_ref(), tenant.as_deref().unwrap_or_default()).await?;
            let filter = store::AuditFilter {
                user_id: user,
                actor: None,
                since,
                until,
            };
            let mut offset = 0;
            loop {
                let page = store::PageRequest {
                    limit: 1000,
                    offset,
                };
                let found = store.list_audit(&tenant.id, &filter, page).await?;
                for e in &found.events {
                    let line = crate::api::audit::AuditEvent::from_model(e, true);
                    println!("{}", serde_json::to_string(&line)?);
                }
                if found.events.len() < 1000 {
                    return Ok(());
                }
                offset += 1000;
            }
        }
        Command::Seed { tenant, count, db } => {
            let store = open(&db).await?;
            let started = std::time::Instant::now();
            let added = admin::seed(store.as_ref(), &tenant, count).await?;
            eprintln!(
                "added {added} users to {tenant} in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

async fn find_tenant(
    store: &dyn store::Store,
    id_or_slug: &str,
) -> anyhow::Result<crate::model::Tenant> {
    store
        .find_tenant(id_or_slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no tenant {id_or_slug:?}"))
}

async fn open(db: &Database) -> anyhow::Result<std::sync::Arc<dyn store::Store>> {
    let url = db.url();
    store::open(&url)
        .await
        .with_context(|| format!("opening the database {url}"))
}

async fn serve(
    listen: SocketAddr,
    metrics_listen: Option<SocketAddr>,
    limits: &ServeLimits,
    url: &str,
) -> anyhow::Result<()> {
    let store = store::open(url)
        .await
        .with_context(|| format!("opening the database {url}"))?;
    super::metrics::install().context("starting the metrics recorder")?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let options = limits.options();
    let mut app = super::router_with(store.clone(), options.rate_limit);
    match metrics_listen {
        None => app = app.merge(super::metrics_router(store.clone(), false)),
        Some(at) => {
            let metrics = tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("listening on {at} for metrics"))?;
            let at = metrics.local_addr()?;
            tracing::info!("metrics on http://{at}/metrics");
            let page = super::metrics_router(store.clone(), true);
            tokio::spawn(async move {
                let served =
                    super::serve_router(metrics, page, options.connections, shutdown_signal());
                if let Err(e) = served.await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
        }
    }
    tracing::info!("listening on http://{addr} (database {url})");
    super::serve_router(listener, app, options.connections, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
