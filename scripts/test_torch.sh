#!/usr/bin/env bash
# The tests under another torch than set-up installs, e.g. the lowest settings.ini allows:
#   bash scripts/test_torch.sh 2.4.1 [pytest arguments]
# Set-up (scripts/setup.sh) makes or reuses .venv-torchVERSION with that torch, a torchvision pip pairs with it
# and the package (editable); then the same tests as scripts/test.sh. Needs pip to reach that torch.
# The outcome (pytest's closing line, exit status, arguments, machine, versions, commit) goes into
# results/torch_versions.json under the version, which the README reads: commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
V=${1:?give a torch version, e.g. bash scripts/test_torch.sh 2.4.1}; shift
MISVAE_VENV=.venv-torch$V MISVAE_TORCH=$V bash scripts/setup.sh
log=".venv-torch$V/pytest.log"; t0=$SECONDS
set +e; ".venv-torch$V/bin/python" -m pytest tests "$@" 2>&1 | tee "$log"; rc=${PIPESTATUS[0]}; set -e
".venv-torch$V/bin/python" scripts/record_run.py results/torch_versions.json "$V" exit_status=$rc \
  "pytest_args=$*" "closing_line=$(grep -E '(passed|failed|error)' "$log" | tail -n 1 | tr -d '=' | xargs)" \
  seconds=$((SECONDS - t0)) flags="${MISVAE_TEST_FLAGS:-}"
exit $rc
