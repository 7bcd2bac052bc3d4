//! Turning a record into a new user by the same rules the API applies, with
//! every problem of a line named by its field.

use serde_json::Value;

use super::read::Record;
use crate::model::{
    MAX_EXTERNAL_REF_CHARS, MAX_NAME_CHARS, NewUser, Object, Role, Status, Timestamp,
    validate_email, validate_object, validate_text,
};

/// What is wrong with one value of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// Collects the problems of one record while its fields are read.
struct Line<'a> {
    record: &'a Record,
    problems: Vec<Problem>,
}

impl Line<'_> {
    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            line: self.record.line,
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// A text column, or `None` when absent or not text (which is a problem).
    fn text(&mut self, field: &str) -> Option<&str> {
        match self.record.values.get(field)? {
            Value::String(s) => Some(s.as_str()),
            other => {
                self.problem(field, format!("must be text, not {other}"));
                None
            }
        }
    }

    fn bounded(&mut self, field: &str, max: usize) -> Option<String> {
        let value = self.text(field)?.to_string();
        match validate_text(field, &value, max) {
            Ok(v) => v,
            Err(e) => {
                self.problem(field, e.message);
                None
            }
        }
    }

    fn parsed<T: std::str::FromStr<Err = String>>(&mut self, field: &str) -> Option<T> {
        let value = self.text(field)?.trim().to_string();
        match value.parse() {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(field, e);
                None
            }
        }
    }

    fn time(&mut self, field: &str) -> Option<Timestamp> {
        let value = self.text(field)?.to_string();
        let parsed = Timestamp::parse_rfc3339(value.trim());
        if parsed.is_none() {
            self.problem(field, format!("{value:?} is not an RFC 3339 time"));
        }
        parsed
    }

    /// A JSON object: one in NDJSON, or its text in a CSV cell.
    fn object(&mut self, field: &str) -> Object {
        let parsed = match self.record.values.get(field) {
            None => return Object::new(),
            Some(Value::Object(o)) => Ok(o.clone()),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(o)) => Ok(o),
                Ok(_) => Err("must be a JSON object".to_string()),
                Err(e) => Err(format!("is not JSON: {e}")),
            },
            Some(_) => Err("must be a JSON object".to_string()),
        };
        match parsed.and_then(|o| {
            validate_object(field, &o)
                .map(|()| o)
                .map_err(|e| e.message)
        }) {
            Ok(o) => o,
            Err(m) => {
                self.problem(field, m);
                Object::new()
            }
        }
    }
}

/// The user a record describes, or every problem it has.
pub fn new_user(record: &Record) -> Result<NewUser, Vec<Problem>> {
    let mut line = Line {
        record,
        problems: Vec::new(),
    };
    let email = line.text("email").map(str::to_string);
    let email = match email.as_deref().map(validate_email) {
        None => None,
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            line.problem("email", e.message);
            None
        }
    };
    let user = NewUser {
        username: None,
        display_name: line.bounded("name", MAX_NAME_CHARS),
        external_ref: line.bounded("external_ref", MAX_EXTERNAL_REF_CHARS),
        avatar: line.bounded("avatar", 2048),
        email,
        role: line.parsed::<Role>("role").unwrap_or_default(),
        status: line.parsed::<Status>("status").unwrap_or_default(),
        metadata: line.object("metadata"),
        preferences: line.object("preferences"),
        created_at: line.time("created_at"),
        last_login_at: line.time("last_login_at"),
        conversation_count: 0,
    };
    if line.problems.is_empty() {
        Ok(user)
    } else {
        Err(line.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(values: Value) -> Record {
        Record {
            line: 7,
            values: values
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    #[test]
    fn a_good_record_is_a_new_user() {
        let u = new_user(&record(json!({
            "name": "Ada Lovelace", "email": "ADA@Example.com", "role": "admin",
            "status": "inactive", "metadata": "{\"plan\":\"pro\"}",
            "preferences": {"theme": "dark"}, "created_at": "2024-01-15T10:30:00Z"
        })))
        .unwrap();
        assert_eq!(u.display_name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(u.email.as_deref(), Some("ada@example.com"));
        assert_eq!(u.role, Role::Admin);
        assert_eq!(u.status, Status::Inactive);
        assert_eq!(u.metadata["plan"], "pro");
        assert_eq!(u.preferences["theme"], "dark");
        assert!(u.created_at.is_some());
    }

    #[test]
    fn every_problem_of_a_line_is_named_by_field() {
        let problems = new_user(&record(json!({
            "name": "x".repeat(201), "email": "not-an-email", "role": "owner",
            "metadata": "[1]", "last_login_at": "yesterday"
        })))
        .unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["email", "name", "role", "metadata", "last_login_at"]
        );
        assert!(problems.iter().all(|p| p.line == 7));
        assert!(problems[0].to_string().starts_with("line 7: email: "));
    }
}
