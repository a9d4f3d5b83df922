-- Scorer tokens expire and can be revoked. Both stay NULL for tokens minted before this
-- migration (they never expire); a revoked token's row is kept, so the list shows who had it.
-- Timestamps are text in the store's one fixed-width UTC form, so text order is time order.
ALTER TABLE scorer_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE scorer_tokens ADD COLUMN revoked_at TEXT;
