//! Console figures for scripts/bench, timed from outside: the real
//! `raven-console` binary in a 160x45 pseudo-terminal against a running
//! raven-server, its screen read back through a vt100 parser.
//!
//!     cargo run --release --example console_bench -- \
//!         --console target/release/raven-console --url http://127.0.0.1:PORT \
//!         --token rk_live_... --needles needles.txt [--samples 30]
//!
//! Prints one JSON object: the first frame with rows (ms from spawn); for each
//! sample, the time from a needle's last keystroke (its prefix's rows already
//! on screen) until the needle's filtered total is on screen; and the
//! console's RSS (VmHWM, VmRSS from /proc).

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 45;
const COLS: u16 = 160;
const WAIT: Duration = Duration::from_secs(20);

struct Args {
    console: String,
    url: String,
    token: String,
    needles: Vec<String>,
    samples: usize,
}

fn args() -> Args {
    let mut a = std::env::args().skip(1);
    let (mut console, mut url, mut token, mut needles, mut samples) =
        (String::new(), String::new(), String::new(), Vec::new(), 30);
    while let Some(flag) = a.next() {
        let v = a.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--console" => console = v,
            "--url" => url = v,
            "--token" => token = v,
            "--needles" => {
                needles = std::fs::read_to_string(&v)
                    .unwrap_or_else(|e| panic!("{v}: {e}"))
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect()
            }
            "--samples" => samples = v.parse().expect("--samples N"),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(!console.is_empty() && !url.is_empty() && !needles.is_empty());
    Args {
        console,
        url,
        token,
        needles,
        samples,
    }
}

/// The screen's text each time the console wrote something, with when it was read.
struct Screen {
    frames: Receiver<(Instant, String)>,
    last: String,
}

impl Screen {
    /// Waits until the screen satisfies `ok`; returns when it first did.
    fn wait(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> Instant {
        if ok(&self.last) {
            return Instant::now();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.frames.recv_timeout(left) {
                Ok((at, text)) => {
                    let hit = ok(&text);
                    self.last = text;
                    if hit {
                        return at;
                    }
                }
                Err(_) => panic!("{what} never appeared; the screen:\n{}", self.last),
            }
        }
    }

    /// Forgets frames already read.
    fn drain(&mut self) {
        while let Ok((_, text)) = self.frames.try_recv() {
            self.last = text;
        }
    }
}

fn total_shown(total: u64) -> String {
    let noun = if total == 1 { "user" } else { "users" };
    format!("· {total} {noun}")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn stats(mut v: Vec<f64>) -> serde_json::Value {
    v.sort_by(f64::total_cmp);
    serde_json::json!({
        "n": v.len(),
        "p50_ms": percentile(&v, 50.0),
        "p95_ms": percentile(&v, 95.0),
        "max_ms": v.last().copied().unwrap_or(f64::NAN),
    })
}

fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Each needle's total, asked from the server, so the screen can be checked for it.
fn expected_totals(url: &str, token: &str, needles: &[String]) -> Vec<u64> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let mut out = Vec::new();
        for n in needles {
            let body: serde_json::Value = http
                .get(format!("{url}/api/eai/v3/users"))
                .query(&[("limit", "1"), ("search", n.as_str())])
                .bearer_auth(token)
                .send()
                .await
                .expect("search answers")
                .json()
                .await
                .expect("JSON");
            out.push(body["total"].as_u64().expect("total"));
        }
        out
    })
}

fn main() {
    let a = args();
    // A sample is the needle's last keystroke: from its prefix's rows on screen
    // (the whole list, for a needle of one character) to its own. Only needles
    // whose last key changes the total can be timed.
    let prefixes: Vec<String> = a
        .needles
        .iter()
        .map(|n| n.chars().take(n.chars().count() - 1).collect())
        .collect();
    let totals = expected_totals(&a.url, &a.token, &a.needles);
    let prefix_totals = expected_totals(&a.url, &a.token, &prefixes);
    let usable: Vec<usize> = (0..a.needles.len())
        .filter(|&i| totals[i] != prefix_totals[i])
        .collect();
    assert!(
        !usable.is_empty(),
        "no needle whose last key changes the total"
    );
    let unfiltered = expected_totals(&a.url, &a.token, &[String::new()])[0];

    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
    let mut cmd = CommandBuilder::new(&a.console);
    cmd.args(["--url", &a.url, "--token", &a.token]);
    for var in ["RAVEN_URL", "RAVEN_TOKEN", "RAVEN_PROFILE", "NO_COLOR"] {
        cmd.env_remove(var);
    }
    let home = tempfile::tempdir().expect("temp dir");
    cmd.env("RAVEN_CONFIG_DIR", home.path());
    cmd.env("RAVEN_DATA_DIR", home.path());
    cmd.env("TERM", "xterm-256color");

    let started = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).expect("console starts");
    drop(pair.slave);
    let pid = child.process_id().expect("pid");
    let mut reader = pair.master.try_clone_reader().expect("reader");
    let mut writer = pair.master.take_writer().expect("writer");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let _master = pair.master;
        let mut parser = vt100::Parser::new(
            NonZeroU16::new(ROWS).unwrap(),
            NonZeroU16::new(COLS).unwrap(),
            0,
        );
        let mut buf = [0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let at = Instant::now();
            parser.process(&buf[..n]);
            if tx.send((at, parser.screen().contents())).is_err() {
                break;
            }
        }
    });
    let mut screen = Screen {
        frames: rx,
        last: String::new(),
    };
    let mut keys = |s: &str| {
        writer.write_all(s.as_bytes()).expect("keys");
        writer.flush().expect("flush");
    };

    let all = total_shown(unfiltered);
    let first_rows = screen.wait("the first page", |t| {
        t.contains(&all) && t.contains("page 1 of")
    });
    let first_frame_ms = (first_rows - started).as_secs_f64() * 1e3;
    std::thread::sleep(Duration::from_millis(300));

    let mut samples = Vec::new();
    for i in 0..a.samples {
        let k = usable[i % usable.len()];
        let want = total_shown(totals[k]);
        let want_prefix = total_shown(prefix_totals[k]);
        keys("/");
        std::thread::sleep(Duration::from_millis(30));
        keys(&prefixes[k]);
        screen.wait(&format!("{want_prefix} for {:?}", prefixes[k]), |t| {
            t.contains(&want_prefix)
        });
        std::thread::sleep(Duration::from_millis(100));
        screen.drain();
        let last: String = a.needles[k].chars().last().into_iter().collect();
        let pressed = Instant::now();
        keys(&last);
        let at = screen.wait(&format!("{want} for {:?}", a.needles[k]), |t| {
            t.contains(&want)
        });
        samples.push((at.max(pressed) - pressed).as_secs_f64() * 1e3);
        // Esc clears the field and shows the whole list again.
        keys("\x1b");
        screen.wait("the whole list again", |t| t.contains(&all));
        std::thread::sleep(Duration::from_millis(100));
    }
    let hwm = status_kb(pid, "VmHWM:");
    let rss = status_kb(pid, "VmRSS:");
    keys("q");
    let deadline = Instant::now() + WAIT;
    while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();

    let out = serde_json::json!({
        "first_frame_ms": first_frame_ms,
        "keystroke": stats(samples),
        "timed_needles": usable.iter().map(|&i| &a.needles[i]).collect::<Vec<_>>(),
        "console_vmhwm_kb": hwm,
        "console_vmrss_kb": rss,
        "unfiltered_total": unfiltered,
        "needles": a.needles,
        "needle_totals": totals,
        "terminal": format!("{COLS}x{ROWS}"),
    });
    println!("{out}");
}
