//! Demo data built into the binary: a few small real matches for `crease seed` and `serve --demo`.
//!
//! These are Cricsheet match files (cricsheet.org), used under the Open Data Commons Attribution
//! License (ODC-BY); their sources and attribution are in `data/cricsheet/SOURCES.md`. They are
//! embedded byte for byte, so a fresh install has something real to show without a download.

/// One embedded Cricsheet match.
#[derive(Debug, Clone, Copy)]
pub struct Bundled {
    /// The file's name under `data/cricsheet/`.
    pub file: &'static str,
    pub json: &'static str,
}

macro_rules! bundled {
    ($file:literal) => {
        Bundled {
            file: $file,
            json: include_str!(concat!("../data/cricsheet/", $file)),
        }
    };
}

/// Seeded as finished matches.
pub const FINISHED: [Bundled; 3] = [
    bundled!("t20_2022-11-22_new_zealand_v_india.json"),
    bundled!("odi_2019-07-14_england_v_new_zealand.json"),
    bundled!("t20_2023-05-29_gujarat_titans_v_chennai_super_kings.json"),
];

/// Seeded live, cut at [`LIVE_AT`] deliveries; `serve --demo` plays the rest ball by ball.
pub const LIVE: Bundled = bundled!("t20_2007-09-14_india_v_pakistan.json");

/// Deliveries of [`LIVE`] stored before it goes live: early in the chase, about a hundred
/// deliveries (and a tie and a bowl-out) still to come.
pub const LIVE_AT: usize = 150;
