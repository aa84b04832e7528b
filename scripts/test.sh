#!/usr/bin/env bash
# The test command: set up, then execute every notebook's tests under pytest.
# Cells flagged `#| slow` are skipped; MISVAE_TEST_FLAGS=slow runs them too.
# Extra arguments go to pytest (e.g. -k estimators).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest tests "$@"
