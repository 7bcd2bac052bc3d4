//! The console's command line: every mistake in flags, environment or
//! config.toml is one clear line on stderr and exit code 2.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_raven-console");

fn run(config: Option<&str>, args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    if let Some(text) = config {
        std::fs::write(dir.path().join("config.toml"), text).unwrap();
    }
    let out = Command::new(BIN)
        .args(args)
        .env("RAVEN_CONFIG_DIR", dir.path())
        .env("RAVEN_DATA_DIR", dir.path().join("data"))
        .env_remove("RAVEN_URL")
        .env_remove("RAVEN_TOKEN")
        .env_remove("RAVEN_PROFILE")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &["--bogus"][..],
        &["--api", "soap"],
        &["--token", "rk_live_x"],
    ] {
        let (code, err) = run(None, args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(!err.trim().is_empty());
    }
}

#[test]
fn config_mistakes_are_one_line_and_exit_2() {
    let cases = [
        (
            Some("profiles = 5 ["),
            &["--profile", "x"][..],
            "line 1, column",
        ),
        (
            Some("[profiles.a]\nurl = \"http://x\"\n"),
            &["--profile", "nope"],
            "no profile 'nope'",
        ),
        (None, &["--profile", "staging"], "cannot read"),
        (
            Some("[profiles.a]\nurl = 5\n"),
            &["--profile", "a"],
            "line 2",
        ),
        (
            None,
            &["--url", "ht tp://bad", "--token", "rk_live_x"],
            "URL",
        ),
    ];
    for (config, args, says) in cases {
        let (code, err) = run(config, args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert_eq!(
            err.trim().lines().count(),
            1,
            "{args:?}: more than one line:\n{err}"
        );
        assert!(
            err.starts_with("raven-console: ") && err.contains(says),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn help_says_it_edits_and_creates_too() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("create and edit"), "{text}");
}
