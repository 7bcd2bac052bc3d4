//! Field rules shared by both dialects. Each failure names its field so that a
//! client can put the message next to the right input.

use super::{MAX_OBJECT_BYTES, Object};

/// A field that broke a rule, with a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// A text field: at most `max` characters, no control characters. Empty text is
/// stored as "no value", so that clearing a field in a form clears it here too.
pub fn validate_text(field: &str, value: &str, max: usize) -> Result<Option<String>, Invalid> {
    let count = value.chars().count();
    if count > max {
        return Err(Invalid::new(
            field,
            format!("{field} must be at most {max} characters (got {count})"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    let trimmed = value.trim();
    Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
}

/// An email address of the usual shape: `local@domain.tld`, no spaces, at most 254
/// characters. Stored lower-cased, so uniqueness ignores case.
pub fn validate_email(value: &str) -> Result<Option<String>, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let bad = || {
        Invalid::new(
            "email",
            format!("email must look like name@example.com (got {value:?})"),
        )
    };
    // Characters, as every other length here (and maxLength in the OpenAPI document).
    if value.chars().count() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = value.rsplit_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || local.contains('@') || !domain_ok {
        return Err(bad());
    }
    Ok(Some(value.to_lowercase()))
}

/// `metadata` and `preferences`: a JSON object of at most 64 KiB.
pub fn validate_object(field: &str, value: &Object) -> Result<(), Invalid> {
    let size = serde_json::to_vec(value)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_OBJECT_BYTES {
        return Err(Invalid::new(
            field,
            format!("{field} must be at most 64 KiB of JSON (got {size} bytes)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_empty_means_none() {
        assert_eq!(
            validate_text("display_name", " Jo ", 200),
            Ok(Some("Jo".into()))
        );
        assert_eq!(validate_text("display_name", "  ", 200), Ok(None));
        let long = "é".repeat(201);
        let err = validate_text("display_name", &long, 200).unwrap_err();
        assert_eq!(err.field, "display_name");
        assert!(err.message.contains("200"), "{}", err.message);
        assert!(validate_text("name", "a\nb", 200).is_err());
    }

    #[test]
    fn emails_of_the_usual_shape_pass_and_are_lowercased() {
        assert_eq!(
            validate_email("Jane.Smith@Example.com"),
            Ok(Some("jane.smith@example.com".into()))
        );
        for bad in [
            "jane",
            "jane@",
            "@x.io",
            "jane@localhost",
            "a b@x.io",
            "j@x..io",
            "j@.x.io",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn objects_over_64_kib_are_refused() {
        let mut big = Object::new();
        big.insert("blob".into(), "x".repeat(70 * 1024).into());
        assert_eq!(
            validate_object("metadata", &big).unwrap_err().field,
            "metadata"
        );
        assert!(validate_object("metadata", &Object::new()).is_ok());
    }
}
