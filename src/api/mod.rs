//! The wire: what each dialect sends and accepts, shared by the server (which
//! produces it) and the console's client (which consumes it).

pub mod audit;
pub mod client;
pub mod eai;
pub mod error;
pub mod key;
pub mod raven;
pub mod sort;

pub use error::{ErrorBody, ErrorDetail};

/// Base path of the Raven Users API v1.
pub const RAVEN_BASE: &str = "/api/v1/users";
/// Base path of the EAI Users REST API v3.
pub const EAI_BASE: &str = "/api/eai/v3/users";

/// Lists default to this many users a page.
pub const DEFAULT_LIMIT: u32 = 20;
/// Lists refuse more than this many users a page.
pub const MAX_LIMIT: u32 = 100;

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a
/// value (`Some(Some(v))`): a PATCH tells "leave it" from "clear it" this way.
pub(crate) fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}
