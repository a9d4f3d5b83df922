//! Fixtures (tournaments, teams, players, matches): the same statements on both databases.

/// `fixtures!(Store, reader, writer)` implements, for `Store`, the fixture methods: reads on the
/// `reader` pool, writes on the `writer` pool, rows stamped by `Store::clock()` and timestamps
/// bound as `Store::time` encodes them.
macro_rules! fixtures {
    ($store:ty, $reader:ident, $writer:ident) => {
        impl $store {
            pub(super) async fn ping(&self) -> Result<(), StoreError> {
                count("ping");
                sqlx::query(sql::PING).execute(&self.$reader).await?;
                Ok(())
            }

            pub(super) async fn create_tournament(
                &self,
                t: &NewTournament,
            ) -> Result<Tournament, StoreError> {
                let now = Self::clock();
                count("create_tournament");
                let row = sqlx::query_as(&sql::insert_tournament(&now))
                    .bind(&t.name)
                    .bind(&t.season)
                    .bind_clock(&now)
                    .fetch_one(&self.$writer)
                    .await?;
                Ok(row)
            }

            pub(super) async fn list_tournaments(&self) -> Result<Vec<Tournament>, StoreError> {
                count("list_tournaments");
                let rows = sqlx::query_as(sql::LIST_TOURNAMENTS)
                    .fetch_all(&self.$reader)
                    .await?;
                Ok(rows)
            }

            pub(super) async fn get_tournament(
                &self,
                id: i64,
            ) -> Result<Option<Tournament>, StoreError> {
                count("get_tournament");
                Ok(sqlx::query_as(sql::GET_TOURNAMENT)
                    .bind(id)
                    .fetch_optional(&self.$reader)
                    .await?)
            }

            pub(super) async fn create_team(&self, t: &NewTeam) -> Result<Team, StoreError> {
                let now = Self::clock();
                count("create_team");
                let row = sqlx::query_as(&sql::insert_team(&now))
                    .bind(&t.name)
                    .bind(&t.short_name)
                    .bind_clock(&now)
                    .fetch_one(&self.$writer)
                    .await?;
                Ok(row)
            }

            pub(super) async fn list_teams(&self) -> Result<Vec<Team>, StoreError> {
                count("list_teams");
                let rows = sqlx::query_as(sql::LIST_TEAMS)
                    .fetch_all(&self.$reader)
                    .await?;
                Ok(rows)
            }

            pub(super) async fn create_player(&self, p: &NewPlayer) -> Result<Player, StoreError> {
                let now = Self::clock();
                count("create_player");
                let row = sqlx::query_as(&sql::insert_player(&now))
                    .bind(&p.name)
                    .bind(p.team_id)
                    .bind_clock(&now)
                    .fetch_one(&self.$writer)
                    .await?;
                Ok(row)
            }

            pub(super) async fn list_players(
                &self,
                team_id: Option<i64>,
            ) -> Result<Vec<Player>, StoreError> {
                count("list_players");
                let rows = sqlx::query_as(sql::LIST_PLAYERS)
                    .bind(team_id)
                    .fetch_all(&self.$reader)
                    .await?;
                Ok(rows)
            }

            pub(super) async fn create_match(&self, m: &NewMatch) -> Result<MatchRow, StoreError> {
                let setup = serde_json::to_string(&m.setup).map_err(|e| {
                    StoreError::Other(format!("match setup does not serialize: {e}"))
                })?;
                let now = Self::clock();
                count("create_match");
                let record: MatchRecord = sqlx::query_as(&sql::insert_match(&now))
                    .bind(m.tournament_id)
                    .bind(&m.title)
                    .bind(&m.venue)
                    .bind(m.starts_at.map(Self::time))
                    .bind(setup)
                    .bind(NOT_STARTED)
                    .bind(new_epoch(0))
                    .bind_clock(&now)
                    .fetch_one(&self.$writer)
                    .await?;
                record.try_into()
            }

            pub(super) async fn get_match(&self, id: i64) -> Result<Option<MatchRow>, StoreError> {
                count("get_match");
                let record: Option<MatchRecord> = sqlx::query_as(sql::GET_MATCH)
                    .bind(id)
                    .fetch_optional(&self.$reader)
                    .await?;
                record.map(MatchRow::try_from).transpose()
            }

            pub(super) async fn list_matches(&self) -> Result<Vec<MatchRow>, StoreError> {
                count("list_matches");
                let records = sqlx::query_as(sql::LIST_MATCHES)
                    .bind(LIVE_STATUSES[0])
                    .bind(LIVE_STATUSES[1])
                    .bind(NOT_STARTED)
                    .fetch_all(&self.$reader)
                    .await?;
                match_rows(records)
            }

            pub(super) async fn live_match_ids(&self) -> Result<Vec<i64>, StoreError> {
                count("live_match_ids");
                let ids = sqlx::query_scalar(sql::LIVE_MATCH_IDS)
                    .bind(LIVE_STATUSES[0])
                    .bind(LIVE_STATUSES[1])
                    .fetch_all(&self.$reader)
                    .await?;
                Ok(ids)
            }
        }
    };
}

pub(super) use fixtures;
