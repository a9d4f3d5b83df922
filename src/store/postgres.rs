//! PostgreSQL store (skeleton; bodies follow).

use super::{
    Append, Appended, MatchRow, NewMatch, NewPlayer, NewTeam, NewTournament, Player, StoreError,
    StoreOptions, StoredEvent, StoredSnapshot, Team, Tournament,
};

#[derive(Clone)]
pub struct PgStore {}

#[allow(unused_variables, clippy::unused_async)]
impl PgStore {
    pub(super) async fn connect(url: &str, opts: &StoreOptions) -> Result<Self, StoreError> {
        todo!()
    }
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        todo!()
    }
    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        todo!()
    }
    pub(super) async fn close(&self) {
        todo!()
    }
    pub(super) async fn create_tournament(
        &self,
        t: &NewTournament,
    ) -> Result<Tournament, StoreError> {
        todo!()
    }
    pub(super) async fn list_tournaments(&self) -> Result<Vec<Tournament>, StoreError> {
        todo!()
    }
    pub(super) async fn create_team(&self, t: &NewTeam) -> Result<Team, StoreError> {
        todo!()
    }
    pub(super) async fn list_teams(&self) -> Result<Vec<Team>, StoreError> {
        todo!()
    }
    pub(super) async fn create_player(&self, p: &NewPlayer) -> Result<Player, StoreError> {
        todo!()
    }
    pub(super) async fn list_players(
        &self,
        team_id: Option<i64>,
    ) -> Result<Vec<Player>, StoreError> {
        todo!()
    }
    pub(super) async fn create_match(&self, m: &NewMatch) -> Result<MatchRow, StoreError> {
        todo!()
    }
    pub(super) async fn get_match(&self, id: i64) -> Result<Option<MatchRow>, StoreError> {
        todo!()
    }
    pub(super) async fn list_matches(&self) -> Result<Vec<MatchRow>, StoreError> {
        todo!()
    }
    pub(super) async fn create_scorer_token(
        &self,
        label: &str,
        match_ids: &[i64],
    ) -> Result<(i64, String), StoreError> {
        todo!()
    }
    pub(super) async fn token_may_score(
        &self,
        plaintext: &str,
        match_id: i64,
    ) -> Result<bool, StoreError> {
        todo!()
    }
    pub(super) async fn append(&self, a: &Append<'_>) -> Result<Appended, StoreError> {
        todo!()
    }
    pub(super) async fn events_after(
        &self,
        match_id: i64,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        todo!()
    }
    pub(super) async fn balls(
        &self,
        match_id: i64,
        since_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        todo!()
    }
    pub(super) async fn snapshot(
        &self,
        match_id: i64,
    ) -> Result<Option<StoredSnapshot>, StoreError> {
        todo!()
    }
    pub(super) async fn idempotent_response(
        &self,
        match_id: i64,
        key: &str,
    ) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        todo!()
    }
    pub(super) async fn current_seq(&self, match_id: i64) -> Result<Option<i64>, StoreError> {
        todo!()
    }
    pub(super) async fn live_match_ids(&self) -> Result<Vec<i64>, StoreError> {
        todo!()
    }
}
