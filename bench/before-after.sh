#!/usr/bin/env bash
# Paired before/after figures for a change that must not move them: runs `npm run bench` cases
# alternately on REF (checked out into a temporary git worktree that shares this tree's
# node_modules) and on the working tree, ROUNDS times, and prints every bench row with its tree.
# scikit-learn is measured in each run too, so each gridfold figure has its reference beside it.
# Usage: bench/before-after.sh REF ROUNDS case [case ...]
#   e.g. bench/before-after.sh c8c8b83 2 knn-grid sgd-5 forest-5
set -euo pipefail
ref=$1 rounds=$2; shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
before=$(mktemp -d /tmp/gridfold-before.XXXXXX)
trap 'git -C "$here" worktree remove --force "$before" >/dev/null 2>&1 || true' EXIT
git -C "$here" worktree add --detach "$before" "$ref" >/dev/null
# Hard links: the same installed packages, with the workspace links resolving inside each tree.
cp -al "$here/node_modules" "$before/node_modules"
(cd "$before" && node apps/dashboard/build-if-stale.mjs >/dev/null 2>&1 || true)
for round in $(seq 1 "$rounds"); do
  for tree in before after; do
    dir=$here; [ "$tree" = before ] && dir=$before
    for c in "$@"; do
      (cd "$dir" && npx tsx bench/run-all.ts "$c" 2>/dev/null) | grep '^| ' | grep -v '^| case\|^|---' | sed "s/^/round $round $tree /"
    done
  done
done
