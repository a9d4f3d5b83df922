//! Scorer tokens on SQLite: minting, checking, listing and revoking.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnection;

use super::rows::now;
use super::sqlite::ts;
use super::{
    count, new_token, token_hash, tokens_with_grants, Grant, ScorerToken, SqliteStore, StoreError,
    TokenRow,
};

impl SqliteStore {
    /// One transaction: the token row and its match grants appear together or not at all.
    pub(super) async fn create_scorer_token(
        &self,
        label: &str,
        match_ids: &[i64],
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(i64, String), StoreError> {
        let mut ids = match_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let ids = serde_json::to_string(&ids)
            .map_err(|e| StoreError::Other(format!("match ids do not serialize: {e}")))?;
        let plaintext = new_token();
        count("create_scorer_token");
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        match insert_token(&mut tx, label, &token_hash(&plaintext), &ids, expires_at).await {
            Ok(id) => {
                count("create_scorer_token");
                tx.commit().await?;
                Ok((id, plaintext))
            }
            Err(e) => {
                count("create_scorer_token");
                // Rolled back here rather than on drop, so the statement is counted and the
                // writer is free for the next transaction at once.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// Timestamps are fixed-width UTC text, so comparing the text compares the times.
    pub(super) async fn token_grant(
        &self,
        plaintext: &str,
        match_id: i64,
    ) -> Result<Grant, StoreError> {
        count("token_grant");
        let row: Option<(bool, bool, bool)> = sqlx::query_as(
            "SELECT COALESCE(t.expires_at <= ?3, 0), t.revoked_at IS NOT NULL, \
               EXISTS (SELECT 1 FROM scorer_token_matches m \
                       WHERE m.token_id = t.id AND m.match_id = ?2) \
             FROM scorer_tokens t WHERE t.token_hash = ?1",
        )
        .bind(token_hash(plaintext))
        .bind(match_id)
        .bind(ts(now()))
        .fetch_optional(&self.reader)
        .await?;
        Ok(Grant::of(row))
    }

    pub(super) async fn list_scorer_tokens(&self) -> Result<Vec<ScorerToken>, StoreError> {
        count("list_scorer_tokens");
        let rows: Vec<TokenRow> = sqlx::query_as(
            "SELECT id, label, created_at, expires_at, revoked_at FROM scorer_tokens ORDER BY id",
        )
        .fetch_all(&self.reader)
        .await?;
        count("list_scorer_tokens");
        let grants: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT token_id, match_id FROM scorer_token_matches ORDER BY token_id, match_id",
        )
        .fetch_all(&self.reader)
        .await?;
        Ok(tokens_with_grants(rows, &grants))
    }

    pub(super) async fn revoke_scorer_token(&self, id: i64) -> Result<bool, StoreError> {
        count("revoke_scorer_token");
        let done = sqlx::query(
            "UPDATE scorer_tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
        )
        .bind(id)
        .bind(ts(now()))
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// `match_ids` is a JSON array, expanded by `json_each` so the grants take one statement.
async fn insert_token(
    conn: &mut SqliteConnection,
    label: &str,
    hash: &str,
    match_ids: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<i64, StoreError> {
    count("create_scorer_token");
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO scorer_tokens (label, token_hash, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4) RETURNING id",
    )
    .bind(label)
    .bind(hash)
    .bind(ts(now()))
    .bind(expires_at.map(ts))
    .fetch_one(&mut *conn)
    .await?;
    count("create_scorer_token");
    sqlx::query(
        "INSERT INTO scorer_token_matches (token_id, match_id) \
         SELECT ?1, value FROM json_each(?2)",
    )
    .bind(id)
    .bind(match_ids)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}
