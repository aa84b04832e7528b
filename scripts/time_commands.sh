#!/usr/bin/env bash
# Time the README's two commands on this machine, from a fresh clone of HEAD (commit first): set-up alone, then
# `.ci/run` (the test command and CI's sync checks), then the main job; and whether each left `git status` clean.
# The numbers go into results/commands_cpu.json (here, not in the clone), which the README reads: commit it.
#   bash scripts/time_commands.sh        (about 8 minutes on a 2-core CPU; pip's cache as it is found)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -z "$(git status --porcelain -- . ':!results')" ] || { echo "time_commands.sh: commit first; the clone is of HEAD"; exit 1; }
here=$PWD; tmp=$(mktemp -d); clone=$tmp/misvae-nb; git clone -q "$here" "$clone"; cd "$clone"
clean() { [ -z "$(git status --porcelain)" ] && echo true || echo false; }
t=$SECONDS; bash scripts/setup.sh; setup=$((SECONDS - t))
t=$SECONDS; bash .ci/run 2>&1 | tee "$tmp/ci.log"; ci=$((SECONDS - t)); ci_clean=$(clean)   # the log outside the clone
tests=$(grep -E 'passed in [0-9.]+s' "$tmp/ci.log" | tail -n 1 | sed -E 's/.*passed in ([0-9.]+)s.*/\1/')
closing=$(grep -E '(passed|failed)' "$tmp/ci.log" | grep -v '^E ' | tail -n 1 | tr -d '=' | xargs)
t=$SECONDS; bash scripts/main.sh; main=$((SECONDS - t)); main_clean=$(clean)
# recorded from the clone, so that the commit is the one measured
.venv/bin/python scripts/record_run.py "$here/results/commands_cpu.json" commands setup_seconds=$setup \
  ci_seconds=$ci pytest_seconds=${tests:-null} "closing_line=$closing" ci_left_git_clean=$ci_clean \
  main_seconds=$main main_left_git_clean=$main_clean
cd "$here"; rm -rf "$tmp"
