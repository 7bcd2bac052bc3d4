//! The message line's content: the last error, what it is about (so it goes
//! when its cause does), and a retry's countdown. Drawn by `ui/message.rs`.

use std::time::Duration;

/// The last error, in words. `retry_in` is set while a transient failure is
/// being retried: the screen shows it as a banner over the last data.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub retry_in: Option<Duration>,
    /// What it is about, so it goes when its cause does, and not before.
    pub about: About,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum About {
    /// Reaching the server or listing: gone with the next good answer.
    #[default]
    Server,
    /// Loading the user in the detail pane: gone when it loads.
    Detail,
    /// The form: its draft, or a save of it. Gone when the form closes.
    Form,
    /// A JSON field that does not parse: gone when it does.
    Draft,
    /// Why a key did nothing: gone with the next good answer, like `Server`.
    Note,
}

impl Notice {
    pub fn new(text: String, about: About) -> Notice {
        Notice {
            text,
            retry_in: None,
            about,
        }
    }
}
