# Crease as a container image: `docker build -t crease .`, then `docker run crease` (serve) or
# `docker run crease migrate`. docker-compose.yml runs the production shape from this image.

# --- 1. Skeleton: the workspace's manifests and lockfile, every source file replaced by a stub.
# It is rebuilt whenever anything changes, but its output only changes with the manifests (or
# when a source file is added or removed), so the dependency layer below stays cached.
FROM rust:1-bookworm AS skeleton
WORKDIR /src
COPY . .
RUN find . -type f ! -name Cargo.toml ! -name Cargo.lock ! -name '*.rs' \
        ! -name rust-toolchain.toml ! -name rust-toolchain ! -path './.cargo/*' -delete \
 && echo 'fn main() {}' > /tmp/stub.rs \
 && find . -type f -name '*.rs' -exec cp /tmp/stub.rs {} \; \
 && find . -type d -empty -delete

# --- 2. Build: dependencies first (cached), then the real sources.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY --from=skeleton /src ./
RUN cargo build --release --locked -p crease
COPY . .
# The copied sources may be older than the stubs just built: touch them so cargo rebuilds them.
RUN find . -path ./target -prune -o -name '*.rs' -exec touch {} + \
 && cargo build --release --locked -p crease \
 && install -m 0755 target/release/crease /usr/local/bin/crease

# --- 3. Runtime: the binary, CA certificates, curl for the health check, a non-root user.
FROM debian:bookworm-slim
# Unpinned on purpose: each rebuild picks up the distribution's security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 crease \
 && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /var/lib/crease \
        --shell /usr/sbin/nologin crease
COPY --from=build /usr/local/bin/crease /usr/local/bin/crease
USER 10001:10001
# The working directory is writable, so the embedded mode (sqlite:crease.db) works too.
WORKDIR /var/lib/crease
ENV CREASE_ADDR=0.0.0.0:8080
EXPOSE 8080
# Liveness only; docker-compose.yml checks /readyz (database reachable, not shutting down).
# Assumes the default port: change it here too if CREASE_ADDR moves.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["crease"]
CMD ["serve"]
