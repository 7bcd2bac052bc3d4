//! raven-console: a terminal console for the users of a multi-tenant service,
//! and `raven-server`, the Users API it talks to.
//!
//! The map of the modules is `docs/ARCHITECTURE.md`.

/// `--version` of both binaries: the package version and the commit it was built from.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("RAVEN_COMMIT"), ")");

pub mod admin;
pub mod api;
pub mod console;
pub mod import;
pub mod keys;
pub mod model;
pub mod paths;
pub mod seed;
pub mod server;
pub mod shell;
pub mod store;
