#!/usr/bin/env bash
# Does scrubbing the past take from the live path? One node on Postgres and Redis with a whole
# Test match imported (every event stored). Each round reads the warm `/live` for 10 s
# (64 connections) twice, alternated: alone, and while a second `crease-loadtest read --past N`
# (8 connections) asks for `/live?at=SEQ` over every seq of the match, most of them replays.
# Prints each figure's median and range, and keeps every run's JSON under
# loadtest/results/<date>/past-vs-live-<stamp>/.
#
# Usage: loadtest/past-vs-live.sh [ROUNDS]   (default 3). Needs PostgreSQL on 127.0.0.1:5432
# (user postgres, trust) and Redis on 127.0.0.1:6379, as scripts/test.sh sets up.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-3}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=loadtest/results/$(date -u +%Y-%m-%d)/past-vs-live-$STAMP
mkdir -p "$OUT"
PG=${PG_URL:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS_URL:-redis://127.0.0.1:6379}
LONG=data/cricsheet/test_2023-02-24_england_v_new_zealand.json
TOKEN=bench-admin-token
PORT=18087
cargo build --release -q -p crease -p crease-loadtest
BIN=target/release/crease
LT=target/release/crease-loadtest
DB=crease_past_$(date +%s%N)
NODE=

cleanup() {
  [ -n "$NODE" ] && kill "$NODE" 2>/dev/null || true
  psql "$PG/postgres" -qc "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql "$PG/postgres" -qc "create database $DB"
DATABASE_URL=$PG/$DB "$BIN" migrate >/dev/null
M=$(DATABASE_URL=$PG/$DB "$BIN" import "$LONG" | jq -r .match_id)
DATABASE_URL=$PG/$DB REDIS_URL=$REDIS CREASE_REDIS_PREFIX="past-$STAMP:" CREASE_ADDR=127.0.0.1:$PORT \
  CREASE_ADMIN_TOKEN=$TOKEN RUST_LOG=warn "$BIN" serve >>"$OUT/node.log" 2>&1 &
NODE=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
SEQ=$(curl -fsS "http://127.0.0.1:$PORT/api/matches/$M/live" | jq .seq)
echo "match $M, $SEQ events" >&2

for r in $(seq 1 "$ROUNDS"); do
  echo "round $r: /live alone" >&2
  $LT read --url "http://127.0.0.1:$PORT" --match "$M" --connections 64 --seconds 10 --json \
    >"$OUT/live-alone-$r.json"
  echo "round $r: /live beside past readers" >&2
  $LT read --url "http://127.0.0.1:$PORT" --match "$M" --connections 8 --seconds 12 --past "$SEQ" \
    --json >"$OUT/past-$r.json" &
  past=$!
  sleep 1
  $LT read --url "http://127.0.0.1:$PORT" --match "$M" --connections 64 --seconds 10 --json \
    >"$OUT/live-beside-$r.json"
  wait "$past"
done

stat() { # JQ FILES…
  local expr=$1
  shift
  jq -s "[.[] | $expr] | sort | \"\\(.[(length/2|floor)]) (\\(.[0])–\\(.[-1]))\"" -r "$@"
}
{
  printf '\n%s rounds, match %s (%s events)\n\n' "$ROUNDS" "$M" "$SEQ"
  printf '| figure | /live alone | /live beside past readers |\n|---|---|---|\n'
  printf '| /live req/s | %s | %s |\n' "$(stat .requests_per_sec "$OUT"/live-alone-*.json)" \
    "$(stat .requests_per_sec "$OUT"/live-beside-*.json)"
  printf '| /live p99 µs | %s | %s |\n' "$(stat .latency.p99_us "$OUT"/live-alone-*.json)" \
    "$(stat .latency.p99_us "$OUT"/live-beside-*.json)"
  printf '\npast readers: req/s %s; replayed %s, kept %s; p99 µs %s; non-200 %s\n' \
    "$(stat .requests_per_sec "$OUT"/past-*.json)" \
    "$(stat '(.x_cache.replay // 0)' "$OUT"/past-*.json)" \
    "$(stat '(.x_cache.past // 0)' "$OUT"/past-*.json)" \
    "$(stat .latency.p99_us "$OUT"/past-*.json)" \
    "$(stat '(.requests - (.status["200"] // 0))' "$OUT"/past-*.json)"
} | tee "$OUT/summary.md"
