-- Each match's history has an epoch: milliseconds since 1970 when the history began, raised
-- (never reused) whenever a node finds that the caches hold a history this database does not
-- (a restore from a backup). Caches, messages and resume tokens compare (epoch, seq).
-- SQLite cannot add a column with a computed default, so existing rows are set here and new
-- matches are given their epoch by the store.
ALTER TABLE matches ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
UPDATE matches SET epoch = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER);
