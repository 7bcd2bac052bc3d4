//! SCIM filters and PATCH paths (RFC 7644 §3.4.2.2, §3.5.2): a hand-written
//! recursive-descent parser into a small AST. Precedence: `not` binds
//! tightest, then `and`, then `or`; attribute names, operators and keywords
//! are case-insensitive.

use serde_json::Value;

/// `[urn:...:]attr[.sub]`, names as written (compare them ignoring case).
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub attr: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// `attr` or `attr.sub`, lower-cased, without the URN.
    pub fn key(&self) -> String {
        match &self.sub {
            Some(s) => format!("{}.{}", self.attr, s).to_ascii_lowercase(),
            None => self.attr.to_ascii_lowercase(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attr[filter]`: some value of the multi-valued `attr` matches.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// A PATCH operation's `path`: `attr[.sub]` or `attr[filter][.sub]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter (`emails[...].value`).
    pub sub: Option<String>,
}

/// Why a filter or path did not parse, in words for `detail`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Word(String),
    Str(String),
}

/// Longest filter read, in bytes; the URI limit keeps it shorter anyway.
const MAX_FILTER: usize = 4096;
/// Deepest nesting of parentheses and `not`s.
const MAX_DEPTH: usize = 32;

fn lex(input: &str) -> Result<Vec<Token>, ParseError> {
    if input.len() > MAX_FILTER {
        return Err(ParseError(format!("the filter is over {MAX_FILTER} bytes")));
    }
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                // A JSON string: find its end, then let serde_json unescape it.
                let mut end = None;
                let mut escaped = false;
                chars.next();
                for (j, d) in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        end = Some(j);
                        break;
                    }
                }
                let end = end.ok_or_else(|| ParseError("a string is not closed".into()))?;
                let s: String = serde_json::from_str(&input[i..=end])
                    .map_err(|e| ParseError(format!("a string is malformed: {e}")))?;
                out.push(Token::Str(s));
            }
            _ => {
                let start = i;
                let mut end = input.len();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace() || matches!(d, '(' | ')' | '[' | ']' | '"') {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                out.push(Token::Word(input[start..end].to_string()));
            }
        }
    }
    Ok(out)
}

/// `[urn:...:]attr[.sub]` from one word.
fn attr_path(word: &str) -> Result<AttrPath, ParseError> {
    let bad = || ParseError(format!("{word:?} is not an attribute path"));
    let (urn, rest) = if word.to_ascii_lowercase().starts_with("urn:") {
        let (urn, rest) = word.rsplit_once(':').ok_or_else(bad)?;
        (Some(urn.to_string()), rest)
    } else {
        (None, word)
    };
    let (attr, sub) = match rest.split_once('.') {
        Some((a, s)) => (a, Some(s)),
        None => (rest, None),
    };
    let name_ok = |n: &str| {
        n.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
    };
    if !name_ok(attr) || sub.is_some_and(|s| !name_ok(s)) {
        return Err(bad());
    }
    Ok(AttrPath {
        urn,
        attr: attr.to_string(),
        sub: sub.map(str::to_string),
    })
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn deeper(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError(format!(
                "the filter nests deeper than {MAX_DEPTH}"
            )));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Filter, ParseError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.next();
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, ParseError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.next();
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, ParseError> {
        if self.keyword("not") {
            self.next();
            self.deeper()?;
            if self.next() != Some(Token::Open) {
                return Err(ParseError("`not` must be followed by `(`".into()));
            }
            let inner = self.or()?;
            self.close(Token::Close, ")")?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Open) {
            self.next();
            self.deeper()?;
            let inner = self.or()?;
            self.close(Token::Close, ")")?;
            self.depth -= 1;
            return Ok(inner);
        }
        self.attr_exp()
    }

    fn close(&mut self, want: Token, shown: &str) -> Result<(), ParseError> {
        match self.next() {
            Some(t) if t == want => Ok(()),
            Some(t) => Err(ParseError(format!("expected `{shown}`, found {t:?}"))),
            None => Err(ParseError(format!("expected `{shown}` at the end"))),
        }
    }

    fn attr_exp(&mut self) -> Result<Filter, ParseError> {
        let word = match self.next() {
            Some(Token::Word(w)) => w,
            Some(t) => return Err(ParseError(format!("expected an attribute, found {t:?}"))),
            None => {
                return Err(ParseError(
                    "the filter ends where an attribute was expected".into(),
                ));
            }
        };
        let path = attr_path(&word)?;
        if self.peek() == Some(&Token::OpenBracket) {
            self.next();
            self.deeper()?;
            let inner = self.or()?;
            self.close(Token::CloseBracket, "]")?;
            self.depth -= 1;
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(inner),
            });
        }
        let op = match self.next() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("pr") => {
                return Ok(Filter::Present(path));
            }
            Some(Token::Word(w)) => CompareOp::parse(&w)
                .ok_or_else(|| ParseError(format!("{w:?} is not an operator")))?,
            _ => return Err(ParseError(format!("expected an operator after {word:?}"))),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Value::String(s),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => serde_json::from_str::<serde_json::Number>(&w)
                    .map(Value::Number)
                    .map_err(|_| ParseError(format!("{w:?} is not a value (quote strings)")))?,
            },
            _ => return Err(ParseError(format!("expected a value after {word:?}"))),
        };
        Ok(Filter::Compare { path, op, value })
    }
}

/// Parses a whole filter.
pub fn parse(input: &str) -> Result<Filter, ParseError> {
    let mut p = Parser {
        tokens: lex(input)?,
        at: 0,
        depth: 0,
    };
    if p.tokens.is_empty() {
        return Err(ParseError("the filter is empty".into()));
    }
    let f = p.or()?;
    match p.peek() {
        None => Ok(f),
        Some(t) => Err(ParseError(format!("unexpected {t:?} after the filter"))),
    }
}

/// Parses a PATCH path.
pub fn parse_path(input: &str) -> Result<PatchPath, ParseError> {
    let input = input.trim();
    let Some(open) = input.find('[') else {
        return Ok(PatchPath {
            attr: attr_path(input)?,
            filter: None,
            sub: None,
        });
    };
    let close = input
        .rfind(']')
        .filter(|&c| c > open)
        .ok_or_else(|| ParseError(format!("{input:?}: `[` is not closed")))?;
    let attr = attr_path(&input[..open])?;
    if attr.sub.is_some() {
        return Err(ParseError(format!(
            "{input:?}: a value filter follows an attribute, not a sub-attribute"
        )));
    }
    let filter = parse(&input[open + 1..close])?;
    let rest = &input[close + 1..];
    let sub = match rest.strip_prefix('.') {
        Some(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            Some(s.to_string())
        }
        None if rest.is_empty() => None,
        _ => return Err(ParseError(format!("{input:?}: unexpected {rest:?}"))),
    };
    Ok(PatchPath {
        attr,
        filter: Some(filter),
        sub,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn path(attr: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: None,
            attr: attr.into(),
            sub: sub.map(str::to_string),
        }
    }

    fn cmp(attr: &str, op: CompareOp, v: Value) -> Filter {
        Filter::Compare {
            path: path(attr, None),
            op,
            value: v,
        }
    }

    #[test]
    fn every_operator_parses() {
        for (word, op) in [
            ("eq", CompareOp::Eq),
            ("NE", CompareOp::Ne),
            ("co", CompareOp::Co),
            ("sw", CompareOp::Sw),
            ("Ew", CompareOp::Ew),
            ("gt", CompareOp::Gt),
            ("ge", CompareOp::Ge),
            ("lt", CompareOp::Lt),
            ("le", CompareOp::Le),
        ] {
            assert_eq!(
                parse(&format!("userName {word} \"bj\"")).unwrap(),
                cmp("userName", op, json!("bj"))
            );
        }
        assert_eq!(
            parse("title pr").unwrap(),
            Filter::Present(path("title", None))
        );
    }

    #[test]
    fn values_are_strings_booleans_null_and_numbers() {
        assert_eq!(
            parse("active eq TRUE").unwrap(),
            cmp("active", CompareOp::Eq, json!(true))
        );
        assert_eq!(
            parse("x eq null").unwrap(),
            cmp("x", CompareOp::Eq, Value::Null)
        );
        assert_eq!(
            parse("x gt 1.5").unwrap(),
            cmp("x", CompareOp::Gt, json!(1.5))
        );
        assert_eq!(
            parse(r#"x eq "a \"q\" \u00e9""#).unwrap(),
            cmp("x", CompareOp::Eq, json!("a \"q\" é"))
        );
        assert!(parse("x eq bare").is_err());
    }

    #[test]
    fn not_binds_tighter_than_and_and_and_than_or() {
        let got = parse(r#"a eq "1" or b eq "2" and not (c pr)"#).unwrap();
        let want = Filter::Or(
            Box::new(cmp("a", CompareOp::Eq, json!("1"))),
            Box::new(Filter::And(
                Box::new(cmp("b", CompareOp::Eq, json!("2"))),
                Box::new(Filter::Not(Box::new(Filter::Present(path("c", None))))),
            )),
        );
        assert_eq!(got, want);
    }

    #[test]
    fn parentheses_group() {
        let got = parse(r#"(a eq "1" or b eq "2") and c pr"#).unwrap();
        assert!(matches!(got, Filter::And(l, _) if matches!(*l, Filter::Or(..))));
    }

    #[test]
    fn urns_and_sub_attributes() {
        let got =
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.formatted sw "J""#).unwrap();
        let Filter::Compare { path, .. } = got else {
            panic!("{got:?}")
        };
        assert_eq!(
            path.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:core:2.0:User")
        );
        assert_eq!(path.key(), "name.formatted");
    }

    #[test]
    fn value_paths() {
        let got = parse(r#"emails[type eq "work" and value co "@example.com"]"#).unwrap();
        let Filter::ValuePath { path, filter } = got else {
            panic!("{got:?}")
        };
        assert_eq!(path.key(), "emails");
        assert!(matches!(*filter, Filter::And(..)));
    }

    #[test]
    fn malformed_filters_are_refused() {
        for bad in [
            "",
            "userName",
            "userName eq",
            "userName zz \"x\"",
            "(userName eq \"x\"",
            "userName eq \"x\")",
            "not userName eq \"x\"",
            "userName eq \"x\" and",
            "userName eq \"unclosed",
            "1abc eq \"x\"",
            "emails[type eq \"work\"",
            "a eq \"1\" b eq \"2\"",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        let deep = format!("{}a pr{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn patch_paths() {
        assert_eq!(
            parse_path("name.formatted").unwrap(),
            PatchPath {
                attr: path("name", Some("formatted")),
                filter: None,
                sub: None
            }
        );
        let p = parse_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(p.attr.key(), "emails");
        assert_eq!(p.sub.as_deref(), Some("value"));
        assert_eq!(p.filter, Some(cmp("type", CompareOp::Eq, json!("work"))));
        let ext = parse_path("urn:raven:params:scim:schemas:extension:2.0:User:metadata").unwrap();
        assert_eq!(
            ext.attr.urn.as_deref(),
            Some("urn:raven:params:scim:schemas:extension:2.0:User")
        );
        assert!(parse_path("emails[type eq \"work\"]x").is_err());
        assert!(parse_path("name.formatted[x pr]").is_err());
    }
}
