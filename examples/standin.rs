//! Runs one of the interoperability tests' stand-in servers by hand, so the
//! console can be tried against a server that is not raven-server:
//!
//! ```text
//! cargo run --example standin -- --dialect eai --page-cap 10 --no-etag --port 4100
//! raven-console --url http://127.0.0.1:4100 --token standin-rw
//! ```
//!
//! The servers themselves live in `tests/standin/` and are written from the
//! specs alone; this only starts one with the switches a test would set.

#[path = "../tests/standin/mod.rs"]
mod standin;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use standin::scim::{ScimStandin, ScimSwitches};
use standin::{Dialect, Errors, KEY, READ_ONLY_KEY, Standin, StandinUser, Switches};

/// A stand-in Users API from another vendor, for trying the console by hand.
#[derive(Parser)]
#[command(name = "standin", version)]
struct Args {
    /// The one dialect it speaks.
    #[arg(long, value_enum, default_value_t = Speaks::Raven)]
    dialect: Speaks,
    /// How many users it starts with (`user_001` the oldest).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u16).range(0..=1000))]
    users: u16,
    /// The loopback port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// At most this many rows a page, whatever was asked (SCIM: default 5).
    #[arg(long)]
    page_cap: Option<usize>,
    /// Raven: `limit` echoes what was asked even when the page is capped.
    #[arg(long)]
    echo_asked_limit: bool,
    /// Lists carry no `total`.
    #[arg(long)]
    no_total: bool,
    /// No ETag on users; If-Match is not checked.
    #[arg(long)]
    no_etag: bool,
    /// How its error bodies are shaped.
    #[arg(long, value_enum, default_value_t = Errors::Nest)]
    errors: Errors,
    /// A PATCH field it accepts and does not store (repeatable: `--ignore role`).
    #[arg(long = "ignore", value_name = "FIELD")]
    ignored: Vec<String>,
    /// Timestamps written with a +02:00 offset instead of Z.
    #[arg(long)]
    offset_times: bool,
    /// Top-level fields on every user that the specs do not name.
    #[arg(long)]
    extra_fields: bool,
    /// `sort` refused with a 400 that names it (otherwise ignored).
    #[arg(long)]
    refuse_sort: bool,
    /// SCIM: the User schema has no `roles`.
    #[arg(long)]
    no_roles: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Speaks {
    Raven,
    Eai,
    Scim,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let addr = format!("127.0.0.1:{}", args.port);
    let users = usize::from(args.users);
    // Both kinds stop when dropped, so each is held until Ctrl-C.
    let (url, _running): (String, Box<dyn std::any::Any>) = match args.dialect {
        Speaks::Scim => {
            let sw = ScimSwitches {
                page_cap: args.page_cap.unwrap_or(ScimSwitches::default().page_cap),
                roles: !args.no_roles,
            };
            let s = ScimStandin::on(&addr, sw, users)
                .with_context(|| format!("listening on {addr}"))?;
            (format!("{} (--api scim)", s.url), Box::new(s))
        }
        Speaks::Raven | Speaks::Eai => {
            let sw = Switches {
                page_cap: args.page_cap,
                echo_asked_limit: args.echo_asked_limit,
                no_total: args.no_total,
                no_etag: args.no_etag,
                errors: args.errors,
                ignored: args.ignored,
                offset_times: args.offset_times,
                extra_fields: args.extra_fields,
                refuse_sort: args.refuse_sort,
            };
            let dialect = match args.dialect {
                Speaks::Eai => Dialect::Eai,
                _ => Dialect::Raven,
            };
            let people = (1..=users).map(StandinUser::numbered).collect();
            let s = Standin::on(&addr, dialect, sw, people)
                .with_context(|| format!("listening on {addr}"))?;
            (s.url.clone(), Box::new(s))
        }
    };
    println!("stand-in listening on {url}");
    println!("keys: {KEY} (read-write), {READ_ONLY_KEY} (read-only); Ctrl-C stops it");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting a runtime to wait on Ctrl-C")?
        .block_on(tokio::signal::ctrl_c())
        .context("waiting on Ctrl-C")?;
    Ok(())
}
