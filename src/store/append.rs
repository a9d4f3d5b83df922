//! The event log's one write, the append transaction, the same on both databases but for how
//! it serializes racing appends and whom it tells.

/// `append!(Store, Connection)` implements, for `Store`, `append` over the dialect's hooks:
/// `begin_write` opens the transaction, `LOCK_MATCH` reads the match's seq and epoch and holds
/// racing appends back until commit, `clock` stamps the rows and `announce` tells listeners.
macro_rules! append {
    ($store:ty, $conn:ty) => {
        impl $store {
            /// BEGIN, read the match's seq under the lock, insert the event, upsert the snapshot,
            /// update the match, insert the idempotency row, queue the webhook deliveries,
            /// announce, COMMIT: one transaction, so the event, its snapshot, its idempotency
            /// record and its deliveries exist together or not at all, and an announcement is
            /// delivered only if the commit succeeds.
            #[tracing::instrument(skip_all, fields(match_id = a.match_id, seq = a.seq))]
            pub(super) async fn append(&self, a: &Append<'_>) -> Result<Appended, StoreError> {
                count("append");
                let mut tx = self.begin_write().await?;
                match Self::append_in(&mut tx, a).await {
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
                            // `matches.seq`, which the lock otherwise rules out): report the
                            // seq now.
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

            async fn append_in(conn: &mut $conn, a: &Append<'_>) -> Result<(), StoreError> {
                let now = Self::clock();
                count("append");
                let (current, epoch): (i64, i64) = sqlx::query_as(Self::LOCK_MATCH)
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
                        let used: bool = sqlx::query_scalar(sql::KEY_USED)
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
                sqlx::query(&sql::insert_event(&now))
                    .bind(a.match_id)
                    .bind(a.seq)
                    .bind(a.kind)
                    .bind(a.payload)
                    .bind_clock(&now)
                    .execute(&mut *conn)
                    .await?;

                count("append");
                sqlx::query(sql::UPSERT_SNAPSHOT)
                    .bind(a.match_id)
                    .bind(a.seq)
                    .bind(a.snapshot)
                    .execute(&mut *conn)
                    .await?;

                count("append");
                sqlx::query(&sql::update_progress(&now))
                    .bind(a.match_id)
                    .bind(a.seq)
                    .bind(a.status)
                    .bind(a.summary)
                    .bind_clock(&now)
                    .execute(&mut *conn)
                    .await?;

                if let Some(keyed) = a.idempotency {
                    count("append");
                    sqlx::query(&sql::insert_key(&now))
                        .bind(a.match_id)
                        .bind(keyed.key)
                        .bind(a.seq)
                        .bind(keyed.response)
                        .bind(keyed.fingerprint)
                        .bind_clock(&now)
                        .execute(&mut *conn)
                        .await?;
                }

                Self::enqueue(conn, a, a.seq, a.notices).await?;
                if let Some(taken_back) = a.retracts {
                    count("append");
                    sqlx::query(sql::ENQUEUE_RETRACTIONS)
                        .bind(a.match_id)
                        .bind(a.seq)
                        .bind(taken_back)
                        .bind(a.now_ms)
                        .execute(&mut *conn)
                        .await?;
                }
                // After the retractions, which would otherwise take them back at once.
                if let Some((seq, put_in)) = a.put_in {
                    Self::enqueue(conn, a, seq, put_in).await?;
                }

                Self::announce(conn, a, epoch).await
            }

            /// Queues `notices`, told as the event at `seq`'s, for every hook that wants each.
            async fn enqueue(
                conn: &mut $conn,
                a: &Append<'_>,
                seq: i64,
                notices: &[super::webhooks::Notify<'_>],
            ) -> Result<(), StoreError> {
                for n in notices {
                    count("append");
                    sqlx::query(sql::ENQUEUE_NOTICE)
                        .bind(a.match_id)
                        .bind(seq)
                        .bind(n.kind)
                        .bind(n.payload)
                        .bind(a.now_ms)
                        .bind(format!("%,{},%", n.kind))
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            }
        }
    };
}

pub(super) use append;
