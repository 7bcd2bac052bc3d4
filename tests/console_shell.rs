//! raven-console's shell integration: version, completion scripts, man pages.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_raven-console");

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run raven-console");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn version_names_the_package_version_and_the_commit() {
    let (ok, out) = run(&["--version"]);
    assert!(ok);
    assert!(
        out.trim()
            .starts_with(&format!("raven-console {} (", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
}

#[test]
fn completions_and_man_pages_need_no_terminal_and_know_the_flags() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (ok, out) = run(&["completions", shell]);
        assert!(ok, "{shell}");
        for flag in ["profile", "read-only", "theme"] {
            assert!(out.contains(flag), "{shell} completions lack --{flag}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = run(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert!(ok);
    assert!(out.lines().any(|l| l.ends_with("raven-console.1")), "{out}");
    let page = std::fs::read_to_string(dir.path().join("raven-console.1")).unwrap();
    assert!(page.contains("read\\-only"), "{page}");
}

#[test]
fn without_a_terminal_it_says_so_in_one_line_and_exits_2() {
    let out = Command::new(BIN)
        .args(["--url", "http://127.0.0.1:9", "--token", "rk_live_x"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("run it in a terminal"), "{err}");
}

#[test]
fn export_has_its_help_man_page_and_completions() {
    let (ok, out) = run(&["export", "--help"]);
    assert!(ok);
    for flag in [
        "--role",
        "--status",
        "--search",
        "--external-ref",
        "--sort",
        "--format",
        "--output",
        "--url",
        "--token",
        "--profile",
        "--api",
    ] {
        assert!(out.contains(flag), "export --help lacks {flag}: {out}");
    }
    let (ok, out) = run(&["completions", "bash"]);
    assert!(ok);
    assert!(out.contains("export") && out.contains("--external-ref") && out.contains("ndjson"));
    let (ok, out) = run(&["completions", "zsh"]);
    assert!(ok && out.contains("--no-mouse"));
    let dir = tempfile::tempdir().unwrap();
    let (ok, _) = run(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert!(ok);
    let page = std::fs::read_to_string(dir.path().join("raven-console-export.1")).unwrap();
    assert!(page.contains("ndjson"), "{page}");
}
