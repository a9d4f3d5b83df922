//! A match as it stood after any of its events: replayed from the nearest engine this node kept
//! for the match ([`super::checkpoints`]) over the events of the log up to that seq, one
//! replay at a time per node on a thread of its own at the lowest scheduling priority, so that
//! however many readers scrub back through a match, the live path keeps its CPU: the kernel
//! gives the replay thread what the runtime's threads leave. Each state is kept for the next
//! reader of the same seq (a crowd dragging to the ball where a match turned costs one replay).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use crease_domain::Match;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::checkpoints::{Checkpoints, Replayable};
use super::{IngestError, Scoring};
use crate::store::MatchRow;

fn lock(r: &Mutex<Replayable>) -> std::sync::MutexGuard<'_, Replayable> {
    r.lock().unwrap_or_else(|e| e.into_inner())
}

/// Past states kept at once, over all matches: a snapshot is a few kilobytes to a few tens.
const PAST_KEPT: usize = 256;
/// Replays waiting for their turn before more are refused as busy (503).
const REPLAYS_WAITING: usize = 32;

/// A past state: the match's snapshot as of `(epoch, seq)`, in the shape `/live` serves.
#[derive(Debug, Clone)]
pub struct PastState {
    pub epoch: i64,
    pub seq: i64,
    pub body: Bytes,
    /// Whether it was kept from an earlier reader (else replayed for this one).
    pub kept: bool,
}

/// Why there is no past state to give.
#[derive(Debug, thiserror::Error)]
pub enum PastError {
    #[error("match not found")]
    MatchNotFound,
    /// The seq asked for is after the match's last event.
    #[error("the match is at seq {current}")]
    NotYet { current: i64 },
    /// Too many replays are waiting: try again shortly.
    #[error("too many replays of match logs are waiting")]
    Busy,
    #[error(transparent)]
    Ingest(#[from] IngestError),
}

/// The past states kept, oldest first out, the one-at-a-time turn for replays, and the thread
/// that runs them.
pub struct PastStates {
    kept: Mutex<Kept>,
    /// The share of one core the replay thread may use, in percent.
    cpu_percent: Arc<AtomicU32>,
    /// Whether the replay thread runs in the idle scheduling class (else at nice 19).
    idle: AtomicBool,
    /// Logs and engines to replay from.
    checkpoints: Checkpoints,
    turn: Semaphore,
    waiting: AtomicUsize,
    replayer: Mutex<Option<std::sync::mpsc::Sender<Job>>>,
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Kept {
    states: HashMap<(i64, i64, i64), Bytes>,
    order: VecDeque<(i64, i64, i64)>,
}

impl Default for PastStates {
    fn default() -> Self {
        Self {
            kept: Mutex::default(),
            cpu_percent: Arc::new(AtomicU32::new(100)),
            idle: AtomicBool::new(false),
            checkpoints: Checkpoints::default(),
            turn: Semaphore::new(1),
            waiting: AtomicUsize::new(0),
            replayer: Mutex::new(None),
        }
    }
}

/// The CPU time this thread has used.
fn thread_cpu() -> Duration {
    #[cfg(target_os = "linux")]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes only the timespec it is given.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0 {
            return Duration::new(t.tv_sec as u64, t.tv_nsec as u32);
        }
    }
    Duration::ZERO
}

/// How long the replay thread rests after a job that took `used` of CPU, so that it uses at
/// most `percent` of one core however many readers wait: past states have a budget of their
/// own, and the live path keeps the rest.
fn rest_after(used: Duration, percent: u32) -> Duration {
    let p = percent.clamp(1, 100);
    used.mul_f64(f64::from(100 - p) / f64::from(p))
}

/// For the calling thread only (on Linux a thread id names one thread): with `idle`, the idle
/// scheduling class, which runs when no other thread wants the CPU and gives way the moment
/// one wakes, so a replay never holds a core a live request is waiting for; else, or where
/// that is refused, nice 19.
fn lowest_priority(idle: bool) {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid, sched_setscheduler and setpriority only read their arguments; a refusal
    // leaves the priority as it was, which costs the live path some CPU and nothing else.
    unsafe {
        let tid = libc::gettid();
        let param = libc::sched_param { sched_priority: 0 };
        if !idle || libc::sched_setscheduler(tid, libc::SCHED_IDLE, &param) != 0 {
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
        }
    }
}

impl PastStates {
    /// Runs `work` on the replay thread (started on first use) and waits for its answer.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, IngestError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(work());
        });
        {
            let mut replayer = self.replayer.lock().unwrap_or_else(|e| e.into_inner());
            let sender = match replayer.as_ref() {
                Some(s) => s.clone(),
                None => {
                    let (s, jobs) = std::sync::mpsc::channel::<Job>();
                    let budget = self.cpu_percent.clone();
                    let idle = self.idle.load(Ordering::Relaxed);
                    std::thread::Builder::new()
                        .name("crease-past".into())
                        .spawn(move || {
                            lowest_priority(idle);
                            for job in jobs {
                                let before = thread_cpu();
                                // A replay that panics answers nothing (its reader gets a 500);
                                // the thread goes on with the next.
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                                let percent = budget.load(Ordering::Relaxed).clamp(1, 100);
                                // Saturating: a clock that could not be read (zero) must not panic
                                // the thread every replay waits on.
                                let used = thread_cpu().saturating_sub(before);
                                std::thread::sleep(rest_after(used, percent));
                            }
                        })
                        .map_err(|e| IngestError::Internal(format!("replay thread: {e}")))?;
                    replayer.insert(s).clone()
                }
            };
            sender
                .send(job)
                .map_err(|_| IngestError::Internal("the replay thread has ended".into()))?;
        }
        rx.await
            .map_err(|_| IngestError::Internal("a replay panicked".into()))
    }

    /// The state kept for `(match_id, epoch, seq)`, if a reader asked for it before.
    fn kept(&self, key: (i64, i64, i64)) -> Option<PastState> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let body = kept.states.get(&key)?.clone();
        Some(PastState {
            epoch: key.1,
            seq: key.2,
            body,
            kept: true,
        })
    }

    fn keep(&self, key: (i64, i64, i64), body: Bytes) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.states.insert(key, body).is_none() {
            kept.order.push_back(key);
        }
        while kept.order.len() > PAST_KEPT {
            if let Some(old) = kept.order.pop_front() {
                kept.states.remove(&old);
            }
        }
    }
}

/// Events read from the log per query.
const LOG_PAGE: i64 = 5_000;

/// The match after the stored events `payloads` (each with its seq), replayed from its setup.
pub(super) fn game_of(
    match_id: i64,
    setup: crease_domain::MatchSetup,
    payloads: Vec<Logged>,
) -> Result<Match, IngestError> {
    let mut game = Match::new(setup);
    for e in payloads {
        let event: crease_domain::Recorded = serde_json::from_str(&e.payload).map_err(|err| {
            IngestError::Internal(format!("match {match_id} event {}: {err}", e.seq))
        })?;
        game.record(event).map_err(|err| {
            IngestError::Internal(format!("match {match_id} event {} replays: {err}", e.seq))
        })?;
    }
    Ok(game)
}

/// Counts a waiting replay for as long as it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PastStates {
    /// At most `percent` of one core for replays (1 to 100), in the idle scheduling class or
    /// at nice 19; the class is set when the replay thread starts, on first use.
    pub(super) fn limit_cpu(&self, percent: u32, idle: bool) {
        self.cpu_percent
            .store(percent.clamp(1, 100), Ordering::Relaxed);
        self.idle.store(idle, Ordering::Relaxed);
    }

    /// This reader's turn at the replay thread, or `Busy` when too many wait already.
    pub(super) async fn wait_turn(&self) -> Result<SemaphorePermit<'_>, PastError> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= REPLAYS_WAITING {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(PastError::Busy);
        }
        let _waiting = Waiting(&self.waiting);
        self.turn.acquire().await.map_err(|_| PastError::Busy)
    }
}

/// One stored event as the log holds it: parsing it is the replay thread's work.
pub(super) struct Logged {
    pub seq: i64,
    pub payload: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Scoring {
    /// The match's row, as replays of its log start from it.
    pub(super) async fn match_row(&self, match_id: i64) -> Result<MatchRow, PastError> {
        self.store
            .get_match(match_id)
            .await
            .map_err(IngestError::from)?
            .ok_or(PastError::MatchNotFound)
    }

    /// The match's log from its first event to `seq`, which it must reach: the database is
    /// the truth, and a seq a cache claims but the log does not hold is not yet.
    pub(super) async fn log_upto(&self, match_id: i64, seq: i64) -> Result<Vec<Logged>, PastError> {
        self.log_between(match_id, 0, seq).await
    }

    /// The match's log after event `after` up to `seq`, which it must reach.
    async fn log_between(
        &self,
        match_id: i64,
        after: i64,
        seq: i64,
    ) -> Result<Vec<Logged>, PastError> {
        let mut log = Vec::new();
        let mut last = after;
        while last < seq {
            let page = self
                .store
                .events_after(match_id, last, (seq - last).min(LOG_PAGE))
                .await
                .map_err(IngestError::from)?;
            let Some(end) = page.last().map(|e| e.seq) else {
                break;
            };
            log.extend(page.into_iter().map(|e| Logged {
                seq: e.seq,
                payload: e.payload,
                at: e.created_at,
            }));
            last = end;
        }
        if last < seq {
            return Err(PastError::NotYet { current: last });
        }
        Ok(log)
    }
}

impl Scoring {
    /// The match as it stood after event `seq` (0: as set up, before any event), as the store
    /// holds its log now.
    pub async fn past_state(&self, match_id: i64, seq: i64) -> Result<PastState, PastError> {
        // Where the match stands, from the cache tiers (memory when warm): a kept state is
        // answered without the database. The log read below is the check that counts.
        let (snap, _) = self
            .cache
            .current(match_id)
            .await
            .map_err(IngestError::from)?
            .ok_or(PastError::MatchNotFound)?;
        let (epoch, cached) = snap.pos();
        if seq > cached {
            // The cache may be behind another node's writes: the database says.
            let current = self.current_seq(match_id).await?;
            if seq > current {
                return Err(PastError::NotYet { current });
            }
        }
        if let Some(kept) = self.past.kept((match_id, epoch, seq)) {
            return Ok(kept);
        }
        let _turn = self.past.wait_turn().await?;
        let row = self.match_row(match_id).await?;
        let key = (match_id, row.epoch, seq);
        // A reader ahead in the queue may have replayed this very seq.
        if let Some(kept) = self.past.kept(key) {
            return Ok(kept);
        }
        let epoch = row.epoch;
        let replayable = self.past.checkpoints.of(match_id, epoch, row.setup);
        let read_to = lock(&replayable).read_to();
        // Only what the database holds and this node has not read yet: within an epoch the log
        // only grows.
        let more = if read_to < seq {
            self.log_between(match_id, read_to, seq).await?
        } else {
            vec![]
        };
        let body = self
            .past
            .run(move || {
                let mut r = lock(&replayable);
                r.extend(match_id, more)?;
                let game = r.engine_at(match_id, seq)?;
                Ok::<_, IngestError>(crate::message::snapshot_body(
                    match_id,
                    seq,
                    epoch,
                    game.live(),
                ))
            })
            .await??;
        self.past.keep(key, body.clone());
        Ok(PastState {
            epoch,
            seq,
            body,
            kept: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replay_thread_rests_in_proportion_to_its_budget() {
        let ms = Duration::from_millis;
        assert_eq!(rest_after(ms(10), 10), ms(90));
        assert_eq!(rest_after(ms(10), 50), ms(10));
        assert_eq!(rest_after(ms(10), 100), Duration::ZERO);
        assert_eq!(rest_after(ms(10), 0), ms(990), "a budget of 0 reads as 1%");
    }
}
