//! The Redis tier: each match's snapshot bytes at `{prefix}match:{id}:live` (on a cluster
//! `{prefix}{match:ID}:live`, in its channel's slot), only ever replaced by a newer `(epoch, seq)`.

use bytes::Bytes;
use redis::Script;

use crate::redis_link::{LinkError, RedisLink};

/// Compare-and-set on the snapshot's own `(epoch, seq)`. The body's first `"seq"` and
/// `"epoch"` keys are its top-level ones (snapshots are written `{"match_id":…,"seq":…,
/// "epoch":…,…}`; a body from before epochs has none, read as epoch 0), so one key holds
/// everything and the script works unchanged on Redis Cluster. Answers `{written, epoch, seq}`
/// with what Redis held when it refused: the same position with other bytes is refused too,
/// since one `(epoch, seq)` has one state and two means two histories.
const SET_IF_NEWER: &str = r#"
local cur = redis.call('GET', KEYS[1])
if cur then
  local seq = tonumber(string.match(cur, '"seq":(%d+)')) or -1
  local epoch = tonumber(string.match(cur, '"epoch":(%d+)')) or 0
  local new_epoch, new_seq = tonumber(ARGV[1]), tonumber(ARGV[2])
  if epoch > new_epoch or (epoch == new_epoch and seq >= new_seq) then
    if epoch == new_epoch and seq == new_seq and cur == ARGV[3] then return {1, epoch, seq} end
    return {0, epoch, seq}
  end
end
redis.call('SET', KEYS[1], ARGV[3])
return {1, 0, 0}
"#;

/// What a compare-and-set did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// Written, or Redis already held these very bytes.
    Written,
    /// Redis holds this `(epoch, seq)` or a later one: a newer write won, or Redis holds a
    /// history the writer's database does not (see `SnapshotCache::reconcile`).
    Refused { epoch: i64, seq: i64 },
}

pub struct RedisSnapshots {
    script: Script,
}

impl Default for RedisSnapshots {
    fn default() -> Self {
        Self {
            script: Script::new(SET_IF_NEWER),
        }
    }
}

pub fn snapshot_key(link: &RedisLink, match_id: i64) -> String {
    link.match_key(match_id, ":live")
}

/// What follows a snapshot key's match id.
fn snapshot_key_tail(link: &RedisLink) -> &'static str {
    if link.is_cluster() {
        "}:live"
    } else {
        ":live"
    }
}

/// `SCAN`'s pattern for every snapshot key, with the prefix's own glob characters escaped.
fn snapshot_key_pattern(link: &RedisLink) -> String {
    let mut pattern = String::new();
    for c in link.match_key_head().chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    pattern.push_str(snapshot_key_tail(link));
    pattern
}

/// Most snapshot keys one repair looks at: a Redis shared with years of finished matches must
/// not turn a node's start into an unbounded walk.
const SCAN_LIMIT: usize = 10_000;

impl RedisSnapshots {
    /// The matches Redis holds a snapshot for (up to [`SCAN_LIMIT`]), found with `SCAN`, so a
    /// repair also checks matches the database no longer counts as live: one restored to
    /// before its first ball has nothing in the database to say Redis is ahead.
    pub async fn held_match_ids(&self, link: &RedisLink) -> Result<Vec<i64>, LinkError> {
        let pattern = snapshot_key_pattern(link);
        let head = link.match_key_head();
        let tail = snapshot_key_tail(link);
        link.call_even_if_down(|mut c| async move {
            let mut ids = Vec::new();
            // Each shard of a cluster walks its own keys; one Redis is one shard.
            for node in c.shards().await? {
                let mut cursor: u64 = 0;
                loop {
                    let scan = redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(1000)
                        .to_owned();
                    let (next, keys): (u64, Vec<String>) =
                        redis::from_redis_value(&c.on_shard(&node, &scan).await?)?;
                    ids.extend(keys.iter().filter_map(|k| {
                        k.strip_prefix(head.as_str())?
                            .strip_suffix(tail)?
                            .parse::<i64>()
                            .ok()
                    }));
                    cursor = next;
                    if cursor == 0 || ids.len() >= SCAN_LIMIT {
                        break;
                    }
                }
            }
            ids.truncate(SCAN_LIMIT);
            Ok(ids)
        })
        .await
    }

    pub async fn get(
        &self,
        link: &RedisLink,
        match_id: i64,
        even_if_down: bool,
    ) -> Result<Option<Bytes>, LinkError> {
        let key = snapshot_key(link, match_id);
        let op = |mut c: crate::redis_link::RedisConn| async move {
            redis::cmd("GET")
                .arg(&key)
                .query_async::<Option<Vec<u8>>>(&mut c)
                .await
        };
        let body = if even_if_down {
            link.call_even_if_down(op).await?
        } else {
            link.call(op).await?
        };
        Ok(body.map(Bytes::from))
    }

    /// Writes the snapshot unless Redis already holds this `(epoch, seq)` or a later one.
    pub async fn put_if_newer(
        &self,
        link: &RedisLink,
        match_id: i64,
        (epoch, seq): (i64, i64),
        body: &Bytes,
        even_if_down: bool,
    ) -> Result<Put, LinkError> {
        let key = snapshot_key(link, match_id);
        let script = self.script.clone();
        let body = body.clone();
        let op = |mut c: crate::redis_link::RedisConn| async move {
            let (written, epoch, seq): (i64, i64, i64) = script
                .key(&key)
                .arg(epoch)
                .arg(seq)
                .arg(body.as_ref())
                .invoke_async(&mut c)
                .await?;
            Ok(if written == 1 {
                Put::Written
            } else {
                Put::Refused { epoch, seq }
            })
        };
        if even_if_down {
            link.call_even_if_down(op).await
        } else {
            link.call(op).await
        }
    }

    /// Removes the match's snapshot (the match was deleted).
    pub async fn delete(&self, link: &RedisLink, match_id: i64) -> Result<(), LinkError> {
        let key = snapshot_key(link, match_id);
        link.call(|mut c| async move {
            redis::cmd("DEL")
                .arg(&key)
                .query_async::<i64>(&mut c)
                .await?;
            Ok(())
        })
        .await
    }
}
