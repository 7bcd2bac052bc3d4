//! The `raven-server` command line (DESIGN.md fixes its shape).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use super::{ConnLimits, RateLimit, ServeOptions, Timeouts};
use crate::admin;
use crate::keys::{Scope, format_scopes};
use crate::store;

#[derive(Debug, Parser)]
#[command(
    name = "raven-server",
    version,
    about = "The Users API server: Raven Users API v1 and EAI Users REST API v3 over one store",
    long_about = "The Users API server behind raven-console. It speaks the Raven Users API v1 \
                  (/api/v1/users) and the EAI Users REST API v3 (/api/eai/v3/users) over one \
                  store: a SQLite file by default, or PostgreSQL.\n\n\
                  Start with: raven-server tenant create --name Acme, then \
                  raven-server key create --tenant acme --scopes users:read,users:write, then \
                  raven-server serve."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
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
    Serve {
        /// Address to listen on (port 0 picks a free one)
        #[arg(long, default_value = "127.0.0.1:3000", value_name = "ADDR")]
        listen: SocketAddr,
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
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and print its id
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
    List {
        /// Tenant id (ten_...) or slug
        #[arg(long, value_name = "TEN")]
        tenant: String,
        #[command(flatten)]
        db: Database,
    },
    /// Revoke a key by its prefix (as `key list` shows it); refused from then on
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
        Command::Serve { listen, limits, db } => serve(listen, &limits, &db.url()).await,
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

async fn open(db: &Database) -> anyhow::Result<std::sync::Arc<dyn store::Store>> {
    let url = db.url();
    store::open(&url)
        .await
        .with_context(|| format!("opening the database {url}"))
}

async fn serve(listen: SocketAddr, limits: &ServeLimits, url: &str) -> anyhow::Result<()> {
    let store = store::open(url)
        .await
        .with_context(|| format!("opening the database {url}"))?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!("listening on http://{addr} (database {url})");
    super::serve_with(listener, store, limits.options(), shutdown_signal()).await?;
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
