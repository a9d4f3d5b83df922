#!/usr/bin/env bash
# A warm GET /api/matches/{id}/live against nginx serving the same bytes from a file, in one
# run on one machine, with wrk as the load generator for both (keep-alive, 64 connections).
# Prints requests/s and latency for each and the ratio. Needs wrk and nginx (Debian packages).
#
#   loadtest/live-vs-nginx.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-64}
threads=2
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx-light)" >&2; exit 1; }
cargo build --release -q -p crease

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
crease_port=$(free_port)
nginx_port=$(free_port)

export DATABASE_URL="sqlite:$work/bench.db" CREASE_ADMIN_TOKEN=bench RUST_LOG=warn
./target/release/crease import data/cricsheet/t20_2022-11-22_new_zealand_v_india.json --live-at 60 >"$work/import.json"
match_id=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["match_id"])' "$work/import.json")
./target/release/crease serve --addr "127.0.0.1:$crease_port" >"$work/crease.log" 2>&1 &
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$crease_port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$crease_port/api/matches/$match_id/live"
curl -sf "$url" >"$work/live.json"

mkdir -p "$work/www"
cp "$work/live.json" "$work/www/live.json"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    location = /live.json { root $work/www; default_type application/json; }
  }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.3

run() { wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$1"; }
# Warm both, then measure each twice, alternating, and keep the better run of each.
run "$url" >/dev/null
run "http://127.0.0.1:$nginx_port/live.json" >/dev/null
best() { sort -n | tail -1; }
rps() { awk '/Requests\/sec/ {print $2}'; }
c1=$(run "$url" | tee "$work/c1.txt" | rps)
n1=$(run "http://127.0.0.1:$nginx_port/live.json" | tee "$work/n1.txt" | rps)
c2=$(run "$url" | tee "$work/c2.txt" | rps)
n2=$(run "http://127.0.0.1:$nginx_port/live.json" | tee "$work/n2.txt" | rps)
crease=$(printf '%s\n%s\n' "$c1" "$c2" | best)
nginx_rps=$(printf '%s\n%s\n' "$n1" "$n2" | best)
p99() { awk '/^ +99%/ {print $2}' "$1"; }
bytes=$(wc -c <"$work/live.json")
echo "body: $bytes bytes; $conns connections, $threads wrk threads, ${secs}s per run, best of two"
echo "crease /live (L1): $crease req/s  (p99 $(p99 "$work/c1.txt") / $(p99 "$work/c2.txt"))"
echo "nginx file:        $nginx_rps req/s  (p99 $(p99 "$work/n1.txt") / $(p99 "$work/n2.txt"))"
python3 -c "import sys; print(f'ratio crease/nginx: {float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$crease" "$nginx_rps"
grep -q 'x-cache: l1' <(curl -si "$url") && echo "(the measured responses were served from L1)"
