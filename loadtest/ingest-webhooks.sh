#!/usr/bin/env bash
# What webhooks cost a scorer's POST. Three arms, alternated round by round so that whatever the
# machine drifts by falls on each alike: the OLD_REV build (before webhooks), this tree's build
# with no hook registered, and this tree's build with one hook wanting every kind, delivered to
# a receiver on loopback that answers 200. Each arm posts the first 300 deliveries of a Test
# (`crease-loadtest fanout --clients 0`, one every 20 ms) to a fresh database on Postgres and
# Redis, and reports the POST's p50 and p99. Keeps every run's JSON under
# loadtest/results/<date>/ingest-webhooks-<stamp>/.
#
# Usage: loadtest/ingest-webhooks.sh OLD_REV [ROUNDS]   (ROUNDS defaults to 3). OLD_BIN names an
# old build already made instead. Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and
# Redis on 127.0.0.1:6379, as scripts/test.sh sets up.
set -euo pipefail
cd "$(dirname "$0")/.."

OLD_REV=${1:?usage: loadtest/ingest-webhooks.sh OLD_REV [ROUNDS]}
ROUNDS=${2:-3}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=loadtest/results/$(date -u +%Y-%m-%d)/ingest-webhooks-$STAMP
mkdir -p "$OUT"
PG=${PG_URL:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS_URL:-redis://127.0.0.1:6379}
LONG=data/cricsheet/test_2023-02-24_england_v_new_zealand.json
TOKEN=bench-admin-token
PORT=18083
HOOK_PORT=18084

cargo build --release -q -p crease -p crease-loadtest
NEW=target/release/crease
LT=target/release/crease-loadtest
if [ -z "${OLD_BIN:-}" ]; then
  OLD_TREE=$(mktemp -d)
  git worktree add -q --detach "$OLD_TREE" "$OLD_REV"
  # The old tree builds into a target of its own, seeded with this one's so only Crease rebuilds.
  mkdir -p "$OLD_TREE/target" && cp -a target/release "$OLD_TREE/target/"
  (cd "$OLD_TREE" && cargo build --release -q -p crease)
  # Kept outside the results: a binary is no result.
  OLD_BIN=$(mktemp -d)/crease-old
  cp "$OLD_TREE/target/release/crease" "$OLD_BIN"
  git worktree remove --force "$OLD_TREE"
fi

NODE= RECEIVER= DB=
cleanup() {
  [ -n "$NODE" ] && kill "$NODE" 2>/dev/null || true
  [ -n "$RECEIVER" ] && kill "$RECEIVER" 2>/dev/null || true
  [ -n "$DB" ] && psql "$PG/postgres" -qc "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# A receiver that answers every POST with 200 and keeps nothing.
python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$HOOK_PORT" &
RECEIVER=$!

# arm NAME BIN HOOK(0|1) ROUND
arm() {
  local name=$1 bin=$2 hook=$3 round=$4
  DB=crease_ingest_$(date +%s%N)
  psql "$PG/postgres" -qc "create database $DB"
  DATABASE_URL=$PG/$DB "$bin" migrate >/dev/null
  local m
  m=$(DATABASE_URL=$PG/$DB "$bin" import --live-at 0 "$LONG" | jq -r .match_id)
  DATABASE_URL=$PG/$DB REDIS_URL=$REDIS CREASE_REDIS_PREFIX="ingest-$STAMP-$round-$name:" \
    CREASE_ADDR=127.0.0.1:$PORT CREASE_ADMIN_TOKEN=$TOKEN RUST_LOG=warn \
    "$bin" serve >>"$OUT/node-$name.log" 2>&1 &
  NODE=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  if [ "$hook" = 1 ]; then
    curl -fsS -X POST "http://127.0.0.1:$PORT/api/webhooks" -H "Authorization: Bearer $TOKEN" \
      -H 'Content-Type: application/json' \
      -d "{\"url\":\"http://127.0.0.1:$HOOK_PORT/hook\",\"match_id\":$m,\"kinds\":[\"wicket\",\"boundary\",\"milestone\",\"innings_end\",\"result\",\"correction\"]}" \
      >/dev/null
  fi
  echo "round $round: $name" >&2
  $LT fanout --url "http://127.0.0.1:$PORT" --match "$m" --clients 0 --balls 300 --interval-ms 20 \
    --file "$LONG" --token "$TOKEN" --node-pid "$NODE" --json >"$OUT/$name-$round.json"
  if [ "$hook" = 1 ]; then
    psql "$PG/$DB" -Atc "select status, count(*) from webhook_deliveries group by status" \
      >"$OUT/$name-$round-deliveries.txt"
  fi
  kill "$NODE"; wait "$NODE" 2>/dev/null || true; NODE=
  psql "$PG/postgres" -qc "drop database $DB with (force)"; DB=
}

for r in $(seq 1 "$ROUNDS"); do
  arm old "$OLD_BIN" 0 "$r"
  arm new "$NEW" 0 "$r"
  arm new-hooked "$NEW" 1 "$r"
done

python3 - "$OUT" "$ROUNDS" <<'EOF' | tee "$OUT/summary.md"
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def lat(name, key):
    vals = []
    for r in range(1, rounds + 1):
        j = json.load(open(f"{out}/{name}-{r}.json"))
        vals.append(j["post_latency"][key])
    return vals
print(f"{rounds} rounds, 300 POSTs each, one every 20 ms\n")
print("| figure | old | new, no hook | new, one hook for every kind |\n|---|---|---|---|")
for key in ("p50_us", "p99_us"):
    cells = []
    for name in ("old", "new", "new-hooked"):
        v = lat(name, key)
        cells.append(f"{statistics.median(v)/1000:.2f} ms ({min(v)/1000:.2f}-{max(v)/1000:.2f})")
    print(f"| POST {key[:3]} | " + " | ".join(cells) + " |")
EOF
