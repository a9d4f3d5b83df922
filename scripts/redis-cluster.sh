#!/usr/bin/env bash
# Starts (once) the Redis Cluster the tests share: three primaries and three replicas on
# 127.0.0.1:7101-7106, keeping nothing on disk but the cluster's own node files. Does nothing
# when a cluster already answers there. `scripts/redis-cluster.sh stop` stops it.
set -euo pipefail
BASE=${CREASE_CLUSTER_BASE_PORT:-7101}
DIR=${CREASE_CLUSTER_DIR:-${TMPDIR:-/tmp}/crease-redis-cluster}
PORTS=$(seq "$BASE" $((BASE + 5)))

if [ "${1:-}" = stop ]; then
  for p in $PORTS; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  rm -rf "$DIR"
  exit 0
fi

state() { redis-cli -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }
if [ "$(state "$BASE")" = ok ]; then exit 0; fi

# A half-made cluster from an earlier run is cleared first.
for p in $PORTS; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
rm -rf "$DIR"
mkdir -p "$DIR"
for p in $PORTS; do
  redis-server --port "$p" --bind 127.0.0.1 --daemonize yes \
    --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 2000 \
    --save "" --appendonly no --dir "$DIR" --logfile "$DIR/$p.log"
done
for p in $PORTS; do
  for _ in $(seq 1 50); do [ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
done
redis-cli --cluster create $(for p in $PORTS; do printf '127.0.0.1:%s ' "$p"; done) \
  --cluster-replicas 1 --cluster-yes >/dev/null
for _ in $(seq 1 100); do
  ok=1
  for p in $PORTS; do [ "$(state "$p")" = ok ] || ok=0; done
  [ $ok = 1 ] && exit 0
  sleep 0.2
done
echo "the Redis Cluster did not come up" >&2
exit 1
