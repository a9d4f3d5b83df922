// What a ball is news for on air: a wicket, a boundary, a milestone, the end of an over. Each is
// worked out from the ball message and the figures held just before it, never by asking the
// server, so the overlay needs nothing but its stream. Pure functions: no DOM.

/** Wicket kinds that do not cost the side a wicket (README: retirements not out). */
const NOT_A_WICKET = new Set(['retired hurt', 'retired not out']);
/** A batter's landmarks come every fifty; a bowler's is the fifth wicket. */
const BATTER_STEP = 50;
const BOWLER_HAUL = 5;

function inningsOf(state, line) {
  return line && line.inn ? state.innings[line.inn - 1] || null : null;
}

/**
 * The figures a ball may move, as they stood before it: its batters' runs and balls and its
 * bowler's wickets. Taken before `applyBall` folds the message into the state.
 */
export function figuresBefore(state, msg) {
  const inn = inningsOf(state, msg.line);
  const b = msg.ball || {};
  const names = [b.batter, b.non_striker, ...(b.wickets || []).map((w) => w.player_out)];
  const batters = new Map();
  for (const name of names) {
    const card = inn && inn.batting.find((x) => x.name === name);
    batters.set(name, { runs: card ? card.runs : 0, balls: card ? card.balls : 0 });
  }
  const bowl = inn && inn.bowling.find((x) => x.name === b.bowler);
  return { batters, bowlerWickets: bowl ? bowl.wickets : 0 };
}

function fielder(f) {
  return f.substitute ? `sub (${f.name})` : f.name;
}

/** "c Smith b Cummins", as the server words a dismissal on the card. */
export function dismissalText(w, bowler) {
  const first = w.fielders && w.fielders.length ? fielder(w.fielders[0]) : '?';
  switch (w.kind) {
    case 'bowled': return `b ${bowler}`;
    case 'caught and bowled': return `c & b ${bowler}`;
    case 'caught': return first === bowler ? `c & b ${bowler}` : `c ${first} b ${bowler}`;
    case 'lbw': return `lbw b ${bowler}`;
    case 'stumped': return `st ${first} b ${bowler}`;
    case 'hit wicket': return `hit wicket b ${bowler}`;
    case 'run out': {
      const names = (w.fielders || []).map(fielder);
      return names.length ? `run out (${names.join('/')})` : 'run out';
    }
    default: return w.kind;
  }
}

/**
 * A batter's runs and balls after the ball: from the line when the batter is still in, else
 * (dismissed) what they had plus this ball's share.
 */
function batterAfter(name, prior, msg) {
  const L = msg.line;
  const at = [L.s, L.ns].find((x) => x && x.n === name);
  if (at) return { runs: at.r, balls: at.b, fours: at['4s'], sixes: at['6s'], in: true };
  const was = prior.batters.get(name) || { runs: 0, balls: 0 };
  const b = msg.ball;
  const faced = b.batter === name;
  const wide = !!(b.extras && b.extras.wides);
  return {
    runs: was.runs + (faced ? b.runs.batter : 0),
    balls: was.balls + (faced && !wide ? 1 : 0),
    in: false,
  };
}

function figures(f) {
  return `${f.runs}${f.in ? '*' : ''} (${f.balls})`;
}

/** "Mumbai Indians 154/3 (15.2 ov)". */
function scoreLine(inn, L) {
  return `${inn ? inn.team : ''} ${L.r}/${L.w} (${L.ov} ov)`.trim();
}

function milestoneTitle(runs) {
  if (runs === 50) return 'FIFTY';
  if (runs === 100) return 'HUNDRED';
  if (runs === 200) return 'DOUBLE HUNDRED';
  return `${runs} UP`;
}

function wicketPanels(prior, msg, inn) {
  const b = msg.ball;
  return (b.wickets || []).filter((w) => !NOT_A_WICKET.has(w.kind)).map((w) => ({
    kind: 'wicket',
    title: 'WICKET',
    name: w.player_out,
    detail: `${dismissalText(w, b.bowler)} · ${figures(batterAfter(w.player_out, prior, msg))}`,
    foot: scoreLine(inn, msg.line),
  }));
}

function boundaryPanels(prior, msg, inn) {
  const b = msg.ball;
  // A 4 or 6 that was run or came from overthrows counts its runs but is no boundary.
  if (b.non_boundary || (b.runs.batter !== 4 && b.runs.batter !== 6)) return [];
  return [{
    kind: b.runs.batter === 6 ? 'six' : 'four',
    title: b.runs.batter === 6 ? 'SIX' : 'FOUR',
    name: b.batter,
    detail: figures(batterAfter(b.batter, prior, msg)),
    foot: scoreLine(inn, msg.line),
  }];
}

function milestonePanels(prior, msg) {
  const out = [];
  for (const [name, was] of prior.batters) {
    const now = batterAfter(name, prior, msg);
    const step = Math.floor(now.runs / BATTER_STEP);
    if (step > Math.floor(was.runs / BATTER_STEP) && step > 0) {
      const extra = now.fours !== undefined ? ` · ${now.fours}×4 ${now.sixes}×6` : '';
      out.push({
        kind: 'milestone',
        title: milestoneTitle(step * BATTER_STEP),
        name,
        detail: `${figures(now)}${extra}`,
        foot: null,
      });
    }
  }
  const bowl = msg.line.bowl;
  const wicketsNow = bowl && bowl.n === msg.ball.bowler ? bowl.w : null;
  if (wicketsNow !== null && prior.bowlerWickets < BOWLER_HAUL && wicketsNow >= BOWLER_HAUL) {
    out.push({
      kind: 'milestone',
      title: 'FIVE WICKETS',
      name: bowl.n,
      detail: `${bowl.w}-${bowl.r} (${bowl.ov} ov)`,
      foot: null,
    });
  }
  return out;
}

/** The over just finished, when this ball finished one: the next bowler is now due. */
function overPanels(msg, inn) {
  const L = msg.line;
  if (!inn || L.cl || !(L.due || []).includes('new_bowler')) return [];
  const number = Number.parseInt(L.ov, 10);
  const runs = inn.over_runs[number - 1] ?? 0;
  const wickets = (L.this || []).filter((c) => c.includes('W')).length;
  const words = [`${runs} run${runs === 1 ? '' : 's'}`];
  if (wickets) words.push(`${wickets} wicket${wickets === 1 ? '' : 's'}`);
  const chase = L.need != null && L.left ? ` · need ${L.need} from ${L.left}` : '';
  return [{
    kind: 'over',
    title: `END OF OVER ${number}`,
    name: words.join(', '),
    detail: (L.this || []).join(' '),
    foot: `${scoreLine(inn, L)}${chase}`,
  }];
}

/**
 * The panels a ball calls for, in the order they go on air.
 * @param prior what `figuresBefore` took
 * @param msg the `ball` message
 * @param state the state with the ball applied
 */
export function panelsFor(prior, msg, state) {
  if (!msg.line || !msg.ball) return [];
  const inn = inningsOf(state, msg.line);
  return [
    ...wicketPanels(prior, msg, inn),
    ...boundaryPanels(prior, msg, inn),
    ...milestonePanels(prior, msg),
    ...overPanels(msg, inn),
  ];
}
