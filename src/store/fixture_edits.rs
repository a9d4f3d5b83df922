//! Editing and deleting fixtures: the same statements on both databases. A fixture others
//! refer to (a tournament with matches, a team with players) is kept, and so is a match with
//! events: its events are the record of what happened.

/// `fixture_edits!(Store, writer)` implements, for `Store`, the fixture edits on its `writer`
/// pool.
macro_rules! fixture_edits {
    ($store:ty, $writer:ident) => {
        impl $store {
            pub(super) async fn update_tournament(
                &self,
                id: i64,
                t: &NewTournament,
            ) -> Result<Option<Tournament>, StoreError> {
                count("update_tournament");
                let row = sqlx::query_as(sql::UPDATE_TOURNAMENT)
                    .bind(id)
                    .bind(&t.name)
                    .bind(&t.season)
                    .fetch_optional(&self.$writer)
                    .await?;
                Ok(row)
            }

            pub(super) async fn update_team(
                &self,
                id: i64,
                t: &NewTeam,
            ) -> Result<Option<Team>, StoreError> {
                count("update_team");
                let row = sqlx::query_as(sql::UPDATE_TEAM)
                    .bind(id)
                    .bind(&t.name)
                    .bind(&t.short_name)
                    .fetch_optional(&self.$writer)
                    .await?;
                Ok(row)
            }

            pub(super) async fn update_player(
                &self,
                id: i64,
                p: &NewPlayer,
            ) -> Result<Option<Player>, StoreError> {
                count("update_player");
                let row = sqlx::query_as(sql::UPDATE_PLAYER)
                    .bind(id)
                    .bind(&p.name)
                    .bind(p.team_id)
                    .fetch_optional(&self.$writer)
                    .await?;
                Ok(row)
            }

            /// With `new_epoch`, the setup changes too, and only if the match has no event.
            pub(super) async fn update_match(
                &self,
                id: i64,
                m: &NewMatch,
                new_epoch: Option<i64>,
            ) -> Result<Option<MatchRow>, StoreError> {
                let now = Self::clock();
                count("update_match");
                let record: Option<MatchRecord> = match new_epoch {
                    None => {
                        sqlx::query_as(&sql::update_match_details(&now))
                            .bind(id)
                            .bind(m.tournament_id)
                            .bind(&m.title)
                            .bind(&m.venue)
                            .bind(m.starts_at.map(Self::time))
                            .bind_clock(&now)
                            .fetch_optional(&self.$writer)
                            .await?
                    }
                    Some(epoch) => {
                        let setup = serde_json::to_string(&m.setup).map_err(|e| {
                            StoreError::Other(format!("match setup does not serialize: {e}"))
                        })?;
                        sqlx::query_as(&sql::update_match_setup(&now))
                            .bind(id)
                            .bind(m.tournament_id)
                            .bind(&m.title)
                            .bind(&m.venue)
                            .bind(m.starts_at.map(Self::time))
                            .bind(setup)
                            .bind(epoch)
                            .bind_clock(&now)
                            .fetch_optional(&self.$writer)
                            .await?
                    }
                };
                record.map(MatchRow::try_from).transpose()
            }

            pub(super) async fn delete_tournament(&self, id: i64) -> Result<Deleted, StoreError> {
                self.delete_unless_used(id, sql::DELETE_TOURNAMENT, sql::TOURNAMENT_USERS)
                    .await
            }

            pub(super) async fn delete_team(&self, id: i64) -> Result<Deleted, StoreError> {
                self.delete_unless_used(id, sql::DELETE_TEAM, sql::TEAM_USERS)
                    .await
            }

            pub(super) async fn delete_player(&self, id: i64) -> Result<Deleted, StoreError> {
                self.delete_unless_used(id, sql::DELETE_PLAYER, sql::PLAYER_USERS)
                    .await
            }

            /// The match and its scorer-token grants, in one transaction.
            pub(super) async fn delete_match(&self, id: i64) -> Result<Deleted, StoreError> {
                count("delete_match");
                let mut tx = self.begin_write().await?;
                count("delete_match");
                sqlx::query(sql::DELETE_MATCH_GRANTS)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                count("delete_match");
                let gone = sqlx::query(sql::DELETE_MATCH)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                count("delete_match");
                tx.commit().await?;
                if gone > 0 {
                    return Ok(Deleted::Gone);
                }
                count("delete_match");
                let seq: Option<i64> = sqlx::query_scalar(sql::MATCH_USERS)
                    .bind(id)
                    .fetch_optional(&self.$writer)
                    .await?;
                Ok(seq.map_or(Deleted::Missing, Deleted::Kept))
            }

            /// Runs `delete`; when it removed nothing, `users` says whether the row is missing
            /// or how many rows still refer to it.
            async fn delete_unless_used(
                &self,
                id: i64,
                delete: &'static str,
                users: &'static str,
            ) -> Result<Deleted, StoreError> {
                count("delete_fixture");
                let gone = sqlx::query(delete)
                    .bind(id)
                    .execute(&self.$writer)
                    .await?
                    .rows_affected();
                if gone > 0 {
                    return Ok(Deleted::Gone);
                }
                count("delete_fixture");
                let used: Option<i64> = sqlx::query_scalar(users)
                    .bind(id)
                    .fetch_optional(&self.$writer)
                    .await?;
                Ok(used.map_or(Deleted::Missing, Deleted::Kept))
            }
        }
    };
}

pub(super) use fixture_edits;
