//! What other servers send when something fails, read as well as it can be.
//!
//! raven-server answers `{"error":{"code","message"}}`; servers written from
//! the specs alone answer in their framework's shape. The ones met in practice:
//! `{"message"}`, `{"error","message"}`, `{"statusCode","error","message"}`
//! (NestJS), RFC 7807 `{"type","title","detail"}` and `{"errors":[{"message"}]}`.

use serde_json::Value;

/// The parts of an error body the console uses; empty strings where the body says nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ErrorParts {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    pub user_id: Option<String>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Reads `body`; `None` when it is not JSON or carries no message at all.
pub fn error_parts(body: &[u8]) -> Option<ErrorParts> {
    let v: Value = serde_json::from_slice(body).ok()?;
    if let Some(inner) = v.get("error").filter(|e| e.is_object()) {
        // Ours, and the many servers that nest the same idea.
        let message = text(inner, "message").or_else(|| text(inner, "detail"))?;
        return Some(ErrorParts {
            code: text(inner, "code").unwrap_or_default(),
            message,
            field: text(inner, "field"),
            user_id: text(inner, "user_id"),
        });
    }
    let first = v
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|a| a.first());
    let message = text(&v, "message")
        .or_else(|| text(&v, "detail"))
        .or_else(|| first.and_then(|e| text(e, "message").or_else(|| text(e, "detail"))))
        .or_else(|| text(&v, "title"))
        .or_else(|| text(&v, "error_description"))
        .or_else(|| text(&v, "error"))?;
    // `error` beside a `message` is a reason phrase ("Forbidden"), the nearest thing to a code.
    let code = text(&v, "code")
        // SCIM's Error schema (RFC 7644 §3.12): `detail` and `scimType`.
        .or_else(|| text(&v, "scimType"))
        .or_else(|| text(&v, "error").filter(|e| *e != message))
        .unwrap_or_default();
    Some(ErrorParts {
        code,
        message,
        field: text(&v, "field").or_else(|| first.and_then(|e| text(e, "field"))),
        user_id: None,
    })
}

/// Whether a failure to connect over https is a TLS handshake with something
/// that speaks plain HTTP. The TLS library's words for it vary with the version.
pub fn looks_like_plain_http(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    [
        "invalidcontenttype",
        "invalid content type",
        "corrupt message",
        "wrong version number",
        "record overflow",
        "http request",
        "invalidmessage",
        "unexpected message",
        "peer misbehaved",
    ]
    .iter()
    .any(|w| r.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(body: &str) -> ErrorParts {
        error_parts(body.as_bytes()).unwrap_or_default()
    }

    #[test]
    fn ours() {
        let p = parts(
            r#"{"error":{"code":"conflict","message":"taken","field":"external_ref","user_id":"usr_1"}}"#,
        );
        assert_eq!((p.code.as_str(), p.message.as_str()), ("conflict", "taken"));
        assert_eq!(p.field.as_deref(), Some("external_ref"));
        assert_eq!(p.user_id.as_deref(), Some("usr_1"));
    }

    #[test]
    fn nest_style_keeps_the_message_not_the_reason_phrase() {
        let p = parts(
            r#"{"statusCode":403,"error":"Forbidden","message":"Missing permission: users.manage"}"#,
        );
        assert_eq!(p.message, "Missing permission: users.manage");
        assert_eq!(p.code, "Forbidden");
    }

    #[test]
    fn bare_message_problem_details_and_error_lists() {
        assert_eq!(parts(r#"{"message":"nope"}"#).message, "nope");
        let p = parts(r#"{"type":"about:blank","title":"Bad Request","detail":"limit too big"}"#);
        assert_eq!(p.message, "limit too big");
        assert_eq!(parts(r#"{"title":"Forbidden"}"#).message, "Forbidden");
        assert_eq!(
            parts(r#"{"errors":[{"message":"first"}]}"#).message,
            "first"
        );
        assert_eq!(
            parts(r#"{"error":"invalid_token"}"#).message,
            "invalid_token"
        );
    }

    #[test]
    fn scim_errors_keep_detail_and_scim_type() {
        let p = parts(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"no or here"}"#,
        );
        assert_eq!(p.message, "no or here");
        assert_eq!(p.code, "invalidFilter");
    }

    #[test]
    fn not_an_error_body() {
        assert_eq!(error_parts(b"<html>502</html>"), None);
        assert_eq!(error_parts(br#"{"status":"down"}"#), None);
    }
}
