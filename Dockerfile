# syntax=docker/dockerfile:1
# cdop: multi-stage build. Stage 1 compiles the GOV.UK Frontend stylesheet; stage 2 caches the
# Rust dependencies, then builds the release binary; stage 3 is a slim runtime as a non-root user.

FROM node:22-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY static/src static/src
RUN mkdir -p target/assets \
 && npx sass --no-source-map --style=compressed --load-path=node_modules static/src/app.scss target/assets/app.css \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js target/assets/

FROM rust:1.95-bookworm AS build
WORKDIR /src
ENV CDOP_PREBUILT_ASSETS=/assets
COPY --from=assets /src/target/assets /assets
# Dependency layer: build against empty sources so the dependencies are cached.
COPY Cargo.toml Cargo.lock build.rs package.json package-lock.json ./
COPY migrations/Cargo.toml migrations/Cargo.toml
RUN mkdir -p src migrations/src static \
 && echo 'fn main() {}' > src/main.rs && touch src/lib.rs migrations/src/lib.rs \
 && echo '' > static/app.js && echo '<svg/>' > static/favicon.svg \
 && cargo build --release --locked \
 && rm -rf src migrations/src target/release/.fingerprint/cdop-*
COPY . .
RUN cargo build --release --locked --bin cdop

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /app --shell /usr/sbin/nologin cdop \
 && mkdir -p /app/config /data && chown cdop /data
WORKDIR /app
COPY --from=build /src/target/release/cdop /usr/local/bin/cdop
COPY config/default.toml /app/config/default.toml
USER cdop
VOLUME ["/data"]
ENV CDOP__SERVER__BIND=0.0.0.0:8080 \
    CDOP__STORAGE__DATA_DIR=/data \
    CDOP__DATABASE__URL=sqlite:///data/cdop.sqlite \
    CDOP__LOG__FORMAT=json \
    MALLOC_ARENA_MAX=2
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl --fail --silent http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["cdop"]
CMD ["serve"]
