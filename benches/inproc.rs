//! In-process figures for scripts/bench (criterion): drawing one 160x45 frame of
//! the console on ratatui's TestBackend, and making up demo users (the CPU half
//! of `raven-server seed`).
//!
//!     cargo bench --bench inproc

#[path = "../tests/support/console.rs"]
mod support;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use raven_console::console::app::State;
use raven_console::console::ui::{self, Theme};
use raven_console::console::view::{ListPage, ListRow};
use raven_console::model::{Role, Status, Timestamp};

const FIRST: [&str; 8] = [
    "Jane", "Ravi", "Mei", "Lukas", "Amara", "Diego", "Sofia", "Kenji",
];
const LAST: [&str; 7] = [
    "Smith", "Patel", "Chen", "Weber", "Okafor", "Silva", "Tanaka",
];

fn row(i: u64) -> ListRow {
    let first = FIRST[i as usize % FIRST.len()];
    let last = LAST[i as usize % LAST.len()];
    ListRow {
        id: format!("usr_{:0>14}", i * 7919),
        name: Some(format!("{first} {last}")),
        email: Some(format!(
            "{}.{}{i}@example.com",
            first.to_lowercase(),
            last.to_lowercase()
        )),
        external_ref: Some(format!("cus_{:010x}", i * 104_729)),
        role: Some(if i % 5 == 0 {
            Role::Admin
        } else {
            Role::Member
        }),
        status: Some(if i % 6 == 5 {
            Status::Inactive
        } else {
            Status::Active
        }),
        last_login_at: Some(format!(
            "2026-03-{:02}T09:{:02}:00.000Z",
            1 + i % 27,
            i % 60
        )),
        created_at: Some(format!("2025-{:02}-15T10:00:00.000Z", 1 + i % 12)),
    }
}

/// A console connected to a server with a million users, on the first page, at `height` rows.
fn listed_state(height: u16) -> State {
    support::Boot {
        url: "http://127.0.0.1:3000",
        height,
        ..support::Boot::default()
    }
    .listed(|s, _| ListPage {
        rows: (0..u64::from(s.limit)).map(row).collect(),
        total: Some(1_000_000),
        limit: None,
    })
}

fn render(c: &mut Criterion) {
    let (w, h) = (160, 45);
    let state = listed_state(h);
    let theme = Theme { color: true };
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    c.bench_function("render_list_160x45", |b| {
        b.iter(|| {
            terminal.draw(|f| ui::draw(f, &state, theme)).expect("draw");
        })
    });
}

fn seed(c: &mut Criterion) {
    const USERS: u64 = 10_000;
    let mut group = c.benchmark_group("seed");
    group.throughput(Throughput::Elements(USERS));
    group.sample_size(20);
    group.bench_function("make_up_10k_users", |b| {
        b.iter_batched(
            rand::rng,
            |mut rng| {
                let now = Timestamp::now().millis();
                (0..USERS)
                    .map(|_| {
                        raven_console::server::users::build(
                            "ten_bench",
                            raven_console::seed::user(&mut rng, now),
                        )
                    })
                    .collect::<Vec<_>>()
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, render, seed);
criterion_main!(benches);
