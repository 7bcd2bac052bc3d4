//! The `:export` under way, one row over the list: the file, a bar, users
//! written of how many, and the key that cancels it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::console::app::export::Running;
use crate::console::keymap::{self, Command, Context};
use crate::console::visible::{fit, visible};

/// Cells of the bar.
const BAR: usize = 12;

/// `██████░░░░…`: the share done, or a full-width pulse when there is no total.
fn bar(done: u64, total: Option<u64>) -> String {
    let filled = match total {
        Some(t) if t > 0 => ((done.min(t) * BAR as u64) / t) as usize,
        Some(_) => BAR,
        None => 0,
    };
    format!("{}{}", "█".repeat(filled), "░".repeat(BAR - filled))
}

pub fn render(frame: &mut Frame, area: Rect, run: &Running, theme: Theme) {
    let count = match run.progress.total {
        Some(t) => format!("{}/{t} users", run.progress.done),
        None => format!("{} users", run.progress.done),
    };
    let name = visible(&run.path.display().to_string()).into_owned();
    let hint = keymap::hint(Context::Export, Command::CancelExport);
    // The file's name gets what the rest leaves, cut with an ellipsis.
    let fixed = "Exporting ".len() + 1 + BAR + 1 + count.chars().count() + 2 + hint.chars().count();
    let room = usize::from(area.width).saturating_sub(fixed).max(8);
    let spans = vec![
        Span::styled("Exporting ", theme.label()),
        Span::styled(fit(&name, room), theme.plain()),
        Span::raw(" "),
        Span::styled(bar(run.progress.done, run.progress.total), theme.key()),
        Span::raw(" "),
        Span::styled(count, theme.plain()),
        Span::raw("  "),
        Span::styled(hint, theme.dim()),
    ];
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_share_done() {
        assert_eq!(bar(0, Some(10)), "░".repeat(BAR));
        assert_eq!(
            bar(5, Some(10)).chars().filter(|c| *c == '█').count(),
            BAR / 2
        );
        assert_eq!(bar(12, Some(10)), "█".repeat(BAR));
        assert_eq!(bar(7, None), "░".repeat(BAR));
    }
}
