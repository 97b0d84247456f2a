#!/usr/bin/env bash
# The e2e scenarios on kind: the webhook image built from this checkout, running in the cluster
# as the chart deploys it (generated TLS, Service clientConfig), three registries on the kind
# network. One command, for contributors with Docker:
#
#   bash test/e2e/kind/run.sh
#
# Needs docker, kind, curl, Node.js with `npm ci` done, and the test tools (`npm run tools`:
# notation, helm, openssl; kubectl from PATH). It builds the image, creates a fresh cluster,
# loads the image into it, starts the registries, then runs test/e2e/e2e.test.ts with
# E2E_TARGET=kind: the same scenario folders as CI, whose first scenario installs the chart
# in-cluster with helm. The cluster and registries are deleted on exit; KEEP=1 leaves them up.
# See docs/e2e.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."

CLUSTER=${KIND_CLUSTER:-notary-admission-e2e}
IMAGE=${E2E_IMAGE:-notary-admission:e2e}
NODE_IMAGE=${KIND_NODE_IMAGE:-}
# Registry images: distribution 2.8 has no referrers API (the tag-schema path), olareg has it.
DISTRIBUTION_IMAGE=${DISTRIBUTION_IMAGE:-registry:2.8.3}
OLAREG_IMAGE=${OLAREG_IMAGE:-ghcr.io/olareg/olareg:v0.1.2}
HTPASSWD_IMAGE=${HTPASSWD_IMAGE:-httpd:2.4-alpine}
# Loopback ports the driver pushes and signs through.
PORT_OLAREG=${PORT_OLAREG:-5101}
PORT_DISTRIBUTION=${PORT_DISTRIBUTION:-5102}
PORT_AUTH=${PORT_AUTH:-5103}

for tool in docker kind curl node npx; do
  command -v "$tool" >/dev/null || {
    echo "run.sh: $tool is required (see docs/e2e.md)" >&2
    exit 2
  }
done

work=$(mktemp -d)
registries=("$CLUSTER-olareg" "$CLUSTER-distribution" "$CLUSTER-auth")
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    echo "== kept: kind cluster $CLUSTER, registry containers ${registries[*]}, $work/kubeconfig"
    return
  fi
  docker rm -f "${registries[@]}" >/dev/null 2>&1 || true
  kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== image $IMAGE"
docker build -t "$IMAGE" .

echo "== kind cluster $CLUSTER (fresh: the scenarios expect an empty cluster)"
kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
kind create cluster --name "$CLUSTER" --config test/e2e/kind/kind-config.yaml \
  ${NODE_IMAGE:+--image "$NODE_IMAGE"} --wait 180s
kind load docker-image "$IMAGE" --name "$CLUSTER"
kind get kubeconfig --name "$CLUSTER" >"$work/kubeconfig"

echo "== registries on the kind network"
docker rm -f "${registries[@]}" >/dev/null 2>&1 || true
user=e2e
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
docker run --rm --entrypoint htpasswd "$HTPASSWD_IMAGE" -Bbn "$user" "$password" >"$work/htpasswd"
chmod 644 "$work/htpasswd"
docker run -d --name "$CLUSTER-olareg" --network kind -p "127.0.0.1:$PORT_OLAREG:5000" \
  "$OLAREG_IMAGE" serve --store-type mem --api-delete >/dev/null
docker run -d --name "$CLUSTER-distribution" --network kind \
  -p "127.0.0.1:$PORT_DISTRIBUTION:5000" "$DISTRIBUTION_IMAGE" >/dev/null
docker run -d --name "$CLUSTER-auth" --network kind -p "127.0.0.1:$PORT_AUTH:5000" \
  -v "$work/htpasswd:/auth/htpasswd:ro" \
  -e REGISTRY_AUTH=htpasswd \
  -e REGISTRY_AUTH_HTPASSWD_REALM=notary-admission-e2e \
  -e REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd \
  "$DISTRIBUTION_IMAGE" >/dev/null

for port in "$PORT_OLAREG" "$PORT_DISTRIBUTION" "$PORT_AUTH"; do
  for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
    if [ "$code" = 200 ] || [ "$code" = 401 ]; then break; fi
    sleep 0.2
  done
done

# The webhook's pods reach a registry at its address on the kind network (pods route to it
# through the node); the driver pushes through the published loopback port. Both name the same
# registry: `<push host>,<cluster host>`.
kind_ip() { docker inspect -f '{{(index .NetworkSettings.Networks "kind").IPAddress}}' "$1"; }

echo "== scenarios"
E2E_TARGET=kind \
  E2E_KUBECONFIG="$work/kubeconfig" \
  E2E_IMAGE="$IMAGE" \
  E2E_REGISTRY_OLAREG="127.0.0.1:$PORT_OLAREG,$(kind_ip "$CLUSTER-olareg"):5000" \
  E2E_REGISTRY_DISTRIBUTION="127.0.0.1:$PORT_DISTRIBUTION,$(kind_ip "$CLUSTER-distribution"):5000" \
  E2E_REGISTRY_AUTH="127.0.0.1:$PORT_AUTH,$(kind_ip "$CLUSTER-auth"):5000" \
  E2E_REGISTRY_AUTH_USER="$user" \
  E2E_REGISTRY_AUTH_PASSWORD="$password" \
  npx vitest run --project harness test/e2e/e2e.test.ts
