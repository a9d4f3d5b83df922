-- Crease schema, PostgreSQL. Never edit once applied: add a new migration instead.
-- Constraint names are spelled out because src/store/error.rs maps violations by name.

CREATE TABLE tournaments (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    season     TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE teams (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    short_name TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT teams_name_key UNIQUE (name)
);

CREATE TABLE players (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    team_id    BIGINT REFERENCES teams (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX players_team_id_idx ON players (team_id);

CREATE TABLE matches (
    id            BIGSERIAL PRIMARY KEY,
    tournament_id BIGINT REFERENCES tournaments (id),
    title         TEXT NOT NULL,
    venue         TEXT,
    starts_at     TIMESTAMPTZ,
    -- crease_domain::MatchSetup as JSON text, read back with serde.
    setup         TEXT NOT NULL,
    -- The seq of the last event (0 before any), and the state it left: kept with the events
    -- in one transaction by the append.
    seq           BIGINT NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'not_started',
    summary       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX matches_status_idx ON matches (status);

-- Append-only: the truth from which everything else can be rebuilt.
CREATE TABLE match_events (
    match_id   BIGINT NOT NULL REFERENCES matches (id),
    seq        BIGINT NOT NULL CHECK (seq > 0),
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT match_events_pkey PRIMARY KEY (match_id, seq)
);
-- Commentary history reads balls only.
CREATE INDEX match_events_kind_idx ON match_events (match_id, kind, seq);

CREATE TABLE match_snapshots (
    match_id BIGINT NOT NULL REFERENCES matches (id),
    seq      BIGINT NOT NULL,
    body     BYTEA NOT NULL,
    CONSTRAINT match_snapshots_pkey PRIMARY KEY (match_id)
);

CREATE TABLE scorer_tokens (
    id         BIGSERIAL PRIMARY KEY,
    label      TEXT NOT NULL,
    -- SHA-256 of the plaintext, hex; the plaintext is never stored.
    token_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT scorer_tokens_token_hash_key UNIQUE (token_hash)
);

CREATE TABLE scorer_token_matches (
    token_id BIGINT NOT NULL REFERENCES scorer_tokens (id) ON DELETE CASCADE,
    match_id BIGINT NOT NULL REFERENCES matches (id),
    CONSTRAINT scorer_token_matches_pkey PRIMARY KEY (token_id, match_id)
);

CREATE TABLE idempotency_keys (
    match_id   BIGINT NOT NULL REFERENCES matches (id),
    key        TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    response   BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (match_id, key)
);
