//! A deleted match leaves every tier: L1 and Redis here, and on every other node through the
//! bus, which carries a position newer than any copy of the match, so none is served again.

use bytes::Bytes;

use super::SnapshotCache;
use crate::bus::BusMessage;

impl SnapshotCache {
    /// Forgets the match, which the database no longer has; `epoch` is newer than any it had.
    pub async fn forget(&self, match_id: i64, epoch: i64) {
        self.l1.note(match_id, epoch, 0);
        self.list.clear();
        if let Some(link) = &self.redis {
            if let Err(e) = self.redis_tier.delete(link, match_id).await {
                tracing::warn!(match_id, error = %e, "a deleted match's Redis snapshot could not be removed; nodes that heard of the deletion will not serve it");
            }
        }
        if let Some(bus) = self.announce.get() {
            bus.publish(BusMessage {
                match_id,
                seq: 0,
                epoch,
                payload: Bytes::from(format!(
                    r#"{{"type":"deleted","match_id":{match_id},"seq":0,"epoch":{epoch}}}"#
                )),
            });
        }
    }
}
