//! Conditions of a user list beyond the four filters (SCIM's filters), and
//! the SQL both databases run for them. Each is a plain predicate on one
//! column; text compares the folded columns the search indexes hold, so a
//! substring or prefix condition on the name or the email can start from the
//! trigram index (SQLite's FTS5, PostgreSQL's pg_trgm).

use sqlx::{Database, QueryBuilder};

use crate::model::{Role, Timestamp, fold};
use crate::store::row::like_pattern;

/// A text field a condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    /// Compared folded (unique ignoring case).
    Username,
    /// The user's id, exactly.
    Id,
    /// Compared exactly, as the external_ref filter does.
    ExternalRef,
    /// Compared folded, like search.
    DisplayName,
    /// Compared folded, like search.
    Email,
}

impl TextField {
    /// The column the condition reads: the folded one where there is one.
    pub(crate) fn column(self) -> &'static str {
        match self {
            TextField::Username => "users.username_fold",
            TextField::Id => "users.id",
            TextField::ExternalRef => "users.external_ref",
            TextField::DisplayName => "users.name_fold",
            TextField::Email => "users.email_fold",
        }
    }

    /// The value as the column holds it.
    pub(crate) fn normalize(self, value: &str) -> String {
        match self {
            TextField::ExternalRef | TextField::Id => value.to_string(),
            _ => fold(value),
        }
    }

    /// The column of the trigram index over this field, if there is one.
    pub fn fts_column(self) -> Option<&'static str> {
        match self {
            TextField::DisplayName => Some("display_name"),
            TextField::Email => Some("email"),
            _ => None,
        }
    }
}

/// How a text condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextOp {
    Eq,
    /// Not equal; a user without a value matches.
    Ne,
    /// Contains.
    Co,
    /// Starts with.
    Sw,
    /// Ends with.
    Ew,
}

/// A timestamp a condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeField {
    Created,
    /// `updated_at`, or `created_at` for a user never updated.
    LastModified,
}

impl TimeField {
    fn expr(self) -> &'static str {
        match self {
            TimeField::Created => "users.created_at",
            TimeField::LastModified => "COALESCE(users.updated_at, users.created_at)",
        }
    }
}

/// How a time condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl TimeOp {
    fn sql(self) -> &'static str {
        match self {
            TimeOp::Eq => " = ",
            TimeOp::Ne => " <> ",
            TimeOp::Gt => " > ",
            TimeOp::Ge => " >= ",
            TimeOp::Lt => " < ",
            TimeOp::Le => " <= ",
        }
    }
}

/// One condition of a list; a list's conditions combine with AND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Text {
        field: TextField,
        op: TextOp,
        value: String,
    },
    /// The field has a value (`true`) or has none.
    Present { field: TextField, present: bool },
    /// The role is one of these (none: nothing matches).
    RoleIn(Vec<Role>),
    Time {
        field: TimeField,
        op: TimeOp,
        at: Timestamp,
    },
}

impl Condition {
    /// The needle and the index column of a condition the trigram index can
    /// answer: a substring, prefix or suffix of the name or the email of at
    /// least `min_chars` characters.
    pub fn trigram(&self, min_chars: usize) -> Option<(&'static str, String)> {
        match self {
            Condition::Text { field, op, value }
                if matches!(op, TextOp::Co | TextOp::Sw | TextOp::Ew)
                    && value.chars().count() >= min_chars =>
            {
                field.fts_column().map(|c| (c, field.normalize(value)))
            }
            _ => None,
        }
    }
}

/// ` AND ...` for each condition.
pub fn push_conditions<'a, DB>(qb: &mut QueryBuilder<'a, DB>, conditions: &'a [Condition])
where
    DB: Database,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    for c in conditions {
        qb.push(" AND ");
        match c {
            Condition::Text { field, op, value } => {
                let column = field.column();
                let value = field.normalize(value);
                match op {
                    TextOp::Eq => {
                        qb.push(format!("{column} = ")).push_bind(value);
                    }
                    TextOp::Ne => {
                        qb.push(format!("({column} IS NULL OR {column} <> "))
                            .push_bind(value)
                            .push(")");
                    }
                    TextOp::Co | TextOp::Sw | TextOp::Ew => {
                        // `like_pattern` is `%needle%` with wildcards escaped.
                        let full = like_pattern(&value);
                        let pattern = match op {
                            TextOp::Sw => full[1..].to_string(),
                            TextOp::Ew => full[..full.len() - 1].to_string(),
                            _ => full,
                        };
                        qb.push(format!("{column} LIKE "))
                            .push_bind(pattern)
                            .push(" ESCAPE '\\'");
                    }
                }
            }
            Condition::Present { field, present } => {
                let not = if *present { " NOT" } else { "" };
                qb.push(format!("{} IS{not} NULL", field.column()));
            }
            Condition::RoleIn(roles) if roles.is_empty() => {
                qb.push("1 = 0");
            }
            Condition::RoleIn(roles) => {
                qb.push("users.role IN (");
                let mut list = qb.separated(", ");
                for r in roles {
                    list.push_bind(r.as_str());
                }
                qb.push(")");
            }
            Condition::Time { field, op, at } => {
                qb.push(field.expr()).push(op.sql()).push_bind(at.millis());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_substrings_of_indexed_fields_of_three_characters_go_to_the_index() {
        let c = |field, op, value: &str| Condition::Text {
            field,
            op,
            value: value.into(),
        };
        assert_eq!(
            c(TextField::DisplayName, TextOp::Co, "SON").trigram(3),
            Some(("display_name", "son".to_string()))
        );
        assert_eq!(
            c(TextField::Email, TextOp::Sw, "ann").trigram(3),
            Some(("email", "ann".to_string()))
        );
        assert_eq!(c(TextField::Email, TextOp::Co, "an").trigram(3), None);
        assert_eq!(c(TextField::Email, TextOp::Eq, "ann").trigram(3), None);
        assert_eq!(c(TextField::Username, TextOp::Co, "ann").trigram(3), None);
    }
}
