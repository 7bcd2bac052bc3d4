//! What "case-insensitive" means for search: Unicode's simple case folding
//! (CaseFolding.txt, statuses C and S), one character for one, for every
//! needle length and in both stores. It is the folding SQLite's FTS5 trigram
//! index applies to needles of three characters and more, so shorter needles,
//! compared against the folded `name_fold` / `email_fold` columns, find the
//! same users, and so does PostgreSQL, which searches those columns.
//!
//! What that decides:
//! - `Σ`, `σ` and the final `ς` are one letter; so are `ǅ`, `Ǆ` and `ǆ`, and
//!   `Ä` and `ä`. Folding is not accent-stripping: `a` does not find `ä`.
//! - One-to-many foldings are not made: `ß` is not `ss`.
//! - Turkish dotted `İ` has no simple folding and is found only by `İ`;
//!   dotless `ı` is a letter of its own (mapping them to `i` is the Turkic
//!   rule, and a tenant has no language to choose it by).

/// The simple case fold of `s`, for comparing and indexing.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| {
            unicode_case_mapping::case_folded(c)
                .and_then(|folded| char::from_u32(folded.get()))
                .unwrap_or(c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_beyond_ascii() {
        assert_eq!(fold("ÄNNE Müller"), "änne müller");
        assert_eq!(fold("ΣΊΣΥΦΟΣ"), fold("σίσυφος"));
        assert_eq!(fold("ς"), "σ");
        assert_eq!(fold("ǅ"), "ǆ");
        assert_eq!(fold("Ǆ"), "ǆ");
        assert_eq!(fold("ẞ"), "ß");
        assert_eq!(fold("Straße"), "straße");
    }

    #[test]
    fn turkish_i_as_decided() {
        assert_eq!(fold("İ"), "İ");
        assert_eq!(fold("ı"), "ı");
        assert_eq!(fold("I"), "i");
    }
}
