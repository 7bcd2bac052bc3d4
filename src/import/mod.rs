//! `raven-server import`: users from a CSV or NDJSON file (the columns
//! `raven-console export` writes) into a tenant. Every line is checked before
//! anything is written; by default one bad line writes nothing, and the
//! good lines go in one transaction.

mod check;
mod read;

use std::collections::HashMap;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

pub use check::Problem;
pub use read::{COLUMNS, Format};

use crate::admin::{self, AdminError};
use crate::model::{NewUser, build_user};
use crate::store::{Store, StoreError, UniqueKey};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("line {line}: {message}")]
    Unreadable { line: usize, message: String },
    #[error("{} bad line(s); nothing was written (--skip-invalid writes the good ones)", .0.len())]
    Invalid(Vec<Problem>),
    #[error(
        "another writer took a {0} of this file meanwhile; nothing was written, run the import again"
    )]
    Raced(&'static str),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    pub imported: usize,
    /// The lines left out (with `skip_invalid`), each problem named.
    pub skipped: Vec<Problem>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Write the good lines and report the bad ones, instead of writing nothing.
    pub skip_invalid: bool,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
}

/// Imports `path` into the tenant (id or slug).
pub async fn run(
    store: &dyn Store,
    tenant_ref: &str,
    path: &Path,
    options: Options,
) -> Result<Report, ImportError> {
    let tenant = admin::find_tenant(store, tenant_ref).await?;
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let records = read::records(&text, Format::of(path, &text))?;
    let bar = progress(options.progress, records.len());
    let mut good: Vec<(usize, NewUser)> = Vec::with_capacity(records.len());
    let mut problems = Vec::new();
    for record in &records {
        match check::new_user(record) {
            Ok(user) => good.push((record.line, user)),
            Err(mut p) => problems.append(&mut p),
        }
        bar.inc(1);
    }
    bar.set_message("checking external_refs and emails against the tenant");
    problems.extend(duplicates(store, &tenant.id, &good).await?);
    problems.sort_by_key(|p| p.line);
    if !problems.is_empty() && !options.skip_invalid {
        bar.abandon();
        return Err(ImportError::Invalid(problems));
    }
    let bad: std::collections::HashSet<usize> = problems.iter().map(|p| p.line).collect();
    let mut users: Vec<_> = good
        .into_iter()
        .filter(|(line, _)| !bad.contains(line))
        .map(|(_, u)| build_user(&tenant.id, u))
        .collect();
    // In creation order, as the server would have made them: a tenant's
    // searches stay on their fast path (store/sqlite, migration 0003).
    users.sort_by_key(|u| u.created_at);
    bar.set_message(format!("writing {} users", users.len()));
    match store.insert_all(&users).await {
        Err(StoreError::Conflict { field, .. }) => return Err(ImportError::Raced(field)),
        other => other?,
    }
    bar.finish_and_clear();
    Ok(Report {
        imported: users.len(),
        skipped: problems,
    })
}

/// A line whose external_ref or email is on an earlier line, or already held
/// by a user of the tenant.
async fn duplicates(
    store: &dyn Store,
    tenant_id: &str,
    users: &[(usize, NewUser)],
) -> Result<Vec<Problem>, ImportError> {
    let mut problems = Vec::new();
    for key in [UniqueKey::ExternalRef, UniqueKey::Email] {
        let field = key.column();
        let value_of = |u: &NewUser| match key {
            UniqueKey::ExternalRef => u.external_ref.clone(),
            UniqueKey::Email => u.email.clone(),
        };
        let mut first: HashMap<String, usize> = HashMap::new();
        for (line, user) in users {
            let Some(v) = value_of(user) else { continue };
            if let Some(earlier) = first.get(&v) {
                problems.push(Problem {
                    line: *line,
                    field: field.into(),
                    message: format!("{v:?} is also on line {earlier}"),
                });
            } else {
                first.insert(v, *line);
            }
        }
        let values: Vec<String> = first.keys().cloned().collect();
        let held = store.taken(tenant_id, key, &values).await?;
        for v in held {
            problems.push(Problem {
                line: first[&v],
                field: field.into(),
                message: format!("{v:?} already belongs to a user of this tenant"),
            });
        }
    }
    Ok(problems)
}

fn progress(on: bool, len: usize) -> ProgressBar {
    if !on {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} lines {msg} ({elapsed})")
    {
        bar.set_style(style);
    }
    bar
}
