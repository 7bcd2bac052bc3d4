//! `GET /metrics`: the Prometheus text format, one series per route (never
//! per id), on the main address or only on `--metrics-listen`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::BIN;

/// Starts `serve` with `args` and returns the child and the addresses it logs.
fn serve(db: &str, args: &[&str]) -> (std::process::Child, String, Option<String>) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .args(args)
        .env("RAVEN_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut metrics = None;
    let base = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(at) = line.find("metrics on ") {
            metrics = line[at + 11..]
                .split_whitespace()
                .next()
                .map(str::to_string);
        }
        if let Some(at) = line.find("listening on ") {
            break line[at + 13..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    (child, base, metrics)
}

#[tokio::test]
async fn metrics_count_requests_by_route_method_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let (mut child, base, _) = serve(&db, &[]);
    let http = reqwest::Client::new();
    for id in ["usr_a", "usr_b"] {
        let got = http
            .get(format!("{base}/api/v1/users/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 401);
    }
    // Any token is a method to HTTP: a client's own are one series, not one each.
    for method in ["BREW", "WHEN"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let got = http
            .request(method, format!("{base}/api/v1/users"))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 405);
    }
    http.get(format!("{base}/readyz")).send().await.unwrap();
    let page = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = page.text().await.unwrap();
    let _ = child.kill();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("raven_http_requests_total") && l.contains("/api/v1/users/{user_id}")
        })
        .unwrap_or_else(|| panic!("no request series:\n{text}"));
    assert!(
        line.contains("method=\"GET\"") && line.contains("status=\"401\""),
        "{line}"
    );
    assert!(line.trim_end().ends_with(" 2"), "{line}");
    assert!(!text.contains("usr_a"), "an id became a label");
    assert!(!text.contains("BREW"), "a client's method became a label");
    let other = text
        .lines()
        .find(|l| l.starts_with("raven_http_requests_total") && l.contains("method=\"other\""))
        .unwrap_or_else(|| panic!("no series for other methods:\n{text}"));
    assert!(
        other.contains("route=\"/api/v1/users\"") && other.contains("status=\"405\""),
        "{other}"
    );
    assert!(other.trim_end().ends_with(" 2"), "{other}");
    assert!(
        text.contains("raven_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains("raven_store_pool_connections{state=\"idle\"}"),
        "{text}"
    );
}

#[tokio::test]
async fn with_metrics_listen_the_page_is_served_there_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let (mut child, base, metrics) = serve(&db, &["--metrics-listen", "127.0.0.1:0"]);
    let metrics = metrics.expect("no metrics address logged");
    let http = reqwest::Client::new();
    let public = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
    let private = http.get(&metrics).send().await.unwrap();
    let _ = child.kill();
    assert_eq!(private.status(), 200);
}
