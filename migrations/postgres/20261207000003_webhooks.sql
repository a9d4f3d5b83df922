-- Webhooks: URLs told of wickets, boundaries, milestones, innings' ends, results and
-- corrections, for one match or every match of a tournament. Times are milliseconds since 1970
-- by the nodes' clocks, compared the same way on both databases, as the scoring lock's are.
CREATE TABLE webhooks (
    id            BIGSERIAL PRIMARY KEY,
    url           TEXT NOT NULL,
    -- Signs every delivery (HMAC-SHA256); shown to the admin once, when the hook is made.
    secret        TEXT NOT NULL,
    match_id      BIGINT REFERENCES matches (id) ON DELETE CASCADE,
    tournament_id BIGINT REFERENCES tournaments (id) ON DELETE CASCADE,
    -- The kinds wanted, each enclosed in commas: ",wicket,boundary,".
    kinds         TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    CHECK ((match_id IS NULL) <> (tournament_id IS NULL))
);
CREATE INDEX webhooks_match ON webhooks (match_id);
CREATE INDEX webhooks_tournament ON webhooks (tournament_id);

-- The durable queue and the delivery log in one: a row per hook per notice, written in the
-- transaction that stores the event, sent by one node at a time under a lease, in order per
-- hook, retried with backoff until it is delivered or has failed too often.
CREATE TABLE webhook_deliveries (
    id             BIGSERIAL PRIMARY KEY,
    webhook_id     BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    match_id       BIGINT NOT NULL,
    -- The event that gave rise to it.
    seq            BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    payload        TEXT NOT NULL,
    -- A retraction (kind 'retraction') names the delivery it takes back.
    retracts       BIGINT REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    -- pending, delivered or failed.
    status         TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_ms        BIGINT NOT NULL,
    lease_until_ms BIGINT NOT NULL DEFAULT 0,
    lease_token    TEXT,
    last_status    INTEGER,
    last_error     TEXT,
    created_ms     BIGINT NOT NULL,
    done_ms        BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_ms);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (match_id, seq);
