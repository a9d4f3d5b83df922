#!/usr/bin/env bash
# The capacity model's check (README, "Capacity"): several nodes on the three shards of the
# Redis Cluster at once, one match watched on all of them, and what they spent against what
# the model predicts from the one-node figures of loadtest/cluster-vs-one.sh.
#
# Usage: loadtest/capacity-check.sh [NODES] [CLIENTS]   (defaults 3 and 15000: 5,000 a node;
# one load process holds them, under its 20,000 open files). 300 balls, one per 100 ms. Prints
# and keeps JSON under loadtest/results/<date>/capacity-<stamp>/: node CPU in all, per delivered
# message, delivery p99, Redis CPU per ball (idle removed), bytes received per ball per client.
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=${1:-3}
CLIENTS=${2:-15000}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=loadtest/results/$(date -u +%Y-%m-%d)/capacity-$STAMP
mkdir -p "$OUT"
TOKEN=bench-admin-token
PG=${PG_URL:-postgres://postgres@127.0.0.1:5432}
CLUSTER=redis://127.0.0.1:7101,redis://127.0.0.1:7102,redis://127.0.0.1:7103
PORTS="7101 7102 7103 7104 7105 7106"
LONG=data/cricsheet/test_2023-02-24_england_v_new_zealand.json
CREASE=target/release/crease
LT=target/release/crease-loadtest
PIDS=()
log() { printf '\n== %s\n' "$*" >&2; }
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

scripts/redis-cluster.sh
cargo build --release -q -p crease -p crease-loadtest
# shellcheck source=loadtest/redis-cpu.sh
. loadtest/redis-cpu.sh

ulimit -n "$(ulimit -Hn)"
DB=crease_cap_$(date +%s)
psql "$PG/postgres" -qc "create database $DB"
DATABASE_URL=$PG/$DB $CREASE migrate >/dev/null
M=$(DATABASE_URL=$PG/$DB $CREASE import --live-at 0 "$LONG" | jq -r .match_id)
URLS=() NODE_PIDS=()
for i in $(seq 1 "$NODES"); do
  port=$((18090 + i))
  DATABASE_URL=$PG/$DB REDIS_URL=$CLUSTER CREASE_REDIS_PREFIX=cap-$STAMP: \
    CREASE_ADDR=127.0.0.1:$port CREASE_ADMIN_TOKEN=$TOKEN CREASE_MAX_CONNECTIONS_PER_ADDRESS=100000 \
    RUST_LOG=warn $CREASE serve >>"$OUT/node-$port.log" 2>&1 &
  PIDS+=($!) NODE_PIDS+=($!) URLS+=("http://127.0.0.1:$port")
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
done
idle0=$(redis_cpu $PORTS); t0=$(date +%s.%N); sleep 10; idle1=$(redis_cpu $PORTS); t1=$(date +%s.%N)
cpu0=$(redis_cpu $PORTS); s0=$(date +%s.%N)
log "$NODES nodes, $CLIENTS clients, 300 balls"
$LT fanout --url "$(IFS=,; echo "${URLS[*]}")" --match "$M" --clients "$CLIENTS" --workers 1 \
  --file "$LONG" --token "$TOKEN" --node-pid "$(IFS=,; echo "${NODE_PIDS[*]}")" --balls 300 \
  --interval-ms 100 --json >"$OUT/fanout.json"
cpu1=$(redis_cpu $PORTS); s1=$(date +%s.%N)
for p in "${NODE_PIDS[@]}"; do kill "$p"; done
psql "$PG/postgres" -qc "drop database if exists $DB with (force)" >/dev/null
jq -n --argjson idle "$(echo "($idle1 - $idle0) / ($t1 - $t0)" | bc -l)" \
  --argjson used "$(echo "$cpu1 - $cpu0" | bc -l)" --argjson secs "$(echo "$s1 - $s0" | bc -l)" \
  '{redis_net_cpu_us_per_ball: ((($used - $idle * $secs) / 300) * 1e6)}' >"$OUT/redis.json"
jq -s '.[0] + .[1] | {nodes: '"$NODES"', clients: .clients, received, missing, duplicated,
  out_of_order, node_cpu_us, node_cpu_us_per_msg, p99_ms: (.latency.p99_us / 1000),
  redis_net_cpu_us_per_ball}' "$OUT/fanout.json" "$OUT/redis.json" | tee "$OUT/summary.json"
