// k6: GET /api/matches/{id}/live from VUS virtual users for DURATION, optionally revalidating
// with If-None-Match (ETAG=1). Loopback targets only, like crease-loadtest.
//   BASE_URL=http://127.0.0.1:8080 MATCH_ID=1 VUS=64 DURATION=10s ETAG=1 k6 run read.js
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const MATCH_ID = __ENV.MATCH_ID || '1';
const REVALIDATE = __ENV.ETAG === '1';
const live = `${BASE_URL}/api/matches/${MATCH_ID}/live`;
const notModified = new Counter('not_modified');

export const options = {
  vus: Number(__ENV.VUS || 8),
  duration: __ENV.DURATION || '10s',
  thresholds: { checks: ['rate==1'], http_req_failed: ['rate==0'] },
};

export function setup() {
  const res = http.get(live);
  check(res, { 'the match is live': (r) => r.status === 200 });
  return { etag: res.headers['Etag'] || res.headers['ETag'] };
}

export default function (data) {
  const params = REVALIDATE && data.etag ? { headers: { 'If-None-Match': data.etag } } : {};
  // A 304 is the answer a revalidation hopes for, not a failure.
  params.responseCallback = http.expectedStatuses(200, 304);
  const res = http.get(live, params);
  if (res.status === 304) notModified.add(1);
  check(res, {
    '200 or 304': (r) => r.status === 200 || r.status === 304,
    'says which cache tier answered': (r) => !!r.headers['X-Cache'],
    'a 200 carries the snapshot': (r) => r.status !== 200 || r.body.indexOf('"seq":') > 0,
  });
}
