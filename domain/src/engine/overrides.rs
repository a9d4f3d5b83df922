//! The umpires' word recorded: an event that stands although the Laws checks refused it is said
//! so in the commentary and kept in the snapshot's audit trail.

use super::state::overs_text;
use super::Match;
use crate::event::MatchEvent;
use crate::law::LawViolation;
use crate::live::{CommentaryLine, OverrideNote, COMMENTARY_KEPT};

impl Match {
    /// Records that `event`, just applied, stands by the umpires' decision for `reason`.
    pub(super) fn note_override(
        &mut self,
        event: &MatchEvent,
        refused: &LawViolation,
        reason: &str,
    ) {
        let innings = self.live.innings.last().map_or(0, |i| i.number);
        let ball = match event {
            // The delivery's own commentary line says it, so a reader sees it beside the ball.
            MatchEvent::Ball(_) => match self.live.commentary.last_mut() {
                Some(line) => {
                    line.text
                        .push_str(&format!(" (umpires' decision: {reason})"));
                    line.ball.clone()
                }
                None => String::new(),
            },
            _ => {
                let bpo = u32::from(self.setup.balls_per_over);
                let ball = self.st.inns.last().map_or_else(String::new, |c| {
                    overs_text(c.completed_overs, c.balls_in_over_shown(bpo))
                });
                self.live.commentary.push(CommentaryLine {
                    innings,
                    ball: ball.clone(),
                    text: format!("Umpires' decision: {refused}, but it stands ({reason})"),
                });
                if self.live.commentary.len() > COMMENTARY_KEPT {
                    let extra = self.live.commentary.len() - COMMENTARY_KEPT;
                    self.live.commentary.drain(..extra);
                }
                ball
            }
        };
        self.live.overrides.push(OverrideNote {
            innings,
            ball,
            kind: event.kind().to_string(),
            rule: refused.code().to_string(),
            refused: refused.to_string(),
            reason: reason.to_string(),
        });
    }
}
