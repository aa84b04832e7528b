"""Interleaved A/B timing for the benchmarks: every run once per round, in turn, so that load from other processes falls on all alike."""
from __future__ import annotations
import time

def interleaved_times(runs: dict, rounds: int, sync=lambda: None) -> dict:
    "{key: [seconds of each round]} for the callables `runs`, each called once a round, in turn; round 0 (warm-up, compilation) not kept."
    times = {k: [] for k in runs}
    for r in range(rounds + 1):
        for k, run in runs.items():
            sync(); t0 = time.perf_counter(); run(); sync()
            if r: times[k].append(time.perf_counter() - t0)
    return times
