-- The delivery log is pruned of old finished deliveries. A delivery removed takes its
-- retractions with it (ON DELETE CASCADE), and both the pruning and the cascade look a
-- delivery's retractions up by the delivery they name.
CREATE INDEX webhook_deliveries_retracts ON webhook_deliveries (retracts);
