"""Run every notebook in nbs/ with nbdev's own test runner, one pytest test per notebook.

Cells carrying a flag from settings.ini's `tst_flags` (e.g. `#| slow`) are skipped unless the flag
is listed in the environment variable MISVAE_TEST_FLAGS (space separated), as `nbdev_test --flags`.
Reproduction notebooks write their figures to a temporary folder (MISVAE_FIGURES), not figures/.
"""
import os
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook_tests

cfg = get_config()
nbs_path = Path(cfg.nbs_path)
notebooks = sorted(p for p in nbs_path.rglob('*.ipynb')
                   if not any(part.startswith(('_', '.')) for part in p.relative_to(nbs_path).parts))
force_flags = os.environ.get('MISVAE_TEST_FLAGS', '').split()
skip_flags = [f for f in cfg.tst_flags.split() if f not in force_flags]

@pytest.fixture(autouse=True)
def _figures_to_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv('MISVAE_FIGURES', str(tmp_path / 'figures'))

@pytest.mark.parametrize('nb', notebooks, ids=[str(p.relative_to(nbs_path)) for p in notebooks])
def test_notebook(nb):
    ok, secs = run_notebook_tests(nb.resolve(), skip_flags=skip_flags, force_flags=force_flags, basepath=cfg.config_path)
    assert ok, f'{nb} failed (its traceback is printed above)'
