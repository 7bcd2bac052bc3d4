//! Export: the filtered, sorted list, every page, as CSV, JSON or NDJSON.
//! One engine for `raven-console export` ([`cli`]) and the app's `:export`
//! (run by the worker): [`run`] pages through the list and hands each user
//! to a [`format::Sink`]; [`to_file`] writes beside the target and renames,
//! so a failed or cancelled export leaves no half file.
//!
//! Each user is written once: ids already written are skipped. Without
//! `--sort` the export reads the server's own order, newest first (on
//! raven-server its fastest deep pages, and the one order every server
//! has). A user created during the export lands before the pages still to
//! come and pushes the rest one place on: the rows pushed onto the next page
//! are skipped as already written, nothing is stepped over, and the new user
//! itself is not in the export (it came after it started). With `--sort`,
//! a creation anywhere only pushes later rows on, the same way. What offset
//! paging cannot promise: a user deleted meanwhile pulls later ones back,
//! so one may slip onto a page already read, and an edit that moves a user's
//! sort value backwards can hide it from the rest of the export.

pub mod cli;
pub mod format;

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

pub use format::{Format, Sink};

use crate::api::MAX_LIMIT;
use crate::api::client::{Client, ClientError, ListQuery};
use crate::console::view::{BothViews, Dialects, order};
use crate::store::Sort;

/// How far an export has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub done: u64,
    /// The server's count of matching users, when it gives one.
    pub total: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Client(#[from] ClientError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    /// `--sort` against a server that does not sort by that field.
    #[error("the server does not sort by {0}: leave out --sort, or sort the file afterwards")]
    NoSort(&'static str),
    /// A server that answers every offset with the same page.
    #[error(
        "the server sent the same page again at offset {0}: it does not page, so the export stops"
    )]
    Stuck(u64),
}

/// What to export: the filters (offset and limit are the export's own) and
/// the order (`None`: the server's own, newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub filters: ListQuery,
    pub sort: Option<Sort>,
}

/// The field `sort` names, for messages.
fn named(sort: Sort) -> &'static str {
    crate::console::app::sort::label(sort.key)
}

/// Whether the answer shows that the server did not honour `sort`.
fn not_sorted(result: &Result<crate::console::view::ListPage, ClientError>, sort: Sort) -> bool {
    match result {
        Ok(page) => order::telling(&page.rows, sort) && !order::in_order(&page.rows, sort),
        Err(ClientError::Api {
            status: 400,
            field,
            message,
            ..
        }) => field.as_deref() == Some("sort") || message.contains("sort"),
        Err(_) => false,
    }
}

/// Pages through the list and writes each user once; `progress` hears after
/// each page. Returns how many users were written.
pub async fn run<W: Write>(
    client: &Client,
    dialects: Dialects,
    req: &Request,
    sink: &mut Sink<W>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<u64, ExportError> {
    let sort = req.sort;
    let mut seen: HashSet<Box<str>> = HashSet::new();
    let mut offset = 0u64;
    let mut last_ids: Vec<String> = Vec::new();
    loop {
        let q = ListQuery {
            offset,
            limit: MAX_LIMIT,
            sort,
            ..req.filters.clone()
        };
        let result = client.list(dialects, &q).await;
        if offset == 0
            && let Some(s) = sort
            && not_sorted(&result, s)
        {
            // Nothing is written yet: a file in another order than asked
            // would be wrong without saying so.
            return Err(ExportError::NoSort(named(s)));
        }
        let page = result?;
        if page.rows.is_empty() {
            break;
        }
        let ids: Vec<String> = page.rows.iter().map(|r| r.id.clone()).collect();
        if offset > 0 && ids == last_ids {
            return Err(ExportError::Stuck(offset));
        }
        for row in &page.rows {
            if seen.insert(row.id.as_str().into()) {
                sink.row(row)?;
            }
        }
        offset += page.rows.len() as u64;
        progress(Progress {
            done: seen.len() as u64,
            total: page.total,
        });
        if page.total.is_some_and(|t| offset >= t) {
            break;
        }
        last_ids = ids;
    }
    Ok(seen.len() as u64)
}

/// Exports into `path`: written to a temporary file in the same directory,
/// renamed over `path` only when complete. Dropped midway (an error, a
/// cancel that aborts the task), the temporary file goes with it.
pub async fn to_file(
    client: &Client,
    dialects: Dialects,
    req: &Request,
    format: Format,
    path: &Path,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<u64, ExportError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".raven-export-")
        .tempfile_in(dir)
        .map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot write in {}: {e}", dir.display()))
        })?;
    let (file, tmp_path) = tmp.into_parts();
    let mut sink = Sink::new(format, dialects, std::io::BufWriter::new(file))?;
    let n = run(client, dialects, req, &mut sink, progress).await?;
    let file = sink.finish()?.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    tmp_path.persist(path).map_err(|e| {
        std::io::Error::new(e.error.kind(), format!("{}: {}", path.display(), e.error))
    })?;
    Ok(n)
}
