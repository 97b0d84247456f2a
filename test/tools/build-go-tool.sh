#!/usr/bin/env bash
# build-go-tool.sh CACHE NAME VERSION MODULE PACKAGE [LDFLAGS]
# Builds MODULE/PACKAGE at VERSION into CACHE/NAME-VERSION/NAME, once.
#
# k8s.io/kubernetes gets one extra step: its go.mod maps every k8s.io staging module to
# ./staging and requires it at v0.0.0, so the wrapper replaces each with its published
# v0.Y.Z twin, derived from that version's own go.mod rather than hard-coded.
#
# With PATCH=<file> in the environment, the module's source (as the proxy served it) is copied
# out of the module cache, the unified diff applied, and the build uses that copy (replace).
set -euo pipefail
CACHE=$1 NAME=$2 VERSION=$3 MODULE=$4 PACKAGE=$5 LDFLAGS=${6:-}
DEST=$CACHE/$NAME-$VERSION
[ -x "$DEST/$NAME" ] && exit 0
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
W=$(mktemp -d)
trap 'rm -rf "$W" "$DEST.tmp"' EXIT
echo "[install] building $NAME $VERSION" >&2
t0=$SECONDS
cd "$W"
go mod init local.test/build-"$NAME" >/dev/null 2>&1
if [ "$MODULE" = k8s.io/kubernetes ]; then
  mod=$(go mod download -json "$MODULE@$VERSION" | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])')
  for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$mod"); do
    go mod edit -replace="$m=$m@v0.${VERSION#v1.}"
  done
fi
go get "$MODULE/$PACKAGE@$VERSION"
if [ -n "${PATCH:-}" ]; then
  cp -r "$(go list -m -f '{{.Dir}}' "$MODULE")" ./patched && chmod -R u+w ./patched
  patch -s -p1 -d ./patched < "$PATCH"
  go mod edit -replace="$MODULE=./patched"
fi
mkdir -p "$DEST.tmp"
go build -trimpath -o "$DEST.tmp/$NAME" -ldflags "-s -w $LDFLAGS" "$MODULE/$PACKAGE"
rm -rf "$DEST"; mv "$DEST.tmp" "$DEST"
echo "[install] built $NAME $VERSION in $((SECONDS - t0)) s" >&2
