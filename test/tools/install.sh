#!/usr/bin/env bash
# Installs the real components the tests run against. Idempotent; built tools are cached
# outside the repo in $NOTARY_ADMISSION_TOOLS (default ~/.cache/notary-admission), one folder
# per tool and version, with links in $NOTARY_ADMISSION_TOOLS/bin.
#
#   test/tools/install.sh            install whatever is missing
#   test/tools/install.sh --check    list what is missing, install nothing (exit 1 if anything is)
#   test/tools/install.sh --peers    also the bench peers (Ratify, for `npm run bench -- peers`),
#                                    built on request only: npm test and .ci/run never need them
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
CACHE=${NOTARY_ADMISSION_TOOLS:-$HOME/.cache/notary-admission}
# --peers may come with any other argument; it is taken out here.
PEERS=0
ARGS=()
for arg in "$@"; do if [ "$arg" = --peers ]; then PEERS=1; else ARGS+=("$arg"); fi; done
set -- "${ARGS[@]+"${ARGS[@]}"}"
BIN=$CACHE/bin
DEBIAN_PACKAGES=(docker-registry etcd-server etcd-client openssl skopeo apache2-utils)
# command each Debian package provides, in the same order
DEBIAN_COMMANDS=(docker-registry etcd etcdctl openssl skopeo htpasswd)
# shellcheck: actionlint runs it on the workflows' run: blocks (.ci/run, release.test.ts).
DEBIAN_PACKAGES+=(shellcheck)
DEBIAN_COMMANDS+=(shellcheck)
# tinyproxy: a real HTTP CONNECT proxy for the egress tests (test/harness/proxy.ts).
DEBIAN_PACKAGES+=(tinyproxy)
DEBIAN_COMMANDS+=(tinyproxy)

log() { printf '[install] %s\n' "$*" >&2; }

missing_debian() {
  local i
  for i in "${!DEBIAN_PACKAGES[@]}"; do
    command -v "${DEBIAN_COMMANDS[$i]}" >/dev/null 2>&1 || printf '%s\n' "${DEBIAN_PACKAGES[$i]}"
  done
}

# go tools: name version
GO_TOOLS=("notation $NOTATION_VERSION" "olareg $OLAREG_VERSION" "oras $ORAS_VERSION" "helm $HELM_VERSION"
  "kube-apiserver $KUBE_APISERVER_VERSION" "notary-server $NOTARY_VERSION" "notary $NOTARY_VERSION")
GO_TOOLS+=("actionlint $ACTIONLINT_VERSION")

# Bench peers: in the Go tools' list (and --check's) only with --peers.
if [ "$PEERS" = 1 ]; then GO_TOOLS+=("ratify $RATIFY_VERSION"); fi

tool_path() { printf '%s/%s-%s/%s' "$CACHE" "$1" "$2" "$1"; }

missing_go() {
  local t name version
  for t in "${GO_TOOLS[@]}"; do
    read -r name version <<<"$t"
    [ -x "$(tool_path "$name" "$version")" ] || printf '%s@%s\n' "$name" "$version"
  done
}

how_to() {
  cat >&2 <<HOW
[install] What is missing cannot be installed on this machine ($1).
[install] Debian packages (as root): apt-get update && apt-get install -y ${DEBIAN_PACKAGES[*]}
[install] Go tools (Go >= 1.25 and the Go module proxy): run test/tools/install.sh as a user with Go;
[install]   they are built into \$NOTARY_ADMISSION_TOOLS (default ~/.cache/notary-admission).
HOW
}

if [ "${1:-}" = "--check" ]; then
  m=$( { missing_debian; missing_go; } | tr '\n' ' ')
  if [ -n "$m" ]; then echo "missing: $m"; exit 1; fi
  exit 0
fi

mkdir -p "$BIN"

# --- Debian packages -------------------------------------------------------------------------
debs=$(missing_debian | tr '\n' ' ')
if [ -n "$debs" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then how_to "not root, or no apt-get: need $debs"; exit 1; fi
  log "apt-get install $debs"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $debs >/dev/null
fi

# --- Go tools --------------------------------------------------------------------------------
if [ -n "$(missing_go)" ] && ! command -v go >/dev/null; then how_to "no go toolchain: need $(missing_go | tr '\n' ' ')"; exit 1; fi

# Every Go tool is built inside a throwaway wrapper module rather than with `go install pkg@v`:
# the module proxy here refuses version lists, which `go install` asks for (deprecation check),
# and kube-apiserver cannot be installed that way at all (see build-go-tool.sh).
build() { "$HERE/build-go-tool.sh" "$CACHE" "$@"; ln -sfn "$(tool_path "$1" "$2")" "$BIN/$1"; }

build notation "$NOTATION_VERSION" github.com/notaryproject/notation cmd/notation \
  "-X github.com/notaryproject/notation/internal/version.BuildMetadata="
build olareg "$OLAREG_VERSION" github.com/olareg/olareg cmd/olareg
build oras "$ORAS_VERSION" oras.land/oras cmd/oras
build helm "$HELM_VERSION" helm.sh/helm/v3 cmd/helm
KV=$KUBE_APISERVER_VERSION
build kube-apiserver "$KV" k8s.io/kubernetes cmd/kube-apiserver \
  "-X k8s.io/component-base/version.gitVersion=$KV -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$KV" | cut -d. -f2)"

# Notary v1 (Docker Content Trust) server and client. The server gets one patch: built with Go
# >= 1.17 it reads a delegated role's upload as its base name ("releases") and refuses it.
PATCH="$HERE/patches/notary-server-delegated-role-upload.patch" \
  build notary-server "$NOTARY_VERSION" github.com/theupdateframework/notary cmd/notary-server
build notary "$NOTARY_VERSION" github.com/theupdateframework/notary cmd/notary
# The workflow linter (.github/workflows); with shellcheck on PATH it checks run: blocks too.
build actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint cmd/actionlint

# Bench peers (--peers only). Ratify's `cmd/ratify` (serve, verify), about 3 minutes on 2 cores.
if [ "$PEERS" = 1 ]; then
  build ratify "$RATIFY_VERSION" github.com/ratify-project/ratify cmd/ratify
fi

log "all tools present in $BIN"
