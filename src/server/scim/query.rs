//! A SCIM filter as a store query: the `UserFilter` the indexes answer.
//!
//! The store runs conjunctions of per-column conditions. `not` is pushed down
//! to the comparisons (`not (a eq x)` is `a ne x`, De Morgan for `and`/`or`);
//! `or` is kept where it stays one condition (roles with roles, the two
//! values of `active`, `displayName co X or emails.value co X`, which is the
//! EAI search). What would need a scan or a union of index walks is refused
//! with `invalidFilter`, naming what is supported.

use serde_json::Value;

use super::error::ScimError;
use super::filter::{AttrPath, CompareOp, Filter};
use super::{CORE_USER, EXTENSION};
use crate::model::{Role, Status, Timestamp};
use crate::store::{
    Condition, SearchIn, Sort, SortKey, TextField, TextOp, TimeField, TimeOp, UserFilter,
};

/// One condition before the conjunction is assembled.
#[derive(Debug, Clone, PartialEq)]
enum Atom {
    True,
    Status(Status),
    Roles(Vec<Role>),
    /// `co` on the name, the email, or (from an `or`) either.
    Search(SearchIn, String),
    Cond(Condition),
}

const ALL_ROLES: [Role; 3] = [Role::Admin, Role::Member, Role::Viewer];

/// What this server filters by, for messages.
pub const FILTERABLE: &str = "userName, externalId, id, displayName, name.formatted, \
     emails.value (emails[...]), active, roles.value (roles[...]), meta.created, meta.lastModified";

/// The attribute a path names, its URN checked: `None` for the core schema.
fn known(path: &AttrPath) -> Result<String, ScimError> {
    match &path.urn {
        None => Ok(path.key()),
        Some(u) if u.eq_ignore_ascii_case(CORE_USER) => Ok(path.key()),
        Some(u) if u.eq_ignore_ascii_case(EXTENSION) => Err(ScimError::invalid_filter(format!(
            "{u}: metadata and preferences cannot be filtered"
        ))),
        Some(u) => Err(ScimError::invalid_filter(format!("unknown schema {u}"))),
    }
}

fn text_value(attr: &str, v: &Value) -> Result<String, ScimError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(ScimError::invalid_filter(format!(
            "{attr} compares with a string, not {other}"
        ))),
    }
}

fn negate_time(op: TimeOp) -> TimeOp {
    match op {
        TimeOp::Eq => TimeOp::Ne,
        TimeOp::Ne => TimeOp::Eq,
        TimeOp::Gt => TimeOp::Le,
        TimeOp::Ge => TimeOp::Lt,
        TimeOp::Lt => TimeOp::Ge,
        TimeOp::Le => TimeOp::Gt,
    }
}

/// A comparison (or `pr`) of one attribute, `negated` by the `not`s above it.
fn atom(
    path: &AttrPath,
    op: Option<CompareOp>,
    value: &Value,
    negated: bool,
) -> Result<Atom, ScimError> {
    let attr = known(path)?;
    let unsupported = |what: &str| {
        ScimError::invalid_filter(format!(
            "{what} on {attr} is not supported: no index answers it"
        ))
    };
    let Some(op) = op else {
        // `pr`: the attributes every user has are always present.
        let field = match attr.as_str() {
            "externalid" => TextField::ExternalRef,
            "displayname" | "name" | "name.formatted" => TextField::DisplayName,
            "emails" | "emails.value" | "emails.type" | "emails.primary" => TextField::Email,
            "username" | "id" | "active" | "roles" | "roles.value" | "meta" | "meta.created"
            | "meta.lastmodified" => {
                return Ok(if negated {
                    Atom::Roles(Vec::new())
                } else {
                    Atom::True
                });
            }
            _ => {
                return Err(ScimError::invalid_filter(format!(
                    "{attr} is not filterable; the filterable attributes are {FILTERABLE}"
                )));
            }
        };
        return Ok(Atom::Cond(Condition::Present {
            field,
            present: !negated,
        }));
    };
    let text_field = match attr.as_str() {
        "username" => Some(TextField::Username),
        "externalid" => Some(TextField::ExternalRef),
        "id" => Some(TextField::Id),
        "displayname" | "name.formatted" => Some(TextField::DisplayName),
        "emails" | "emails.value" => Some(TextField::Email),
        _ => None,
    };
    if let Some(field) = text_field {
        let v = text_value(&attr, value)?;
        let op = match (op, negated) {
            (CompareOp::Eq, false) | (CompareOp::Ne, true) => TextOp::Eq,
            (CompareOp::Ne, false) | (CompareOp::Eq, true) => TextOp::Ne,
            (CompareOp::Co | CompareOp::Sw | CompareOp::Ew, true) => {
                return Err(unsupported("not with co, sw or ew"));
            }
            (CompareOp::Co, false) => TextOp::Co,
            (CompareOp::Sw, false) => TextOp::Sw,
            (CompareOp::Ew, false) => TextOp::Ew,
            (_, _) => return Err(unsupported("gt, ge, lt and le")),
        };
        if matches!(op, TextOp::Co | TextOp::Sw | TextOp::Ew) && field.fts_column().is_none() {
            return Err(unsupported("co, sw and ew"));
        }
        if op == TextOp::Co {
            let within = if field == TextField::DisplayName {
                SearchIn::Name
            } else {
                SearchIn::Email
            };
            return Ok(Atom::Search(within, v));
        }
        return Ok(Atom::Cond(Condition::Text {
            field,
            op,
            value: v,
        }));
    }
    match attr.as_str() {
        "emails.type" => {
            // The one email is a work address.
            let v = text_value(&attr, value)?;
            let is_work = v.eq_ignore_ascii_case("work");
            match (op, is_work != negated) {
                (CompareOp::Eq, true) | (CompareOp::Ne, false) => {
                    Ok(Atom::Cond(Condition::Present {
                        field: TextField::Email,
                        present: true,
                    }))
                }
                (CompareOp::Eq | CompareOp::Ne, _) => Ok(Atom::Roles(Vec::new())),
                _ => Err(unsupported(&format!("{op:?}"))),
            }
        }
        "emails.primary" | "roles.primary" => {
            let Value::Bool(b) = value else {
                return Err(ScimError::invalid_filter(format!(
                    "{attr} compares with true or false"
                )));
            };
            let want = match op {
                CompareOp::Eq => *b != negated,
                CompareOp::Ne => *b == negated,
                _ => return Err(unsupported(&format!("{op:?}"))),
            };
            if !want {
                return Ok(Atom::Roles(Vec::new()));
            }
            Ok(if attr == "emails.primary" {
                Atom::Cond(Condition::Present {
                    field: TextField::Email,
                    present: true,
                })
            } else {
                Atom::True
            })
        }
        "active" => {
            let Value::Bool(b) = value else {
                return Err(ScimError::invalid_filter(
                    "active compares with true or false",
                ));
            };
            let active = match op {
                CompareOp::Eq => *b != negated,
                CompareOp::Ne => *b == negated,
                _ => return Err(ScimError::invalid_filter("active takes eq, ne and pr")),
            };
            Ok(Atom::Status(if active {
                Status::Active
            } else {
                Status::Inactive
            }))
        }
        "roles" | "roles.value" => {
            // Three role names: the comparison is decided here, the store gets the set.
            let v = text_value(&attr, value)?.to_ascii_lowercase();
            let test = |name: &str| match op {
                CompareOp::Eq => Ok(name == v),
                CompareOp::Ne => Ok(name != v),
                CompareOp::Co => Ok(name.contains(&v)),
                CompareOp::Sw => Ok(name.starts_with(&v)),
                CompareOp::Ew => Ok(name.ends_with(&v)),
                _ => Err(ScimError::invalid_filter(
                    "roles.value takes eq, ne, co, sw, ew and pr",
                )),
            };
            let mut roles = Vec::new();
            for r in ALL_ROLES {
                if test(r.as_str())? != negated {
                    roles.push(r);
                }
            }
            Ok(Atom::Roles(roles))
        }
        "meta.created" | "meta.lastmodified" => {
            let field = if attr == "meta.created" {
                TimeField::Created
            } else {
                TimeField::LastModified
            };
            let at = match value {
                Value::String(s) => Timestamp::parse_rfc3339(s),
                _ => None,
            }
            .ok_or_else(|| {
                ScimError::invalid_filter(format!("{attr} compares with an RFC 3339 date-time"))
            })?;
            let op = match op {
                CompareOp::Eq => TimeOp::Eq,
                CompareOp::Ne => TimeOp::Ne,
                CompareOp::Gt => TimeOp::Gt,
                CompareOp::Ge => TimeOp::Ge,
                CompareOp::Lt => TimeOp::Lt,
                CompareOp::Le => TimeOp::Le,
                _ => return Err(unsupported("co, sw and ew")),
            };
            let op = if negated { negate_time(op) } else { op };
            Ok(Atom::Cond(Condition::Time { field, op, at }))
        }
        _ => Err(ScimError::invalid_filter(format!(
            "{attr} is not filterable; the filterable attributes are {FILTERABLE}"
        ))),
    }
}

/// `attr[filter]`: the inner filter's attributes are sub-attributes of `attr`.
fn qualify(outer: &AttrPath, f: &Filter) -> Result<Filter, ScimError> {
    let q = |p: &AttrPath| -> Result<AttrPath, ScimError> {
        if p.sub.is_some() || p.urn.is_some() {
            return Err(ScimError::invalid_filter(
                "a value filter names sub-attributes only",
            ));
        }
        Ok(AttrPath {
            urn: outer.urn.clone(),
            attr: outer.attr.clone(),
            sub: Some(p.attr.clone()),
        })
    };
    Ok(match f {
        Filter::Compare { path, op, value } => Filter::Compare {
            path: q(path)?,
            op: *op,
            value: value.clone(),
        },
        Filter::Present(p) => Filter::Present(q(p)?),
        Filter::And(a, b) => {
            Filter::And(Box::new(qualify(outer, a)?), Box::new(qualify(outer, b)?))
        }
        Filter::Or(a, b) => Filter::Or(Box::new(qualify(outer, a)?), Box::new(qualify(outer, b)?)),
        Filter::Not(a) => Filter::Not(Box::new(qualify(outer, a)?)),
        Filter::ValuePath { .. } => {
            return Err(ScimError::invalid_filter("value filters do not nest"));
        }
    })
}

/// The atoms whose conjunction is `f` (negated: `not f`).
fn conjunction(f: &Filter, negated: bool) -> Result<Vec<Atom>, ScimError> {
    match (f, negated) {
        (Filter::Compare { path, op, value }, _) => {
            Ok(vec![atom(path, Some(*op), value, negated)?])
        }
        (Filter::Present(path), _) => Ok(vec![atom(path, None, &Value::Null, negated)?]),
        (Filter::Not(inner), _) => conjunction(inner, !negated),
        (Filter::ValuePath { path, filter }, _) => conjunction(&qualify(path, filter)?, negated),
        (Filter::And(a, b), false) | (Filter::Or(a, b), true) => {
            let mut out = conjunction(a, negated)?;
            out.extend(conjunction(b, negated)?);
            Ok(out)
        }
        (Filter::Or(a, b), false) | (Filter::And(a, b), true) => {
            let left = conjunction(a, negated)?;
            let right = conjunction(b, negated)?;
            union(left, right).map(|a| vec![a])
        }
    }
}

/// One atom that holds where either side does, when the store can run it.
fn union(left: Vec<Atom>, right: Vec<Atom>) -> Result<Atom, ScimError> {
    let refuse = || {
        ScimError::invalid_filter(
            "this `or` is not supported: the store runs `or` between roles, between the two \
             values of active, and as `displayName co X or emails.value co X`",
        )
    };
    let one = |mut v: Vec<Atom>| if v.len() == 1 { v.pop() } else { None };
    let (Some(l), Some(r)) = (one(left), one(right)) else {
        return Err(refuse());
    };
    Ok(match (l, r) {
        (Atom::True, _) | (_, Atom::True) => Atom::True,
        (Atom::Roles(a), other) | (other, Atom::Roles(a)) if a.is_empty() => other,
        (Atom::Roles(a), Atom::Roles(b)) => Atom::Roles(
            ALL_ROLES
                .into_iter()
                .filter(|r| a.contains(r) || b.contains(r))
                .collect(),
        ),
        (Atom::Status(a), Atom::Status(b)) if a == b => Atom::Status(a),
        (Atom::Status(_), Atom::Status(_)) => Atom::True,
        (Atom::Search(a, x), Atom::Search(b, y))
            if crate::model::fold(&x) == crate::model::fold(&y) =>
        {
            Atom::Search(if a == b { a } else { SearchIn::Both }, x)
        }
        (a, b) if a == b => a,
        _ => return Err(refuse()),
    })
}

/// The store filter of a parsed SCIM filter.
pub fn to_store(f: &Filter) -> Result<UserFilter, ScimError> {
    let mut out = UserFilter::default();
    let mut roles: Option<Vec<Role>> = None;
    let mut never = false;
    for a in conjunction(f, false)? {
        match a {
            Atom::True => {}
            Atom::Status(s) => match out.status {
                Some(t) if t != s => never = true,
                _ => out.status = Some(s),
            },
            Atom::Roles(r) => {
                roles = Some(match roles {
                    None => r,
                    Some(have) => have.into_iter().filter(|x| r.contains(x)).collect(),
                });
            }
            Atom::Search(within, needle) if out.search.is_none() => {
                out.search = Some(needle);
                out.search_in = within;
            }
            Atom::Search(SearchIn::Both, _) => {
                return Err(ScimError::invalid_filter(
                    "one `displayName co X or emails.value co X` per filter",
                ));
            }
            Atom::Search(within, needle) => out.conditions.push(Condition::Text {
                field: if within == SearchIn::Name {
                    TextField::DisplayName
                } else {
                    TextField::Email
                },
                op: TextOp::Co,
                value: needle,
            }),
            Atom::Cond(Condition::Text {
                field: TextField::ExternalRef,
                op: TextOp::Eq,
                value,
            }) if out.external_ref.is_none() => {
                out.external_ref = Some(value);
            }
            Atom::Cond(c) => out.conditions.push(c),
        }
    }
    match roles {
        Some(r) if r.len() == 1 => out.role = r.first().copied(),
        Some(r) if r.len() == ALL_ROLES.len() => {}
        Some(r) => out.conditions.push(Condition::RoleIn(r)),
        None => {}
    }
    if never {
        out.conditions.push(Condition::RoleIn(Vec::new()));
    }
    Ok(out)
}

/// `sortBy`: the attributes the sort indexes hold.
pub fn sort_key(attr: &str) -> Result<SortKey, ScimError> {
    let path = super::filter::parse_path(attr).map_err(|e| ScimError::invalid_value(e.0))?;
    if path.filter.is_some() {
        return Err(ScimError::invalid_value(
            "sortBy names an attribute, not a filter",
        ));
    }
    let key = known(&path.attr).map_err(|e| ScimError::invalid_value(e.detail))?;
    Ok(match key.as_str() {
        "username" => SortKey::Username,
        "displayname" | "name.formatted" => SortKey::DisplayName,
        "emails" | "emails.value" => SortKey::Email,
        "externalid" => SortKey::ExternalRef,
        "roles" | "roles.value" => SortKey::Role,
        "meta.created" => SortKey::CreatedAt,
        _ => {
            return Err(ScimError::invalid_value(format!(
                "sortBy {attr:?} is not supported; sort by userName, displayName, name.formatted, \
                 emails.value, externalId, roles.value or meta.created"
            )));
        }
    })
}

/// `sortOrder`: ascending unless `descending`.
pub fn sort(key: SortKey, order: Option<&str>) -> Result<Sort, ScimError> {
    let descending = match order.map(str::to_ascii_lowercase).as_deref() {
        None | Some("ascending") => false,
        Some("descending") => true,
        Some(o) => {
            return Err(ScimError::invalid_value(format!(
                "sortOrder {o:?} is neither ascending nor descending"
            )));
        }
    };
    Ok(Sort { key, descending })
}

#[cfg(test)]
mod tests {
    use super::super::filter::parse;
    use super::*;

    fn store(f: &str) -> UserFilter {
        to_store(&parse(f).unwrap()).unwrap_or_else(|e| panic!("{f}: {}", e.detail))
    }

    fn refused(f: &str) -> String {
        match to_store(&parse(f).unwrap()) {
            Ok(got) => panic!("{f} ran as {got:?}"),
            Err(e) => {
                assert_eq!(e.scim_type, Some("invalidFilter"));
                e.detail
            }
        }
    }

    fn text(field: TextField, op: TextOp, v: &str) -> Condition {
        Condition::Text {
            field,
            op,
            value: v.into(),
        }
    }

    #[test]
    fn a_co_on_the_name_or_the_email_is_the_search() {
        let f = store(r#"displayName co "son""#);
        assert_eq!(
            (f.search.as_deref(), f.search_in),
            (Some("son"), SearchIn::Name)
        );
        assert!(f.conditions.is_empty());
        let f = store(r#"emails.value co "son""#);
        assert_eq!(f.search_in, SearchIn::Email);
        let f = store(r#"name.formatted co "son" or emails co "SON""#);
        assert_eq!(
            (f.search.as_deref(), f.search_in),
            (Some("son"), SearchIn::Both)
        );
    }

    #[test]
    fn equality_on_each_text_attribute() {
        assert_eq!(
            store(r#"userName eq "Bjensen""#).conditions,
            [text(TextField::Username, TextOp::Eq, "Bjensen")]
        );
        assert_eq!(
            store(r#"externalId eq "e-1""#).external_ref.as_deref(),
            Some("e-1")
        );
        assert_eq!(
            store(r#"emails[type eq "work" and value eq "a@b.c"]"#).conditions,
            [
                Condition::Present {
                    field: TextField::Email,
                    present: true
                },
                text(TextField::Email, TextOp::Eq, "a@b.c"),
            ]
        );
        assert_eq!(
            store(r#"not (displayName eq "x")"#).conditions,
            [text(TextField::DisplayName, TextOp::Ne, "x")]
        );
        assert_eq!(
            store(r#"displayName sw "Ann""#).conditions,
            [text(TextField::DisplayName, TextOp::Sw, "Ann")]
        );
        assert_eq!(
            store(r#"emails.value ew ".io""#).conditions,
            [text(TextField::Email, TextOp::Ew, ".io")]
        );
    }

    #[test]
    fn active_and_roles() {
        assert_eq!(store("active eq true").status, Some(Status::Active));
        assert_eq!(store("not (active eq true)").status, Some(Status::Inactive));
        assert_eq!(store("active ne true").status, Some(Status::Inactive));
        let f = store("active eq true or active eq false");
        assert_eq!((f.status, f.conditions.len()), (None, 0));
        assert_eq!(store(r#"roles.value eq "admin""#).role, Some(Role::Admin));
        assert_eq!(
            store(r#"roles[value ne "admin"]"#).conditions,
            [Condition::RoleIn(vec![Role::Member, Role::Viewer])]
        );
        assert_eq!(
            store(r#"roles.value eq "admin" or roles.value eq "viewer""#).conditions,
            [Condition::RoleIn(vec![Role::Admin, Role::Viewer])]
        );
        assert_eq!(store(r#"roles.value sw "m""#).role, Some(Role::Member));
        let f = store("active eq true and active eq false");
        assert_eq!(f.conditions, [Condition::RoleIn(Vec::new())]);
    }

    #[test]
    fn times_and_presence() {
        let f = store(
            r#"meta.created gt "2026-01-01T00:00:00Z" and not (meta.lastModified ge "2026-02-01T00:00:00Z")"#,
        );
        assert!(matches!(
            f.conditions[0],
            Condition::Time {
                field: TimeField::Created,
                op: TimeOp::Gt,
                ..
            }
        ));
        assert!(matches!(
            f.conditions[1],
            Condition::Time {
                field: TimeField::LastModified,
                op: TimeOp::Lt,
                ..
            }
        ));
        assert_eq!(
            store("externalId pr").conditions,
            [Condition::Present {
                field: TextField::ExternalRef,
                present: true
            }]
        );
        assert_eq!(
            store("not (emails pr)").conditions,
            [Condition::Present {
                field: TextField::Email,
                present: false
            }]
        );
        assert_eq!(store("userName pr"), UserFilter::default());
    }

    #[test]
    fn what_no_index_answers_is_refused() {
        refused(r#"userName co "x""#);
        refused(r#"externalId sw "x""#);
        refused(r#"not (displayName co "x")"#);
        refused(r#"userName eq "a" or displayName eq "b""#);
        refused(r#"displayName gt "a""#);
        refused(r#"title eq "x""#);
        refused(r#"meta.created eq "yesterday""#);
        refused(r#"urn:raven:params:scim:schemas:extension:2.0:User:metadata pr"#);
        refused(r#"active eq "yes""#);
    }

    #[test]
    fn sort_keys() {
        assert_eq!(sort_key("userName").unwrap(), SortKey::Username);
        assert_eq!(sort_key("name.formatted").unwrap(), SortKey::DisplayName);
        assert_eq!(
            sort_key("urn:ietf:params:scim:schemas:core:2.0:User:emails.value").unwrap(),
            SortKey::Email
        );
        assert!(sort_key("title").is_err());
        assert!(sort(SortKey::Email, Some("sideways")).is_err());
        assert!(sort(SortKey::Email, Some("Descending")).unwrap().descending);
    }
}
