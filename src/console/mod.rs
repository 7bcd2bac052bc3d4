//! The terminal console: set-up, and the one loop that owns the state.
//!
//! Keys, worker answers, timers and signals arrive on channels; the loop turns
//! each into an [`app::Action`], applies it with [`app::update`], carries out
//! the effects, and redraws. Only `update` changes the state.

pub mod app;
pub mod bulk;
pub mod commands;
pub mod config;
pub mod edit;
pub mod editor;
pub mod embedded;
pub mod keymap;
pub mod osc52;
pub mod ring;
pub mod ui;
pub mod view;
pub mod visible;
pub mod words;
pub mod worker;

use anyhow::Context;
use futures::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use app::{Action, Effect, State};
use config::{ApiChoice, Args, Target, UsageError};
use ui::Theme;

use crate::api::client::Client;

/// Runs the console until the admin quits; the terminal is restored on every way out.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match &args.command {
        Some(config::Command::Completions { shell }) => {
            crate::shell::completions(<Args as clap::CommandFactory>::command(), *shell);
            return Ok(());
        }
        Some(config::Command::Man { dir }) => {
            let pages = crate::shell::man_pages(<Args as clap::CommandFactory>::command(), dir)?;
            for page in pages {
                println!("{}", page.display());
            }
            return Ok(());
        }
        None => {}
    }
    let resolved = config::resolve(&args).map_err(|e| UsageError(format!("{e:#}")))?;
    let palette = match &resolved.theme {
        Some(name) => ui::theme::Palette::load(name, &crate::paths::config_dir())
            .map_err(|e| UsageError(e.to_string()))?,
        None => Theme::default().palette,
    };
    let mut embedded = None;
    let (url, token, hint) = match resolved.target {
        Target::Embedded => {
            let e = embedded::start().await?;
            let hint = format!(
                "the console's key file {} (delete it to make a new one)",
                e.key_file.display()
            );
            let parts = (e.url.clone(), Some(e.token.clone()), hint);
            embedded = Some(e);
            parts
        }
        Target::Remote {
            url,
            token,
            token_hint,
        } => (url, token, token_hint),
    };
    let client = Client::new(&url, token)
        .map_err(|e| UsageError(e.to_string()))?
        .read_only(resolved.read_only);
    if !in_a_terminal() {
        if let Some(e) = embedded {
            e.stop().await;
        }
        return Err(UsageError(
            "raven-console draws in a terminal, and its input or output is not one; \
             run it in a terminal (completions and man work anywhere)"
                .into(),
        )
        .into());
    }
    // Installs a panic hook that restores the terminal before the message prints.
    let mut terminal = ratatui::try_init().context("setting up the terminal")?;
    let result = event_loop(&mut terminal, client, &hint, resolved.api, palette).await;
    ratatui::restore();
    if let Some(e) = embedded {
        e.stop().await;
    }
    result
}

fn in_a_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    client: Client,
    token_hint: &str,
    api: ApiChoice,
    palette: &'static ui::theme::Palette,
) -> anyhow::Result<()> {
    let theme = Theme::from_env(palette);
    let size = terminal.size()?;
    let mut state = State::new(client.base_url(), token_hint, api, size.height);
    state.width = size.width;
    state.server.read_only = client.is_read_only();
    let (tx, mut rx) = unbounded_channel::<Action>();
    let worker = worker::spawn(client, tx.clone());
    let mut events = EventStream::new();
    let mut signals = Signals::new()?;
    let mut tick = tokio::time::interval(app::TICK);

    let effects = state.start();
    perform(effects, &worker, &tx);
    loop {
        terminal.draw(|f| ui::draw(f, &state, theme))?;
        let action = tokio::select! {
            biased;
            _ = signals.recv() => Action::Quit,
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => Action::Key(k),
                Some(Ok(Event::Resize(width, height))) => Action::Resize { width, height },
                Some(Ok(_)) => continue,
                // The terminal is gone: nothing more can be shown or typed.
                Some(Err(_)) | None => Action::Quit,
            },
            Some(a) = rx.recv() => a,
            _ = tick.tick(), if state.busy() || state.counting() => Action::Tick,
        };
        #[cfg(debug_assertions)]
        test_panic(&action);
        let effects = app::update(&mut state, action);
        let (editors, effects): (Vec<Effect>, Vec<Effect>) = effects
            .into_iter()
            .partition(|e| matches!(e, Effect::Editor { .. }));
        perform(effects, &worker, &tx);
        for e in editors {
            if let Effect::Editor { field, text } = e {
                // The editor owns the terminal until it exits: stop reading keys
                // (dropping the stream ends crossterm's reader thread), hand the
                // screen back, and wait off the async runtime. The worker and
                // timers go on; their answers queue until we are back.
                drop(events);
                ratatui::restore();
                let result = tokio::task::spawn_blocking(move || editor::edit(field, &text))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                resume(terminal)?;
                events = EventStream::new();
                let _ = tx.send(Action::Edited { field, result });
            }
        }
        if state.quit {
            return Ok(());
        }
    }
}

/// Debug builds only: with `RAVEN_CONSOLE_TEST_PANIC` set, F12 panics, so an
/// end-to-end test can check that a panic hands the terminal back. Release
/// builds have no such door.
#[cfg(debug_assertions)]
fn test_panic(action: &Action) {
    use ratatui::crossterm::event::KeyCode;
    if let Action::Key(k) = action
        && k.code == KeyCode::F(12)
        && std::env::var_os("RAVEN_CONSOLE_TEST_PANIC").is_some()
    {
        panic!("RAVEN_CONSOLE_TEST_PANIC: F12 pressed");
    }
}

/// Takes the terminal back after the editor: raw mode, the alternate screen, and
/// a full redraw (the editor left its own picture there). Not `ratatui::init`,
/// which would stack another panic hook each time, and not `Terminal::clear`,
/// which asks the terminal where its cursor is and waits for an answer that
/// some terminals never send.
fn resume(terminal: &mut DefaultTerminal) -> anyhow::Result<()> {
    use ratatui::crossterm::{execute, terminal as term};
    term::enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        term::EnterAlternateScreen,
        term::Clear(term::ClearType::All)
    )?;
    // A blank frame makes ratatui's idea of the screen match the cleared one,
    // so the next draw paints every cell.
    terminal.draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))?;
    Ok(())
}

fn perform(effects: Vec<Effect>, worker: &UnboundedSender<Effect>, tx: &UnboundedSender<Action>) {
    for effect in effects {
        match effect {
            Effect::Copy { text } => {
                // Between frames, on the terminal itself: the clipboard is the terminal's.
                use std::io::Write;
                let seq = osc52::sequence(&text, std::env::var_os("TMUX").is_some());
                let mut out = std::io::stdout();
                let _ = out.write_all(seq.as_bytes()).and_then(|()| out.flush());
            }
            Effect::After { delay, action } => {
                let tx = tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(*action);
                });
            }
            network => {
                let _ = worker.send(network);
            }
        }
    }
}

/// SIGTERM, SIGHUP and an outside SIGINT end the loop like `q`, so the terminal
/// is restored. (Ctrl-C typed at the console is a key in raw mode.)
struct Signals {
    #[cfg(unix)]
    all: Vec<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let all = [
                SignalKind::terminate(),
                SignalKind::hangup(),
                SignalKind::interrupt(),
            ]
            .into_iter()
            .map(signal)
            .collect::<std::io::Result<Vec<_>>>()?;
            Ok(Signals { all })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let waits = self.all.iter_mut().map(|s| Box::pin(s.recv()));
            futures::future::select_all(waits).await;
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
