"""Record a command's outcome in a JSON file of results, under a key: used by scripts/test_torch.sh and
scripts/time_commands.sh, whose numbers the README reads.

  python scripts/record_run.py FILE KEY key=value ...   (values that parse as JSON are stored as such)

The record gets the machine, Python, torch and the commit (misvae_nb.provenance.run_info) of the interpreter
that runs this script."""
import json, sys
from pathlib import Path
from misvae_nb.provenance import run_info, save_atomic

path, key, *pairs = sys.argv[1:]
def value(v):
    try: return json.loads(v)
    except ValueError: return v
record = {k: value(v) for k, v in (p.split('=', 1) for p in pairs)}
records = json.loads(Path(path).read_text()) if Path(path).exists() else {}
records[key] = {**record, **run_info('cpu')}
save_atomic(json.dumps(records, indent=1, sort_keys=True) + '\n', path)
print(f"recorded {key} in {path}")
