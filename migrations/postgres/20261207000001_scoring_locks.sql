-- The scoring lock: at most one device scores a match at a time. Times are milliseconds since
-- 1970 by the nodes' clocks, compared the same way on both databases.
CREATE TABLE scoring_locks (
    match_id BIGINT PRIMARY KEY REFERENCES matches (id) ON DELETE CASCADE,
    holder TEXT NOT NULL,
    label TEXT NOT NULL,
    since_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    wanted_by TEXT,
    wanted_label TEXT
);
