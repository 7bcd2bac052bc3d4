//! One delete against the server, in the dialect it speaks: SCIM's
//! `DELETE /Users/{id}`, else raven-server's `DELETE /api/v1/users/{id}`.

use crate::api::client::{Client, ClientError};
use crate::console::view::Dialects;

/// Deletes `user_id`; `if_match` is sent where the server uses versions.
pub async fn delete(
    client: &Client,
    dialects: Dialects,
    user_id: &str,
    if_match: Option<&str>,
) -> Result<(), ClientError> {
    match dialects.scim {
        Some(site) => {
            let if_match = if_match.filter(|_| site.etag);
            match client.scim_delete(&site, user_id, if_match).await {
                // On /Users/{id} a 404 can only be about the user: it is gone.
                Err(ClientError::Api {
                    status: 404,
                    message,
                    ..
                }) => Err(ClientError::NotFound {
                    code: "not_found".into(),
                    message,
                }),
                other => other,
            }
        }
        None => client.delete_raven(user_id, if_match).await,
    }
}
