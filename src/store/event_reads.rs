//! The event log's reads: the same statements on both databases, from the pool that serves
//! reads.

/// `event_reads!(Store, reader, writer)` implements, for `Store`, the reads of events, balls,
/// the snapshot, an idempotent response and the current seq on the `reader` pool, and the
/// one-statement epoch change on the `writer` pool.
macro_rules! event_reads {
    ($store:ty, $pool:ident, $writer:ident) => {
        impl $store {
            #[tracing::instrument(skip_all, fields(match_id = match_id))]
            pub(super) async fn events_after(
                &self,
                match_id: i64,
                after_seq: i64,
                limit: i64,
            ) -> Result<Vec<StoredEvent>, StoreError> {
                count("events_after");
                let rows = sqlx::query_as(sql::EVENTS_AFTER)
                    .bind(match_id)
                    .bind(after_seq)
                    .bind(limit.max(0))
                    .fetch_all(&self.$pool)
                    .await?;
                Ok(rows)
            }

            #[tracing::instrument(skip_all, fields(match_id = match_id))]
            pub(super) async fn snapshot(
                &self,
                match_id: i64,
            ) -> Result<Option<StoredSnapshot>, StoreError> {
                count("snapshot");
                let row = sqlx::query_as(sql::SNAPSHOT)
                    .bind(match_id)
                    .fetch_optional(&self.$pool)
                    .await?;
                Ok(row)
            }

            #[tracing::instrument(skip_all, fields(match_id = match_id))]
            pub(super) async fn idempotent_response(
                &self,
                match_id: i64,
                key: &str,
            ) -> Result<Option<StoredResponse>, StoreError> {
                count("idempotent_response");
                let row = sqlx::query_as(sql::IDEMPOTENT_RESPONSE)
                    .bind(match_id)
                    .bind(key)
                    .fetch_optional(&self.$pool)
                    .await?;
                Ok(row)
            }

            #[tracing::instrument(skip_all, fields(match_id = match_id))]
            pub(super) async fn current_seq(
                &self,
                match_id: i64,
            ) -> Result<Option<i64>, StoreError> {
                self.current_seq_as("current_seq", match_id).await
            }

            #[tracing::instrument(skip_all, fields(match_id = match_id))]
            pub(super) async fn bump_epoch(
                &self,
                match_id: i64,
                from: i64,
                to: i64,
            ) -> Result<Option<(i64, bool)>, StoreError> {
                count("bump_epoch");
                let moved = sqlx::query(sql::MOVE_EPOCH)
                    .bind(match_id)
                    .bind(from)
                    .bind(to)
                    .execute(&self.$writer)
                    .await?
                    .rows_affected()
                    == 1;
                count("bump_epoch");
                let now: Option<i64> = sqlx::query_scalar(sql::EPOCH)
                    .bind(match_id)
                    .fetch_optional(&self.$writer)
                    .await?;
                Ok(now.map(|e| (e, moved)))
            }

            /// The match's seq, counted as a query of `op`.
            async fn current_seq_as(
                &self,
                op: &'static str,
                match_id: i64,
            ) -> Result<Option<i64>, StoreError> {
                count(op);
                let seq = sqlx::query_scalar(sql::CURRENT_SEQ)
                    .bind(match_id)
                    .fetch_optional(&self.$pool)
                    .await?;
                Ok(seq)
            }
        }
    };
}

pub(super) use event_reads;
