// k6: VUS SSE viewers of one match. k6 has no streaming reader, so each viewer holds the stream
// for DURATION and the script checks what k6 can see: the stream was opened and held (the
// request ends by the client's timeout, not by an error status from the node).
//   BASE_URL=http://127.0.0.1:8080 MATCH_ID=1 VUS=100 DURATION=30s k6 run sse.js
import http from 'k6/http';
import { check } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const MATCH_ID = __ENV.MATCH_ID || '1';
const HOLD = __ENV.DURATION || '10s';

export const options = {
  vus: Number(__ENV.VUS || 10),
  iterations: Number(__ENV.VUS || 10),
  thresholds: { checks: ['rate==1'] },
};

export function setup() {
  // An unknown match or a refused connection answers at once, with a status.
  const res = http.get(`${BASE_URL}/api/matches/${MATCH_ID}/live`);
  check(res, { 'the match exists': (r) => r.status === 200 });
}

export default function () {
  const res = http.get(`${BASE_URL}/api/matches/${MATCH_ID}/stream`, {
    headers: { Accept: 'text/event-stream' },
    timeout: HOLD,
    // The stream never ends by itself: the timeout is the expected way out.
    responseCallback: http.expectedStatuses(0, 200),
  });
  check(res, {
    'held open until the timeout (no error status)': (r) => r.status === 0 && r.error_code === 1050,
  });
}
