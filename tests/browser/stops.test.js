// The scrubber's stops from a ball list, without a browser (the module has no DOM): which
// deliveries are stops, the scores they show while dragging, and the over-by-over keys.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { indexAtOrBefore, overStep, placeOf, scoreOf, stopsOf } from '../../web/js/stops.js';

const ball = (runs, wickets) => ({ runs: { batter: runs, extras: 0, total: runs }, ...(wickets ? { wickets } : {}) });
const entry = (seq, innings, over, b, status = 'stands') => ({ seq, status, innings: status === 'stands' ? innings : undefined, over_ball: over, ball: b });

describe('scrubber stops', () => {
  it('are the standing deliveries, with the score each left in its innings', () => {
    const stops = stopsOf([
      entry(3, 1, '0.1', ball(4)),
      entry(4, 1, '0.2', ball(1), 'undone'),
      entry(6, 1, '0.2', ball(0, [{ kind: 'bowled', player_out: 'A' }])),
      entry(7, 1, '0.3', ball(0, [{ kind: 'retired hurt', player_out: 'B' }])),
      entry(9, 2, '0.1', ball(6)),
    ]);
    assert.deepEqual(stops.map((s) => [s.seq, s.over, s.runs, s.wickets]), [[3, '0.1', 4, 0], [6, '0.2', 4, 1], [7, '0.3', 4, 1], [9, '0.1', 6, 0]]);
  });

  it('leave out a delivery inserted later, whose seq is above those played after it', () => {
    const stops = stopsOf([
      entry(3, 1, '0.1', ball(1)),
      entry(20, 1, '0.2', ball(2)),
      entry(4, 1, '0.3', ball(4)),
      entry(5, 1, '0.4', ball(0)),
    ]);
    // The inserted ball's runs still count in the scores of the balls after it.
    assert.deepEqual(stops.map((s) => [s.seq, s.runs]), [[3, 1], [4, 7], [5, 7]]);
    assert.equal(indexAtOrBefore(stops, 4), 1);
    assert.equal(indexAtOrBefore(stops, 2), -1);
    assert.equal(indexAtOrBefore(stops, 99), 2);
  });

  it('are named by innings, over and ball, and by the team batting', () => {
    const state = { innings: [{ team: 'India' }, { team: 'Pakistan' }, { team: 'India', super_over: true }] };
    const stop = { innings: 2, over: '14.3', runs: 120, wickets: 3 };
    assert.equal(placeOf(stop, state), '2nd inns 14.3');
    assert.equal(scoreOf(stop, state), 'Pakistan 120/3');
    assert.equal(placeOf({ ...stop, innings: 3 }, state), 'Super over 14.3');
    assert.equal(placeOf({ ...stop, innings: 4 }, null), '4th inns 14.3');
  });

  it('step an over at a time: to the next over, or back to the start of this one or the last', () => {
    const overs = ['0.1', '0.2', '0.3', '1.1', '1.2', '1.3'].map((over, i) => ({ seq: i + 1, innings: 1, over }));
    const stops = [...overs, { seq: 7, innings: 2, over: '0.1' }];
    assert.equal(overStep(stops, 1, 1), 3);
    assert.equal(overStep(stops, 3, 1), 6);
    assert.equal(overStep(stops, 6, 1), 7, 'past the last stop is live');
    assert.equal(overStep(stops, 4, -1), 3, 'mid-over: back to its first ball');
    assert.equal(overStep(stops, 3, -1), 0, 'at its first ball: the over before');
    assert.equal(overStep(stops, 7, -1), 6, 'from live: the last over');
    assert.equal(overStep(stops, 0, -1), 0);
  });
});
