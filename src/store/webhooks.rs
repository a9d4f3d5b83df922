//! Webhooks and their deliveries: the hooks an admin registers, the durable queue of what to
//! send them (written in the transaction that stores the event that gave rise to it), its
//! claiming by one node at a time under a lease, and the delivery log. Times are the nodes'
//! clocks in milliseconds since 1970, as the scoring lock's are.

use serde::Serialize;

/// A registered hook, as the admin sees it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub match_id: Option<i64>,
    pub tournament_id: Option<i64>,
    /// Stored enclosed in commas (",wicket,boundary,"); see [`Webhook::kind_list`].
    #[serde(skip)]
    pub kinds: String,
    pub created_ms: i64,
}

impl Webhook {
    pub fn kind_list(&self) -> Vec<&str> {
        self.kinds.split(',').filter(|k| !k.is_empty()).collect()
    }
}

pub struct NewWebhook<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub match_id: Option<i64>,
    pub tournament_id: Option<i64>,
    pub kinds: &'a [&'a str],
    pub created_ms: i64,
}

/// One line of a hook's delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DeliveryLog {
    pub id: i64,
    pub match_id: i64,
    pub seq: i64,
    pub kind: String,
    pub retracts: Option<i64>,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_ms: i64,
    pub next_ms: i64,
    pub done_ms: Option<i64>,
}

/// A delivery this node has claimed, with what it needs to send it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub webhook_id: i64,
    pub match_id: i64,
    pub seq: i64,
    pub kind: String,
    pub payload: String,
    pub retracts: Option<i64>,
    /// The kind of the delivery a retraction takes back.
    pub retracted_kind: Option<String>,
    pub attempts: i32,
    pub url: String,
    pub secret: String,
}

/// How a claimed delivery went.
pub enum Sent<'a> {
    Delivered {
        status: i32,
        at_ms: i64,
    },
    /// Not delivered: try again at `retry_ms`, unless it was queued before `give_up_before_ms`.
    Failed {
        status: Option<i32>,
        error: &'a str,
        retry_ms: i64,
        give_up_before_ms: i64,
    },
}

/// A notice to queue for every hook of the match that wants its kind, within an append.
#[derive(Debug, Clone, Copy)]
pub struct Notify<'a> {
    pub kind: &'a str,
    pub payload: &'a str,
}

/// `webhooks!(Store, reader, writer)` implements, for `Store`, the webhook statements: reads
/// on `reader`, writes on `writer`.
macro_rules! webhooks {
    ($store:ty, $reader:ident, $writer:ident) => {
        impl $store {
            pub(super) async fn create_webhook(
                &self,
                w: &NewWebhook<'_>,
            ) -> Result<Webhook, StoreError> {
                count("create_webhook");
                let kinds = format!(",{},", w.kinds.join(","));
                let row = sqlx::query_as(sql::CREATE_WEBHOOK)
                    .bind(w.url)
                    .bind(w.secret)
                    .bind(w.match_id)
                    .bind(w.tournament_id)
                    .bind(kinds)
                    .bind(w.created_ms)
                    .fetch_one(&self.$writer)
                    .await?;
                Ok(row)
            }

            pub(super) async fn list_webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
                count("list_webhooks");
                Ok(sqlx::query_as(sql::LIST_WEBHOOKS)
                    .fetch_all(&self.$reader)
                    .await?)
            }

            pub(super) async fn get_webhook(&self, id: i64) -> Result<Option<Webhook>, StoreError> {
                count("get_webhook");
                Ok(sqlx::query_as(sql::GET_WEBHOOK)
                    .bind(id)
                    .fetch_optional(&self.$reader)
                    .await?)
            }

            pub(super) async fn delete_webhook(&self, id: i64) -> Result<bool, StoreError> {
                count("delete_webhook");
                let done = sqlx::query(sql::DELETE_WEBHOOK)
                    .bind(id)
                    .execute(&self.$writer)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            pub(super) async fn webhook_deliveries(
                &self,
                webhook_id: i64,
                limit: i64,
            ) -> Result<Vec<DeliveryLog>, StoreError> {
                count("webhook_deliveries");
                Ok(sqlx::query_as(sql::WEBHOOK_DELIVERIES)
                    .bind(webhook_id)
                    .bind(limit)
                    .fetch_all(&self.$reader)
                    .await?)
            }

            /// Leases up to `limit` due deliveries, the oldest pending of each hook, to `token`
            /// until `now_ms + lease_ms`, and returns them.
            pub(super) async fn claim_deliveries(
                &self,
                now_ms: i64,
                lease_ms: i64,
                token: &str,
                limit: i64,
            ) -> Result<Vec<Claimed>, StoreError> {
                count("claim_deliveries");
                let claimed = sqlx::query(sql::CLAIM_DELIVERIES)
                    .bind(now_ms)
                    .bind(now_ms + lease_ms)
                    .bind(token)
                    .bind(limit)
                    .execute(&self.$writer)
                    .await?;
                if claimed.rows_affected() == 0 {
                    return Ok(vec![]);
                }
                Ok(sqlx::query_as(sql::CLAIMED)
                    .bind(token)
                    .fetch_all(&self.$writer)
                    .await?)
            }

            /// Forgets up to `limit` finished deliveries made before `before_ms`; returns how
            /// many went.
            pub(super) async fn prune_deliveries(
                &self,
                before_ms: i64,
                limit: i64,
            ) -> Result<u64, StoreError> {
                count("prune_deliveries");
                let done = sqlx::query(sql::PRUNE_DELIVERIES)
                    .bind(before_ms)
                    .bind(limit)
                    .execute(&self.$writer)
                    .await?;
                Ok(done.rows_affected())
            }

            /// Records how a delivery went, if `token` still holds its lease.
            pub(super) async fn finish_delivery(
                &self,
                id: i64,
                token: &str,
                sent: &Sent<'_>,
            ) -> Result<bool, StoreError> {
                count("finish_delivery");
                let done = match sent {
                    Sent::Delivered { status, at_ms } => {
                        sqlx::query(sql::DELIVERED)
                            .bind(id)
                            .bind(token)
                            .bind(*status)
                            .bind(*at_ms)
                            .execute(&self.$writer)
                            .await?
                    }
                    Sent::Failed {
                        status,
                        error,
                        retry_ms,
                        give_up_before_ms,
                    } => {
                        sqlx::query(sql::NOT_DELIVERED)
                            .bind(id)
                            .bind(token)
                            .bind(*status)
                            .bind(*error)
                            .bind(*retry_ms)
                            .bind(*give_up_before_ms)
                            .execute(&self.$writer)
                            .await?
                    }
                };
                Ok(done.rows_affected() > 0)
            }
        }
    };
}

pub(super) use webhooks;
