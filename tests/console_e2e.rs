//! End to end: the real `raven-console` binary in a pseudo-terminal against a
//! real `raven-server` (and against its own embedded server), driven by keys,
//! read back through a vt100 screen.

use std::io::{BufRead, BufReader, Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod standin;

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use raven_console::api::client::{Client, ListQuery};
use raven_console::api::raven::CreateUser;
use raven_console::console::view::{BothViews, Dialects};

const SERVER: &str = env!("CARGO_BIN_EXE_raven-server");
const CONSOLE: &str = env!("CARGO_BIN_EXE_raven-console");
const WAIT: Duration = Duration::from_secs(20);

fn server_cmd(db: &str, args: &[&str]) -> String {
    let out = Command::new(SERVER)
        .args(args)
        .args(["--database", db])
        .output()
        .expect("raven-server runs");
    assert!(
        out.status.success(),
        "raven-server {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A raven-server on a fresh database with tenant `acme`, 45 seeded users and a key.
struct Server {
    child: Child,
    url: String,
    key: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(dir: &Path) -> Server {
    let db = format!("sqlite://{}", dir.join("raven.db").display());
    server_cmd(
        &db,
        &["tenant", "create", "--name", "Acme", "--slug", "acme"],
    );
    let key = server_cmd(
        &db,
        &[
            "key",
            "create",
            "--tenant",
            "acme",
            "--scopes",
            "users:read,users:write",
        ],
    );
    server_cmd(&db, &["seed", "--tenant", "acme", "--count", "45"]);
    let (child, url) = serve(&db, "127.0.0.1:0");
    Server { child, url, key }
}

/// `raven-server serve` on `listen`; returns the process and its URL.
fn serve(db: &str, listen: &str) -> (Child, String) {
    let mut child = Command::new(SERVER)
        .args(["serve", "--listen", listen, "--database", db])
        .env("RAVEN_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("raven-server serve starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines.next().expect("server said where it listens").unwrap();
        if let Some(at) = line.find("listening on http://") {
            let rest = &line[at + "listening on ".len()..];
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

impl Server {
    /// Kills the server: the console now meets a refused connection.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same database and address.
    fn revive(&mut self, dir: &Path) {
        let db = format!("sqlite://{}", dir.join("raven.db").display());
        let addr = self.url.trim_start_matches("http://").to_string();
        let (child, _) = serve(&db, &addr);
        self.child = child;
    }
}

/// The console in an 80×24 pseudo-terminal.
struct Console {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Console {
    /// The console with its data and config directories in `dir/home`.
    fn start_at_home(dir: &Path, args: &[&str]) -> Console {
        let home = dir.join("home");
        let home = home.to_str().unwrap();
        Console::start(
            args,
            &[("RAVEN_DATA_DIR", home), ("RAVEN_CONFIG_DIR", home)],
        )
    }

    fn start(args: &[&str], env: &[(&str, &str)]) -> Console {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(CONSOLE);
        cmd.args(args);
        for var in ["RAVEN_URL", "RAVEN_TOKEN", "RAVEN_PROFILE", "NO_COLOR"] {
            cmd.env_remove(var);
        }
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(24).unwrap(),
            NonZeroU16::new(80).unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (s, r) = (screen.clone(), raw.clone());
        std::thread::spawn(move || {
            // Keeps the master open for as long as the reader runs.
            let _master = pair.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                s.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Console {
            child,
            writer,
            screen,
            raw,
        }
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str) {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if self.text().contains(what) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{what:?} never appeared; the screen:\n{}", self.text());
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Lets a lone Esc arrive alone, so it is not read as the start of a sequence.
        std::thread::sleep(Duration::from_millis(150));
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("the console did not exit; the screen:\n{}", self.text());
    }

    /// The terminal was handed back: alternate screen left, cursor shown.
    fn restored(&self) -> bool {
        let raw = self.raw.lock().unwrap();
        let has = |seq: &[u8]| raw.windows(seq.len()).any(|w| w == seq);
        has(b"\x1b[?1049l") && has(b"\x1b[?25h")
    }
}

#[test]
fn browse_search_open_and_quit_against_raven_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let url = server.url.clone();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = Client::new(&url, Some(server.key.clone())).unwrap();
        let user = CreateUser {
            external_ref: Some("e2e-zebediah".into()),
            display_name: Some("Zebediah Quux".into()),
            metadata: None,
        };
        client.create(&user).await.expect("create a user to find");
    });
    let mut c = Console::start_at_home(dir.path(), &["--url", &url, "--token", &server.key]);
    c.wait_for("page 1 of 3 · 46 users");
    assert!(c.text().contains("raven v1 + eai v3"));
    assert!(c.text().contains("acts as the whole tenant"));

    c.keys("n");
    c.wait_for("page 2 of 3");
    c.keys("p");
    c.wait_for("page 1 of 3");

    c.keys("/zebed");
    c.wait_for("page 1 of 1 · 1 user ");
    c.wait_for("Zebediah Quux");

    c.keys("\r"); // back to the list, filter kept
    c.keys("\r"); // open
    c.wait_for("\"external_ref\": \"e2e-zebediah\"");
    c.wait_for("\"conversation_count\"");

    c.keys("\x1b");
    c.keys("q");
    let status = c.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert!(c.restored(), "the terminal was not restored");
}

#[test]
fn a_wrong_key_says_which_env_var_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let home = dir.path().join("home");
    let home = home.to_str().unwrap();
    let url = server.url.clone();
    let mut c = Console::start(
        &[],
        &[
            ("RAVEN_URL", &url),
            ("RAVEN_TOKEN", "rk_live_00000000000000000000000000000000"),
            ("RAVEN_DATA_DIR", home),
            ("RAVEN_CONFIG_DIR", home),
        ],
    );
    c.wait_for("refused the key (401)");
    c.wait_for("$RAVEN_TOKEN");
    c.keys("\x03"); // Ctrl-C
    assert!(c.wait_exit().success());
    assert!(c.restored());
}

#[cfg(unix)]
#[test]
fn embedded_server_first_run_then_sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let env = [("RAVEN_DATA_DIR", data), ("RAVEN_CONFIG_DIR", data)];
    let mut c = Console::start(&[], &env);
    c.wait_for("300 users");
    c.wait_for("acts as the whole tenant");

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("console.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the key file is private");

    let pid = c.child.process_id().unwrap().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = c.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert!(c.restored(), "SIGTERM left the terminal in raw mode");

    // A second run reuses the tenant and the key: no second batch of demo users.
    let mut c = Console::start(&[], &env);
    c.wait_for("300 users");
    c.keys("q");
    assert!(c.wait_exit().success());
}

#[test]
fn one_dialect_at_a_time_greys_what_it_cannot_filter() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let home = dir.path().join("home");
    let home = home.to_str().unwrap();
    let env = [("RAVEN_DATA_DIR", home), ("RAVEN_CONFIG_DIR", home)];

    let mut c = Console::start(
        &[
            "--url",
            &server.url,
            "--token",
            &server.key,
            "--api",
            "raven",
        ],
        &env,
    );
    c.wait_for("page 1 of 3 · 45 users");
    c.wait_for("greyed: role, status, search: not in the Raven v1 API");
    assert!(c.text().contains("External ref"), "{}", c.text());
    c.keys("q");
    assert!(c.wait_exit().success());

    let mut c = Console::start(
        &["--url", &server.url, "--token", &server.key, "--api", "eai"],
        &env,
    );
    c.wait_for("page 1 of 3 · 45 users");
    c.wait_for("greyed: ref: not in the EAI v3 API");
    c.keys("f\x1b[C"); // the filter bar starts on role; → picks admin
    c.wait_for("role ‹admin›");
    c.keys("\r");
    c.keys("q");
    assert!(c.wait_exit().success());
}

/// Creates the user the edit tests work on; returns its id.
fn create_edna(url: &str, key: &str) -> String {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = Client::new(url, Some(key.to_string())).unwrap();
        let user = CreateUser {
            external_ref: Some("e2e-edna".into()),
            display_name: Some("Edna Editor".into()),
            metadata: serde_json::json!({"plan": "pro"}).as_object().cloned(),
        };
        client.create(&user).await.expect("create Edna").0.user_id
    })
}

/// Finds Edna with the search and opens her edit form.
fn edit_edna(c: &mut Console) {
    c.wait_for("page 1 of 3 · 46 users");
    c.keys("/Edna");
    c.wait_for("page 1 of 1 · 1 user ");
    c.keys("\r");
    c.keys("e");
    c.wait_for("Edit Edna Editor");
    c.wait_for("✓ valid JSON");
}

#[test]
fn edit_name_and_metadata_save_quit_and_find_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    create_edna(&server.url, &server.key);
    let home = dir.path().join("home");
    let home = home.to_str().unwrap();
    // The metadata goes through $VISUAL, as an admin's editor would change it.
    let env = [
        ("RAVEN_DATA_DIR", home),
        ("RAVEN_CONFIG_DIR", home),
        ("VISUAL", "sed -i -e s/pro/enterprise/"),
    ];
    let args = ["--url", &server.url, "--token", &server.key];
    let mut c = Console::start(&args, &env);
    edit_edna(&mut c);

    c.keys(" Jr.");
    for _ in 0..5 {
        c.keys("\t"); // external_ref, email, role, status, metadata
    }
    c.keys("\x05"); // Ctrl-e: the editor runs and hands back
    c.wait_for("\"enterprise\"");
    c.keys("\x13"); // Ctrl-s
    c.wait_for("Save these changes?");
    assert!(
        c.text()
            .contains("name: \"Edna Editor\" → \"Edna Editor Jr.\""),
        "{}",
        c.text()
    );
    assert!(
        c.text().contains("plan \"pro\" → \"enterprise\""),
        "{}",
        c.text()
    );
    c.keys("\r");
    c.wait_for("✓ Saved.");
    c.wait_for("\"name\": \"Edna Editor Jr.\"");
    c.keys("q");
    assert!(c.wait_exit().success());
    assert!(c.restored());

    let mut c = Console::start(&args, &env);
    c.wait_for("page 1 of 3 · 46 users");
    c.keys("/Edna");
    c.wait_for("Edna Editor Jr.");
    c.keys("\r");
    c.keys("\r");
    c.wait_for("\"name\": \"Edna Editor Jr.\"");
    c.keys("\x1b[F"); // End: metadata is at the bottom
    c.wait_for("\"plan\": \"enterprise\"");
    c.keys("q");
    assert!(c.wait_exit().success());
}

#[test]
fn a_second_writer_gets_the_conflict_view_and_the_draft_survives() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let id = create_edna(&server.url, &server.key);
    let home = dir.path().join("home");
    let home = home.to_str().unwrap();
    let env = [("RAVEN_DATA_DIR", home), ("RAVEN_CONFIG_DIR", home)];
    let args = ["--url", &server.url, "--token", &server.key];
    let mut c = Console::start(&args, &env);
    edit_edna(&mut c);
    c.keys(" Jr.");

    // Someone else saves Edna meanwhile.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = Client::new(&server.url, Some(server.key.clone())).unwrap();
    let theirs = raven_console::api::raven::PatchUser {
        metadata: serde_json::json!({"plan": "team"}).as_object().cloned(),
        ..Default::default()
    };
    rt.block_on(client.patch_raven(&id, &theirs, None))
        .expect("the other writer saves");

    c.keys("\x13");
    c.wait_for("Save these changes?");
    c.keys("\r");
    c.wait_for("someone else saved");
    assert!(c.text().contains("\"Edna Editor Jr.\""), "{}", c.text());
    assert!(c.text().contains("plan \"pro\" → \"team\""), "{}", c.text());

    c.keys("\x1b"); // back to the form: the draft is still there
    c.wait_for("Edna Editor Jr.");
    c.wait_for("Ctrl-s save");
    c.keys("\x13");
    c.keys("\r");
    c.wait_for("someone else saved");
    c.keys("r"); // their version, my name on top
    c.wait_for("their version with your changes");
    c.keys("\x13");
    c.wait_for("Save these changes?");
    c.keys("\r");
    c.wait_for("✓ Saved.");

    let d = rt
        .block_on(client.get(raven_console::console::view::Dialects::BOTH, &id))
        .unwrap();
    let r = d.raven.unwrap();
    assert_eq!(r.display_name.as_deref(), Some("Edna Editor Jr."));
    assert_eq!(r.metadata["plan"], "team", "their change was kept");
    c.keys("q");
    assert!(c.wait_exit().success());
}

#[test]
fn the_server_dies_mid_edit_the_draft_survives_and_a_retry_saves_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_server(dir.path());
    let id = create_edna(&server.url, &server.key);
    let home = dir.path().join("home");
    let home = home.to_str().unwrap();
    let env = [("RAVEN_DATA_DIR", home), ("RAVEN_CONFIG_DIR", home)];
    let (url, key) = (server.url.clone(), server.key.clone());
    let mut c = Console::start(&["--url", &url, "--token", &key], &env);
    edit_edna(&mut c);
    c.keys(" Jr.");

    server.kill();
    c.keys("\x13");
    c.wait_for("Save these changes?");
    c.keys("\r");
    c.wait_for("Cannot reach");
    c.wait_for("draft is kept; Ctrl-s tries again");
    assert!(c.text().contains("Edna Editor Jr."), "{}", c.text());
    assert!(
        c.text().contains("Edit Edna Editor"),
        "still in the form:\n{}",
        c.text()
    );

    server.revive(dir.path());
    c.keys("\x13");
    c.wait_for("Save these changes?");
    c.keys("\r");
    c.wait_for("✓ Saved.");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = Client::new(&url, Some(key)).unwrap();
    let d = rt
        .block_on(client.get(raven_console::console::view::Dialects::BOTH, &id))
        .unwrap();
    assert_eq!(
        d.raven.unwrap().display_name.as_deref(),
        Some("Edna Editor Jr.")
    );
    c.keys("q");
    assert!(c.wait_exit().success());
}

/// The console is a debug build here, where `RAVEN_CONSOLE_TEST_PANIC` makes F12 panic.
#[test]
fn a_panic_restores_the_terminal_before_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let home = dir.path().join("home");
    let home = home.to_str().unwrap();
    let env = [
        ("RAVEN_DATA_DIR", home),
        ("RAVEN_CONFIG_DIR", home),
        ("RAVEN_CONSOLE_TEST_PANIC", "1"),
    ];
    let mut c = Console::start(&["--url", &server.url, "--token", &server.key], &env);
    c.wait_for("page 1 of 3");
    c.keys("\x1b[24~"); // F12
    let status = c.wait_exit();
    assert!(!status.success(), "a panic is a failure exit");
    assert!(c.restored(), "the panic left the terminal in raw mode");
    let raw = String::from_utf8_lossy(&c.raw.lock().unwrap()).to_string();
    let left = raw.rfind("\x1b[?1049l").expect("left the alternate screen");
    let message = raw.find("F12 pressed").expect("the panic message is shown");
    assert!(
        left < message,
        "the message printed onto the restored screen"
    );
}

#[test]
fn paging_a_capped_stand_in_server_reaches_its_last_user() {
    // A vendor's Raven server answering at most 10 users a page, whatever is asked.
    let vendor = standin::Standin::start(
        standin::Dialect::Raven,
        standin::Switches {
            page_cap: Some(10),
            ..standin::Switches::default()
        },
        25,
    );
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_str().unwrap();
    let mut c = Console::start(
        &["--url", &vendor.url, "--token", standin::KEY],
        &[("RAVEN_DATA_DIR", home), ("RAVEN_CONFIG_DIR", home)],
    );
    c.wait_for("page 1 of 3 · 25 users");
    c.wait_for("Person 025");
    c.keys("n");
    c.wait_for("page 2 of 3");
    c.wait_for("Person 015");
    c.keys("n");
    c.wait_for("page 3 of 3");
    c.wait_for("Person 001");
    c.keys("n");
    std::thread::sleep(Duration::from_millis(300));
    assert!(c.text().contains("page 3 of 3"), "{}", c.text());
    c.keys("q");
    assert!(c.wait_exit().success());
}

#[test]
fn a_read_only_key_says_so_and_e_and_c_do_not_open_forms() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let db = format!("sqlite://{}", dir.path().join("raven.db").display());
    let key = server_cmd(
        &db,
        &[
            "key",
            "create",
            "--tenant",
            "acme",
            "--scopes",
            "users:read",
        ],
    );
    let mut c = Console::start_at_home(dir.path(), &["--url", &server.url, "--token", &key]);
    c.wait_for("page 1 of 3 · 45 users");
    c.wait_for("· read-only ·");
    c.keys("e");
    c.wait_for("Editing is off: this key is read-only");
    c.keys("\x1b");
    c.keys("c");
    c.wait_for("Editing is off: this key is read-only");
    assert!(!c.text().contains("New user"), "{}", c.text());
    c.keys("q");
    assert!(c.wait_exit().success());
}

#[test]
fn the_read_only_flag_never_opens_a_form_even_with_a_write_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let mut c = Console::start_at_home(
        dir.path(),
        &["--url", &server.url, "--token", &server.key, "--read-only"],
    );
    c.wait_for("· read-only ·");
    c.keys("c");
    c.wait_for("Editing is off: the console is read-only");
    c.keys("q");
    assert!(c.wait_exit().success());
}

#[test]
fn a_key_bound_to_a_member_opens_its_own_record() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let db = format!("sqlite://{}", dir.path().join("raven.db").display());
    let member = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = Client::new(&server.url, Some(server.key.clone())).unwrap();
        let q = ListQuery {
            limit: 1,
            role: Some(raven_console::model::Role::Member),
            status: Some(raven_console::model::Status::Active),
            ..ListQuery::default()
        };
        let page = client.list(Dialects::BOTH, &q).await.expect("a member");
        page.rows.into_iter().next().expect("a member")
    });
    let key = server_cmd(
        &db,
        &[
            "key",
            "create",
            "--tenant",
            "acme",
            "--scopes",
            "users:read,users:write",
            "--user",
            &member.id,
        ],
    );
    let mut c = Console::start_at_home(dir.path(), &["--url", &server.url, "--token", &key]);
    // Not "No data yet": the key's own user, opened.
    c.wait_for(&format!("\"id\": \"{}\"", member.id));
    c.wait_for(&format!(
        "acts as {} (member",
        member.name.as_deref().unwrap_or("")
    ));
    c.wait_for("may see only its own user");
    c.keys("e");
    c.wait_for("locked: needs users.manage (member key)");
    c.keys("\x1b");
    c.keys("\x1b");
    c.wait_for("page 1 of 1 · 1 user");
    c.keys("q");
    assert!(c.wait_exit().success());
}

#[test]
fn the_command_line_goes_to_the_last_page() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let mut c = Console::start_at_home(dir.path(), &["--url", &server.url, "--token", &server.key]);
    c.wait_for("page 1 of 3 · 45 users");
    c.keys(":la\t");
    c.wait_for(":last");
    c.keys("\r");
    c.wait_for("page 3 of 3 · 45 users");
    c.keys(":page 2\r");
    c.wait_for("page 2 of 3");
    c.keys("q");
    let status = c.wait_exit();
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn export_of_the_demo_tenant_has_a_line_per_user_and_the_header() {
    // No --url: the embedded server and its demo tenant, as the console uses.
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let out = std::process::Command::new(CONSOLE)
        .args(["export", "--format", "csv"])
        .env("RAVEN_DATA_DIR", &home)
        .env("RAVEN_CONFIG_DIR", &home)
        .env_remove("RAVEN_URL")
        .env_remove("RAVEN_TOKEN")
        .env_remove("RAVEN_PROFILE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,name,email,external_ref,role,status,last_login_at,created_at"
    );
    let ids: std::collections::HashSet<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        lines.len() as u64,
        raven_console::console::embedded::DEMO_USERS + 1
    );
    assert_eq!(ids.len(), lines.len() - 1, "each user once");
    assert_eq!(
        err, "",
        "no bar and no summary when stderr is not a terminal"
    );
}

#[test]
fn a_double_click_opens_the_user_and_a_header_click_sorts() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let mut c = Console::start_at_home(dir.path(), &["--url", &server.url, "--token", &server.key]);
    c.wait_for("page 1 of 3 · 45 users");
    // SGR mouse reports (1-based): press and release on the third row (screen row 5).
    let click = "\x1b[<0;6;5M\x1b[<0;6;5m";
    c.keys(click);
    c.keys(click);
    c.wait_for("\"id\": \"usr_");
    c.keys("\x1b");
    c.wait_for("page 1 of 3 · 45 users");
    // A click on "Name" in the header (screen row 2).
    c.keys("\x1b[<0;4;2M\x1b[<0;4;2m");
    c.wait_for("Name ▲");
    c.keys("q");
    assert!(c.wait_exit().success());
}

#[test]
fn the_mouse_is_captured_while_running_and_not_with_no_mouse() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let has = |c: &Console, seq: &str| {
        let raw = c.raw.lock().unwrap();
        raw.windows(seq.len()).any(|w| w == seq.as_bytes())
    };
    let mut c = Console::start_at_home(dir.path(), &["--url", &server.url, "--token", &server.key]);
    c.wait_for("page 1 of 3 · 45 users");
    assert!(has(&c, "\x1b[?1000h"), "mouse capture on");
    c.keys("q");
    assert!(c.wait_exit().success());
    assert!(has(&c, "\x1b[?1000l"), "mouse capture off at the end");

    let mut c = Console::start_at_home(
        dir.path(),
        &["--url", &server.url, "--token", &server.key, "--no-mouse"],
    );
    c.wait_for("page 1 of 3 · 45 users");
    assert!(!has(&c, "\x1b[?1000h"), "--no-mouse leaves the mouse alone");
    c.keys("q");
    assert!(c.wait_exit().success());
}

#[test]
fn browse_and_delete_one_user_over_scim_with_the_confirmation() {
    let s = standin::scim::ScimStandin::start(standin::scim::ScimSwitches::default(), 7);
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::start_at_home(
        dir.path(),
        &["--url", &s.url, "--token", standin::KEY, "--api", "scim"],
    );
    // The server caps pages at 5: the console pages by its cap.
    c.wait_for("page 1 of 2 · 7 users");
    c.wait_for("scim 2.0");
    c.keys("n");
    c.wait_for("page 2 of 2");
    c.wait_for("Person 007");
    c.keys("p");
    c.wait_for("page 1 of 2");
    c.keys("j"); // Person 002
    c.keys("D");
    c.wait_for("Delete Person 002 <person002@idp.example>");
    c.wait_for("undone.");
    c.keys("y");
    c.wait_for("Deleted 2819c223-0002.");
    c.wait_for("page 1 of 2 · 6 users");
    assert!(s.user("2819c223-0002").is_none(), "gone from the server");
    assert!(!c.text().contains("Person 002"), "{}", c.text());
    c.keys("q");
    assert!(c.wait_exit().success());
    assert!(c.restored());
}

#[test]
fn mark_three_users_set_them_inactive_and_find_them_inactive_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let url = server.url.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = Client::new(&url, Some(server.key.clone())).unwrap();
    rt.block_on(async {
        for name in ["Bulkee Ada", "Bulkee Bo", "Bulkee Cy"] {
            let user = CreateUser {
                external_ref: None,
                display_name: Some(name.into()),
                metadata: None,
            };
            client.create(&user).await.expect("create a user to mark");
        }
    });
    let mut c = Console::start_at_home(dir.path(), &["--url", &url, "--token", &server.key]);
    c.wait_for("page 1 of 3 · 48 users");
    c.keys("/bulkee");
    c.wait_for("page 1 of 1 · 3 users");
    c.keys("\r"); // back to the list, filter kept
    c.keys(" j j ");
    c.wait_for("3 marked");
    c.keys(":set status inactive\r");
    c.wait_for("3 users: status active → inactive");
    c.keys("\r");
    c.wait_for("3 done.");
    c.keys("\x1b");
    c.keys("q");
    let status = c.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    let q = ListQuery {
        limit: 10,
        search: Some("bulkee".into()),
        ..ListQuery::default()
    };
    let page = rt.block_on(client.list(Dialects::BOTH, &q)).expect("list");
    assert_eq!(page.rows.len(), 3);
    for row in page.rows {
        assert_eq!(
            row.status,
            Some(raven_console::model::Status::Inactive),
            "{row:?}"
        );
    }
}

/// The name of the newest user, as the list shows it first.
fn newest_name(url: &str, key: &str) -> String {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = Client::new(url, Some(key.to_string())).unwrap();
        let q = ListQuery {
            limit: 1,
            ..ListQuery::default()
        };
        let page = client.list_raven(&q).await.expect("list");
        page.users[0].display_name.clone().expect("a seeded name")
    })
}

#[test]
fn edit_a_name_open_its_history_revert_and_see_the_old_name_and_two_events() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    // A seeded user: bulk loads write no event, so its history starts with this edit.
    let name = newest_name(&server.url, &server.key);
    let args = ["--url", &server.url, "--token", &server.key];
    let mut c = Console::start_at_home(dir.path(), &args);
    c.wait_for("page 1 of 3 · 45 users");
    c.keys("\r");
    c.keys("e");
    c.wait_for(&format!("Edit {name}"));
    c.keys(" Jr.");
    c.keys("\x13"); // Ctrl-s
    c.wait_for("Save these changes?");
    c.keys("\r");
    c.wait_for("✓ Saved.");

    c.keys("h");
    c.wait_for("History of");
    c.wait_for("1 event ");
    c.wait_for("display_name");
    c.keys("\r");
    c.wait_for(&format!("- \"{name}\"")); // the old name, removed
    c.wait_for(&format!("+ \"{name} Jr.\""));
    c.keys("u");
    c.wait_for("Save these changes?");
    c.wait_for(&format!("name: \"{name} Jr.\" → \"{name}\""));
    c.keys("\r");
    // Back in the history, reloaded: the revert is an event of its own.
    c.wait_for("2 events");
    c.keys("\x1b"); // Esc: back to the detail, which shows the old name
    c.wait_for(&format!("\"name\": \"{name}\""));
    assert!(!c.text().contains(" Jr."), "{}", c.text());
    c.keys("q");
    assert!(c.wait_exit().success());

    let (events, stored) = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = Client::new(&server.url, Some(server.key.clone())).unwrap();
        let q = ListQuery {
            limit: 1,
            ..ListQuery::default()
        };
        let id = client.list_raven(&q).await.unwrap().users[0]
            .user_id
            .clone();
        let h = client.history(&id, 10, 0).await.unwrap();
        let u = client.get_raven(&id).await.unwrap();
        (h, u.user.display_name)
    });
    assert_eq!(stored.as_deref(), Some(name.as_str()));
    assert_eq!(events.total, 2);
    let names: Vec<_> = events
        .events
        .iter()
        .map(|e| e.changes["display_name"].to.clone())
        .collect();
    assert_eq!(
        names,
        [
            serde_json::json!(name),
            serde_json::json!(format!("{name} Jr."))
        ]
    );
}
