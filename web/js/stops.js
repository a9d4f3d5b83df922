// The scrubber's stops: the deliveries standing in the match, in the order of play, each with
// its place ("2nd inns 14.3") and the score it left, summed from the deliveries themselves so
// that dragging shows a score before any state is fetched. Pure functions: no DOM, no fetch.

/** Dismissals that do not cost the batting side a wicket (Law 25.4). */
const NOT_A_WICKET = new Set(['retired hurt', 'retired not out']);

/**
 * The stops of a match from its deliveries (`GET /balls`, in the order of play).
 *
 * A stop is shown as `/live?at=SEQ` answers: the match after event SEQ of the log. A delivery
 * put in later by a correction has a seq above balls played after it, so the log never held
 * the match as it stood right after it: it is no stop (its runs still count in the scores of
 * those after it).
 *
 * @returns {{seq: number, innings: number, over: string, runs: number, wickets: number}[]}
 */
export function stopsOf(entries) {
  const standing = entries.filter((e) => e.status === 'stands' && e.innings);
  const tally = new Map();
  const all = standing.map((e) => {
    const t = tally.get(e.innings) || { runs: 0, wickets: 0 };
    const ball = e.ball || {};
    t.runs += (ball.runs && ball.runs.total) || 0;
    t.wickets += (ball.wickets || []).filter((w) => !NOT_A_WICKET.has(w.kind)).length;
    tally.set(e.innings, t);
    return { seq: e.seq, innings: e.innings, over: e.over_ball || '', runs: t.runs, wickets: t.wickets };
  });
  const kept = [];
  let below = Infinity;
  for (let i = all.length - 1; i >= 0; i--) {
    if (all[i].seq < below) {
      kept.push(all[i]);
      below = all[i].seq;
    }
  }
  return kept.reverse();
}

/** The stop a live `ball` message adds, with the score its line carries. */
export function stopOfBall(msg) {
  const L = msg.line || {};
  return { seq: msg.seq, innings: L.inn, over: (L.c && L.c.at) || L.ov || '', runs: L.r, wickets: L.w };
}

function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th'}`;
}

/** "2nd inns 14.3" (a super over says so); `state` names the innings when it knows it. */
export function placeOf(stop, state) {
  const inn = state && state.innings ? state.innings[stop.innings - 1] : null;
  const which = inn && inn.super_over ? 'Super over' : `${ordinal(stop.innings)} inns`;
  return `${which} ${stop.over}`;
}

/** "Pakistan 31/0": the batting side and the score the stop left. */
export function scoreOf(stop, state) {
  const inn = state && state.innings ? state.innings[stop.innings - 1] : null;
  return `${inn ? `${inn.team} ` : ''}${stop.runs}/${stop.wickets}`;
}

/** The index of the stop at `seq`, or else of the last one before it (-1 when none is). */
export function indexAtOrBefore(stops, seq) {
  let found = -1;
  for (let i = 0; i < stops.length && stops[i].seq <= seq; i++) found = i;
  return found;
}

/** The first stop of the over after stop `i`'s (`dir` 1), or of stop `i`'s over or the one
 * before it (`dir` -1): PageDown and PageUp move an over at a time. */
export function overStep(stops, i, dir) {
  const overOf = (s) => `${s.innings}:${String(s.over).split('.')[0]}`;
  if (dir > 0) {
    const here = i < stops.length ? overOf(stops[i]) : null;
    let j = i;
    while (j < stops.length && overOf(stops[j]) === here) j++;
    return j;
  }
  if (i <= 0) return 0;
  // Mid-over, back to the over's first ball; at an over's first ball (or live), the over before.
  let j = Math.min(i, stops.length) - 1;
  const target = overOf(stops[j]);
  while (j > 0 && overOf(stops[j - 1]) === target) j--;
  return j;
}
