#!/usr/bin/env bash
# The HTTP API against its OpenAPI document: schemathesis generates requests for every operation
# from /api/openapi.json, with the admin token and without any, and checks that no answer is a
# 5xx and that every status, content type, header and body is the documented one. The node runs
# on the embedded store with the demo matches, on a port and a database of its own, with the
# limit on failed authentications off (the run without a token fails by design).
#
# Usage: tests/schema/run.sh [EXAMPLES]   (per operation and phase; default 25)
set -euo pipefail
cd "$(dirname "$0")/../.."

examples="${1:-25}"
command -v schemathesis >/dev/null || { echo "needs schemathesis: pip install schemathesis" >&2; exit 1; }
bin=target/debug/crease
[ -x "$bin" ] || cargo build --bin crease
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token="schema-test-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
DATABASE_URL="sqlite:$work/crease.db?mode=rwc" CREASE_ADMIN_TOKEN="$token" CREASE_AUTH_FAILURES_PER_MINUTE=0 \
  env -u REDIS_URL "$bin" serve --demo --addr "127.0.0.1:$port" >"$work/node.log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/node.log" >&2; exit 1; }

run() {
  schemathesis --config-file tests/schema/schemathesis.toml run \
    "http://127.0.0.1:$port/api/openapi.json" \
    --checks all --phases examples,coverage,fuzzing --max-examples "$examples" \
    --workers 2 --seed 1 --no-color "$@"
}
echo "== with the admin token"
run -H "Authorization: Bearer $token"
echo "== without a token"
run
# The node must still be serving: no input may take it down.
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null
