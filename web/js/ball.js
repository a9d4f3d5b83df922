// A delivery as the pad builds it: the runs and the chosen extra (wide, no-ball, bye, leg-bye)
// in Cricsheet's shape, a line describing it for the outbox, and the runs the batters ran
// (which decide the strike). Pure functions: no DOM.

/**
 * @param {{striker: string, non_striker: string, bowler: string}} names
 * @param {null|'wide'|'noball'|'bye'|'legbye'} mod
 * @param {number} n runs: off the bat, or run as byes/leg-byes/wides
 * @returns {{ball?: object, error?: string, field?: string}}
 */
export function makeBall(names, mod, n, wicket, commentary) {
  for (const k of ['striker', 'non_striker', 'bowler']) {
    if (!names[k]) return { error: `Name the ${k.replace('_', '-')} first.`, field: k };
  }
  if (names.striker === names.non_striker) return { error: 'The striker and non-striker must differ.', field: 'non_striker' };
  const runs = { batter: 0, extras: 0, total: 0 };
  const extras = {};
  if (mod === 'wide') extras.wides = 1 + n;
  else if (mod === 'noball') {
    extras.noballs = 1;
    runs.batter = n;
  } else if (mod === 'bye' || mod === 'legbye') {
    if (!n && !wicket) return { error: `A ${mod === 'bye' ? 'bye' : 'leg-bye'} needs at least one run.` };
    extras[mod === 'bye' ? 'byes' : 'legbyes'] = n;
  } else runs.batter = n;
  runs.extras = Object.values(extras).reduce((a, b) => a + b, 0);
  runs.total = runs.batter + runs.extras;
  const ball = { batter: names.striker, non_striker: names.non_striker, bowler: names.bowler, runs };
  if (runs.extras) ball.extras = extras;
  if (wicket) ball.wickets = [wicket];
  if (commentary) ball.commentary = commentary;
  return { ball };
}

/** "L Quick to A Opener: wide +1, OUT A Opener (stumped)". */
export function label(ball) {
  const e = ball.extras || {};
  const plural = (k, word) => `${k} ${word}${k === 1 ? '' : 's'}`;
  let what;
  if (e.wides) what = `wide${e.wides > 1 ? ` +${e.wides - 1}` : ''}`;
  else if (e.noballs) what = `no-ball${ball.runs.batter ? ` +${ball.runs.batter}` : ''}`;
  else if (e.byes) what = plural(e.byes, 'bye');
  else if (e.legbyes) what = plural(e.legbyes, 'leg-bye');
  else what = plural(ball.runs.batter, 'run');
  const w = ball.wickets ? `, OUT ${ball.wickets[0].player_out} (${ball.wickets[0].kind})` : '';
  return `${ball.bowler} to ${ball.batter}: ${what}${w}`;
}

/** Runs the batters ran: an odd number changes the strike (a boundary's 4 or 6 is even). */
export function runsRun(ball) {
  const e = ball.extras || {};
  return ball.runs.batter + (e.byes || 0) + (e.legbyes || 0) + Math.max((e.wides || 0) - 1, 0);
}
