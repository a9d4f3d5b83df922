-- Crease schema, SQLite. Never edit once applied: add a new migration instead.
-- Timestamps are TEXT in one fixed-width UTC form (YYYY-MM-DDTHH:MM:SS.ffffffZ) so that they
-- sort as text; src/store/sqlite.rs writes them. Unique violations are mapped by column list
-- in src/store/error.rs.

CREATE TABLE tournaments (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    season     TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    short_name TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE players (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    team_id    INTEGER REFERENCES teams (id),
    created_at TEXT NOT NULL
);
CREATE INDEX players_team_id_idx ON players (team_id);

CREATE TABLE matches (
    id            INTEGER PRIMARY KEY,
    tournament_id INTEGER REFERENCES tournaments (id),
    title         TEXT NOT NULL,
    venue         TEXT,
    starts_at     TEXT,
    -- crease_domain::MatchSetup as JSON text, read back with serde.
    setup         TEXT NOT NULL,
    -- The seq of the last event (0 before any), and the state it left: kept with the events
    -- in one transaction by the append.
    seq           INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'not_started',
    summary       TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX matches_status_idx ON matches (status);

-- Append-only: the truth from which everything else can be rebuilt.
CREATE TABLE match_events (
    match_id   INTEGER NOT NULL REFERENCES matches (id),
    seq        INTEGER NOT NULL CHECK (seq > 0),
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (match_id, seq)
) WITHOUT ROWID;
-- Commentary history reads balls only.
CREATE INDEX match_events_kind_idx ON match_events (match_id, kind, seq);

CREATE TABLE match_snapshots (
    match_id INTEGER PRIMARY KEY REFERENCES matches (id),
    seq      INTEGER NOT NULL,
    body     BLOB NOT NULL
);

CREATE TABLE scorer_tokens (
    id         INTEGER PRIMARY KEY,
    label      TEXT NOT NULL,
    -- SHA-256 of the plaintext, hex; the plaintext is never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE scorer_token_matches (
    token_id INTEGER NOT NULL REFERENCES scorer_tokens (id) ON DELETE CASCADE,
    match_id INTEGER NOT NULL REFERENCES matches (id),
    PRIMARY KEY (token_id, match_id)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
    match_id   INTEGER NOT NULL REFERENCES matches (id),
    key        TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    response   BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (match_id, key)
) WITHOUT ROWID;
