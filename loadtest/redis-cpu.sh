# Sourced by the cluster benchmarks: what the Redis processes on some ports have spent.

# Seconds of CPU (user + system) the Redis processes on these ports have used, from INFO.
redis_cpu() { # PORT…
  local total=0 p
  for p in "$@"; do
    total=$(redis-cli -p "$p" info cpu | tr -d '\r' | awk -F: -v t="$total" \
      '/^used_cpu_(sys|user):/ { t += $2 } END { printf "%.6f", t }')
  done
  echo "$total"
}

# PUBLISH and SPUBLISH calls so far, on these ports.
publishes() { # PORT…
  local total=0 p n
  for p in "$@"; do
    n=$(redis-cli -p "$p" info commandstats | tr -d '\r' |
      awk -F'[=,:]' '/^cmdstat_(publish|spublish):/ { s += $3 } END { print s + 0 }')
    total=$((total + n))
  done
  echo "$total"
}
