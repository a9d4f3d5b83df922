//! The Redis tier: each match's snapshot bytes at `{prefix}match:{id}:live`, only ever replaced
//! by a newer seq.

use bytes::Bytes;
use redis::Script;

use crate::redis_link::{LinkError, RedisLink};

/// Compare-and-set on the snapshot's own seq. The body's first `"seq"` key is its top-level
/// seq (snapshots are written `{"match_id":…,"seq":…,…}`), so one key holds everything and the
/// script works unchanged on Redis Cluster.
const SET_IF_NEWER: &str = r#"
local cur = redis.call('GET', KEYS[1])
if cur then
  local held = tonumber(string.match(cur, '"seq":(%d+)'))
  if held and held >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"#;

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
    link.key(format_args!("match:{match_id}:live"))
}

/// The seq of a snapshot body, read from its opening bytes without parsing the JSON.
pub fn seq_of(body: &[u8]) -> Option<i64> {
    let at = memchr_seq(body)?;
    let digits = &body[at..];
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
}

fn memchr_seq(body: &[u8]) -> Option<usize> {
    const NEEDLE: &[u8] = b"\"seq\":";
    body.windows(NEEDLE.len())
        .position(|w| w == NEEDLE)
        .map(|p| p + NEEDLE.len())
}

impl RedisSnapshots {
    pub async fn get(&self, link: &RedisLink, match_id: i64) -> Result<Option<Bytes>, LinkError> {
        let key = snapshot_key(link, match_id);
        let body: Option<Vec<u8>> = link
            .call(|mut c| async move { redis::cmd("GET").arg(&key).query_async(&mut c).await })
            .await?;
        Ok(body.map(Bytes::from))
    }

    /// Writes the snapshot unless Redis already holds this seq or a newer one.
    pub async fn put_if_newer(
        &self,
        link: &RedisLink,
        match_id: i64,
        seq: i64,
        body: &Bytes,
        even_if_down: bool,
    ) -> Result<bool, LinkError> {
        let key = snapshot_key(link, match_id);
        let script = self.script.clone();
        let body = body.clone();
        let op = |mut c: redis::aio::ConnectionManager| async move {
            let written: i64 = script
                .key(&key)
                .arg(seq)
                .arg(body.as_ref())
                .invoke_async(&mut c)
                .await?;
            Ok(written == 1)
        };
        if even_if_down {
            link.call_even_if_down(op).await
        } else {
            link.call(op).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::seq_of;

    #[test]
    fn reads_the_top_level_seq() {
        assert_eq!(
            seq_of(br#"{"match_id":4,"seq":17,"x":{"seq":3}}"#),
            Some(17)
        );
        assert_eq!(seq_of(b"{}"), None);
        assert_eq!(seq_of(br#"{"seq":"x"}"#), None);
    }
}
