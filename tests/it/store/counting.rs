//! `crease_db_queries_total{op}` counts every statement a store method sends, BEGIN, COMMIT and
//! ROLLBACK included: the numbers below are the cost of each operation, and the warm-read tests
//! elsewhere rely on the counter seeing every statement.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use metrics::{
    Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};

use super::{a_match, event};
use crate::support::db::{postgres_store, sqlite_store};

/// A recorder that keeps `crease_db_queries_total` per `op` and ignores everything else.
#[derive(Default, Clone)]
struct QueryCounts(Arc<Mutex<BTreeMap<String, u64>>>);

impl QueryCounts {
    /// The counts since the last call, emptied.
    fn take(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct OpCounter {
    op: String,
    counts: QueryCounts,
}

impl CounterFn for OpCounter {
    fn increment(&self, n: u64) {
        *self
            .counts
            .0
            .lock()
            .unwrap()
            .entry(self.op.clone())
            .or_default() += n;
    }
    fn absolute(&self, n: u64) {
        self.counts.0.lock().unwrap().insert(self.op.clone(), n);
    }
}

impl Recorder for QueryCounts {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        if key.name() != "crease_db_queries_total" {
            return Counter::noop();
        }
        let op = key
            .labels()
            .find(|l| l.key() == "op")
            .map(|l| l.value().to_owned());
        Counter::from_arc(Arc::new(OpCounter {
            op: op.unwrap_or_else(|| "<no op label>".into()),
            counts: self.clone(),
        }))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

fn ops(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(op, n)| ((*op).to_owned(), *n)).collect()
}

/// The recorder is thread-local, so the store runs on a current-thread runtime on this thread.
fn check_counts(postgres: bool) {
    let counts = QueryCounts::default();
    metrics::with_local_recorder(&counts, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let db = if postgres {
                postgres_store().await
            } else {
                sqlite_store().await
            };
            let m = a_match(&db).await;
            assert_eq!(counts.take(), ops(&[("create_match", 1), ("migrate", 1)]));

            // BEGIN, seq check, event, snapshot, match row, [idempotency], [NOTIFY], COMMIT.
            let notify = u64::from(postgres);
            db.append(&event(m.id, 1, "ball", "in_progress"))
                .await
                .unwrap();
            assert_eq!(counts.take(), ops(&[("append", 6 + notify)]));
            let mut keyed = event(m.id, 2, "ball", "in_progress");
            keyed.idempotency = Some(crease::store::KeyedResponse {
                key: "k",
                fingerprint: "f",
                response: b"r",
            });
            db.append(&keyed).await.unwrap();
            assert_eq!(counts.take(), ops(&[("append", 7 + notify)]));

            // BEGIN, seq check, ROLLBACK; with a key, one more to tell a replay from a conflict.
            db.append(&event(m.id, 2, "ball", "in_progress"))
                .await
                .unwrap_err();
            assert_eq!(counts.take(), ops(&[("append", 3)]));
            db.append(&keyed).await.unwrap_err();
            assert_eq!(counts.take(), ops(&[("append", 4)]));

            db.snapshot(m.id).await.unwrap();
            db.events_after(m.id, 0, 10).await.unwrap();
            db.current_seq(m.id).await.unwrap();
            db.idempotent_response(m.id, "k").await.unwrap();
            db.get_match(m.id).await.unwrap();
            db.list_matches().await.unwrap();
            db.live_match_ids().await.unwrap();
            db.token_grant("nope", m.id).await.unwrap();
            let each_one = [
                "current_seq",
                "events_after",
                "get_match",
                "idempotent_response",
                "list_matches",
                "live_match_ids",
                "snapshot",
                "token_grant",
            ];
            assert_eq!(
                counts.take(),
                each_one.iter().map(|op| (op.to_string(), 1)).collect()
            );

            db.create_scorer_token("t", &[m.id], None).await.unwrap();
            assert_eq!(counts.take(), ops(&[("create_scorer_token", 4)]));
        });
    });
}

#[test]
fn statements_are_counted_postgres() {
    check_counts(true);
}

#[test]
fn statements_are_counted_sqlite() {
    check_counts(false);
}
