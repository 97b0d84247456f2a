#!/usr/bin/env bash
# verify-release.sh CERT REFERENCE...
# Verifies release artifacts (the image, the chart) by digest with `notary-admission verify`,
# and with `notation verify` too when NOTATION names it, under one trust policy: the release
# certificate CERT (PEM, the root of the signing chain) is trusted for exactly the repositories of
# the references, at level strict. The release workflow runs it before the chart is published;
# test/integration/release.test.ts runs it against a local registry.
#
#   NOTARY_ADMISSION  the command, built from this checkout (default: node dist/cli.js)
#   NOTATION          notation's path, to verify with it as well (default: not run)
#   TRUSTED_IDENTITY  "x509.subject: C=…, O=…, CN=…" of the signing certificate (default: *, any
#                     certificate that chains to CERT)
#   VERIFY_FLAGS      more flags of notary-admission verify, e.g.
#                     "--registry-credentials $HOME/.docker/config.json"
#   NOTATION_FLAGS    more flags of notation verify (it reads ~/.docker/config.json itself)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 CERT REFERENCE..." >&2; exit 2; }
cert=$1; shift
[ -s "$cert" ] || { echo "no release certificate at $cert (see docs/install.md)" >&2; exit 2; }
for ref in "$@"; do
  case $ref in *@sha256:*) ;; *) echo "$ref: verify releases by digest (name@sha256:…)" >&2; exit 2 ;; esac
done

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
store=$home/notation/truststore/x509/ca/notary-admission-release
mkdir -p "$store"
cp "$cert" "$store/release.crt"
# The trust policy notation reads, with the repositories (references without @digest) as scopes.
node -e '
  const [identity, ...refs] = process.argv.slice(1);
  const scopes = [...new Set(refs.map((r) => r.slice(0, r.indexOf("@"))))];
  const policy = {
    version: "1.0",
    trustPolicies: [{
      name: "notary-admission-release",
      registryScopes: scopes,
      signatureVerification: { level: "strict" },
      trustStores: ["ca:notary-admission-release"],
      trustedIdentities: [identity],
    }],
  };
  console.log(JSON.stringify(policy, null, 2));
' "${TRUSTED_IDENTITY:-*}" "$@" >"$home/notation/trustpolicy.json"

read -r -a verify <<<"${NOTARY_ADMISSION:-node dist/cli.js}"
read -r -a flags <<<"${VERIFY_FLAGS:-}"
read -r -a notation_flags <<<"${NOTATION_FLAGS:-}"
for ref in "$@"; do
  echo "== notary-admission verify $ref"
  "${verify[@]}" verify "${flags[@]}" \
    --trust-policy "$home/notation/trustpolicy.json" \
    --trust-store "$home/notation/truststore" "$ref"
  if [ -n "${NOTATION:-}" ]; then
    echo "== notation verify $ref"
    XDG_CONFIG_HOME=$home "$NOTATION" verify "${notation_flags[@]}" "$ref"
  fi
done
