//! Interruptions: play stops (rain, bad light, a meal or drinks break, an injury) and resumes.
//! While it is stopped no ball can be scored; the summary line says why and since when.

use super::Match;
use crate::event::{Interruption, Resumption};
use crate::law::LawViolation;
use crate::live::{MatchStatus, Stoppage};

/// Longest reason the scorer may give for a stoppage.
const MAX_REASON: usize = 80;

impl Match {
    pub(super) fn apply_interruption(&mut self, i: &Interruption) -> Result<(), LawViolation> {
        if self.live.status == MatchStatus::Finished {
            return self.law(LawViolation::MatchOver);
        }
        check_time(&i.at)?;
        if i.reason
            .as_ref()
            .is_some_and(|r| r.trim().is_empty() || r.chars().count() > MAX_REASON)
        {
            return Err(LawViolation::InvalidEvent(
                "a stoppage's reason is 1 to 80 characters",
            ));
        }
        if self.live.interruption.is_some() {
            return Err(LawViolation::InvalidEvent("play is already suspended"));
        }
        let inn = self
            .live
            .current_innings
            .and_then(|idx| self.live.innings.get(idx));
        let what = match (&i.reason, i.cause) {
            (Some(r), crate::event::InterruptionCause::Other) => r.trim().to_string(),
            _ => i.cause.label().to_string(),
        };
        self.live.interruption = Some(Stoppage {
            cause: i.cause,
            reason: i.reason.as_ref().map(|r| r.trim().to_string()),
            innings: inn.map_or(0, |inn| inn.number),
            overs: inn.map_or_else(|| "0".to_string(), |inn| inn.overs.clone()),
            since: i.at.clone(),
            until: None,
            text: format!("{what}: play suspended since {}", i.at),
        });
        Ok(())
    }

    pub(super) fn apply_resumption(&mut self, r: &Resumption) -> Result<(), LawViolation> {
        check_time(&r.at)?;
        let Some(mut s) = self.live.interruption.take() else {
            return Err(LawViolation::InvalidEvent("play is not suspended"));
        };
        s.until = Some(r.at.clone());
        self.live.stoppages.push(s);
        Ok(())
    }
}

/// A time of day as the scorebook writes it: "HH:MM", 00:00 to 23:59.
fn check_time(at: &str) -> Result<(), LawViolation> {
    // ASCII first, so that the byte slices below fall on character boundaries.
    let ok = at.is_ascii()
        && at.len() == 5
        && at.as_bytes()[2] == b':'
        && at[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && at[3..].parse::<u8>().is_ok_and(|m| m < 60)
        && at[..2]
            .bytes()
            .chain(at[3..].bytes())
            .all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(LawViolation::InvalidEvent(
            "a time is the ground's clock as HH:MM, 00:00 to 23:59",
        ))
    }
}
