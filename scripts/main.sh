#!/usr/bin/env bash
# The main job: set up, then run every reproduction notebook in nbs/repro/ through papermill
# at its default (small) size. Executed notebooks land in runs/, figures and their JSON in
# runs/figures/ (both git-ignored: the checkout stays clean). The committed figures/ change only
# through bash scripts/publish.sh NAME..., from a clean commit.
#   bash scripts/main.sh                                    # all reproductions, default size
#   bash scripts/main.sh nbs/repro/NAME.ipynb params/NAME.yaml   # one, with a params file
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"   # papermill kernels start the venv python
export MISVAE_FIGURES="${MISVAE_FIGURES:-$PWD/runs/figures}"
mkdir -p runs "$MISVAE_FIGURES"
if [ $# -ge 1 ]; then nbs=("$1"); else nbs=(nbs/repro/*.ipynb); fi
if [ $# -ge 2 ]; then   # papermill only warns about a key the notebook lacks: refuse such a file first
  .venv/bin/python -c 'import sys
from misvae_nb.provenance import check_params_file
try: check_params_file(*sys.argv[1:])
except (ValueError, OSError) as e: sys.exit(f"main.sh: {e}")' "$1" "$2" || exit 2
fi
for nb in "${nbs[@]}"; do
  name=$(basename "$nb" .ipynb)
  args=(--cwd "$(dirname "$nb")" -k python3 --language python)
  [ $# -ge 2 ] && args+=(-f "$2")
  echo "== $name"
  export MISVAE_COMMAND="bash scripts/main.sh $nb${2:+ $2}"   # recorded in the figure's JSON
  .venv/bin/papermill "$nb" "runs/$name.ipynb" "${args[@]}"
done
echo "figures in $MISVAE_FIGURES: $(ls "$MISVAE_FIGURES" | tr '\n' ' ')"
echo "to update the committed figures/ from a clean commit: bash scripts/publish.sh NAME..."
