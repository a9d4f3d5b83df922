//! A match written out as a Cricsheet file, as its log stands: replayed on the replay thread,
//! in turn with past states, so an export never takes the live path's CPU.

use bytes::Bytes;
use crease_domain::cricsheet::{self, ExportInfo};

use super::past::game_of;
use super::{IngestError, PastError, Scoring};
use crate::store::MatchRow;

/// A match's Cricsheet file and the point of its history it was written at.
pub struct Exported {
    pub epoch: i64,
    pub seq: i64,
    pub body: Bytes,
}

impl Scoring {
    /// The match as a Cricsheet file, with the fixture facts the store keeps (its day, venue
    /// and tournament).
    pub async fn cricsheet(&self, match_id: i64) -> Result<Exported, PastError> {
        let _turn = self.past.wait_turn().await?;
        let row = self.match_row(match_id).await?;
        let info = self.export_info(&row).await?;
        let log = self.log_upto(match_id, row.seq).await?;
        let (epoch, seq, setup) = (row.epoch, row.seq, row.setup);
        let body = self
            .past
            .run(move || {
                let game = game_of(match_id, setup, log)?;
                serde_json::to_vec(&cricsheet::export(&game, &info))
                    .map_err(|e| IngestError::Internal(e.to_string()))
            })
            .await??;
        Ok(Exported {
            epoch,
            seq,
            body: Bytes::from(body),
        })
    }

    async fn export_info(&self, row: &MatchRow) -> Result<ExportInfo, IngestError> {
        let event_name = match row.tournament_id {
            Some(id) => self.store.get_tournament(id).await?.map(|t| t.name),
            None => None,
        };
        Ok(ExportInfo {
            created: chrono::Utc::now().format("%Y-%m-%d").to_string(),
            dates: row
                .starts_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .into_iter()
                .collect(),
            venue: row.venue.clone(),
            event_name,
            ..ExportInfo::default()
        })
    }
}
