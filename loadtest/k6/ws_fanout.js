// k6: VUS WebSocket viewers of one match, each held for DURATION; checks that the first message
// is a snapshot and that seqs then only rise by one (a gap or repeat is counted, and fails).
//   BASE_URL=http://127.0.0.1:8080 MATCH_ID=1 VUS=100 DURATION=30s k6 run ws_fanout.js
import ws from 'k6/ws';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const MATCH_ID = __ENV.MATCH_ID || '1';
const HOLD_MS = parseDuration(__ENV.DURATION || '10s');
const messages = new Counter('crease_messages');
const gaps = new Counter('crease_seq_gaps');
const repeats = new Counter('crease_seq_repeats');

export const options = {
  vus: Number(__ENV.VUS || 10),
  iterations: Number(__ENV.VUS || 10),
  thresholds: { checks: ['rate==1'], crease_seq_gaps: ['count==0'], crease_seq_repeats: ['count==0'] },
};

function parseDuration(s) {
  const m = /^(\d+)(ms|s|m)?$/.exec(s);
  if (!m) return 10000;
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60000 }[m[2] || 's']);
}

// Every message opens {"type":…,"match_id":…,"seq":…: read the seq from the prefix.
function seqOf(text) {
  const m = /"seq":(\d+)/.exec(text.slice(0, 96));
  return m ? Number(m[1]) : -1;
}

export default function () {
  const url = `${BASE_URL.replace(/^http/, 'ws')}/api/matches/${MATCH_ID}/ws`;
  let last = -1;
  let seeded = false;
  const res = ws.connect(url, {}, (socket) => {
    socket.on('message', (text) => {
      // A viewer count is outside the match's history (no seq): not a message of the run.
      if (text.startsWith('{"type":"viewers"')) return;
      messages.add(1);
      const seq = seqOf(text);
      if (last < 0) {
        seeded = text.startsWith('{"type":"snapshot"');
      } else if (seq <= last) {
        repeats.add(1);
      } else if (seq > last + 1 && !text.startsWith('{"type":"snapshot"')) {
        gaps.add(1);
      }
      last = Math.max(last, seq);
    });
    socket.setTimeout(() => socket.close(), HOLD_MS);
  });
  check(res, { 'upgraded (101)': (r) => r && r.status === 101 });
  check(seeded, { 'first message is a snapshot': (s) => s === true });
}
