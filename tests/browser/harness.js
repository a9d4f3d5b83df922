// What every browser test needs: Debian's chromium (found, or the run fails under CI), the real
// crease binary serving on a free port with a fresh SQLite database and a known admin token,
// the API to set up a match, and a screenshot directory.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHOTS = join(ROOT, 'docs/screenshots');
export const ADMIN_TOKEN = 'browser-test-admin-token';

/** The chromium to drive, or null; CHROMIUM_PATH, when set, is the only one tried. */
export function findChromium() {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p) => existsSync(p)) || null;
}

/** The chromium, or null so that tests skip; under CI a missing browser fails the run instead. */
export function requireChromium() {
  const path = findChromium();
  if (path) return path;
  if (process.env.CI === 'true') throw new Error('chromium is missing (apt-get install -y chromium, or set CHROMIUM_PATH)');
  return null;
}

/** Flags for a quiet, headless, sandbox-free run inside a container. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launch(executablePath) {
  const { chromium } = await import('playwright-core');
  // launch() gives every run a fresh temporary profile (user-data dir) and removes it on close.
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function binary() {
  const bin = join(ROOT, 'target/debug/crease');
  if (process.env.CREASE_BIN) return process.env.CREASE_BIN;
  if (!existsSync(bin)) {
    const r = spawnSync('cargo', ['build', '--bin', 'crease'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('cargo build failed');
  }
  return bin;
}

/** `crease import FILE [--live-at N]` into the database at `env`: `{match_id, seq}`. */
function importMatch(env, cwd, { file, liveAt }) {
  const args = ['import', file, ...(liveAt === undefined ? [] : ['--live-at', String(liveAt)])];
  const r = spawnSync(binary(), args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`crease import ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/**
 * A crease server of our own; `stop()` ends it and removes its database. `imports` are
 * Cricsheet files (`{file, liveAt}`) stored before it starts; `imported` says where each went.
 */
export async function startServer({ demo = false, imports = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'crease-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // --demo seeds the bundled Cricsheet matches and drives one live: real cards for screenshots.
  const args = ['serve', '--addr', `127.0.0.1:${port}`, ...(demo ? ['--demo', '--demo-interval-ms', '2000'] : [])];
  // The embedded mode, whatever the caller's environment points at.
  // Replays at nice 19 rather than in the idle class: a browser and its renderer load every
  // core of a small machine, and an idle-class replay could wait out a test's deadline.
  const env = { ...process.env, CREASE_ADMIN_TOKEN: ADMIN_TOKEN, CREASE_REPLAY_IDLE: 'off', DATABASE_URL: `sqlite:${join(dir, 'crease.db')}` };
  delete env.REDIS_URL;
  // Viewer counts every half second, so the test sees them change without waiting 5 s.
  env.CREASE_VIEWER_COUNT_MS = '500';
  env.RUST_LOG = process.env.RUST_LOG || 'warn';
  const imported = imports.map((i) => importMatch(env, dir, i));
  const child = spawn(binary(), args, {
    cwd: dir,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) break;
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null || i > 300) throw new Error(`crease serve did not become ready on ${base}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    imported,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The API, as the admin. Throws with the problem detail on a non-2xx answer. */
export function api(base) {
  return async (method, path, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

export const HOME = ['A Opener', 'B Opener', 'C Three', 'D Four', 'E Five', 'F Six', 'G Seven', 'H Eight', 'I Nine', 'J Ten', 'K Eleven'];
export const AWAY = ['L Quick', 'M Swing', 'N Spin', 'O Seam', 'P Wrist', 'Q Keeper', 'R Bat', 'S Bat', 'T All', 'U All', 'V Cap'];

/** A T20 with the toss made and the first innings started: Home bat, Quick bowls. */
export async function setupMatch(base, title = 'Harbour v Valley') {
  const call = api(base);
  const m = await call('POST', '/api/matches', {
    title,
    venue: 'Harbour Oval',
    format: 't20',
    teams: [{ name: 'Harbour', players: HOME }, { name: 'Valley', players: AWAY }],
  });
  await call('POST', `/api/matches/${m.id}/events`, { kind: 'toss', data: { winner: 'Harbour', decision: 'bat' } });
  await call('POST', `/api/matches/${m.id}/events`, {
    kind: 'innings_start',
    data: { batting_team: 'Harbour', striker: HOME[0], non_striker: HOME[1], bowler: AWAY[0] },
  });
  return m;
}

/** Where a screenshot goes; with CREASE_SCREENSHOTS=0 nowhere (Playwright then only returns it). */
export function shotPath(name) {
  if (process.env.CREASE_SCREENSHOTS === '0') return undefined;
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, name);
}

/** A match the demo is driving live, once it is past its twentieth event. */
export async function liveMatch(base) {
  for (let i = 0; i < 50; i++) {
    const list = await (await fetch(`${base}/api/matches`)).json();
    const m = list.find((x) => x.live && x.seq > 20);
    if (m) return m;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the demo has no live match');
}
