//! The scoring lock: at most one scoring device per match holds it, renews it while it scores,
//! and hands it over or lets it lapse. Times are the nodes' clocks in milliseconds since 1970,
//! the same arithmetic on both databases; a lapse of tens of seconds dwarfs their skew.

use serde::Serialize;

/// Who holds a match's scoring lock, until when, and who asked to take over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ScoringLock {
    /// The holding device's id, as it sends it in `Scoring-Device`.
    pub holder: String,
    /// The holder's name for people: "Pavilion pad".
    pub label: String,
    pub since_ms: i64,
    pub expires_ms: i64,
    /// A device that asked for a hand-over, and its label.
    pub wanted_by: Option<String>,
    pub wanted_label: Option<String>,
}

impl ScoringLock {
    /// Held by someone now: not lapsed at `now_ms`.
    pub fn live_at(&self, now_ms: i64) -> bool {
        self.expires_ms > now_ms
    }
}

/// `scoring_locks!(Store, reader, writer)` implements, for `Store`, the scoring lock's
/// statements: reads on `reader`, writes on `writer`.
macro_rules! scoring_locks {
    ($store:ty, $reader:ident, $writer:ident) => {
        impl $store {
            /// Takes or renews the lock for `holder` until `expires_ms`, unless another device
            /// holds it past `now_ms`; `None` then.
            pub(super) async fn take_lock(
                &self,
                match_id: i64,
                (holder, label): (&str, &str),
                (now_ms, expires_ms): (i64, i64),
            ) -> Result<Option<ScoringLock>, StoreError> {
                count("take_lock");
                let row = sqlx::query_as(sql::TAKE_LOCK)
                    .bind(match_id)
                    .bind(holder)
                    .bind(label)
                    .bind(now_ms)
                    .bind(expires_ms)
                    .fetch_optional(&self.$writer)
                    .await?;
                Ok(row)
            }

            pub(super) async fn lock(
                &self,
                match_id: i64,
            ) -> Result<Option<ScoringLock>, StoreError> {
                count("lock");
                let row = sqlx::query_as(sql::GET_LOCK)
                    .bind(match_id)
                    .fetch_optional(&self.$reader)
                    .await?;
                Ok(row)
            }

            /// Releases the lock if `holder` holds it (any holder's, with `None`).
            pub(super) async fn release_lock(
                &self,
                match_id: i64,
                holder: Option<&str>,
            ) -> Result<bool, StoreError> {
                count("release_lock");
                let done = sqlx::query(sql::RELEASE_LOCK)
                    .bind(match_id)
                    .bind(holder)
                    .execute(&self.$writer)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            /// Marks that `asker` wants the lock, if another device holds it past `now_ms`.
            pub(super) async fn ask_for_lock(
                &self,
                match_id: i64,
                (asker, label): (&str, &str),
                now_ms: i64,
            ) -> Result<Option<ScoringLock>, StoreError> {
                count("ask_for_lock");
                let row = sqlx::query_as(sql::ASK_FOR_LOCK)
                    .bind(match_id)
                    .bind(asker)
                    .bind(label)
                    .bind(now_ms)
                    .fetch_optional(&self.$writer)
                    .await?;
                Ok(row)
            }
        }
    };
}

pub(super) use scoring_locks;
