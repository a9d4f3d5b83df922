//! `StoreError` and the mapping from sqlx errors, by constraint, to what the caller can act on.

use sqlx::error::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for, or one a new row refers to (a team, a tournament, a match), is missing.
    #[error("not found")]
    NotFound,
    /// A unique fixture value (such as a team name) is taken.
    #[error("a {what} with that name already exists")]
    Duplicate { what: &'static str },
    /// The appended seq is not the match's current seq + 1.
    #[error("seq conflict: the match is at seq {current}")]
    SeqConflict { current: i64 },
    /// The idempotency key was already used on this match; read the stored response instead.
    #[error("idempotency key already used on this match")]
    IdempotencyReplay,
    /// The database cannot be reached or did not answer in time; worth retrying later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}

/// Marks a clash on `match_events`' primary key before `append` has read the current seq.
pub(super) const SEQ_UNKNOWN: i64 = -1;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
            sqlx::Error::Database(db) => match db.kind() {
                ErrorKind::UniqueViolation => unique_violation(constraint_of(db.as_ref())),
                ErrorKind::ForeignKeyViolation => StoreError::NotFound,
                _ if is_transient(db.code().as_deref()) => StoreError::Unavailable(db.to_string()),
                _ => StoreError::Other(db.to_string()),
            },
            sqlx::Error::Migrate(m) => StoreError::Other(format!("migration failed: {m}")),
            other => StoreError::Other(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(format!("migration failed: {e}"))
    }
}

/// The violated constraint: Postgres names it; SQLite only says
/// `UNIQUE constraint failed: table.col, table.col`, so the column list stands in for a name.
fn constraint_of(db: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(name) = db.constraint() {
        return name.to_owned();
    }
    let msg = db.message();
    msg.split_once("constraint failed: ")
        .map(|(_, cols)| cols.trim().to_owned())
        .unwrap_or_default()
}

/// Postgres constraint names are set in `migrations/postgres`; SQLite's column lists follow
/// the same tables in `migrations/sqlite`.
fn unique_violation(constraint: String) -> StoreError {
    match constraint.as_str() {
        "match_events_pkey" | "match_events.match_id, match_events.seq" => {
            StoreError::SeqConflict {
                current: SEQ_UNKNOWN,
            }
        }
        "idempotency_keys_pkey" | "idempotency_keys.match_id, idempotency_keys.key" => {
            StoreError::IdempotencyReplay
        }
        "teams_name_key" | "teams.name" => StoreError::Duplicate { what: "team" },
        "scorer_tokens_token_hash_key" | "scorer_tokens.token_hash" => StoreError::Duplicate {
            what: "scorer token",
        },
        _ => StoreError::Other(format!("unique constraint {constraint:?} violated")),
    }
}

/// Errors that say "not now" rather than "never": timeouts, shutdowns, lock contention.
fn is_transient(code: Option<&str>) -> bool {
    let Some(code) = code else { return false };
    // Postgres SQLSTATEs: 08 connection exception, 53 insufficient resources, 57014 statement
    // timeout / cancel, 57P01-03 admin shutdown / crash / cannot connect now, 40001/40P01
    // serialization failure / deadlock. While a database is restored or copied, connecting
    // to it fails with 55000 (it does not allow connections), 55006 (in use by the copy) or
    // 3D000 (it does not exist between the drop and the rename): the same outage, briefly.
    if code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57")
        || code == "40001"
        || code == "40P01"
        || code == "55000"
        || code == "55006"
        || code == "3D000"
    {
        return true;
    }
    // SQLite result codes, possibly extended: the low byte 5 is SQLITE_BUSY, 6 SQLITE_LOCKED.
    matches!(code.parse::<u32>().map(|c| c & 0xff), Ok(5 | 6))
}

#[cfg(test)]
mod tests {
    use super::is_transient;

    #[test]
    fn a_database_being_restored_is_an_outage_not_an_error() {
        for code in ["55000", "55006", "3D000", "08006", "57P01", "40001"] {
            assert!(is_transient(Some(code)), "{code}");
        }
        for code in ["23505", "42P01", "22P02"] {
            assert!(!is_transient(Some(code)), "{code}");
        }
        assert!(!is_transient(None));
    }
}
