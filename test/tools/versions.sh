# Pinned versions of the test tools. Sourced by install.sh; read by test/harness/tools.ts.
# Changing a version here makes install.sh build it into a new cache folder.
NOTATION_VERSION=v1.3.2
OLAREG_VERSION=v0.1.2
ORAS_VERSION=v1.3.3
HELM_VERSION=v3.21.4
KUBE_APISERVER_VERSION=v1.33.13
NOTARY_VERSION=v0.7.0
# The workflow linter (.github/workflows), run by .ci/run and test/integration/release.test.ts.
ACTIONLINT_VERSION=v1.7.12
# Bench peers, built only by `install.sh --peers` (npm run tools -- --peers): not in npm test.
RATIFY_VERSION=v1.4.6
