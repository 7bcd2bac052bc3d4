//! Finds a key that a JSON object holds twice. serde_json keeps the last of
//! them without a word, so `{"role":"viewer","role":"admin"}` would mean
//! whatever the parser that reads it decides: such a body is refused instead.

use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The path (`metadata.plan`, `tags[2].id`) of the first key an object in
/// `json` repeats, or `None`. Invalid JSON is the parser's error.
pub fn first_duplicate_key(json: &[u8]) -> Result<Option<String>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let found = Walk {
        path: String::new(),
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(found)
}

/// One value of the document, at `path`; answers the first duplicate under it.
struct Walk {
    path: String,
}

impl Walk {
    fn child(&self, key: &str) -> Walk {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        Walk { path }
    }
}

impl<'de> DeserializeSeed<'de> for Walk {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        let mut i = 0;
        while let Some(inner) = seq.next_element_seed(Walk {
            path: format!("{}[{i}]", self.path),
        })? {
            found = found.or(inner);
            i += 1;
        }
        Ok(found)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = HashSet::new();
        let mut found = None;
        // Every entry is still walked after a find, so the parser sees the whole
        // document and a syntax error later on is reported as such.
        while let Some(key) = map.next_key::<String>()? {
            let child = self.child(&key);
            if !seen.insert(key) && found.is_none() {
                found = Some(child.path.clone());
            }
            let inner = map.next_value_seed(child)?;
            found = found.or(inner);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::first_duplicate_key;

    #[test]
    fn names_the_first_repeated_key_by_its_path() {
        let found = |s: &str| first_duplicate_key(s.as_bytes()).unwrap();
        assert_eq!(found(r#"{"a":1,"b":2}"#), None);
        assert_eq!(
            found(r#"{"role":"viewer","role":"admin"}"#),
            Some("role".into())
        );
        assert_eq!(
            found(r#"{"metadata":{"plan":"pro","plan":"free"}}"#),
            Some("metadata.plan".into())
        );
        assert_eq!(
            found(r#"{"m":{"l":[{"x":1},{"y":1,"y":2}]}}"#),
            Some("m.l[1].y".into())
        );
        // The same key in two different objects is no duplicate.
        assert_eq!(found(r#"{"a":{"k":1},"b":{"k":1}}"#), None);
        assert_eq!(found(r#"{"n":12345678901234567890123,"f":1.5e300}"#), None);
    }

    #[test]
    fn invalid_json_is_still_a_syntax_error() {
        assert!(first_duplicate_key(br#"{"a":1,"a":2"#).is_err());
        assert!(first_duplicate_key(br#"{"a":1} x"#).is_err());
    }
}
