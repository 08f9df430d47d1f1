# One multi-stage recipe for the three Node services, chosen by build args (see docker-compose.yaml):
#   APP_DIR  the service's folder (services/data-api, services/trainer, services/inference-api)
#   ENTRY    its TypeScript entry point inside APP_DIR (src/server.ts; src/main.ts for the trainer)
#   EXTRA_ENTRIES  more entry points, comma-separated, each bundled to dist/<file name>.mjs
#   PORT     the port it listens on (used by the HEALTHCHECK); empty for the trainer, which serves
#            no HTTP: its healthcheck then checks that the scheduler process is alive
# The build stage installs the workspace and bundles the service with esbuild (docker/bundle.mjs):
# production code only, no tsx, no dev dependencies; native addons (onnxruntime-node, pruned to
# this image's OS and CPU) are copied beside the bundle.
# No `# syntax=` line: it would make every build fetch a frontend image from Docker Hub first, which fails
# without a registry; the engine's built-in Dockerfile frontend handles everything here.
#   BASE_IMAGE_PREFIX  a registry (mirror) prefix for the base images, e.g. mirror.example.com/library/
ARG NODE_VERSION=24
ARG DEBIAN_RELEASE=bookworm
ARG BASE_IMAGE_PREFIX=

FROM ${BASE_IMAGE_PREFIX}node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS build
ARG PNPM_VERSION=10.34.9
# onnxruntime-node ships its CPU binaries; its install script would only fetch GPU extras.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    CI=true
RUN npm install -g --no-fund --no-audit "pnpm@${PNPM_VERSION}"
WORKDIR /repo
# The whole workspace (the install needs every manifest); .dockerignore keeps the context small.
# The pnpm store is a BuildKit cache mount: packages are downloaded once per builder, not per build.
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm install --frozen-lockfile --prefer-offline
# Declared after the install so the three services share its cached layers.
ARG APP_DIR
ARG ENTRY=src/server.ts
ARG EXTRA_ENTRIES=
RUN test -n "${APP_DIR}" || { echo "build arg APP_DIR is required (e.g. services/data-api)" >&2; exit 1; } \
 && NODE_ENV=production node docker/bundle.mjs "${APP_DIR}" "${ENTRY}" /app "${EXTRA_ENTRIES}"

# Only the node binary of the official image is kept: npm, corepack and yarn are not needed at run time.
FROM ${BASE_IMAGE_PREFIX}node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS node

FROM ${BASE_IMAGE_PREFIX}debian:${DEBIAN_RELEASE}-slim AS runtime
ARG PORT=8000
COPY --from=node /usr/local/bin/node /usr/local/bin/node
# jemalloc, which the inference API preloads (LD_PRELOAD in docker-compose.yaml): glibc's malloc keeps the
# ~75 MB onnxruntime frees while it builds a 2,100-tree session, jemalloc returns it (measured in
# services/inference-api/README.md, Memory). Linked at one path whatever the CPU architecture.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libjemalloc2 \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s "$(find /usr/lib -name libjemalloc.so.2 -print -quit)" /usr/local/lib/libjemalloc.so.2 \
 && test -e /usr/local/lib/libjemalloc.so.2
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/sh --create-home node \
 && mkdir -p /data /state \
 && chown node:node /data /state
# Every interface: outside a container the services bind 127.0.0.1 by default, inside one the container's
# own network is the boundary (a plain `docker run -p` must reach it too).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=${PORT}
WORKDIR /app
COPY --from=build --chown=node:node /app /app
COPY docker/healthcheck.mjs /app/healthcheck.mjs
USER node
# No EXPOSE: the trainer listens nowhere; compose declares each service's port.
# GET /healthz (liveness) for HTTP services; the process itself for the trainer (docker/healthcheck.mjs).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD ["node", "/app/healthcheck.mjs"]
# node is PID 1 and handles SIGTERM itself (graceful drain in listenWithShutdown); compose adds init.
CMD ["node", "dist/main.mjs"]
