//! The signature on every delivery: HMAC-SHA256 over `TIMESTAMP.BODY` with the hook's secret,
//! sent as `Crease-Signature: t=TIMESTAMP,v1=HEX`. The timestamp (seconds since 1970) is signed
//! with the body, so a receiver can refuse an old delivery replayed by someone who saw it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "crease-signature";

pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The MAC is RFC 4231's (its test case 2), taken over `TIMESTAMP.BODY`.
    #[test]
    fn signs_timestamp_dot_body_with_rfc_4231_hmac_sha256() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1700000000.{}");
        let want = format!(
            "t=1700000000,v1={}",
            hex::encode(mac.finalize().into_bytes())
        );
        assert_eq!(signature("Jefe", 1_700_000_000, b"{}"), want);
    }
}
