//! The tokens of `users_short` (migration 0008): every one- and
//! two-character piece of a folded name or email, as the hex of its UTF-8
//! bytes, and the query of a search too short for trigrams.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite};

use crate::model::{User, fold};
use crate::store::SearchIn;
use crate::store::row::{GramTally, fts_in, fts_phrase};

/// Needles shorter than this are answered by `users_short`, the rest by the
/// trigram index.
pub(super) const TRIGRAM: usize = 3;

/// `users_short`'s tokens of one folded column, as the migration's triggers
/// write them: for each character, its own hex, then that of it and the next
/// one. The bulk load writes these, the triggers later delete them: a
/// contentless FTS5 table can only delete what it was given, so both must
/// spell the same tokens (tested against the SQL).
pub(crate) fn grams(folded: &str) -> String {
    let chars: Vec<(usize, char)> = folded.char_indices().collect();
    let mut out = String::with_capacity(folded.len() * 7);
    for (i, &(at, c)) in chars.iter().enumerate() {
        push_hex(&mut out, &folded[at..at + c.len_utf8()]);
        if let Some(&(next, d)) = chars.get(i + 1) {
            push_hex(&mut out, &folded[at..next + d.len_utf8()]);
        }
    }
    out.pop();
    out
}

fn push_hex(out: &mut String, piece: &str) {
    // By table, not `write!`: a seed spells some seventy of these a user.
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in piece.bytes() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xF)]));
    }
    out.push(' ');
}

/// `short_counts.within` of a search: where its gram is counted.
pub(super) fn within(search_in: SearchIn) -> &'static str {
    match search_in {
        SearchIn::Both => "b",
        SearchIn::Name => "n",
        SearchIn::Email => "e",
    }
}

/// What a bulk load that put off `users_short`'s triggers writes itself: the
/// tokens of each user as it goes, and the tenants' gram counts at the end.
#[derive(Default)]
pub(super) struct ShortLoad {
    /// Per tenant.
    counts: HashMap<String, GramTally>,
}

/// A user as `users_short` sees it.
pub(super) struct Folded<'a> {
    pub(super) seq: i64,
    pub(super) tenant_id: &'a str,
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
}

/// Rows of `short_counts` one upsert sends (4 values each).
const COUNT_ROWS: usize = 2_000;

/// One user's row of `users_short`: its `seq` and the tokens of its name and email.
pub(super) type ShortRow = (i64, Option<String>, Option<String>);

impl ShortLoad {
    /// These users' rows of `users_short`; their grams are counted.
    pub(super) fn tokens<'a>(
        &mut self,
        rows: impl IntoIterator<Item = (i64, &'a User)>,
    ) -> Vec<ShortRow> {
        let folded = rows.into_iter().map(|(seq, u)| Folded {
            seq,
            tenant_id: &u.tenant_id,
            name: u.display_name.as_deref().map(fold),
            email: u.email.as_deref().map(fold),
        });
        self.tokens_folded(folded)
    }

    /// The same for rows whose name and email are folded already.
    pub(super) fn tokens_folded<'a>(
        &mut self,
        rows: impl IntoIterator<Item = Folded<'a>>,
    ) -> Vec<ShortRow> {
        rows.into_iter()
            .map(|r| {
                self.count(r.tenant_id, r.name.as_deref(), r.email.as_deref());
                (
                    r.seq,
                    r.name.as_deref().map(grams),
                    r.email.as_deref().map(grams),
                )
            })
            .collect()
    }

    /// The insert of these rows.
    pub(super) fn insert(rows: &[ShortRow]) -> QueryBuilder<'_, Sqlite> {
        let mut qb = QueryBuilder::new("INSERT INTO users_short (rowid, display_name, email) ");
        qb.push_values(rows, |mut b, (seq, name, email)| {
            b.push_bind(*seq)
                .push_bind(name.as_deref())
                .push_bind(email.as_deref());
        });
        qb
    }

    fn count(&mut self, tenant_id: &str, name: Option<&str>, email: Option<&str>) {
        if !self.counts.contains_key(tenant_id) {
            self.counts
                .insert(tenant_id.to_owned(), GramTally::new(TRIGRAM - 1));
        }
        if let Some(tally) = self.counts.get_mut(tenant_id) {
            tally.add(name, email);
        }
    }

    /// The upserts that add the counts to `short_counts`.
    pub(super) fn counts(&self) -> Vec<QueryBuilder<'_, Sqlite>> {
        let rows: Vec<(&str, &str, &str, i64)> = self
            .counts
            .iter()
            .flat_map(|(tenant, tally)| {
                tally
                    .counts()
                    .map(move |(gram, search_in, n)| (tenant.as_str(), gram, within(search_in), n))
            })
            .collect();
        rows.chunks(COUNT_ROWS)
            .map(|chunk| {
                let mut qb =
                    QueryBuilder::new("INSERT INTO short_counts (tenant_id, gram, within, n) ");
                qb.push_values(chunk, |mut b, &(tenant, gram, within, n)| {
                    b.push_bind(tenant)
                        .push_bind(gram)
                        .push_bind(within)
                        .push_bind(n);
                });
                qb.push(" ON CONFLICT (tenant_id, gram, within) DO UPDATE SET n = n + excluded.n");
                qb
            })
            .collect()
    }
}

/// The FTS5 query of a search of one or two characters in `users_short`, or
/// `None` when the needle is empty or long enough for trigrams.
pub(crate) fn short_query(needle: &str, search_in: SearchIn) -> Option<String> {
    let n = needle.chars().count();
    if n == 0 || n >= TRIGRAM {
        return None;
    }
    let mut token = String::new();
    push_hex(&mut token, &fold(needle));
    token.pop();
    Some(match search_in {
        SearchIn::Both => fts_phrase(&token),
        only => fts_in(only.fts_columns(), &token),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_and_pair() {
        assert_eq!(grams("li"), "6C 6C69 69");
        assert_eq!(grams(""), "");
        assert_eq!(grams("a"), "61");
        assert_eq!(grams("é b"), "C3A9 C3A920 20 2062 62");
    }

    #[test]
    fn pieces_are_the_distinct_grams() {
        let p = crate::store::row::distinct_grams("anna", 2);
        assert_eq!(p, ["a", "an", "n", "na", "nn"]);
        assert!(crate::store::row::distinct_grams("", 2).is_empty());
    }

    #[test]
    fn queries_by_length_and_column() {
        assert_eq!(
            short_query("Li", SearchIn::Both).as_deref(),
            Some("\"6C69\"")
        );
        assert_eq!(
            short_query("é", SearchIn::Email).as_deref(),
            Some("{email} : \"C3A9\"")
        );
        assert_eq!(short_query("", SearchIn::Both), None);
        assert_eq!(short_query("son", SearchIn::Both), None);
    }
}
