//! `DELETE /api/v1/users/{user_id}`: raven-server's extension of the Raven
//! dialect (204 when done). A server without it answers 405 (or a 404 that is
//! not about the user), which [`ClientError::lacks_delete`] recognises.

use reqwest::{Method, header};

use super::{Client, ClientError, encode_segment};
use crate::api::RAVEN_BASE;

impl Client {
    /// Deletes one user through the Raven dialect; with `if_match`, only that version.
    pub async fn delete_raven(&self, id: &str, if_match: Option<&str>) -> Result<(), ClientError> {
        if self.read_only {
            return Err(ClientError::ReadOnly);
        }
        let url = self.url(&format!("{RAVEN_BASE}/{}", encode_segment(id)))?;
        let mut req = self.request(Method::DELETE, url);
        if let Some(tag) = if_match {
            req = req.header(header::IF_MATCH, tag);
        }
        self.send(req).await.map(drop)
    }
}

impl ClientError {
    /// The server has no delete on that path: a 405, or a 404 that names no
    /// error code of its own (a router's, not the API's "no such user").
    pub fn lacks_delete(&self) -> bool {
        match self {
            ClientError::Api { status: 405, .. } => true,
            ClientError::Api {
                status: 404, code, ..
            } => code.is_empty(),
            _ => false,
        }
    }
}
