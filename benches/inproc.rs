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
use raven_console::console::view::{Dialects, ListPage};
use raven_console::model::Timestamp;

/// A console connected to a server with a million users, on the first page, at `height` rows.
fn listed_state(height: u16) -> State {
    support::Boot {
        url: "http://127.0.0.1:3000",
        height,
        ..support::Boot::default()
    }
    .listed(|s, _| ListPage {
        rows: (0..u64::from(s.limit))
            .map(|i| support::demo_row(i, Dialects::BOTH))
            .collect(),
        total: Some(1_000_000),
        limit: None,
    })
}

fn render(c: &mut Criterion) {
    let (w, h) = (160, 45);
    let state = listed_state(h);
    let theme = Theme::default();
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
                        raven_console::model::build_user(
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
