"""Interleaved A/B timing for the benchmarks: every run once per round, in turn, so that load from other processes falls on all alike."""
from __future__ import annotations
import statistics, time
from misvae_nb.provenance import run_info

def interleaved_times(runs: dict, rounds: int, sync=lambda: None) -> dict:
    "{key: [seconds of each round]} for the callables `runs`, each called once a round, in turn; round 0 (warm-up, compilation) not kept."
    times = {k: [] for k in runs}
    for r in range(rounds + 1):
        for k, run in runs.items():
            sync(); t0 = time.perf_counter(); run(); sync()
            if r: times[k].append(time.perf_counter() - t0)
    return times

def ab_compare(runs: dict, rounds: int, device, new: str, old: str, header: str, sync=lambda: None, calls: int=1) -> dict:
    """Time `runs` {(cell, way): callable making `calls` calls} interleaved, print each cell's medians (ms per call) of the ways `new`
    and `old` and old / new, and return what the benchmark's JSON holds: rounds, medians, the ratios, times per round, `run_info`."""
    times = interleaved_times(runs, rounds, sync)
    med = {f'{c}_{w}_ms': statistics.median(v) * 1e3 / calls for (c, w), v in times.items()}
    info = run_info(device)
    print(f"{info['device']}, commit {info['commit']}, {header}, median of {rounds} rounds" + (f" x {calls} calls" if calls > 1 else ''))
    ratios = {}
    for c in dict.fromkeys(c for c, _ in runs):
        a, b = med[f'{c}_{new}_ms'], med[f'{c}_{old}_ms']
        ratios[c] = b / a
        print(f"  {c:<26}: {new} {a:8.2f} ms, {old} {b:8.2f} ms, {old} / {new} {ratios[c]:.2f}")
    return {'rounds': rounds, 'medians': med, f'{old}_over_{new}': ratios, 'times_s': {f'{c}_{w}': v for (c, w), v in times.items()}, **info}
