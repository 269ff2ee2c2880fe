"""Side-by-side timings of the accumulator core against what a user would pick.

Run: ``pip install ".[bench]" && python benchmarks/bench_core.py``. Every row runs
streamstats and the alternatives in this one process on the same data and prints
the best of several runs, in ns per value, and streamstats' ratio to each.
"""

from __future__ import annotations

import argparse
import time
import timeit
import tracemalloc

import numpy as np
import pandas as pd

import streamstats as ss
from streamstats._core import blocked


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def race(fns: dict[str, object], repeat: int) -> dict[str, float]:
    """Best time of each function, run in turns (a, b, c, a, b, c, ...) so that a
    busy spell of the machine hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}


def row(title: str, n: int, ours: float, others: dict[str, float], targets: dict[str, float]):
    print(f"\n{title}")
    print(f"  {'streamstats':<28}{ours / n * 1e9:8.2f} ns/value")
    for name, t in others.items():
        ratio = ours / t
        target = targets.get(name)
        verdict = "" if target is None else (" ok" if ratio <= target else " MISSED")
        limit = "" if target is None else f" (target <= {target:.2f}){verdict}"
        print(f"  {name:<28}{t / n * 1e9:8.2f} ns/value   ratio {ratio:5.2f}{limit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import polars as pl
    from river import stats as river_stats

    rng = np.random.default_rng(0)
    n, r = args.n, args.repeat
    x = rng.standard_normal(n)
    s_pl = pl.Series(x)
    print(f"{n:,} float64 values, beta = 0.9 (alpha = 0.1); best of {r}; "
          f"threads for blocked scans: {blocked.THREADS}")
    ss.ewa(x[:100_000], 0.9, bias_correction=True)  # compile outside the timings
    ss.ewvar(x[:100_000], 0.9)

    ours = best(lambda: ss.ewa(x, 0.9, bias_correction=True), r)
    row("bias-corrected EWA (NaN-aware kernels)", n, ours, {
        "polars ewm_mean(adjust=True)": best(lambda: s_pl.ewm_mean(alpha=0.1, adjust=True), r),
        "pandas ewm().mean()": best(lambda: pd.Series(x).ewm(alpha=0.1).mean(), max(2, r // 2)),
        "numpy copy (floor)": best(lambda: x.copy(), r),
    }, {"polars ewm_mean(adjust=True)": 0.4, "pandas ewm().mean()": 0.15})

    ours = best(lambda: ss.ewa(x, 0.9), r)
    from scipy.signal import lfilter
    row("zero-start EWA (the lecture's v_t)", n, ours, {
        "scipy lfilter": best(lambda: lfilter([0.1], [1, -0.9], x), r),
    }, {})

    ours = best(lambda: ss.ewvar(x, 0.9), r)
    row("EW variance", n, ours, {
        "polars ewm_var(adjust=True)": best(lambda: s_pl.ewm_var(alpha=0.1, adjust=True), r),
        "pandas ewm().var()": best(lambda: pd.Series(x).ewm(alpha=0.1).var(), max(2, r // 2)),
    }, {"polars ewm_var(adjust=True)": 0.3})

    frame = pd.DataFrame(rng.standard_normal((100_000, 200)))
    values = frame.to_numpy()
    frame_pl = pl.from_pandas(frame)
    ss.ewa(values[:1000], 0.9, bias_correction=True)
    ours = best(lambda: ss.ewa(frame.to_numpy(), 0.9, bias_correction=True), r)
    row("100,000 x 200 frame, columnwise bias-corrected EWA", values.size, ours, {
        "polars (all columns)": best(
            lambda: frame_pl.select(pl.all().ewm_mean(alpha=0.1, adjust=True)), r),
        "pandas df.ewm().mean()": best(lambda: frame.ewm(alpha=0.1).mean(), 2),
    }, {"polars (all columns)": 0.6})

    acc = ss.EWA(beta=0.9)
    riv = river_stats.EWMean(fading_factor=0.1)
    calls = 1_000_000
    ours = min(timeit.repeat(lambda: acc.update(1.5), number=calls, repeat=r))
    theirs = min(timeit.repeat(lambda: riv.update(1.5), number=calls, repeat=r))
    row("EWA.update(x) with a Python float, per call", calls, ours,
        {"river EWMean.update (Rust)": theirs}, {"river EWMean.update (Rust)": 1.0})

    tracemalloc.start()
    y = ss.ewa(x, 0.9, bias_correction=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    extra = peak - y.nbytes
    print(f"\npeak memory of ss.ewa on {n:,} values: output {y.nbytes / 1e6:.0f} MB + "
          f"{extra / 1e6:.3f} MB more ({extra / (x.nbytes + y.nbytes):.2%} of input + output; "
          "target <= 10%)")


if __name__ == "__main__":
    main()
