-- Each match's history has an epoch: milliseconds since 1970 when the history began, raised
-- (never reused) whenever a node finds that the caches hold a history this database does not
-- (a restore from a backup, a failover to a replica that lagged). Redis, L1, messages and
-- resume tokens compare (epoch, seq), so a restored database's seqs are never mistaken for
-- the lost ones. A volatile default is evaluated per row, here and for every new match.
ALTER TABLE matches
    ADD COLUMN epoch BIGINT NOT NULL
    DEFAULT (floor(extract(epoch FROM clock_timestamp()) * 1000))::BIGINT;
