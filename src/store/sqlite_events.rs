//! The event log on SQLite: the append transaction (its reads are in `event_reads`).

use sqlx::sqlite::SqliteConnection;

use super::error::SEQ_UNKNOWN;
use super::event_reads::event_reads;
use super::rows::now;
use super::sqlite::ts;
use super::{
    count, Append, Appended, SqliteStore, StoreError, StoredEvent, StoredResponse, StoredSnapshot,
};

impl SqliteStore {
    /// BEGIN IMMEDIATE, check seq, insert event, upsert snapshot, update the match, insert the
    /// idempotency row, COMMIT: one transaction, so the event, its snapshot and its idempotency
    /// record exist together or not at all. The write lock taken by BEGIN IMMEDIATE (behind the
    /// one-connection writer pool) serializes appends, so the seq read is still current at insert.
    #[tracing::instrument(skip_all, fields(match_id = a.match_id, seq = a.seq))]
    pub(super) async fn append(&self, a: &Append<'_>) -> Result<Appended, StoreError> {
        count("append");
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        match append_in(&mut tx, a).await {
            Ok(()) => {
                count("append");
                tx.commit().await?;
                Ok(Appended { seq: a.seq })
            }
            Err(e) => {
                count("append");
                let _ = tx.rollback().await;
                match e {
                    // The key clashed although the seq check passed (events ahead of
                    // `matches.seq`, which the write lock otherwise rules out): report the seq now.
                    StoreError::SeqConflict {
                        current: SEQ_UNKNOWN,
                    } => {
                        let current = self.current_seq_as("append", a.match_id).await?;
                        Err(StoreError::SeqConflict {
                            current: current.unwrap_or(0),
                        })
                    }
                    e => Err(e),
                }
            }
        }
    }
}

event_reads!(SqliteStore, reader, writer, "?1", "?2", "?3");

async fn append_in(conn: &mut SqliteConnection, a: &Append<'_>) -> Result<(), StoreError> {
    let now = ts(now());
    count("append");
    let (current, epoch): (i64, i64) =
        sqlx::query_as("SELECT seq, epoch FROM matches WHERE id = ?1")
            .bind(a.match_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
    if a.epoch.is_some_and(|e| e != epoch) {
        // Derived from a history this database no longer holds: the caller reloads.
        return Err(StoreError::SeqConflict { current });
    }
    if a.seq != current + 1 {
        // A retried request whose first attempt won is a replay, not a conflict.
        if let Some(keyed) = a.idempotency {
            count("append");
            let used: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE match_id = ?1 AND key = ?2)",
            )
            .bind(a.match_id)
            .bind(keyed.key)
            .fetch_one(&mut *conn)
            .await?;
            if used {
                return Err(StoreError::IdempotencyReplay);
            }
        }
        return Err(StoreError::SeqConflict { current });
    }

    count("append");
    sqlx::query(
        "INSERT INTO match_events (match_id, seq, kind, payload, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(a.match_id)
    .bind(a.seq)
    .bind(a.kind)
    .bind(a.payload)
    .bind(&now)
    .execute(&mut *conn)
    .await?;

    count("append");
    sqlx::query(
        "INSERT INTO match_snapshots (match_id, seq, body) VALUES (?1, ?2, ?3) \
         ON CONFLICT (match_id) DO UPDATE SET seq = excluded.seq, body = excluded.body \
         WHERE match_snapshots.seq < excluded.seq",
    )
    .bind(a.match_id)
    .bind(a.seq)
    .bind(a.snapshot)
    .execute(&mut *conn)
    .await?;

    count("append");
    sqlx::query(
        "UPDATE matches SET seq = ?2, status = ?3, summary = ?4, updated_at = ?5 WHERE id = ?1",
    )
    .bind(a.match_id)
    .bind(a.seq)
    .bind(a.status)
    .bind(a.summary)
    .bind(&now)
    .execute(&mut *conn)
    .await?;

    if let Some(keyed) = a.idempotency {
        count("append");
        sqlx::query(
            "INSERT INTO idempotency_keys (match_id, key, seq, response, fingerprint, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(a.match_id)
        .bind(keyed.key)
        .bind(a.seq)
        .bind(keyed.response)
        .bind(keyed.fingerprint)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    }

    Ok(())
}
