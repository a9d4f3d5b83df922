#!/usr/bin/env bash
# The soak: two nodes on a fresh Postgres database and a Redis of their own, a match day of real
# matches (a Test throughout, one-day and T20 matches that start and finish along the way, up
# to four scored at once, one event a second each), a crowd of viewers that keeps arriving and
# leaving, and Redis restarted empty halfway. The nodes drop a finished match's engine after
# ENGINE_IDLE_SECS (default 120), so their memory should follow the matches being scored.
# Prints a row per window (node memory, open files, threads, tasks; engines loaded; delivery
# p99) and keeps the JSON under loadtest/results/<date>/.
#
# Not part of the test command: it runs for DURATION seconds (default 1800). Needs PostgreSQL
# on 127.0.0.1:5432 (user postgres, trust) and redis-server on the PATH. Knobs: DURATION,
# CLIENTS (default 3000), LIFETIME ("MIN,MAX" seconds a viewer stays, default 5,60),
# SSE_SHARE (default 0.3), INTERVAL_MS (default 1000), WINDOW (default 60), ENGINE_IDLE_SECS,
# SCHEDULE (early: every match starts in the first five minutes).
# Two soaks can run side by side (one build against another under the same load at the same
# time): give each its own CREASE_BIN (a built `crease`; then nothing is built), PORTS ("A,B",
# default 18091,18092), REDIS_PORT and LABEL (added to the results' file names).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-1800}
CLIENTS=${CLIENTS:-3000}
LIFETIME=${LIFETIME:-5,60}
SSE_SHARE=${SSE_SHARE:-0.3}
INTERVAL_MS=${INTERVAL_MS:-1000}
WINDOW=${WINDOW:-60}
ENGINE_IDLE_SECS=${ENGINE_IDLE_SECS:-120}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)${LABEL:+-$LABEL}
OUT=loadtest/results/$(date -u +%Y-%m-%d)
mkdir -p "$OUT"
TOKEN=soak-admin-token
PG=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DB=crease_soak_$(date +%s)_$$
REDIS_PORT=${REDIS_PORT:-16391}
REDIS_DIR=$(mktemp -d)
CREASE=${CREASE_BIN:-target/release/crease}
PORT_A=${PORTS:-18091,18092}; PORT_B=${PORT_A#*,}; PORT_A=${PORT_A%,*}
LT=target/release/crease-loadtest
# FILE@SECS: the match's scorer starts SECS into the soak.
MATCHES=(
  data/cricsheet/test_2024-02-15_india_v_england.json@0
  data/cricsheet/t20_2022-11-22_new_zealand_v_india.json@0
  data/cricsheet/odi_2023-10-21_netherlands_v_sri_lanka.json@0
  data/cricsheet/t20_2023-05-29_gujarat_titans_v_chennai_super_kings.json@400
  data/cricsheet/odi_2023-11-04_new_zealand_v_pakistan.json@700
  data/cricsheet/t20_2018-06-10_india_v_bangladesh.json@1000
  data/cricsheet/odi_2023-11-06_sri_lanka_v_bangladesh.json@1200
  data/cricsheet/t20_2021-10-30_perth_scorchers_v_adelaide_strikers.json@1500
)
# SCHEDULE=early starts every match in the first five minutes, so that the rings of recent
# messages (512 a watched match) are full, and the limited-overs matches over, well before the
# Redis restart: what memory does after that is the node's own, not the matches'.
if [ "${SCHEDULE:-}" = early ]; then
  early=(0 0 0 100 150 200 250 300)
  for i in "${!MATCHES[@]}"; do MATCHES[i]="${MATCHES[i]%@*}@${early[i]}"; done
fi
PIDS=()

log() { printf '\n== %s\n' "$*" >&2; }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$REDIS_DIR"
  psql "$PG/postgres" -qc "drop database if exists $DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$REDIS_DIR" --daemonize yes --logfile "$REDIS_DIR/redis.log" >/dev/null
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server did not start on $REDIS_PORT" >&2; exit 1
}

start_node() { # PORT → pid on stdout once /readyz answers
  local port=$1
  CREASE_ADDR=127.0.0.1:$port CREASE_ADMIN_TOKEN=$TOKEN REDIS_URL=redis://127.0.0.1:$REDIS_PORT \
    CREASE_MAX_CONNECTIONS_PER_ADDRESS=100000 CREASE_ENGINE_IDLE_SECS=$ENGINE_IDLE_SECS RUST_LOG=warn \
    $CREASE serve >>"$OUT/soak-node-$port-$STAMP.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { echo "$pid"; return; }
    sleep 0.1
  done
  echo "node on $port did not start; see $OUT/soak-node-$port-$STAMP.log" >&2; exit 1
}

log "building (release)"
if [ -n "${CREASE_BIN:-}" ]; then cargo build --release -q -p crease-loadtest
else cargo build --release -q -p crease -p crease-loadtest; fi

log "fresh database $DB, Redis of its own on port $REDIS_PORT"
psql "$PG/postgres" -qc "create database $DB"
export DATABASE_URL=$PG/$DB
$CREASE migrate >/dev/null
start_redis

args=()
for m in "${MATCHES[@]}"; do
  f=${m%@*}
  id=$($CREASE import --live-at 10 "$f" | jq -r .match_id)
  args+=(--match "$id=$m")
done
a=$(start_node "$PORT_A"); PIDS+=("$a")
b=$(start_node "$PORT_B"); PIDS+=("$b")

# Halfway: Redis stops and comes back empty, as after a crash with no persistence. Single
# quotes: the command expands its variables when it runs, so the report names no directory.
export SOAK_REDIS_PORT=$REDIS_PORT SOAK_REDIS_DIR=$REDIS_DIR
midway='redis-cli -p "$SOAK_REDIS_PORT" shutdown nosave; sleep 2; redis-server --port "$SOAK_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$SOAK_REDIS_DIR" --daemonize yes --logfile "$SOAK_REDIS_DIR/redis.log"'

cmd=(soak --url "http://127.0.0.1:$PORT_A,http://127.0.0.1:$PORT_B" "${args[@]}"
  --clients "$CLIENTS" --lifetime-secs "$LIFETIME" --sse-share "$SSE_SHARE"
  --interval-ms "$INTERVAL_MS" --duration-secs "$DURATION" --window-secs "$WINDOW"
  --node-pid "$a,$b" --token "$TOKEN")
log "crease-loadtest ${cmd[*]} --midway '$midway'"
ulimit -n "$(ulimit -Hn)"
# The rows go to stderr as each window closes, kept beside the JSON as they come.
$LT "${cmd[@]}" --midway "$midway" --json >"$OUT/soak-$STAMP.json" 2> >(tee "$OUT/soak-$STAMP.txt" >&2)
jq '{totals, delivery, post, drift, midway_status, matches}' "$OUT/soak-$STAMP.json"
echo "rows: $OUT/soak-$STAMP.json" >&2
