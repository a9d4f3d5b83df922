//! Scorer tokens: minting, checking, listing and revoking, the same statements on both
//! databases but for how a token's grants are inserted.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// `scorer_tokens!(Store, Connection, reader, writer)` implements, for `Store`, the scorer token
/// methods: reads on the `reader` pool, writes on the `writer` pool, a new token's grants
/// inserted by `Store::INSERT_GRANTS` with its ids bound as `Store::id_list` encodes them.
macro_rules! scorer_tokens {
    ($store:ty, $conn:ty, $reader:ident, $writer:ident) => {
        impl $store {
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
                let plaintext = tokens::new_token();
                let hash = tokens::token_hash(&plaintext);
                count("create_scorer_token");
                let mut tx = self.begin_write().await?;
                match Self::insert_token(&mut tx, label, &hash, &ids, expires_at).await {
                    Ok(id) => {
                        count("create_scorer_token");
                        tx.commit().await?;
                        Ok((id, plaintext))
                    }
                    Err(e) => {
                        count("create_scorer_token");
                        // Rolled back here rather than on drop, so the statement is counted and
                        // the connection is free for the next transaction at once.
                        let _ = tx.rollback().await;
                        Err(e)
                    }
                }
            }

            async fn insert_token(
                conn: &mut $conn,
                label: &str,
                hash: &str,
                match_ids: &[i64],
                expires_at: Option<DateTime<Utc>>,
            ) -> Result<i64, StoreError> {
                let now = Self::clock();
                count("create_scorer_token");
                let (id,): (i64,) = sqlx::query_as(&sql::insert_token(&now))
                    .bind(label)
                    .bind(hash)
                    .bind(expires_at.map(Self::time))
                    .bind_clock(&now)
                    .fetch_one(&mut *conn)
                    .await?;
                count("create_scorer_token");
                sqlx::query(Self::INSERT_GRANTS)
                    .bind(id)
                    .bind(Self::id_list(match_ids)?)
                    .execute(&mut *conn)
                    .await?;
                Ok(id)
            }

            /// Read on every call, never cached, so that a revocation holds at once everywhere.
            pub(super) async fn token_grant(
                &self,
                plaintext: &str,
                match_id: i64,
            ) -> Result<Grant, StoreError> {
                let now = Self::clock();
                count("token_grant");
                let row: Option<(bool, bool, bool)> = sqlx::query_as(&sql::token_grant(&now))
                    .bind(tokens::token_hash(plaintext))
                    .bind(match_id)
                    .bind_clock(&now)
                    .fetch_optional(&self.$reader)
                    .await?;
                Ok(Grant::of(row))
            }

            pub(super) async fn list_scorer_tokens(&self) -> Result<Vec<ScorerToken>, StoreError> {
                count("list_scorer_tokens");
                let rows: Vec<tokens::TokenRow> = sqlx::query_as(sql::LIST_TOKENS)
                    .fetch_all(&self.$reader)
                    .await?;
                count("list_scorer_tokens");
                let grants: Vec<(i64, i64)> = sqlx::query_as(sql::LIST_GRANTS)
                    .fetch_all(&self.$reader)
                    .await?;
                Ok(tokens::with_grants(rows, &grants))
            }

            /// Records that the token was used at `now_ms`, unless a use since `since_ms` was.
            pub(super) async fn touch_token(
                &self,
                plaintext: &str,
                (now_ms, since_ms): (i64, i64),
            ) -> Result<(), StoreError> {
                count("touch_token");
                sqlx::query(sql::TOUCH_TOKEN)
                    .bind(tokens::token_hash(plaintext))
                    .bind(now_ms)
                    .bind(since_ms)
                    .execute(&self.$writer)
                    .await?;
                Ok(())
            }

            pub(super) async fn revoke_scorer_token(&self, id: i64) -> Result<bool, StoreError> {
                let now = Self::clock();
                count("revoke_scorer_token");
                let done = sqlx::query(&sql::revoke_token(&now))
                    .bind(id)
                    .bind_clock(&now)
                    .execute(&self.$writer)
                    .await?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}

pub(super) use scorer_tokens;

/// What a scorer token may do for one match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// No such token.
    Unknown,
    /// A real token past its `expires_at`.
    Expired,
    /// A real token an admin revoked.
    Revoked,
    /// A real token, granted other matches only.
    OtherMatches,
    ThisMatch,
}

impl Grant {
    /// From the token's row, if any: whether it has expired, been revoked, and names the match.
    pub(super) fn of(row: Option<(bool, bool, bool)>) -> Self {
        match row {
            None => Grant::Unknown,
            Some((_, true, _)) => Grant::Revoked,
            Some((true, _, _)) => Grant::Expired,
            Some((_, _, true)) => Grant::ThisMatch,
            Some((_, _, false)) => Grant::OtherMatches,
        }
    }
}

/// A scorer token as an admin sees it: never the secret, nor its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScorerToken {
    pub id: i64,
    pub label: String,
    pub match_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it last authorized a request (to within a minute); never used, `None`.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A token's row without its grants.
#[derive(sqlx::FromRow)]
pub(super) struct TokenRow {
    id: i64,
    label: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_ms: Option<i64>,
}

/// Joins token rows (by id) with `(token_id, match_id)` grant rows (by token id, then match id).
pub(super) fn with_grants(rows: Vec<TokenRow>, grants: &[(i64, i64)]) -> Vec<ScorerToken> {
    rows.into_iter()
        .map(|r| {
            let from = grants.partition_point(|(t, _)| *t < r.id);
            let to = grants.partition_point(|(t, _)| *t <= r.id);
            ScorerToken {
                id: r.id,
                label: r.label,
                match_ids: grants[from..to].iter().map(|(_, m)| *m).collect(),
                created_at: r.created_at,
                expires_at: r.expires_at,
                revoked_at: r.revoked_at,
                last_used_at: r.last_used_ms.and_then(DateTime::from_timestamp_millis),
            }
        })
        .collect()
}

/// Random 32 bytes, hex: a scorer token's plaintext.
pub(super) fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// The stored form of a token: its SHA-256, hex.
pub(super) fn token_hash(plaintext: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}
