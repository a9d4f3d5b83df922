#!/usr/bin/env bash
# The HTTP API against its OpenAPI document: schemathesis generates requests for every operation
# from /api/openapi.json, with the admin token and without any, and fails on any answer that is
# a 5xx or whose status, content type, headers or body the document does not give, on any
# request the document allows that is refused, and on any it forbids that is accepted. The node
# runs the demo matches on the embedded store, on a free port and a database of its own, with
# the limit on failed authentications off (the run without a token fails by design), and
# replays of match logs without their CPU budget: under it the replay thread rests for ten
# times each replay's CPU, and a replay stream's first byte, which waits for the thread, could
# outlast the one second the streams are read for (schemathesis.toml).
#
# The seed is fixed and the examples per operation bounded, so a run takes about a minute and
# a failure replays the same way. The WebSocket route is left out: after its 101 schemathesis
# would send its next request down the upgraded connection; the handshake's refusals are tested
# in tests/it/api/schema_agreement.rs.
#
# Usage: tests/schema/run.sh [EXAMPLES]   (per operation and phase; default 8)
#        CREASE_BIN=path/to/crease to test a binary already built.
set -euo pipefail
cd "$(dirname "$0")/../.."

examples="${1:-8}"
command -v schemathesis >/dev/null || {
  echo "needs schemathesis: pip install schemathesis (scripts/test.sh installs it)" >&2
  exit 1
}
bin="${CREASE_BIN:-}"
if [ -z "$bin" ]; then
  # The document is compiled into the binary: build, so that it is the one in the tree.
  cargo build --quiet --bin crease
  bin=target/debug/crease
fi

work=$(mktemp -d)
node=
stop() {
  if [ -n "$node" ]; then
    kill "$node" 2>/dev/null || true
    wait "$node" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT

token="schema-test-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
# Another process may take the free port before the node binds it: try a few.
for _ in 1 2 3; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  DATABASE_URL="sqlite:$work/crease-$port.db?mode=rwc" CREASE_ADMIN_TOKEN="$token" \
    CREASE_AUTH_FAILURES_PER_MINUTE=0 CREASE_REPLAY_IDLE=off CREASE_REPLAY_CPU_PERCENT=100 \
    env -u REDIS_URL "$bin" serve --demo --addr "127.0.0.1:$port" >"$work/node.log" 2>&1 &
  node=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    kill -0 "$node" 2>/dev/null || break
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill "$node" 2>/dev/null || true
  wait "$node" 2>/dev/null || true
  node=
done
[ -n "$node" ] || { cat "$work/node.log" >&2; echo "the node did not start" >&2; exit 1; }

# One worker: with two, hypothesis describes its filters by parsing source in both threads at
# once, which CPython 3.11 does not allow ("AST constructor recursion depth mismatch"), and the
# run fails on the tool's own error rather than on anything the server did.
run() {
  schemathesis --config-file tests/schema/schemathesis.toml run \
    "http://127.0.0.1:$port/api/openapi.json" \
    --exclude-path '/api/matches/{id}/ws' \
    --checks all --phases examples,coverage,fuzzing --max-examples "$examples" \
    --workers 1 --seed 1 --generation-database none --no-color "$@"
}
status=0
echo "== with the admin token"
run -H "Authorization: Bearer $token" || status=1
echo "== without a token"
run || status=1
# The node must still be serving: no input may take it down.
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "the node stopped serving" >&2; status=1; }
exit "$status"
