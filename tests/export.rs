//! `raven-console export` against the real raven-server (a seeded tenant):
//! the CSV's header and one line per user, JSON and NDJSON that parse, the
//! sort and the filters honoured, and users created during an export (each
//! user at most once, none twice); and against stand-in servers written from
//! the specs: a page cap and no total, a server that ignores `sort` and one
//! that refuses it.

mod common;
mod standin;

use std::collections::HashSet;
use std::process::Command;

use common::{Db, TestServer};
use raven_console::api::client::Client;
use raven_console::api::raven::CreateUser;
use raven_console::console::export::{self, Format, Request, Sink};
use raven_console::console::view::{BothViews, Dialects};
use raven_console::store::{Sort, SortKey};
use serde_json::Value;
use standin::{Dialect, KEY, Standin, Switches};

const CONSOLE: &str = env!("CARGO_BIN_EXE_raven-console");
const USERS: u64 = 250;

/// A server with a seeded tenant of `USERS` users, and a read-write key.
async fn seeded() -> (TestServer, String) {
    let s = TestServer::start(Db::Sqlite).await;
    s.tenant("Acme", "acme");
    let key = s.key("acme", "users:read,users:write");
    s.seed("acme", USERS);
    (s, key)
}

/// `raven-console export ARGS` against `url`: (success, stdout, stderr).
fn run(url: &str, key: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(CONSOLE)
        .arg("export")
        .args(["--url", url, "--token", key])
        .args(args)
        // Nothing of the machine's own config.
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env_remove("RAVEN_PROFILE")
        .output()
        .expect("run raven-console");
    (
        out.status.success(),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn unique(ids: &[String]) -> bool {
    ids.iter().collect::<HashSet<_>>().len() == ids.len()
}

/// Every id of the tenant, from the API's own pages (no export involved).
async fn all_ids(s: &TestServer, key: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut offset = 0;
    loop {
        let (_, v) = s
            .get(&format!("/api/v1/users?limit=100&offset={offset}"), key)
            .await;
        let page = v["users"].as_array().unwrap();
        if page.is_empty() {
            return ids;
        }
        offset += page.len();
        ids.extend(
            page.iter()
                .map(|u| u["user_id"].as_str().unwrap().to_string()),
        );
    }
}

#[tokio::test]
async fn csv_has_the_header_and_one_line_per_user() {
    let (s, key) = seeded().await;
    let (ok, out, err) = run(&s.base, &key, &["--format", "csv"]);
    assert!(ok, "{err}");
    let (header, rows) = csv_rows(&out);
    assert_eq!(
        header,
        [
            "id",
            "name",
            "email",
            "external_ref",
            "role",
            "status",
            "last_login_at",
            "created_at"
        ]
    );
    assert_eq!(rows.len() as u64, USERS);
    let ids: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    assert!(unique(&ids));
    assert_eq!(
        ids.into_iter().collect::<HashSet<_>>(),
        all_ids(&s, &key).await
    );
    // Both dialects joined: every row has its email (EAI) and creation time (Raven).
    assert!(rows.iter().all(|r| r[2].contains('@') && !r[7].is_empty()));
    // The server's order by default: newest first.
    let created: Vec<&String> = rows.iter().map(|r| &r[7]).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn json_and_ndjson_parse_and_a_file_is_written_whole() {
    let (s, key) = seeded().await;
    let (ok, out, err) = run(&s.base, &key, &["--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len() as u64, USERS);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.ndjson");
    let (ok, out, err) = run(
        &s.base,
        &key,
        &["--format", "ndjson", "--output", file.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    assert_eq!(out, "", "the rows went to the file");
    let lines = ndjson(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(lines.len() as u64, USERS);
    assert!(
        lines
            .iter()
            .all(|l| l["id"].as_str().unwrap().starts_with("usr_"))
    );
    // Only the file: no temporary file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn the_sort_and_the_filters_are_honoured() {
    let (s, key) = seeded().await;
    let (ok, out, err) = run(
        &s.base,
        &key,
        &["--sort", "-display_name", "--format", "ndjson"],
    );
    assert!(ok, "{err}");
    let names: Vec<Option<String>> = ndjson(&out)
        .iter()
        .map(|l| l["name"].as_str().map(raven_console::model::fold))
        .collect();
    assert_eq!(names.len() as u64, USERS);
    let present: Vec<&String> = names.iter().flatten().collect();
    assert!(present.windows(2).all(|w| w[0] >= w[1]), "names descending");
    let first_missing = names
        .iter()
        .position(Option::is_none)
        .unwrap_or(names.len());
    assert!(
        names[first_missing..].iter().all(Option::is_none),
        "no name last"
    );

    // A field only EAI sorts by: the rows still carry Raven's columns.
    let (ok, out, err) = run(&s.base, &key, &["--sort", "email", "--format", "ndjson"]);
    assert!(ok, "{err}");
    let rows = ndjson(&out);
    let emails: Vec<&str> = rows.iter().map(|l| l["email"].as_str().unwrap()).collect();
    assert!(
        emails
            .windows(2)
            .all(|w| w[0].to_lowercase() <= w[1].to_lowercase())
    );
    assert!(rows.iter().all(|l| l["created_at"].is_string()));

    let (_, v) = s
        .get(
            "/api/eai/v3/users?status=inactive&role=member&limit=1",
            &key,
        )
        .await;
    let expected = v["total"].as_u64().unwrap();
    assert!(expected > 0, "the seed has inactive members");
    let (ok, out, err) = run(
        &s.base,
        &key,
        &[
            "--status", "inactive", "--role", "member", "--format", "csv",
        ],
    );
    assert!(ok, "{err}");
    let (_, rows) = csv_rows(&out);
    assert_eq!(rows.len() as u64, expected);
    assert!(rows.iter().all(|r| r[4] == "member" && r[5] == "inactive"));

    let (ok, out, err) = run(
        &s.base,
        &key,
        &["--search", "zzzz-nobody", "--format", "json"],
    );
    assert!(ok, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        Value::Array(vec![])
    );
}

#[tokio::test]
async fn a_failure_is_one_clear_line_and_not_zero() {
    let (s, _) = seeded().await;
    let (ok, out, err) = run(&s.base, "rk_live_wrong", &[]);
    assert!(!ok);
    assert_eq!(out, "");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("key"), "{err}");
    let (ok, _, err) = run(&s.base, "x", &["--sort", "shoe_size"]);
    assert!(!ok);
    assert!(err.contains("--sort shoe_size"), "{err}");
}

/// Exports in-process, creating `per_page` users (through the API) after
/// each page: the ids written, and the ids created.
async fn export_while_creating(
    url: &str,
    key: &str,
    sort: Option<Sort>,
    per_page: usize,
) -> (Vec<String>, Vec<String>) {
    let client = Client::new(url, Some(key.to_string())).unwrap();
    let dialects = client
        .connect(raven_console::console::config::ApiChoice::Auto)
        .await
        .unwrap()
        .dialects;
    let mut sink = Sink::new(Format::Ndjson, dialects, Vec::new()).unwrap();
    let writer = client.clone();
    let created = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let made = created.clone();
    let mut progress = move |_| {
        // Between two pages, on this thread: the next page sees them.
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                for _ in 0..per_page {
                    let n = made.lock().unwrap().len();
                    let user = CreateUser {
                        display_name: Some(format!("Created meanwhile {n}")),
                        ..CreateUser::default()
                    };
                    let (u, _) = writer.create(&user).await.unwrap();
                    made.lock().unwrap().push(u.user_id);
                }
            })
        })
    };
    let req = Request {
        sort,
        ..Request::default()
    };
    export::run(&client, dialects, &req, &mut sink, &mut progress)
        .await
        .unwrap();
    let text = String::from_utf8(sink.finish().unwrap()).unwrap();
    let ids = ndjson(&text)
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    let created = created.lock().unwrap().clone();
    (ids, created)
}

fn check_once(ids: &[String], before: &HashSet<String>, created: &[String]) {
    assert!(unique(ids), "no user twice");
    let got: HashSet<&String> = ids.iter().collect();
    assert!(
        before.iter().all(|id| got.contains(id)),
        "every user that was there"
    );
    assert!(
        ids.iter()
            .all(|id| before.contains(id) || created.contains(id)),
        "nothing else"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_created_during_an_export_appear_at_most_once() {
    let (s, key) = seeded().await;
    let before = all_ids(&s, &key).await;
    // The default order (newest first), where every page shifts by what
    // was created, and oldest first, where new users join the end: both
    // write each user once.
    for sort in [
        None,
        Some(Sort {
            key: SortKey::CreatedAt,
            descending: false,
        }),
    ] {
        let before = if sort.is_none() {
            before.clone()
        } else {
            all_ids(&s, &key).await
        };
        let (ids, created) = export_while_creating(&s.base, &key, sort, 7).await;
        assert!(!created.is_empty());
        check_once(&ids, &before, &created);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_sort_still_gives_each_user_once() {
    // Newest first, every page shifted by the users created meanwhile.
    let sw = Standin::start(Dialect::Raven, Switches::default(), 230);
    let before: HashSet<String> = (1..=230).map(|i| format!("user_{i:03}")).collect();
    let (ids, created) = export_while_creating(&sw.url, KEY, None, 5).await;
    check_once(&ids, &before, &created);
}

#[test]
fn a_capped_server_without_a_total_is_exported_whole() {
    let sw = Standin::start(
        Dialect::Eai,
        Switches {
            page_cap: Some(10),
            no_total: true,
            ..Switches::default()
        },
        45,
    );
    let (ok, out, err) = run(&sw.url, KEY, &["--format", "csv"]);
    assert!(ok, "{err}");
    let (header, rows) = csv_rows(&out);
    // EAI only: no external_ref, no created_at.
    assert_eq!(
        header,
        ["id", "name", "email", "role", "status", "last_login_at"]
    );
    let ids: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids.len(), 45);
    assert!(unique(&ids));
}

#[test]
fn a_server_that_refuses_sort_exports_in_its_order_unless_a_sort_was_asked() {
    let sw = Standin::start(
        Dialect::Raven,
        Switches {
            refuse_sort: true,
            ..Switches::default()
        },
        30,
    );
    let (ok, out, err) = run(&sw.url, KEY, &["--format", "ndjson"]);
    assert!(ok, "{err}");
    assert_eq!(ndjson(&out).len(), 30);
    let (ok, out, err) = run(&sw.url, KEY, &["--sort", "display_name"]);
    assert!(!ok);
    assert_eq!(out, "");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("does not sort by name"), "{err}");
}

#[test]
fn dialects_are_named_in_the_header() {
    assert_eq!(
        export::format::columns(Dialects::RAVEN)
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>(),
        ["id", "name", "external_ref", "created_at"]
    );
}

/// The app's `:export`, through the worker: a finished export is the file,
/// a cancelled one leaves nothing in the directory.
#[tokio::test]
async fn the_worker_writes_the_file_or_on_cancel_nothing() {
    use raven_console::console::app::{Action, Effect};
    let sw = Standin::start(
        Dialect::Raven,
        Switches {
            page_cap: Some(5),
            ..Switches::default()
        },
        400,
    );
    let client = Client::new(&sw.url, Some(KEY.to_string())).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let worker = raven_console::console::worker::spawn(client, tx);
    let dir = tempfile::tempdir().unwrap();
    let export = |id: u64, name: &str| Effect::Export {
        id,
        dialects: Dialects::RAVEN,
        request: Request::default(),
        format: Format::Csv,
        path: dir.path().join(name),
        token_hint: "the test key".into(),
    };
    worker.send(export(1, "all.csv")).unwrap();
    let mut progressed = false;
    loop {
        match rx.recv().await.unwrap() {
            Action::ExportProgress { id: 1, .. } => progressed = true,
            Action::Exported { id: 1, result } => {
                assert_eq!(result, Ok(400));
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(progressed);
    let text = std::fs::read_to_string(dir.path().join("all.csv")).unwrap();
    assert_eq!(text.lines().count(), 401);

    worker.send(export(2, "cancelled.csv")).unwrap();
    // Some pages in, then Esc.
    loop {
        if let Action::ExportProgress { id: 2, progress } = rx.recv().await.unwrap()
            && progress.done >= 20
        {
            break;
        }
    }
    worker.send(Effect::CancelExport { id: 2 }).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["all.csv"], "no half file, no temporary file");
}
