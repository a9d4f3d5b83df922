//! Who may write: the admin token and scorer tokens, checked in constant time and against the
//! database on every request (no cache), each refusal counted by its reason.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::extract::BearerToken;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::store::Grant;

/// A secret held only as its SHA-256. Comparing digests of equal length in constant time
/// tells an attacker neither where a guess first differs nor how long the secret is.
#[derive(Clone)]
pub struct SecretDigest([u8; 32]);

impl SecretDigest {
    pub fn new(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    pub fn matches(&self, candidate: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate.as_bytes()).into();
        self.0.ct_eq(&digest).into()
    }
}

impl std::fmt::Debug for SecretDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretDigest(..)")
    }
}

/// Longer than any token this server issues: refused without a lookup.
pub const MAX_TOKEN: usize = 128;

/// Counts a failed authentication by why it failed; the 401 it becomes is what the per-address
/// limiter (`auth_failures`) counts.
pub fn refused(reason: &'static str) -> ApiError {
    metrics::counter!("crease_auth_failures_total", "reason" => reason).increment(1);
    match reason {
        "expired" => ApiError::TokenRefused("this token has expired; ask the admin for a new one"),
        "revoked" => ApiError::TokenRefused("this token was revoked"),
        _ => ApiError::Unauthorized,
    }
}

/// The scorer's right to write to `match_id`: the admin token, or a live scorer token naming
/// the match. No token, an unknown, expired or revoked one is 401; a real token for other
/// matches is 403 (signing in again will not help).
pub async fn authorize_scorer(
    state: &AppState,
    token: &BearerToken,
    match_id: i64,
) -> Result<(), ApiError> {
    let Some(token) = token.0.as_deref() else {
        return Err(refused("missing"));
    };
    if state.admin_token.matches(token) {
        return Ok(());
    }
    if token.len() > MAX_TOKEN {
        return Err(refused("unknown"));
    }
    match state.store.token_grant(token, match_id).await? {
        Grant::ThisMatch => {
            note_use(state, token).await;
            Ok(())
        }
        Grant::OtherMatches => Err(ApiError::Forbidden),
        Grant::Unknown => Err(refused("unknown")),
        Grant::Expired => Err(refused("expired")),
        Grant::Revoked => Err(refused("revoked")),
    }
}

/// How stale a token's "last used" may grow before a use is written again: the list shows it to
/// the minute, and scoring does not write a row per ball for it.
const LAST_USED_GRAIN_MS: i64 = 60_000;

/// Records that a scorer token was used. What it costs is a conditional update that changes no
/// row within the minute; a failure only leaves "last used" older, so it is logged, not raised.
async fn note_use(state: &AppState, token: &str) {
    let now = chrono::Utc::now().timestamp_millis();
    if let Err(e) = state
        .store
        .touch_token(token, (now, now - LAST_USED_GRAIN_MS))
        .await
    {
        tracing::debug!(error = %e, "could not record a scorer token's use");
    }
}

/// As scoring answers: no token or one that is not (or no longer) valid is 401, a live scorer
/// token without the admin's right is 403.
pub async fn require_admin(state: &AppState, token: &BearerToken) -> Result<(), ApiError> {
    let Some(t) = token.0.as_deref() else {
        return Err(refused("missing"));
    };
    if state.admin_token.matches(t) {
        return Ok(());
    }
    if t.len() > MAX_TOKEN {
        return Err(refused("unknown"));
    }
    // Match ids start at 1, so asking about match 0 asks only whether the token exists.
    match state.store.token_grant(t, 0).await? {
        Grant::Unknown => Err(refused("unknown")),
        Grant::Expired => Err(refused("expired")),
        Grant::Revoked => Err(refused("revoked")),
        Grant::OtherMatches | Grant::ThisMatch => Err(ApiError::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::SecretDigest;

    #[test]
    fn a_digest_matches_only_its_secret() {
        let d = SecretDigest::new("s3cret-token");
        assert!(d.matches("s3cret-token"));
        assert!(!d.matches("s3cret-tokem"));
        assert!(!d.matches("s3cret-token "));
        assert!(!d.matches(""));
        assert_eq!(format!("{d:?}"), "SecretDigest(..)");
    }
}
