#!/usr/bin/env bash
# Publish reproductions: copy runs/figures/NAME.png and NAME.json (made by scripts/main.sh) into the
# committed figures/, only if each was made at a clean commit whose code (misvae_nb/, nbs/repro/,
# params/, settings.ini) HEAD still has, and only from a clean checkout. Then commit figures/.
#   bash scripts/main.sh && bash scripts/publish.sh estimator_bias timing && git add figures && git commit
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python; [ -x "$py" ] || { echo "publish: no .venv here; run bash scripts/setup.sh first" >&2; exit 2; }
exec "$py" - "$@" <<'PY'
import sys
from misvae_nb.provenance import publish_figures
try: paths = publish_figures(sys.argv[1:])
except ValueError as e: sys.exit(print(f"publish: {e}", file=sys.stderr) or 2)
for p in paths: print(f"published {p}")
PY
