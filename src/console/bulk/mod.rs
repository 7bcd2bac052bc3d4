//! Bulk changes of many users, without the terminal: the change itself
//! ([`change`]: parsing `:set`/`:unset`, what it does to a user the console
//! knows), the preview ([`preview`]) and the run ([`run`]: a function of the
//! client, the targets and the change that reports through a channel, so it
//! is driven by the console's worker and by `examples/bulk_bench.rs` alike).
//! The pane that shows them is `app/bulk.rs`, drawn by `ui/bulk.rs`.

pub mod change;
pub mod collect;
pub mod preview;
pub mod run;
pub mod tasks;

pub use change::{Change, Field};
pub use collect::{ASK_ABOVE, Collected, MAX_MARKED, collect};
pub use preview::Preview;
pub use run::{AT_ONCE, Outcome, Progress, Seen, Stop, Target};
