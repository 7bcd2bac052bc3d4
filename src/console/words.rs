//! Client errors in words an admin can act on.

use crate::api::client::ClientError;

/// What went wrong and what to do about it. `token_hint` says where the key
/// came from, so a refused key names the thing to fix. Always a whole
/// sentence: callers go on with "Your draft is kept." and the like.
pub fn explain(err: &ClientError, token_hint: &str) -> String {
    sentence(words(err, token_hint))
}

/// A server's message ends however its vendor wrote it, mostly without a stop.
fn sentence(mut text: String) -> String {
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

fn words(err: &ClientError, token_hint: &str) -> String {
    match err {
        ClientError::Unreachable { url, reason } => {
            format!("Cannot reach {url}: {reason}.")
        }
        ClientError::Timeout { url } => format!("The server at {url} did not answer in time."),
        ClientError::Unauthorized { .. } => {
            format!("The server refused the key (401). Check {token_hint}.")
        }
        ClientError::Forbidden { code, message } => match code.as_str() {
            "insufficient_scope" => format!(
                "The key lacks a scope for this ({message}). Use a key with users:read (and users:write to edit)."
            ),
            "user_inactive" => {
                format!("The user this key is bound to is inactive ({message}); use another key.")
            }
            _ => format!("Not allowed: {message}"),
        },
        ClientError::NotFound { message, .. } => {
            format!("Not found: {message} (it may have been deleted, or belong to another tenant).")
        }
        ClientError::Api {
            status: 429,
            message,
            ..
        } => format!(
            "The server is limiting this key's requests (429: {message}). Wait a moment, then refresh."
        ),
        ClientError::Api {
            status, message, ..
        } if *status >= 500 => format!("The server failed ({status}): {message}"),
        ClientError::Api {
            status,
            code,
            message,
            ..
        } => {
            if code.is_empty() {
                format!("The server answered {status}: {message}")
            } else {
                format!("The server answered {status} {code}: {message}")
            }
        }
        ClientError::Decode { url, reason } => format!(
            "{url} answered with something that is not the Users API ({reason}). Is the URL right, and --api?"
        ),
        ClientError::NoDialect { url, dialect, path } => format!(
            "{url} does not speak the {dialect} ({path} answered 404). Try --api auto, which uses what the server speaks."
        ),
        ClientError::PlainHttp { url, .. } => {
            let plain = url.replacen("https://", "http://", 1);
            format!("{url} does not answer in TLS: is it {plain}?")
        }
        ClientError::ReadOnly => {
            "The console is read-only (--read-only or the profile's read_only): nothing was sent."
                .to_string()
        }
        ClientError::NoApi { url } => {
            format!("{url} speaks neither the Raven nor the EAI Users API. Is the URL right?")
        }
        ClientError::BadUrl(why) => format!("The server URL is not usable: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_says_to_wait() {
        let e = ClientError::Api {
            status: 429,
            code: "rate_limited".into(),
            message: "this API key is over its rate limit; try again in 2 s".into(),
            field: None,
            user_id: None,
        };
        let said = explain(&e, "");
        assert!(
            said.starts_with("The server is limiting this key's requests"),
            "{said}"
        );
        assert!(said.contains("try again in 2 s"), "{said}");
    }

    #[test]
    fn a_refused_key_names_what_to_fix() {
        let e = ClientError::Unauthorized {
            message: "unknown key".into(),
        };
        let text = explain(&e, "the key in $RAVEN_TOKEN");
        assert!(
            text.contains("401") && text.contains("$RAVEN_TOKEN"),
            "{text}"
        );
    }

    #[test]
    fn a_wrong_dialect_suggests_auto() {
        let e = ClientError::NoDialect {
            url: "http://h".into(),
            dialect: "EAI Users REST API v3",
            path: "/api/eai/v3/users",
        };
        let text = explain(&e, "");
        assert!(
            text.contains("does not speak the EAI") && text.contains("--api auto"),
            "{text}"
        );
    }

    #[test]
    fn tls_to_plain_http_asks_about_the_scheme() {
        let e = ClientError::PlainHttp {
            url: "https://h:3000".into(),
            reason: "InvalidContentType".into(),
        };
        assert!(explain(&e, "").contains("is it http://h:3000?"));
    }

    #[test]
    fn a_vendor_message_without_a_stop_still_ends_the_sentence() {
        let e = ClientError::Forbidden {
            code: String::new(),
            message: "Missing permission: users.manage".into(),
        };
        assert_eq!(
            explain(&e, ""),
            "Not allowed: Missing permission: users.manage."
        );
        let e = ClientError::Forbidden {
            code: String::new(),
            message: "Read-only key.".into(),
        };
        assert_eq!(explain(&e, ""), "Not allowed: Read-only key.");
    }

    #[test]
    fn a_missing_scope_names_the_scope() {
        let e = ClientError::Forbidden {
            code: "insufficient_scope".into(),
            message: "needs users:read".into(),
        };
        assert!(explain(&e, "").contains("users:read"));
    }
}
