// The HTTP API as the pages use it: JSON in and out, and errors turned into words from the
// problem+json `detail` (and its `field`), so a page can show them next to the control. The
// problem's `type` and `overridable` are kept too: a Laws refusal the umpires may overrule is
// offered to the scorer as such.

export class ApiError extends Error {
  constructor(status, detail, field, { type = null, overridable = false } = {}) {
    super(detail);
    this.status = status;
    this.field = field || null;
    this.type = type;
    this.overridable = overridable;
  }
}

/** Thrown when the request never reached the server (offline, DNS, connection refused). */
export class NetworkError extends Error {}

async function problem(res) {
  let detail = `${res.status} ${res.statusText}`;
  let field = null;
  const extra = {};
  try {
    const body = await res.json();
    if (body && body.detail) detail = body.detail;
    if (body && body.field) field = body.field;
    if (body && typeof body.type === 'string') extra.type = body.type;
    if (body && body.overridable === true) extra.overridable = true;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, detail, field, extra);
}

export async function request(method, path, { body, token, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (token) h.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new NetworkError(e && e.message ? e.message : 'network error');
  }
  if (!res.ok) throw await problem(res);
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const getJSON = (path) => request('GET', path);

const BALLS_PAGE = 500;

/** Every delivery of a match in the order of play (`GET /balls`, page by page). */
export async function allBalls(matchId) {
  const all = [];
  let since = 0;
  for (;;) {
    const page = await getJSON(`/api/matches/${matchId}/balls?since=${since}&limit=${BALLS_PAGE}`);
    all.push(...page);
    if (page.length < BALLS_PAGE) return all;
    since = Math.max(...page.map((b) => b.seq));
  }
}

/** A problem in words, with the field it is about when there is one. */
export function describe(err) {
  if (err instanceof NetworkError) return 'No connection to the server.';
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Sign in: the token is missing or not valid for this match.';
    if (err.status === 403) return 'This token may not do that: it is not granted this match, or it is not the admin token.';
    if (err.type === '/problems/stale-seq') return 'The match has moved on since (another scorer?): check the score and enter it again.';
    return err.field ? `${err.message} (${err.field})` : err.message;
  }
  return String(err && err.message ? err.message : err);
}
