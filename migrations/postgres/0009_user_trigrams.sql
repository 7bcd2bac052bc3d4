-- Searches of 3 characters or more, wherever they read `users` itself (the
-- matches of a needle of 4+, the sorted fallback of one of 3): a trigram index
-- without pg_trgm's word splitting. pg_trgm breaks text into words at every character that is not a
-- letter or a digit and pads each word, so the trigrams of a needle like
-- `ena m` or `eo-yeon_` are mostly word edges that half of all users hold: the
-- exact total of such a search rechecked a large share of the tenant on the
-- heap (p99 622 ms at a million users; docs/BENCHMARKS.md, finding 14).
--
-- The keys of a user are the hashes of every 3-character substring of the
-- folded name and, apart (no substring across the two), of the folded email,
-- each hashed with the tenant's id, so one key's posting list holds one
-- tenant's users only. A user holds every key of a needle it contains, so
-- `keys @> needle's keys` never misses a match; hash collisions and trigrams
-- found in the other field only add candidates, which the exact LIKE drops
-- (src/store/pg_search.rs, `push_needle_probe`). `hashtext` is the hash of
-- PostgreSQL's own hash indexes, which pg_upgrade keeps, so it does not change
-- under the index.
CREATE FUNCTION user_trigram_keys(tenant TEXT, name_fold TEXT, email_fold TEXT)
RETURNS INT4[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- Dear next to a LIKE: a plan should read the index, not compute it per row.
COST 1000
AS $$
    SELECT COALESCE(array_agg(DISTINCT hashtext(tenant || substr(s, i, 3))), '{}')
    FROM unnest(ARRAY[name_fold, email_fold]) AS s, generate_series(1, length(s) - 2) AS i
$$;

CREATE INDEX users_trigram_keys ON users
    USING gin (user_trigram_keys(tenant_id, name_fold, email_fold));
