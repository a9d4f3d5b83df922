#!/usr/bin/env bash
# Crease's benchmarks, one run, one machine: the read path by cache tier, ingest, fan-out over
# WebSocket and SSE on one node and on two nodes sharing Redis (beside the kernel's own floor
# for the same shape), a burst, and idle memory per connection. Each result is JSON under
# loadtest/results/<date>/; a markdown table with the exact commands is printed at the end. Figures are ratios to a baseline from this same run.
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379, as
# scripts/test.sh sets up. Every target is on 127.0.0.0/8. ONLY=read,ingest,fanout,two,burst,idle
# picks a subset; SMALL=1 divides client counts by 100 (a quick check of the script itself);
# CREASE_BIN runs another build of the node (the load generator is still this tree's).
set -euo pipefail
cd "$(dirname "$0")/.."

ONLY=${ONLY:-read,ingest,fanout,two,burst,idle}
SMALL=${SMALL:-0}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=loadtest/results/$(date -u +%Y-%m-%d)
mkdir -p "$OUT"
TOKEN=bench-admin-token
PG=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DB=crease_bench_$(date +%s)
REDIS=${REDIS_URL:-redis://127.0.0.1:6379}
LIVE=data/cricsheet/t20_2007-09-14_india_v_pakistan.json
LONG=data/cricsheet/test_2023-02-24_england_v_new_zealand.json
CREASE=${CREASE_BIN:-target/release/crease}
LT=target/release/crease-loadtest
PIDFILE=$(mktemp)
COMMANDS=$OUT/commands-$STAMP.md

log() { printf '\n== %s\n' "$*" >&2; }
n() { if [ "$SMALL" = 1 ]; then echo $(( ($1 + 99) / 100 )); else echo "$1"; fi; }
want() { [[ ",$ONLY," == *",$1,"* ]]; }
cleanup() {
  while read -r p; do kill "$p" 2>/dev/null || true; done <"$PIDFILE"
  rm -f "$PIDFILE"
  psql "$PG/postgres" -qc "drop database if exists $DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

log "building (release)"
cargo build --release -q -p crease -p crease-loadtest

log "fresh database $DB, Redis prefix bench-$STAMP:"
psql "$PG/postgres" -qc "create database $DB"
export DATABASE_URL=$PG/$DB
export CREASE_REDIS_PREFIX=bench-$STAMP:
$CREASE migrate >/dev/null

# A match imported live at delivery $2 of file $1; prints its id.
fresh_match() { $CREASE import --live-at "$2" "$1" | jq -r .match_id; }

# start_node PORT CACHE REDIS_URL|"" → pid on stdout, once the node answers /readyz.
start_node() {
  local port=$1 cache=$2 redis=$3
  (
    [ -n "$redis" ] && export REDIS_URL=$redis || unset REDIS_URL
    CREASE_ADDR=127.0.0.1:$port CREASE_CACHE=$cache CREASE_ADMIN_TOKEN=$TOKEN \
      CREASE_MAX_CONNECTIONS_PER_ADDRESS=100000 CREASE_REDIS_TIMEOUT_MS=50 RUST_LOG=warn \
      exec $CREASE serve >>"$OUT/node-$port-$STAMP.log" 2>&1
  ) &
  local pid=$!
  echo "$pid" >>"$PIDFILE"
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { echo "$pid"; return; }
    # Redis down is the point of the database-tier run: ready may then stay 503; live is enough.
    [ -z "${ALLOW_NOT_READY:-}" ] || { curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { echo "$pid"; return; }; }
    sleep 0.1
  done
  echo "node on $port did not start; see $OUT/node-$port-$STAMP.log" >&2; exit 1
}
stop_node() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
}

# run NAME CMD… : runs crease-loadtest, keeps its JSON and the command.
run() {
  local name=$1; shift
  log "$name: crease-loadtest $*"
  printf '| %s | `crease-loadtest %s` |\n' "$name" "$*" >>"$COMMANDS"
  $LT "$@" --json >"$OUT/$name.json"
}

printf '| run | command |\n|---|---|\n' >"$COMMANDS"

if want read; then
  M=$(fresh_match "$LIVE" 150)
  # tier  cache  Redis: the database tier is no-l1 with Redis on a closed port (down).
  for tier in l1 redis db off; do
    case $tier in
      l1) cache=on redis=$REDIS ;;
      redis) cache=no-l1 redis=$REDIS ;;
      db) cache=no-l1 redis=redis://127.0.0.1:1 ;;
      off) cache=off redis="" ;;
    esac
    pid=$(ALLOW_NOT_READY=$([ "$tier" = db ] && echo 1) start_node 18081 "$cache" "$redis")
    curl -fsS "http://127.0.0.1:18081/api/matches/$M/live" >/dev/null
    run "read-$tier" read --url http://127.0.0.1:18081 --match "$M" --connections 64 --seconds 10
    stop_node "$pid"
  done
fi

if want ingest; then
  pid=$(start_node 18082 on "$REDIS")
  M=$(fresh_match "$LONG" 0)
  run ingest fanout --url http://127.0.0.1:18082 --match "$M" --clients 0 --balls 300 \
    --interval-ms 20 --file "$LONG" --token "$TOKEN" --node-pid "$pid"
  stop_node "$pid"
fi

fanout_run() { # NAME CLIENTS WORKERS EXTRA…
  local name=$1 clients=$2 workers=$3; shift 3
  local pid; pid=$(start_node 18083 on "$REDIS")
  local m; m=$(fresh_match "$LONG" 0)
  run "$name" fanout --url http://127.0.0.1:18083 --match "$m" --clients "$clients" \
    --workers "$workers" --file "$LONG" --token "$TOKEN" --node-pid "$pid" "$@"
  stop_node "$pid"
}

if want fanout; then
  for c in 1000 5000 10000; do
    # Each size beside the kernel's floor for the same shape, run just before it: plain
    # threads writing, plain epoll readers, no server code.
    run "floor-$c" floor --sockets "$(n $c)" --rounds 300 --interval-ms 100
    fanout_run "fanout-ws-$c" "$(n $c)" 1 --balls 300 --interval-ms 100
  done
  fanout_run fanout-ws-19000 "$(n 19000)" 2 --balls 300 --interval-ms 100
  fanout_run fanout-sse-10000 "$(n 10000)" 1 --balls 300 --interval-ms 100 --sse-share 1
fi

if want two; then
  a=$(start_node 18084 on "$REDIS"); b=$(start_node 18085 on "$REDIS")
  m=$(fresh_match "$LONG" 0)
  run fanout-two-nodes-10000 fanout --url http://127.0.0.1:18084,http://127.0.0.1:18085 \
    --match "$m" --clients "$(n 10000)" --balls 300 --interval-ms 100 --file "$LONG" \
    --token "$TOKEN" --node-pid "$a,$b"
  stop_node "$a"; stop_node "$b"
fi

if want burst; then
  fanout_run burst-1000-to-10000 "$(n 10000)" 1 --balls 1000 --burst --drain-secs 60
fi

if want idle; then
  for c in 10000 19000; do
    pid=$(start_node 18086 on "$REDIS")
    m=$(fresh_match "$LIVE" 150)
    w=$([ "$c" -gt 15000 ] && echo 2 || echo 1)
    run "idle-$c" idle --url http://127.0.0.1:18086 --match "$m" --clients "$(n "$c")" \
      --hold-secs 10 --workers "$w" --node-pid "$pid"
    stop_node "$pid"
  done
fi

log "results in $OUT"
python3 loadtest/summarize.py "$OUT" "$STAMP" "$COMMANDS"
