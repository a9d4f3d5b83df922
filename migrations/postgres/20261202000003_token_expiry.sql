-- Scorer tokens expire and can be revoked. Both stay NULL for tokens minted before this
-- migration (they never expire); a revoked token's row is kept, so the list shows who had it.
ALTER TABLE scorer_tokens
    ADD COLUMN expires_at TIMESTAMPTZ,
    ADD COLUMN revoked_at TIMESTAMPTZ;
