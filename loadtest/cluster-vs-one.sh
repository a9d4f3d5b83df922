#!/usr/bin/env bash
# The same WebSocket fan-out on one Redis and on a Redis Cluster, side by side in one run and
# alternated (one, cluster, one, cluster …) so that the machine's drift falls on both alike:
# 1,000 and 10,000 clients on one node, 300 balls one per 100 ms. Per run: node CPU per
# delivered message (from /proc, as every fan-out run), delivery p99, and Redis CPU per ball
# (INFO cpu of every Redis process, less what the same processes spend idle over as long,
# measured just before), divided by the balls and by the PUBLISH/SPUBLISH commands they made.
#
# Usage: loadtest/cluster-vs-one.sh [ROUNDS]   (default 3; SIZES="1000" runs one size; PIN=1
# puts the node alone on CPU 0 and every Redis process and the load generator on CPU 1, so that
# the Redis processes of either shape do not share the node's core). Needs PostgreSQL on 127.0.0.1:5432,
# Redis on 127.0.0.1:6379 and the cluster of scripts/redis-cluster.sh on 7101-7106 (started
# here when absent). Results: loadtest/results/<date>/cluster-vs-one-<stamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-3}
SIZES=${SIZES:-1000 10000}
PIN=${PIN:-0}
NODE_CPU=() OTHER_CPU=()
if [ "$PIN" = 1 ]; then NODE_CPU=(taskset -c 0); OTHER_CPU=(taskset -c 1); fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=loadtest/results/$(date -u +%Y-%m-%d)/cluster-vs-one-$STAMP
mkdir -p "$OUT"
TOKEN=bench-admin-token
PG=${PG_URL:-postgres://postgres@127.0.0.1:5432}
ONE=redis://127.0.0.1:6379
ONE_PORTS="6379"
# CLUSTER and CLUSTER_PORTS name another cluster (a one-node cluster, say, to tell the client's
# cost from the cluster's); CLUSTER_LABEL names it in the summary.
CLUSTER=${CLUSTER:-redis://127.0.0.1:7101,redis://127.0.0.1:7102,redis://127.0.0.1:7103}
CLUSTER_PORTS=${CLUSTER_PORTS:-7101 7102 7103 7104 7105 7106}
CLUSTER_LABEL=${CLUSTER_LABEL:-a Redis Cluster of 3 primaries + 3 replicas (7101-7106)}
LONG=data/cricsheet/test_2023-02-24_england_v_new_zealand.json
CREASE=target/release/crease
LT=target/release/crease-loadtest
PIDS=()

log() { printf '\n== %s\n' "$*" >&2; }
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

scripts/redis-cluster.sh
if [ "$PIN" = 1 ]; then
  for p in $ONE_PORTS $CLUSTER_PORTS; do
    taskset -pc 1 "$(redis-cli -p "$p" info server | tr -d '\r' | sed -n 's/^process_id://p')" >/dev/null
  done
fi
log "building (release)"
cargo build --release -q -p crease -p crease-loadtest

# shellcheck source=loadtest/redis-cpu.sh
. loadtest/redis-cpu.sh

start_node() { # PORT DB PREFIX REDIS_URL CLUSTER(true|false) → pid once /readyz answers
  local port=$1 db=$2 prefix=$3 redis=$4 cluster=$5
  DATABASE_URL=$PG/$db REDIS_URL=$redis CREASE_REDIS_CLUSTER=$cluster CREASE_REDIS_PREFIX=$prefix CREASE_ADDR=127.0.0.1:$port \
    CREASE_ADMIN_TOKEN=$TOKEN CREASE_MAX_CONNECTIONS_PER_ADDRESS=100000 RUST_LOG=warn \
    "${NODE_CPU[@]}" "$CREASE" serve >>"$OUT/node-$port.log" 2>&1 &
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

# One run: LABEL (one|cluster) CLIENTS ROUND.
run() {
  local label=$1 clients=$2 r=$3 url ports
  local cluster=false
  if [ "$label" = one ]; then url=$ONE; ports=$ONE_PORTS; else url=$CLUSTER; ports=$CLUSTER_PORTS; cluster=true; fi
  local db=crease_cvo_$(date +%s%N) prefix=cvo-$STAMP-$label-$clients-$r:
  psql "$PG/postgres" -qc "create database $db"
  DATABASE_URL=$PG/$db "$CREASE" migrate >/dev/null
  local m pid
  m=$(DATABASE_URL=$PG/$db "$CREASE" import --live-at 0 "$LONG" | jq -r .match_id)
  pid=$(start_node 18087 "$db" "$prefix" "$url" "$cluster")
  # What these Redis processes spend doing nothing of ours (cron, cluster bus), for as long.
  local idle0 idle1 t0 t1
  idle0=$(redis_cpu $ports); t0=$(date +%s.%N); sleep 10
  idle1=$(redis_cpu $ports); t1=$(date +%s.%N)
  local cpu0 pub0 s0 cpu1 pub1 s1
  cpu0=$(redis_cpu $ports); pub0=$(publishes $ports); s0=$(date +%s.%N)
  log "$label round $r: fan-out to $clients"
  "${OTHER_CPU[@]}" "$LT" fanout --url http://127.0.0.1:18087 --match "$m" --clients "$clients" --workers 1 \
    --file "$LONG" --token "$TOKEN" --node-pid "$pid" --balls 300 --interval-ms 100 --json \
    >"$OUT/fanout-$clients-$label-$r.json"
  cpu1=$(redis_cpu $ports); pub1=$(publishes $ports); s1=$(date +%s.%N)
  stop_node "$pid"
  psql "$PG/postgres" -qc "drop database if exists $db with (force)" >/dev/null
  jq -n --argjson idle "$(echo "($idle1 - $idle0) / ($t1 - $t0)" | bc -l)" \
    --argjson used "$(echo "$cpu1 - $cpu0" | bc -l)" \
    --argjson secs "$(echo "$s1 - $s0" | bc -l)" \
    --argjson publishes "$((pub1 - pub0))" --argjson balls 300 \
    '{idle_cpu_per_sec: $idle, used_cpu_secs: $used, secs: $secs, publishes: $publishes,
      balls: $balls,
      net_cpu_us_per_ball: ((($used - $idle * $secs) / $balls) * 1e6),
      net_cpu_us_per_publish: ((($used - $idle * $secs) / $publishes) * 1e6)}' \
    >"$OUT/redis-$clients-$label-$r.json"
}

ulimit -n "$(ulimit -Hn)"
for r in $(seq 1 "$ROUNDS"); do
  for c in $SIZES; do
    run one "$c" "$r"
    run cluster "$c" "$r"
  done
done

stat() { # FILES… -- JQ → median (min–max)
  local files=() expr
  while [ "$1" != -- ]; do files+=("$1"); shift; done; expr=$2
  jq -s "[.[] | $expr] | sort | \"\\(.[(length/2|floor)]) (\\(.[0])–\\(.[-1]))\"" -r "${files[@]}"
}
{
  printf '\none Redis (6379) against %s, %s rounds alternated\n\n' "$CLUSTER_LABEL" "$ROUNDS"
  printf '| figure | one Redis | cluster |\n|---|---|---|\n'
  row() { # NAME PREFIX CLIENTS JQ
    printf '| %s | %s | %s |\n' "$1" \
      "$(stat "$OUT/$2-$3"-one-*.json -- "$4")" "$(stat "$OUT/$2-$3"-cluster-*.json -- "$4")"
  }
  for c in $SIZES; do
    row "$c clients: node CPU µs per delivered message" fanout "$c" '(.node_cpu_us_per_msg * 100 | round / 100)'
    row "$c clients: delivery p99 ms" fanout "$c" '(.latency.p99_us / 1000 | floor)'
    row "$c clients: missing + duplicated + out of order" fanout "$c" '(.missing + .duplicated + .out_of_order)'
    row "$c clients: Redis CPU µs per ball, idle removed" redis "$c" '(.net_cpu_us_per_ball | round)'
    row "$c clients: Redis CPU µs per PUBLISH/SPUBLISH, idle removed" redis "$c" '(.net_cpu_us_per_publish | round)'
    row "$c clients: Redis idle CPU ms per second" redis "$c" '(.idle_cpu_per_sec * 1000 * 10 | round / 10)'
  done
} | tee "$OUT/summary.md"
