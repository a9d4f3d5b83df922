#!/usr/bin/env bash
# The fault matrix: runs the tests in tests/it/faults/ (a real match played through one fault
# each, on two node processes with viewers on both) and rewrites the README's table from the
# rows they report. Needs what ./scripts/test.sh needs: PostgreSQL, Redis (and redis-server on
# the PATH for the faults that kill or stop it) and cargo-nextest. Fails, leaving the README as
# it was, if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

report="$PWD/target/fault-matrix.tsv"
mkdir -p target
rm -f "$report"
CREASE_FAULT_REPORT="$report" cargo nextest run --no-fail-fast -E 'test(/^faults::/)'

# The table's order: Redis, the database, the nodes, the scorer.
faults="redis_killed redis_hung redis_cut redis_restarted_empty database_cut
database_restored_from_older_copy node_sigkill node_graceful_shutdown scorer_response_dropped"
table="$(mktemp)"
trap 'rm -f "$table"' EXIT
{
  echo "| fault | balls lost | duplicates | backwards reads | recovery time |"
  echo "|---|---:|---:|---:|---:|"
  for fault in $faults; do
    row="$(awk -F'\t' -v f="$fault" '$1 == f { print; exit }' "$report")"
    [ -n "$row" ] || { echo "no result for $fault in $report" >&2; exit 1; }
    printf '%s\n' "$row" | awk -F'\t' '{ printf "| `%s` | %d | %d | %d | %d ms |\n", $1, $2, $3, $4, $5 }'
  done
  echo
  echo "Made by \`./scripts/fault-matrix.sh\` on $(date -u +%Y-%m-%d), $(nproc) CPUs, debug build."
} > "$table"

awk -v table="$table" '
  /<!-- fault-matrix:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /<!-- fault-matrix:end -->/ { skip = 0 }
  !skip { print }
' README.md > README.md.new
grep -q '<!-- fault-matrix:end -->' README.md.new || { rm -f README.md.new; echo "README.md has no fault-matrix markers" >&2; exit 1; }
mv README.md.new README.md
cat "$table"
