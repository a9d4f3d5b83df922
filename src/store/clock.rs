//! Where the time a row is stamped with comes from, the one difference most statements have
//! between the dialects.

use chrono::{DateTime, Utc};
use sqlx::query::{Query, QueryAs};
use sqlx::{Database, Encode, Type};

/// PostgreSQL stamps rows with its own `now()`, the clock every node shares. SQLite lives inside
/// the node and is given the node's time as text (see [`ts`]), bound after a statement's other
/// parameters; one `Node` value stamps every row of a transaction alike.
pub(super) enum Clock {
    Database,
    Node(String),
}

impl Clock {
    /// The node's time now.
    pub(super) fn node() -> Self {
        Clock::Node(ts(super::rows::now()))
    }

    /// "Now" in a statement whose other parameters are `$1` to `$(n-1)`.
    pub(super) fn at(&self, n: usize) -> String {
        match self {
            Clock::Database => "now()".to_owned(),
            Clock::Node(_) => format!("${n}"),
        }
    }
}

/// The one form SQLite stores timestamps in: fixed width and UTC, so text order is time order
/// (sqlx's own encoding drops trailing zero digits, which breaks that).
pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Binds the node's time when the clock is the node's, as the statement's last parameter.
pub(super) trait BindClock<'q> {
    fn bind_clock(self, clock: &'q Clock) -> Self;
}

/// Implements [`BindClock`] for one of sqlx's query types (`O`: the row type it decodes to).
macro_rules! bind_clock {
    ($query:ident $(, $out:ident)?) => {
        impl<'q, DB: Database $(, $out)?> BindClock<'q> for $query<'q, DB, $($out,)? DB::Arguments<'q>>
        where
            &'q str: Encode<'q, DB> + Type<DB>,
        {
            fn bind_clock(self, clock: &'q Clock) -> Self {
                match clock {
                    Clock::Database => self,
                    Clock::Node(now) => self.bind(now.as_str()),
                }
            }
        }
    };
}

bind_clock!(Query);
bind_clock!(QueryAs, O);
