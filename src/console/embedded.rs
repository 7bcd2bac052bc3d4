//! The embedded server: with no server named, the console runs raven-server
//! in-process on the SQLite file in the data directory and talks real HTTP to
//! it on 127.0.0.1, the same code path as a remote server.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::admin::{self, Scope};
use crate::store::{self, Store};
use crate::{paths, server};

/// Users the demo tenant starts with.
pub const DEMO_USERS: u64 = 300;
pub const DEMO_SLUG: &str = "demo";

pub struct Embedded {
    pub url: String,
    pub token: String,
    pub key_file: PathBuf,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Embedded {
    /// Stops taking connections and waits briefly for the requests in flight.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), self.task).await;
    }
}

pub async fn start() -> anyhow::Result<Embedded> {
    let dir = paths::data_dir();
    create_private_dir(&dir)?;
    let db = paths::default_database_path();
    let store = store::open(&format!("sqlite://{}", db.display()))
        .await
        .with_context(|| format!("cannot open the embedded database {}", db.display()))?;
    let key_file = dir.join("console.key");
    let token = match read_key(&key_file) {
        Some(k) => k,
        None => first_run(&*store, &key_file).await?,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot open a local port for the embedded server")?;
    let url = format!("http://{}", listener.local_addr()?);
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(server::serve(listener, Arc::clone(&store), async move {
        let _ = rx.await;
    }));
    Ok(Embedded {
        url,
        token,
        key_file,
        shutdown: tx,
        task,
    })
}

fn read_key(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let key = text.trim();
    (!key.is_empty()).then(|| key.to_string())
}

/// Creates the demo tenant and its users (unless an earlier run did) and a key
/// for the whole tenant, kept where only this user can read it.
async fn first_run(store: &dyn Store, key_file: &Path) -> anyhow::Result<String> {
    if admin::find_tenant(store, DEMO_SLUG).await.is_err() {
        admin::create_tenant(store, "Demo", Some(DEMO_SLUG))
            .await
            .context("cannot create the demo tenant")?;
        admin::seed(store, DEMO_SLUG, DEMO_USERS)
            .await
            .context("cannot add the demo users")?;
    }
    let key = admin::create_key(
        store,
        DEMO_SLUG,
        &[Scope::UsersRead, Scope::UsersWrite],
        None,
    )
    .await
    .context("cannot create the console's key")?;
    write_private(key_file, &key)
        .with_context(|| format!("cannot write the key file {}", key_file.display()))?;
    Ok(key)
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))
}

/// Writes the key with mode 0600 from the start: it is never readable by others,
/// not even for a moment.
fn write_private(path: &Path, key: &str) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    #[cfg(unix)]
    {
        // An older file keeps its mode on open; make sure it is private.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    writeln!(f, "{key}")?;
    f.sync_all()
}
