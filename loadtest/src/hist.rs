//! Latency histograms (HDR, microseconds): recorded per shard, shipped between processes as
//! (value, count) pairs, merged, and summarised as percentiles.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Highest recordable value: one hour in µs; anything slower is clamped, not dropped.
const MAX_US: u64 = 3_600_000_000;

pub fn new_hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_US, 3).expect("valid histogram bounds")
}

pub fn record(h: &mut Histogram<u64>, us: u64) {
    h.saturating_record(us.clamp(1, MAX_US));
}

/// A histogram as the values it holds, for a child's report.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Pairs(pub Vec<(u64, u64)>);

impl Pairs {
    pub fn of(h: &Histogram<u64>) -> Pairs {
        Pairs(
            h.iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect(),
        )
    }

    pub fn add_to(&self, h: &mut Histogram<u64>) {
        for &(v, n) in &self.0 {
            let _ = h.record_n(v.clamp(1, MAX_US), n);
        }
    }
}

/// Percentiles in microseconds.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
    pub mean_us: f64,
}

impl Summary {
    pub fn of(h: &Histogram<u64>) -> Summary {
        if h.is_empty() {
            return Summary::default();
        }
        Summary {
            count: h.len(),
            p50_us: h.value_at_quantile(0.50),
            p90_us: h.value_at_quantile(0.90),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            max_us: h.max(),
            mean_us: (h.mean() * 10.0).round() / 10.0,
        }
    }
}

/// µs as a short human figure: `850µs`, `12.3ms`, `2.05s`.
pub fn human_us(us: u64) -> String {
    match us {
        0..1_000 => format!("{us}µs"),
        1_000..1_000_000 => format!("{:.1}ms", us as f64 / 1e3),
        _ => format!("{:.2}s", us as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_round_trip_through_a_merge() {
        let mut a = new_hist();
        for v in [100, 200, 300, 5_000] {
            record(&mut a, v);
        }
        let mut b = new_hist();
        Pairs::of(&a).add_to(&mut b);
        assert_eq!(Summary::of(&a), Summary::of(&b));
        assert_eq!(Summary::of(&b).count, 4);
    }
}
