#!/usr/bin/env bash
# README.md is generated from nbs/index.ipynb (quarto-free stand-in for nbdev_readme):
# cells starting with `#| hide` are dropped, everything else is kept with its stored outputs (a cell's stdout as one block).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/jupyter nbconvert --to markdown nbs/index.ipynb --output-dir . --output README \
  --RegexRemovePreprocessor.patterns='["^#\\| hide"]' \
  --TagRemovePreprocessor.enabled=True --TagRemovePreprocessor.remove_input_tags='["remove_input"]' \
  --CoalesceStreamsPreprocessor.enabled=True --log-level WARN
