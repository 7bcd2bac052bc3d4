//! SCIM PATCH (RFC 7644 §3.5.2): `add`, `replace` and `remove`, with and
//! without `path`, value filters included (`emails[type eq "work"].value`),
//! applied to the user's resource JSON. The result is read back like a PUT
//! body, so every rule of the mapping holds for it too.

use serde_json::{Map, Value};

use super::error::ScimError;
use super::filter::{CompareOp, Filter, PatchPath, parse_path};
use super::resource::member;
use super::{CORE_USER, EXTENSION, PATCH_OP};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// The attributes that hold several values (this server keeps one of each).
const MULTI: [&str; 2] = ["emails", "roles"];
/// What a client cannot write.
const READ_ONLY: [&str; 3] = ["id", "meta", "schemas"];

/// One operation: what, where (`path`), and its `value`.
type Operation = (Op, Option<String>, Option<Value>);

/// The PatchOp body's operations, checked.
fn operations(body: &Value) -> Result<Vec<Operation>, ScimError> {
    let Value::Object(o) = body else {
        return Err(ScimError::invalid_syntax("a PatchOp must be a JSON object"));
    };
    let schemas_ok = member(o, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case(PATCH_OP)))
        });
    if !schemas_ok {
        return Err(ScimError::invalid_syntax(format!(
            "schemas must be [{PATCH_OP:?}]"
        )));
    }
    let Some(Value::Array(ops)) = member(o, "Operations") else {
        return Err(ScimError::invalid_syntax("Operations must be an array"));
    };
    let mut out = Vec::new();
    for op in ops {
        let Value::Object(op) = op else {
            return Err(ScimError::invalid_syntax(
                "each operation must be an object",
            ));
        };
        let kind = match member(op, "op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("add") => Op::Add,
            Some("replace") => Op::Replace,
            Some("remove") => Op::Remove,
            other => {
                return Err(ScimError::invalid_syntax(format!(
                    "op must be add, replace or remove, not {other:?}"
                )));
            }
        };
        let path = match member(op, "path") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) if !p.trim().is_empty() => Some(p.clone()),
            Some(other) => {
                return Err(ScimError::invalid_path(format!(
                    "path must be a string, not {other}"
                )));
            }
        };
        let value = member(op, "value").cloned();
        if kind != Op::Remove && value.is_none() {
            return Err(ScimError::invalid_syntax("add and replace need a value"));
        }
        out.push((kind, path, value));
    }
    Ok(out)
}

/// `doc` with the PatchOp `body` applied.
pub fn apply(doc: &Value, body: &Value) -> Result<Value, ScimError> {
    let mut doc = match doc {
        Value::Object(o) => o.clone(),
        _ => Map::new(),
    };
    for (op, path, value) in operations(body)? {
        match path {
            None => {
                if op == Op::Remove {
                    return Err(ScimError::no_target("remove needs a path"));
                }
                let Some(Value::Object(values)) = value else {
                    return Err(ScimError::invalid_value(
                        "without a path, the value must be an object of attributes",
                    ));
                };
                for (k, v) in values {
                    let path = PatchPath {
                        attr: parse_path(&k)
                            .map_err(|e| ScimError::invalid_path(e.0))?
                            .attr,
                        filter: None,
                        sub: None,
                    };
                    if k.eq_ignore_ascii_case(EXTENSION) {
                        whole_extension(&mut doc, op, Some(v))?;
                        continue;
                    }
                    at_path(&mut doc, op, &path, Some(v))?;
                }
            }
            Some(p) if p.trim().eq_ignore_ascii_case(EXTENSION) => {
                whole_extension(&mut doc, op, value)?;
            }
            Some(p) => {
                let p = parse_path(&p).map_err(|e| ScimError::invalid_path(e.0))?;
                at_path(&mut doc, op, &p, value)?;
            }
        }
    }
    Ok(Value::Object(doc))
}

/// A path (or a key of a value) that names the extension itself: its
/// attributes one by one, or for `remove` all of them.
fn whole_extension(
    doc: &mut Map<String, Value>,
    op: Op,
    value: Option<Value>,
) -> Result<(), ScimError> {
    if op == Op::Remove {
        // Present but empty: each of its attributes is cleared.
        let k = key_of(doc, EXTENSION);
        doc.insert(k, Value::Object(Map::new()));
        return Ok(());
    }
    let Some(Value::Object(ext)) = value else {
        return Err(ScimError::invalid_value(format!(
            "{EXTENSION} must be an object"
        )));
    };
    for (k, v) in ext {
        // Clients echo the extension's `schemas`; it is not an attribute.
        if k.eq_ignore_ascii_case("schemas") {
            continue;
        }
        let p =
            parse_path(&format!("{EXTENSION}:{k}")).map_err(|e| ScimError::invalid_path(e.0))?;
        at_path(doc, op, &p, Some(v))?;
    }
    Ok(())
}

/// `displayName` and `name.formatted` are one stored field: whichever a
/// PATCH changed (`displayName` when both) becomes the other too.
pub fn sync_name(before: &Value, after: &mut Value) {
    let display = |v: &Value| {
        v.as_object()
            .and_then(|o| member(o, "displayName"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let formatted = |v: &Value| {
        v.as_object()
            .and_then(|o| member(o, "name"))
            .and_then(Value::as_object)
            .and_then(|n| member(n, "formatted"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let (d0, d1, f0, f1) = (
        display(before),
        display(after),
        formatted(before),
        formatted(after),
    );
    let Value::Object(o) = after else { return };
    let name = if d0 != d1 {
        d1
    } else if f0 != f1 {
        f1
    } else {
        return;
    };
    o.retain(|k, _| !k.eq_ignore_ascii_case("displayName") && !k.eq_ignore_ascii_case("name"));
    if !name.is_null() {
        o.insert("displayName".into(), name.clone());
        o.insert("name".into(), serde_json::json!({"formatted": name}));
    }
}

/// The key `name` has in `o` (names are case-insensitive), or `name` itself.
fn key_of(o: &Map<String, Value>, name: &str) -> String {
    o.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

fn at_path(
    doc: &mut Map<String, Value>,
    op: Op,
    p: &PatchPath,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let container: &mut Map<String, Value> = match &p.attr.urn {
        Some(u) if u.eq_ignore_ascii_case(EXTENSION) => {
            let k = key_of(doc, EXTENSION);
            let ext = doc.entry(k).or_insert_with(|| Value::Object(Map::new()));
            if !ext.is_object() {
                *ext = Value::Object(Map::new());
            }
            match ext {
                Value::Object(m) => m,
                _ => return Err(ScimError::invalid_path("the extension is not an object")),
            }
        }
        None => doc,
        Some(u) if u.eq_ignore_ascii_case(CORE_USER) => doc,
        Some(u) => return Err(ScimError::invalid_path(format!("unknown schema {u}"))),
    };
    let attr = p.attr.attr.as_str();
    if p.attr.urn.is_none() && READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(attr)) {
        return Err(ScimError::mutability(format!("{attr} is read-only")));
    }
    let key = key_of(container, attr);
    let multi = MULTI.iter().any(|m| m.eq_ignore_ascii_case(attr)) && p.attr.urn.is_none();
    if let Some(filter) = &p.filter {
        if !multi {
            return Err(ScimError::invalid_path(format!(
                "{attr} is not multi-valued"
            )));
        }
        return filtered(container, &key, op, filter, p.sub.as_deref(), value);
    }
    match (&p.attr.sub, op) {
        (None, Op::Remove) => {
            if attr.eq_ignore_ascii_case("userName") {
                return Err(ScimError::mutability(
                    "userName is required and cannot be removed",
                ));
            }
            container.remove(&key);
        }
        (None, _) => {
            let Some(v) = value else { return Ok(()) };
            let v = match (multi, v) {
                // One value kept: an added value takes the place of the one held.
                (true, Value::Object(o)) => Value::Array(vec![Value::Object(o)]),
                (_, Value::Object(new)) if op == Op::Add => match container.get(&key) {
                    // `add` of a complex value merges into the one there.
                    Some(Value::Object(old)) if !multi => {
                        let mut merged = old.clone();
                        for (k, v) in new {
                            let k2 = key_of(&merged, &k);
                            merged.insert(k2, v);
                        }
                        Value::Object(merged)
                    }
                    _ => Value::Object(new),
                },
                (_, v) => v,
            };
            container.insert(key, v);
        }
        (Some(sub), _) => {
            let target = container.entry(key).or_insert_with(|| {
                if multi {
                    Value::Array(vec![Value::Object(Map::new())])
                } else {
                    Value::Object(Map::new())
                }
            });
            let set = |o: &mut Map<String, Value>| {
                let k = key_of(o, sub);
                match (op, &value) {
                    (Op::Remove, _) => {
                        o.remove(&k);
                    }
                    (_, Some(v)) => {
                        o.insert(k, v.clone());
                    }
                    (_, None) => {}
                }
            };
            match target {
                Value::Array(items) => {
                    if items.is_empty() && op != Op::Remove {
                        items.push(Value::Object(Map::new()));
                    }
                    items
                        .iter_mut()
                        .filter_map(Value::as_object_mut)
                        .for_each(set);
                }
                Value::Object(o) => set(o),
                Value::Null => {
                    let mut o = Map::new();
                    set(&mut o);
                    *target = Value::Object(o);
                }
                _ => {
                    return Err(ScimError::invalid_path(format!(
                        "{attr} has no sub-attributes"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// `attr[filter][.sub]` on a multi-valued attribute.
fn filtered(
    container: &mut Map<String, Value>,
    key: &str,
    op: Op,
    filter: &Filter,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let items = match container
        .entry(key.to_string())
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(items) => items,
        other => {
            *other = Value::Array(Vec::new());
            match other {
                Value::Array(items) => items,
                _ => return Ok(()),
            }
        }
    };
    let matched: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, v)| v.as_object().is_some_and(|o| matches(o, filter)))
        .map(|(i, _)| i)
        .collect();
    if op == Op::Remove {
        match sub {
            None => {
                let mut i = 0;
                items.retain(|_| {
                    i += 1;
                    !matched.contains(&(i - 1))
                });
            }
            Some(sub) => {
                for &i in &matched {
                    if let Some(o) = items[i].as_object_mut() {
                        let k = key_of(o, sub);
                        o.remove(&k);
                    }
                }
            }
        }
        return Ok(());
    }
    let Some(value) = value else { return Ok(()) };
    if matched.is_empty() {
        // Identity providers replace `emails[type eq "work"].value` on a user
        // without that email: the value is added, with what the filter named.
        let mut new = Map::new();
        seed(&mut new, filter);
        match (sub, value) {
            (Some(sub), v) => {
                new.insert(sub.to_string(), v);
            }
            (None, Value::Object(o)) => new.extend(o),
            (None, other) => {
                return Err(ScimError::invalid_value(format!(
                    "a value of this attribute is an object, not {other}"
                )));
            }
        }
        // One value kept: the new one replaces the one held.
        items.clear();
        items.push(Value::Object(new));
        return Ok(());
    }
    for &i in &matched {
        match (sub, &value, items[i].as_object_mut()) {
            (Some(sub), v, Some(o)) => {
                let k = key_of(o, sub);
                o.insert(k, v.clone());
            }
            (None, Value::Object(v), Some(o)) => {
                if op == Op::Replace {
                    o.clear();
                }
                o.extend(v.clone());
            }
            (None, other, _) => {
                return Err(ScimError::invalid_value(format!(
                    "a value of this attribute is an object, not {other}"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The `eq` values a filter names, as the members of a new value.
fn seed(o: &mut Map<String, Value>, f: &Filter) {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } => {
            o.insert(path.attr.clone(), value.clone());
        }
        Filter::And(a, b) => {
            seed(o, a);
            seed(o, b);
        }
        _ => {}
    }
}

/// Whether one value of a multi-valued attribute passes a value filter.
/// Text compares ignoring case (emails and roles are not case-exact).
fn matches(o: &Map<String, Value>, f: &Filter) -> bool {
    match f {
        Filter::And(a, b) => matches(o, a) && matches(o, b),
        Filter::Or(a, b) => matches(o, a) || matches(o, b),
        Filter::Not(a) => !matches(o, a),
        Filter::Present(p) => member(o, &p.attr).is_some_and(|v| !v.is_null()),
        Filter::ValuePath { .. } => false,
        Filter::Compare { path, op, value } => {
            let have = member(o, &path.attr);
            match (have, value) {
                (Some(Value::String(h)), Value::String(w)) => {
                    let (h, w) = (h.to_lowercase(), w.to_lowercase());
                    match op {
                        CompareOp::Eq => h == w,
                        CompareOp::Ne => h != w,
                        CompareOp::Co => h.contains(&w),
                        CompareOp::Sw => h.starts_with(&w),
                        CompareOp::Ew => h.ends_with(&w),
                        CompareOp::Gt => h > w,
                        CompareOp::Ge => h >= w,
                        CompareOp::Lt => h < w,
                        CompareOp::Le => h <= w,
                    }
                }
                (Some(h), w) => match op {
                    CompareOp::Eq => h == w,
                    CompareOp::Ne => h != w,
                    _ => false,
                },
                (None, w) => *op == CompareOp::Ne && !w.is_null(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc() -> Value {
        json!({
            "schemas": [CORE_USER, EXTENSION],
            "id": "usr_1",
            "userName": "bjensen",
            "displayName": "Babs",
            "name": {"formatted": "Babs"},
            "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
            "active": true,
            "roles": [{"value": "member", "primary": true}],
            EXTENSION: {"metadata": {"plan": "pro"}, "preferences": {}},
        })
    }

    fn patch(ops: Value) -> Result<Value, ScimError> {
        apply(&doc(), &json!({"schemas": [PATCH_OP], "Operations": ops}))
    }

    #[test]
    fn replace_with_and_without_path() {
        let got = patch(json!([{"op": "replace", "path": "displayName", "value": "B."}])).unwrap();
        assert_eq!(got["displayName"], "B.");
        let got = patch(json!([{"op": "Replace", "value": {"active": false, "userName": "bj"}}]))
            .unwrap();
        assert_eq!(
            (got["active"].clone(), got["userName"].clone()),
            (json!(false), json!("bj"))
        );
        let got =
            patch(json!([{"op": "replace", "path": "name.formatted", "value": "N"}])).unwrap();
        assert_eq!(got["name"]["formatted"], "N");
    }

    #[test]
    fn value_filters() {
        let got = patch(json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "n@example.com"}])).unwrap();
        assert_eq!(
            got["emails"],
            json!([{"value": "n@example.com", "type": "work", "primary": true}])
        );
        // No such email yet: it is added, of the type the filter named.
        let got = patch(json!([{"op": "replace", "path": "emails[type eq \"home\"].value", "value": "h@example.com"}])).unwrap();
        assert_eq!(
            got["emails"],
            json!([{"type": "home", "value": "h@example.com"}])
        );
        let got = patch(json!([{"op": "remove", "path": "emails[value co \"example\"]"}])).unwrap();
        assert_eq!(got["emails"], json!([]));
        let got = patch(
            json!([{"op": "replace", "path": "roles[primary eq true].value", "value": "admin"}]),
        )
        .unwrap();
        assert_eq!(got["roles"][0]["value"], "admin");
    }

    #[test]
    fn add_and_remove() {
        let got =
            patch(json!([{"op": "add", "path": "emails", "value": [{"value": "x@example.com"}]}]))
                .unwrap();
        assert_eq!(got["emails"], json!([{"value": "x@example.com"}]));
        let got = patch(json!([{"op": "add", "value": {"externalId": "e-9"}}])).unwrap();
        assert_eq!(got["externalId"], "e-9");
        let got = patch(json!([{"op": "remove", "path": "displayName"}])).unwrap();
        assert!(got.get("displayName").is_none());
        let got = patch(
            json!([{"op": "add", "path": format!("{EXTENSION}:metadata"), "value": {"seats": 3}}]),
        )
        .unwrap();
        assert_eq!(
            got[EXTENSION]["metadata"],
            json!({"plan": "pro", "seats": 3})
        );
        let got =
            patch(json!([{"op": "replace", "value": {EXTENSION: {"avatar": "https://a/b.png"}}}]))
                .unwrap();
        assert_eq!(got[EXTENSION]["avatar"], "https://a/b.png");
    }

    #[test]
    fn the_name_follows_whichever_of_its_two_attributes_changed() {
        let before = doc();
        let mut after =
            patch(json!([{"op": "replace", "path": "name.formatted", "value": "N"}])).unwrap();
        sync_name(&before, &mut after);
        assert_eq!(after["displayName"], "N");
        let mut after = patch(json!([{"op": "remove", "path": "displayName"}])).unwrap();
        sync_name(&before, &mut after);
        assert!(after.get("name").is_none() && after.get("displayName").is_none());
    }

    #[test]
    fn refusals_have_their_scim_type() {
        let t = |ops: Value| patch(ops).err().and_then(|e| e.scim_type);
        assert_eq!(t(json!([{"op": "remove"}])), Some("noTarget"));
        assert_eq!(
            t(json!([{"op": "remove", "path": "userName"}])),
            Some("mutability")
        );
        assert_eq!(
            t(json!([{"op": "replace", "path": "id", "value": "usr_x"}])),
            Some("mutability")
        );
        assert_eq!(
            t(json!([{"op": "replace", "path": "emails[type eq", "value": "x"}])),
            Some("invalidPath")
        );
        assert_eq!(
            t(json!([{"op": "move", "path": "x", "value": 1}])),
            Some("invalidSyntax")
        );
        assert_eq!(
            t(json!([{"op": "replace", "path": "displayName[x pr]", "value": 1}])),
            Some("invalidPath")
        );
        let no_schema = apply(&doc(), &json!({"Operations": []}))
            .err()
            .and_then(|e| e.scim_type);
        assert_eq!(no_schema, Some("invalidSyntax"));
    }
}
