-- The request an Idempotency-Key was first used for (endpoint, body and principal, hashed), so
-- that the key reused for a different request is refused instead of answered with the first
-- response. Rows stored before this column have none and are answered as before.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT;
