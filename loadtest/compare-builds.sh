#!/usr/bin/env bash
# Two builds of the node side by side in one run, alternated (A B A B …) so that whatever the
# machine drifts by falls on both alike: the warm read path (`/live` from L1, 64 connections,
# 10 s) and the WebSocket fan-out at 1,000 and 10,000 clients (300 balls, one per 100 ms, node
# CPU per delivered message from /proc). The new build's fan-out runs twice per round, once with
# clients that ask for plain frames and once with clients that offer permessage-deflate as a
# browser does (`--compress`, column "new, compressed"); SSE=1 adds an SSE fan-out of the new
# build at 1,000 clients, plain against gzip. The load generator is this tree's
# `crease-loadtest` for all, so only the node and what the clients ask for differ. Prints each
# column's median and range per figure, and keeps every run's JSON under
# loadtest/results/<date>/compare-<stamp>/.
#
# Usage: loadtest/compare-builds.sh OLD_REV [ROUNDS]   (the new build is the working tree;
# ROUNDS defaults to 3; ONLY=read or ONLY=fanout runs one half). OLD_BIN and NEW_BIN compare two
# builds already made instead (OLD_REV then only labels the old one), LT_BIN names the load
# generator to use. Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on
# 127.0.0.1:6379, as scripts/test.sh sets up.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

OLD_REV=${1:?usage: loadtest/compare-builds.sh OLD_REV [ROUNDS]}
ROUNDS=${2:-3}
ONLY=${ONLY:-read,fanout}
want() { [[ ",$ONLY," == *",$1,"* ]]; }
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=loadtest/results/$(date -u +%Y-%m-%d)/compare-$STAMP
mkdir -p "$OUT"
TOKEN=bench-admin-token
PG=${PG_URL:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS_URL:-redis://127.0.0.1:6379}
LONG=data/cricsheet/test_2023-02-24_england_v_new_zealand.json
LIVE=data/cricsheet/t20_2007-09-14_india_v_pakistan.json
LT=${LT_BIN:-target/release/crease-loadtest}
BINS=target/compare
WT=target/compare/tree-$OLD_REV
PIDS=()

log() { printf '\n== %s\n' "$*" >&2; }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  git worktree remove --force "$WT" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$BINS"
if [ -n "${OLD_BIN:-}" ]; then
  old_rev=$OLD_REV
  cp "$OLD_BIN" "$BINS/crease-$old_rev"
else
  old_rev=$(git rev-parse --short "$OLD_REV")
fi
new_rev="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src domain Cargo.toml Cargo.lock || echo +changes)"
if [ -z "${OLD_BIN:-}" ] && [ ! -x "$BINS/crease-$old_rev" ]; then
  log "building $old_rev (release) in a worktree; dependencies are shared with this tree's target/"
  git worktree add --force --detach "$WT" "$old_rev" >/dev/null
  (cd "$WT" && CARGO_TARGET_DIR="$ROOT/target" cargo build --release -q -p crease)
  cp target/release/crease "$BINS/crease-$old_rev"
fi
if [ -n "${NEW_BIN:-}" ]; then
  new_rev=${NEW_LABEL:-new}
  cp "$NEW_BIN" "$BINS/crease-new"
else
  log "building the working tree (release)"
  cargo build --release -q -p crease -p crease-loadtest
  cp target/release/crease "$BINS/crease-new"
fi

start_node() { # BIN PORT DB PREFIX → pid once /readyz answers
  local bin=$1 port=$2 db=$3 prefix=$4
  DATABASE_URL=$PG/$db REDIS_URL=$REDIS CREASE_REDIS_PREFIX=$prefix CREASE_ADDR=127.0.0.1:$port \
    CREASE_ADMIN_TOKEN=$TOKEN CREASE_MAX_CONNECTIONS_PER_ADDRESS=100000 RUST_LOG=warn \
    "$bin" serve >>"$OUT/node-$port.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { echo "$pid"; return; }
    sleep 0.1
  done
  echo "node on $port did not start; see $OUT/node-$port.log" >&2; exit 1
}
stop_node() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
}

# One round of one build: a fresh database and Redis prefix, then read, fan-out 1k, fan-out 10k.
# FLAGS go to every fan-out client (e.g. --compress); READ=0 skips the read half.
round() { # LABEL BIN ROUND [FLAGS…]
  local label=$1 bin=$2 r=$3
  shift 3
  local flags=("$@")
  local db=crease_cmp_$(date +%s%N) prefix=cmp-$STAMP-$label-$r:
  psql "$PG/postgres" -qc "create database $db"
  DATABASE_URL=$PG/$db "$bin" migrate >/dev/null
  local m pid
  if want read && [ "${READ:-1}" = 1 ]; then
    m=$(DATABASE_URL=$PG/$db "$bin" import --live-at 150 "$LIVE" | jq -r .match_id)
    pid=$(start_node "$bin" 18086 "$db" "$prefix")
    curl -fsS "http://127.0.0.1:18086/api/matches/$m/live" >/dev/null
    log "$label round $r: read"
    $LT read --url http://127.0.0.1:18086 --match "$m" --connections 64 --seconds 10 --json \
      >"$OUT/read-$label-$r.json"
    stop_node "$pid"
  fi
  want fanout || { psql "$PG/postgres" -qc "drop database if exists $db with (force)" >/dev/null; return; }
  for c in ${SIZES:-1000 10000}; do
    m=$(DATABASE_URL=$PG/$db "$bin" import --live-at 0 "$LONG" | jq -r .match_id)
    pid=$(start_node "$bin" 18086 "$db" "$prefix")
    log "$label round $r: fan-out to $c ${flags[*]}"
    $LT fanout --url http://127.0.0.1:18086 --match "$m" --clients "$c" --workers 1 \
      --file "$LONG" --token "$TOKEN" --node-pid "$pid" --balls 300 --interval-ms 100 --json \
      "${flags[@]}" >"$OUT/fanout-$c-$label-$r.json"
    stop_node "$pid"
  done
  psql "$PG/postgres" -qc "drop database if exists $db with (force)" >/dev/null
}

ulimit -n "$(ulimit -Hn)"
for r in $(seq 1 "$ROUNDS"); do
  round old "$BINS/crease-$old_rev" "$r"
  round new "$BINS/crease-new" "$r"
  READ=0 round newz "$BINS/crease-new" "$r" --compress
  if [ "${SSE:-0}" = 1 ]; then
    READ=0 SIZES=1000 round sse "$BINS/crease-new" "$r" --sse-share 1
    READ=0 SIZES=1000 round ssez "$BINS/crease-new" "$r" --sse-share 1 --compress
  fi
done

# median (min–max) of a jq expression over a build's runs
stat() { # FILES… -- JQ
  local files=() expr
  while [ "$1" != -- ]; do files+=("$1"); shift; done; expr=$2
  jq -s "[.[] | $expr] | sort | \"\\(.[(length/2|floor)]) (\\(.[0])–\\(.[-1]))\"" -r "${files[@]}"
}
{
  printf '\nold = %s, new = %s, %s rounds alternated\n\n' "$old_rev" "$new_rev" "$ROUNDS"
  printf '| figure | old | new | new, compressed |\n|---|---|---|---|\n'
  col() { # PATTERN LABEL JQ
    compgen -G "$OUT/$1-$2-*.json" >/dev/null || { echo -; return; }
    stat "$OUT"/$1-$2-*.json -- "$3"
  }
  row() { # NAME PATTERN JQ
    compgen -G "$OUT/$2-old-*.json" >/dev/null || return 0
    printf '| %s | %s | %s | %s |\n' "$1" "$(col "$2" old "$3")" "$(col "$2" new "$3")" \
      "$(col "$2" newz "$3")"
  }
  row "warm /live, req/s (64 connections)" read '.requests_per_sec'
  row "fan-out 1,000: node CPU µs per delivered message" fanout-1000 '.node_cpu_us_per_msg'
  row "fan-out 1,000: delivery p99 ms" fanout-1000 '(.latency.p99_us / 1000 | floor)'
  row "fan-out 10,000: node CPU µs per delivered message" fanout-10000 '.node_cpu_us_per_msg'
  row "fan-out 10,000: delivery p99 ms" fanout-10000 '(.latency.p99_us / 1000 | floor)'
  row "fan-out 10,000: missing + duplicated + out of order" fanout-10000 '(.missing + .duplicated + .out_of_order)'
  row "fan-out 1,000: wire bytes per ball per client" fanout-1000 '.wire_bytes_per_msg'
  row "fan-out 10,000: wire bytes per ball per client" fanout-10000 '.wire_bytes_per_msg'
  row "fan-out 10,000: clients compressed" fanout-10000 '.compressed'
  if compgen -G "$OUT/fanout-1000-sse-*.json" >/dev/null; then
    printf '\n| SSE fan-out, 1,000 clients, new build | plain | gzip |\n|---|---|---|\n'
    srow() { printf '| %s | %s | %s |\n' "$1" "$(col fanout-1000 sse "$2")" "$(col fanout-1000 ssez "$2")"; }
    srow "node CPU µs per delivered message" '.node_cpu_us_per_msg'
    srow "delivery p99 ms" '(.latency.p99_us / 1000 | floor)'
    srow "body bytes per message" '.wire_bytes_per_msg'
    srow "clients compressed" '.compressed'
  fi
} | tee "$OUT/summary.md"
