#!/usr/bin/env bash
# The tests under another torch than set-up installs, e.g. the lowest settings.ini allows:
#   bash scripts/test_torch.sh 2.4.1 [pytest arguments]
# Set-up (scripts/setup.sh) makes or reuses .venv-torchVERSION with that torch, a torchvision pip pairs with it
# and the package (editable); then the same tests as scripts/test.sh. Needs pip to reach that torch.
set -euo pipefail
cd "$(dirname "$0")/.."
V=${1:?give a torch version, e.g. bash scripts/test_torch.sh 2.4.1}; shift
MISVAE_VENV=.venv-torch$V MISVAE_TORCH=$V bash scripts/setup.sh
exec ".venv-torch$V/bin/python" -m pytest tests "$@"
