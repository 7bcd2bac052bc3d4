//! Test harness: starts the real `raven-server` binary on a free loopback port
//! with a fresh SQLite database in a temporary directory, and talks HTTP to it.
#![allow(dead_code)] // each test crate uses its own part of the harness

pub mod raw;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_raven-server");

/// The PostgreSQL server the suite may use, as a URL to an administrative
/// database (e.g. `postgres://postgres@127.0.0.1:55432/postgres`).
pub const POSTGRES_ENV: &str = "RAVEN_TEST_POSTGRES_URL";

/// Which store a test runs on.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite,
    Postgres(String),
}

impl Db {
    /// PostgreSQL when `RAVEN_TEST_POSTGRES_URL` is set; otherwise `None`, after
    /// a notice, so that the suite still passes on a machine without it.
    pub fn postgres() -> Option<Db> {
        match std::env::var(POSTGRES_ENV) {
            Ok(url) if !url.is_empty() => Some(Db::Postgres(url)),
            _ => {
                // Straight to stderr, past the test harness's capture, once per test binary.
                static NOTICE: std::sync::Once = std::sync::Once::new();
                NOTICE.call_once(|| {
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr(),
                        "notice: PostgreSQL tests skipped: set {POSTGRES_ENV} \
                         (scripts/pg-cluster start prints one)"
                    );
                });
                None
            }
        }
    }
}

/// Runs each test on SQLite and on PostgreSQL: `name::sqlite`, `name::postgres`.
#[macro_export]
macro_rules! on_both_stores {
    ($(async fn $name:ident($db:ident) $body:block)+) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let $db = $crate::common::Db::Sqlite;
                $body
            }

            #[tokio::test]
            async fn postgres() {
                let Some($db) = $crate::common::Db::postgres() else {
                    return;
                };
                $body
            }
        }
    )+};
}

/// Creates an empty database next to `admin_url`'s and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!(
        "raven_test_{}",
        raven_console::model::base62(12).to_lowercase()
    );
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {admin_url}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let mut url = url::Url::parse(admin_url).expect("postgres URL");
    url.set_path(&name);
    url.to_string()
}

pub struct TestServer {
    pub base: String,
    /// Every line the server wrote to stderr (its log).
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    pub database: String,
    /// Flags given to `serve` besides --listen and --database.
    serve_args: Vec<String>,
    child: Child,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// A server with an empty database of the given kind.
    pub async fn start(db: Db) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = match db {
            Db::Sqlite => format!("sqlite://{}", dir.path().join("raven.db").display()),
            Db::Postgres(admin_url) => fresh_postgres_database(&admin_url).await,
        };
        Self::on(dir, database, Vec::new())
    }

    /// A server with an empty SQLite database and these `serve` flags.
    pub fn start_with(serve_args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = format!("sqlite://{}", dir.path().join("raven.db").display());
        Self::on(
            dir,
            database,
            serve_args.iter().map(|a| a.to_string()).collect(),
        )
    }

    /// `host:port`, for raw sockets.
    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// A new server process on the same database (after this one stopped).
    pub fn restart(mut self) -> Self {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().expect("temp dir"));
        let args = std::mem::take(&mut self.serve_args);
        Self::on(dir, self.database.clone(), args)
    }

    /// A second server process on the same database, as a replica behind a load balancer.
    pub fn replica(&self) -> Self {
        Self::on(
            tempfile::tempdir().expect("temp dir"),
            self.database.clone(),
            self.serve_args.clone(),
        )
    }

    /// A server on a database URL that exists already.
    pub fn on_database(database: &str) -> Self {
        Self::on(
            tempfile::tempdir().expect("temp dir"),
            database.to_string(),
            Vec::new(),
        )
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().expect("wait")
    }

    fn on(dir: tempfile::TempDir, database: String, serve_args: Vec<String>) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &database])
            .args(&serve_args)
            .env("RAVEN_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start raven-server");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log_writer = log.clone();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut log) = log_writer.lock() {
                    log.push(line.clone());
                }
                if !sent && let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on ".len()..];
                    let url = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let _ = tx.send(url);
                    sent = true;
                }
                // Keep draining so the server never blocks on a full pipe.
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("raven-server did not report its address");
        TestServer {
            base,
            log,
            database,
            serve_args,
            child,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// Runs `raven-server ARGS --database <this server's>` and returns stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(BIN)
            .args(args)
            .args(["--database", &self.database])
            .output()
            .expect("run raven-server");
        assert!(
            out.status.success(),
            "raven-server {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_string()
    }

    /// Creates a tenant and returns its id.
    pub fn tenant(&self, name: &str, slug: &str) -> String {
        self.cli(&["tenant", "create", "--name", name, "--slug", slug])
    }

    /// Creates a key for a tenant (id or slug) with the given scopes.
    pub fn key(&self, tenant: &str, scopes: &str) -> String {
        self.cli(&["key", "create", "--tenant", tenant, "--scopes", scopes])
    }

    pub fn bound_key(&self, tenant: &str, scopes: &str, user: &str) -> String {
        self.cli(&[
            "key", "create", "--tenant", tenant, "--scopes", scopes, "--user", user,
        ])
    }

    pub fn seed(&self, tenant: &str, count: u64) {
        self.cli(&["seed", "--tenant", tenant, "--count", &count.to_string()]);
    }

    pub fn req(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(key)
    }

    pub async fn get(&self, path: &str, key: &str) -> (StatusCode, Value) {
        send(self.req(Method::GET, path, key)).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        send(self.req(Method::POST, path, key).json(&body)).await
    }

    pub async fn patch(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        send(self.req(Method::PATCH, path, key).json(&body)).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends and returns the status and the JSON body (`Null` when there is none).
pub async fn send(req: RequestBuilder) -> (StatusCode, Value) {
    let (status, _, body) = send_full(req).await;
    (status, body)
}

pub async fn send_full(req: RequestBuilder) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let resp: Response = req.send().await.expect("request");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, headers, body)
}

/// The sorted keys of a JSON object, to compare response shapes with the specs.
pub fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

pub fn sorted(mut k: Vec<&str>) -> Vec<&str> {
    k.sort_unstable();
    k
}

/// Asserts an error response: status, stable code, and a message.
pub fn assert_error(got: &(StatusCode, Value), status: u16, code: &str) {
    assert_eq!(got.0.as_u16(), status, "body: {}", got.1);
    assert_eq!(got.1["error"]["code"], code, "body: {}", got.1);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "no message: {}",
        got.1
    );
}
