//! raven-console: a terminal console for the users of a multi-tenant service,
//! and `raven-server`, the Users API it talks to.
//!
//! The map of the modules is `docs/ARCHITECTURE.md`.

pub mod admin;
pub mod api;
pub mod console;
pub mod keys;
pub mod model;
pub mod paths;
pub mod seed;
pub mod server;
pub mod store;
