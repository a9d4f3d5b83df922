//! Fixtures for the admin token: tournaments, teams, players, and matches with their XIs.
//! Scorer tokens are in `tokens`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use crease_domain::{FreeHits, MatchFormat, MatchSetup, TeamSheet};
use serde::{Deserialize, Serialize};

use super::auth::require_admin;
use super::extract::{ApiJson, ApiQuery, BearerToken};
use super::read::MatchView;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::store::{NewMatch, NewPlayer, NewTeam, NewTournament};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/tournaments",
            get(list_tournaments).post(create_tournament),
        )
        .route("/api/teams", get(list_teams).post(create_team))
        .route("/api/players", get(list_players).post(create_player))
        .route("/api/matches", get(list_matches).post(create_match))
}

const MAX_NAME: usize = 80;
/// A squad is an XI plus a few: a bound on what one fixture can make every snapshot carry.
const MAX_SQUAD: usize = 16;

/// A fixture name as the document's schema gives it: the length and the control characters are
/// those of the string sent, so that a schema can say them; only the stored value is trimmed.
pub(super) fn name(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() || value.chars().count() > MAX_NAME || value.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            field,
            format!("{field} must be 1 to {MAX_NAME} printable characters"),
        ));
    }
    Ok(v.to_owned())
}

pub(super) fn created<T: serde::Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TournamentRequest {
    pub(super) name: String,
    #[serde(default)]
    pub(super) season: Option<String>,
}

async fn create_tournament(
    State(state): State<AppState>,
    token: BearerToken,
    ApiJson(req): ApiJson<TournamentRequest>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let t = new_tournament(&req)?;
    Ok(created(state.store.create_tournament(&t).await?))
}

pub(super) fn new_tournament(req: &TournamentRequest) -> Result<NewTournament, ApiError> {
    Ok(NewTournament {
        name: name("name", &req.name)?,
        season: req
            .season
            .as_deref()
            .map(|s| name("season", s))
            .transpose()?,
    })
}

async fn list_tournaments(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.store.list_tournaments().await?).into_response())
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TeamRequest {
    name: String,
    #[serde(default)]
    short_name: Option<String>,
    /// Players to create in the team at once.
    #[serde(default)]
    players: Vec<String>,
}

async fn create_team(
    State(state): State<AppState>,
    token: BearerToken,
    ApiJson(req): ApiJson<TeamRequest>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    if req.players.len() > 2 * MAX_SQUAD {
        return Err(ApiError::invalid_field("players", "too many players"));
    }
    let players = req
        .players
        .iter()
        .enumerate()
        .map(|(i, p)| name(&format!("players[{i}]"), p))
        .collect::<Result<Vec<_>, _>>()?;
    let team = state
        .store
        .create_team(&new_team(&req.name, req.short_name.as_deref())?)
        .await?;
    let mut created_players = Vec::with_capacity(players.len());
    for p in players {
        created_players.push(
            state
                .store
                .create_player(&NewPlayer {
                    name: p,
                    team_id: Some(team.id),
                })
                .await?,
        );
    }
    Ok(created(serde_json::json!({
        "id": team.id, "name": team.name, "short_name": team.short_name, "players": created_players
    })))
}

async fn list_teams(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.store.list_teams().await?).into_response())
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PlayerRequest {
    pub(super) name: String,
    #[serde(default)]
    pub(super) team_id: Option<i64>,
}

async fn create_player(
    State(state): State<AppState>,
    token: BearerToken,
    ApiJson(req): ApiJson<PlayerRequest>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let p = new_player(&req)?;
    Ok(created(state.store.create_player(&p).await?))
}

pub(super) fn new_team(team: &str, short_name: Option<&str>) -> Result<NewTeam, ApiError> {
    Ok(NewTeam {
        name: name("name", team)?,
        short_name: short_name.map(|s| name("short_name", s)).transpose()?,
    })
}

pub(super) fn new_player(req: &PlayerRequest) -> Result<NewPlayer, ApiError> {
    Ok(NewPlayer {
        name: name("name", &req.name)?,
        team_id: req.team_id,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlayersQuery {
    #[serde(default)]
    team_id: Option<i64>,
}

async fn list_players(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PlayersQuery>,
) -> Result<Response, ApiError> {
    Ok(Json(state.store.list_players(q.team_id).await?).into_response())
}

async fn list_matches(State(state): State<AppState>) -> Result<Response, ApiError> {
    let body = match state.cache.list.get() {
        Some(body) => body,
        None => {
            let viewers = &state.hubs.viewers;
            let views: Vec<MatchView> = state
                .store
                .list_matches()
                .await?
                .into_iter()
                .map(MatchView::from)
                .map(|mut v| {
                    v.viewers = viewers.total(v.id).unwrap_or(0);
                    v
                })
                .collect();
            viewers.listed(views.iter().filter(|v| v.live).map(|v| v.id).collect());
            let body = bytes::Bytes::from(
                serde_json::to_vec(&views).map_err(|e| ApiError::Internal(e.to_string()))?,
            );
            state.cache.list.put(body.clone());
            body
        }
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("public, max-age=1"),
    );
    Ok(res)
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SquadRequest {
    name: String,
    players: Vec<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MatchRequest {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    tournament_id: Option<i64>,
    #[serde(default)]
    venue: Option<String>,
    #[serde(default)]
    starts_at: Option<chrono::DateTime<chrono::Utc>>,
    format: MatchFormat,
    teams: [SquadRequest; 2],
    /// Overs per innings; defaults by format (ODI 50, T20 20); absent for a Test.
    #[serde(default)]
    overs: Option<u16>,
    #[serde(default)]
    balls_per_over: Option<u8>,
    /// Playing conditions that differ by competition and era; each defaults by format.
    #[serde(default)]
    free_hit: Option<FreeHits>,
    #[serde(default)]
    noball_runs: Option<u8>,
    #[serde(default)]
    max_consecutive_overs: Option<u8>,
    #[serde(default)]
    bowler_quota_overs: Option<u16>,
    /// Innings a side bats: 2 in a Test (its default) or a two-innings limited-overs match.
    #[serde(default)]
    innings_per_side: Option<u8>,
    /// The first-innings lead that allows the follow-on (Law 14.1), in a two-innings match.
    #[serde(default)]
    follow_on_lead: Option<u32>,
}

fn setup_from(req: &MatchRequest) -> Result<MatchSetup, ApiError> {
    let mut sheets = Vec::with_capacity(2);
    for (t, squad) in req.teams.iter().enumerate() {
        let team_name = name(&format!("teams[{t}].name"), &squad.name)?;
        if !(2..=MAX_SQUAD).contains(&squad.players.len()) {
            return Err(ApiError::invalid_field(
                format!("teams[{t}].players"),
                format!("a side has 2 to {MAX_SQUAD} players"),
            ));
        }
        let mut players: Vec<String> = Vec::with_capacity(squad.players.len());
        for (i, p) in squad.players.iter().enumerate() {
            let field = format!("teams[{t}].players[{i}]");
            let p = name(&field, p)?;
            if players.contains(&p) {
                return Err(ApiError::inconsistent(
                    field,
                    format!("{p} is listed twice"),
                ));
            }
            players.push(p);
        }
        sheets.push(TeamSheet {
            name: team_name,
            players,
        });
    }
    if sheets[0].name == sheets[1].name {
        return Err(ApiError::inconsistent(
            "teams[1].name",
            "the two teams must differ",
        ));
    }
    let teams: [TeamSheet; 2] = [sheets.remove(0), sheets.remove(0)];
    let mut setup = match (req.format, req.overs) {
        (MatchFormat::Test, None) => MatchSetup::test(teams),
        (MatchFormat::Test, Some(_)) => {
            return Err(ApiError::inconsistent("overs", "a Test has no over limit"))
        }
        (format, overs) => {
            let overs = overs.unwrap_or(match format {
                MatchFormat::Odi => 50,
                _ => 20,
            });
            if !(1..=100).contains(&overs) {
                return Err(ApiError::invalid_field("overs", "overs must be 1 to 100"));
            }
            MatchSetup::limited_overs(format, teams, overs)
        }
    };
    if let Some(bpo) = req.balls_per_over {
        if !(4..=10).contains(&bpo) {
            return Err(ApiError::invalid_field(
                "balls_per_over",
                "balls per over must be 4 to 10",
            ));
        }
        setup.balls_per_over = bpo;
    }
    conditions(req, &mut setup)?;
    Ok(setup)
}

/// The playing conditions the request names, within what real competitions use.
fn conditions(req: &MatchRequest, setup: &mut MatchSetup) -> Result<(), ApiError> {
    if let Some(free_hit) = req.free_hit {
        setup.free_hit = free_hit;
    }
    if let Some(n) = req.noball_runs {
        if !(1..=2).contains(&n) {
            return Err(ApiError::invalid_field(
                "noball_runs",
                "a no-ball is worth 1 or 2 runs",
            ));
        }
        setup.noball_runs = n;
    }
    if let Some(n) = req.max_consecutive_overs {
        if !(1..=2).contains(&n) {
            return Err(ApiError::invalid_field(
                "max_consecutive_overs",
                "a bowler may bowl 1 or 2 overs in a row",
            ));
        }
        setup.max_consecutive_overs = n;
    }
    if let Some(q) = req.bowler_quota_overs {
        let Some(overs) = setup.overs_per_innings else {
            return Err(ApiError::inconsistent(
                "bowler_quota_overs",
                "a Test has no bowler quota",
            ));
        };
        if q == 0 {
            return Err(ApiError::invalid_field(
                "bowler_quota_overs",
                "a bowler's quota is at least 1 over",
            ));
        }
        if q > overs {
            return Err(ApiError::inconsistent(
                "bowler_quota_overs",
                format!("a bowler's quota is 1 to {overs} overs"),
            ));
        }
        setup.bowler_quota_overs = Some(q);
    }
    if let Some(n) = req.innings_per_side {
        if !(1..=2).contains(&n) {
            return Err(ApiError::invalid_field(
                "innings_per_side",
                "a side bats 1 or 2 innings",
            ));
        }
        setup.innings_per_side = n;
    }
    if let Some(lead) = req.follow_on_lead {
        if setup.innings_per_side < 2 {
            return Err(ApiError::inconsistent(
                "follow_on_lead",
                "only a match of two innings a side has a follow-on",
            ));
        }
        if !(75..=200).contains(&lead) {
            return Err(ApiError::invalid_field(
                "follow_on_lead",
                "the follow-on lead is 75 to 200 runs (Law 14.1)",
            ));
        }
        setup.follow_on_lead = Some(lead);
    }
    Ok(())
}

async fn create_match(
    State(state): State<AppState>,
    token: BearerToken,
    ApiJson(req): ApiJson<MatchRequest>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let row = state.store.create_match(&new_match(&req)?).await?;
    state.cache.list.clear();
    Ok(created(MatchView::from(row)))
}

pub(super) fn new_match(req: &MatchRequest) -> Result<NewMatch, ApiError> {
    let setup = setup_from(req)?;
    let title = match &req.title {
        Some(t) => name("title", t)?,
        None => format!("{} v {}", setup.teams[0].name, setup.teams[1].name),
    };
    let venue = req.venue.as_deref().map(|v| name("venue", v)).transpose()?;
    Ok(NewMatch {
        tournament_id: req.tournament_id,
        title,
        venue,
        starts_at: req.starts_at,
        setup,
    })
}
