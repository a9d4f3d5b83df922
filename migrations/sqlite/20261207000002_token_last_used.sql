-- When each scorer token was last used, in milliseconds since 1970 by the node's clock: written
-- at most once a minute per token and node, so scoring does not write a row per ball for it.
ALTER TABLE scorer_tokens ADD COLUMN last_used_ms BIGINT;
