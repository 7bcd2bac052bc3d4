//! Editing and creating users, without the rest of the console: this module
//! knows the form and the wire, never the app's `State` (`app/form.rs` applies
//! what it decides to the list and the detail pane).
//!
//! - [`patch`]: loaded vs draft → what each dialect is sent (pure).
//! - [`form`]: the form's fields, validation and conflict arithmetic (pure).
//! - [`save`]: the chained, conditional PATCHes (async, run by the worker).
//! - [`command`]: a key in the form, and the [`command::Outcome`] the app applies.
//! - [`conflict`]: mine against theirs after a 412.
//! - [`check`]: did the save take: the server's answer against what was sent.
//!
//! Nothing typed is ever dropped without the admin saying so: a failed save
//! keeps the form open with the draft, a 412 shows mine against theirs, and
//! Esc on a changed form asks first.

pub mod check;
pub mod command;
pub mod conflict;
pub mod delete;
pub mod form;
pub mod patch;
pub mod save;
pub mod scim;

pub use form::Form;
