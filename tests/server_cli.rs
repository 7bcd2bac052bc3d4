//! The raven-server command line around the API: version, help with examples,
//! completion scripts, man pages.

mod common;

use std::process::Command;

use common::BIN;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run raven-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn version_names_the_package_version_and_the_commit() {
    let (ok, out, _) = run(&["--version"]);
    assert!(ok);
    let line = out.trim();
    assert!(
        line.starts_with(&format!("raven-server {} (", env!("CARGO_PKG_VERSION"))),
        "{line}"
    );
    assert!(line.ends_with(')'), "{line}");
}

#[test]
fn every_subcommand_says_what_it_does_and_gives_an_example() {
    for sub in [
        &["serve"][..],
        &["tenant", "create"],
        &["key", "create"],
        &["key", "list"],
        &["key", "revoke"],
        &["seed"],
        &["backup"],
        &["completions"],
        &["man"],
    ] {
        let mut args = sub.to_vec();
        args.push("--help");
        let (ok, out, _) = run(&args);
        assert!(ok, "{sub:?}");
        assert!(out.contains("Example"), "{sub:?} has no example:\n{out}");
        assert!(
            out.contains(&format!("raven-server {}", sub.join(" "))),
            "{sub:?}:\n{out}"
        );
    }
}

#[test]
fn completion_scripts_for_each_shell_know_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (ok, out, err) = run(&["completions", shell]);
        assert!(ok, "{shell}: {err}");
        for word in ["serve", "backup", "revoke"] {
            assert!(out.contains(word), "{shell} completions lack {word}");
        }
    }
    let (ok, _, err) = run(&["completions", "tcsh"]);
    assert!(!ok);
    assert!(err.contains("bash"), "{err}");
}

#[test]
fn man_pages_cover_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert!(ok, "{err}");
    let written: Vec<&str> = out.lines().collect();
    for page in [
        "raven-server.1",
        "raven-server-key-create.1",
        "raven-server-backup.1",
    ] {
        assert!(
            written.iter().any(|w| w.ends_with(page)),
            "{page} missing: {out}"
        );
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(
            text.starts_with(".ie") || text.contains(".TH"),
            "{page} is no man page"
        );
    }
    let key_create = std::fs::read_to_string(dir.path().join("raven-server-key-create.1")).unwrap();
    assert!(
        key_create.contains("raven\\-server key create"),
        "{key_create}"
    );
}

#[test]
fn log_format_json_writes_one_object_per_request_with_the_text_lines_fields() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    let mut child = Command::new(BIN)
        .args([
            "--log-format",
            "json",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &db,
        ])
        .env("RAVEN_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut objects = Vec::new();
    let mut base = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if let Some(url) = v["message"]
            .as_str()
            .and_then(|m| m.strip_prefix("listening on "))
        {
            base = url.split_whitespace().next().map(str::to_string);
            break;
        }
        objects.push(v);
    }
    let base = base.expect("no listening line");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let got = reqwest::get(format!("{base}/readyz?secret=1"))
            .await
            .unwrap();
        assert_eq!(got.status(), 200);
    });
    let line = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["target"], "raven::http", "{v}");
    assert_eq!(v["method"], "GET");
    assert_eq!(v["path"], "/readyz");
    assert_eq!(v["status"], 200);
    assert!(v["ms"].as_f64().is_some(), "{v}");
    assert!(
        !line.contains("secret"),
        "the query string was logged: {line}"
    );
}
