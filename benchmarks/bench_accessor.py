"""The pandas front side by side with pandas, polars and streamstats' own numpy level.

Run: ``pip install ".[bench]" && python benchmarks/bench_accessor.py``. Same
conventions as ``bench_core.py``: one process, same data, best of several runs,
ratios of streamstats to each alternative (lower is faster).
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
import pandas as pd
from bench_core import best, race, row

import streamstats as ss


def one_row_updates(r: int) -> None:
    """Per-call cost of ``OnlineSmoother.update`` on one-row chunks."""
    n = 2000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "sensor": rng.choice([f"s{i}" for i in range(8)], n),
        "time": pd.date_range("2024-01-01", periods=n, freq="s"),
        "a": rng.standard_normal(n), "b": rng.standard_normal(n),
    })
    series = frame["a"]
    cases = {
        "Series, mean": (lambda: series.ewa.online(beta=0.9), [series.iloc[i:i + 1]
                                                                for i in range(n)]),
        "2 columns, mean": (lambda: frame[["a", "b"]].ewa.online(beta=0.9),
                            [frame[["a", "b"]].iloc[i:i + 1] for i in range(n)]),
        "by sensor + times, mean and var": (
            lambda: frame.ewa.online(halflife="5min", times="time", by="sensor",
                                     stats=("mean", "var")),
            [frame.iloc[i:i + 1] for i in range(n)]),
    }
    print("\nOnlineSmoother.update on a one-row chunk (target < 50 us)")
    for name, (make, chunks) in cases.items():
        per_call = []
        for _ in range(r):
            smoother = make()
            per_call.append(timeit.timeit(lambda sm=smoother, cs=chunks: [sm.update(c) for c in cs],
                                          number=1) / n)
        print(f"  {name:<36}{min(per_call) * 1e6:8.1f} us")
    online = frame[["a"]].ewm(alpha=0.1).online()
    online.mean()
    calls = 200
    t = timeit.timeit(lambda: [online.mean(update=frame[["a"]].iloc[i:i + 1])
                               for i in range(calls)], number=1)
    print(f"  {'pandas ewm().online().mean(update=)':<36}{t / calls * 1e6:8.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import polars as pl

    rng = np.random.default_rng(0)
    n, r = args.n, args.repeat
    x = rng.standard_normal(n)
    s = pd.Series(x)
    print(f"{n:,} rows, beta = 0.9 (alpha = 0.1); best of {r}")
    s.iloc[:100_000].ewa.smooth(beta=0.9)  # compile outside the timings

    times = race({
        "ours": lambda: s.ewa.smooth(beta=0.9),
        "ss.ewa (numpy level)": lambda: ss.ewa(x, 0.9, bias_correction=True),
        "polars ewm_mean(adjust=True)": lambda: pl.Series(x).ewm_mean(alpha=0.1, adjust=True),
    }, r)
    times["pandas ewm().mean()"] = best(lambda: s.ewm(alpha=0.1).mean(), max(2, r // 2))
    row("Series.ewa.smooth(beta=0.9), 10M rows", n, times.pop("ours"), times,
        {"ss.ewa (numpy level)": 1.10, "polars ewm_mean(adjust=True)": 0.4,
         "pandas ewm().mean()": 0.15})

    frame = pd.DataFrame(rng.standard_normal((100_000, 200)))
    frame_pl = pl.from_pandas(frame)
    frame.iloc[:1000].ewa.smooth(beta=0.9)
    times = race({
        "ours": lambda: frame.ewa.smooth(beta=0.9),
        "ss.ewa(df.to_numpy())": lambda: ss.ewa(frame.to_numpy(), 0.9, bias_correction=True),
        "polars (all columns)": lambda: frame_pl.select(
            pl.all().ewm_mean(alpha=0.1, adjust=True)),
    }, r)
    times["pandas df.ewm().mean()"] = best(lambda: frame.ewm(alpha=0.1).mean(), 2)
    row("DataFrame.ewa.smooth(beta=0.9), 100,000 x 200", frame.size, times.pop("ours"), times,
        {"ss.ewa(df.to_numpy())": 1.10, "polars (all columns)": 0.6})

    keys = rng.integers(0, args.keys, n)
    keyed = pd.DataFrame({"key": keys, "x": x})
    keyed_pl = pl.from_pandas(keyed)
    keyed.iloc[:100_000].ewa.smooth(beta=0.9, by="key")
    ours = best(lambda: keyed.ewa.smooth(beta=0.9, by="key"), max(2, r // 2))

    def pandas_groupby():  # realigned to the original order, as ours returns it
        out = keyed.groupby("key")["x"].ewm(alpha=0.1).mean()
        return out.reset_index(level=0, drop=True).sort_index()

    row(f"df.ewa.smooth(beta=0.9, by=key), {args.keys:,} keys", n, ours, {
        "pandas groupby().ewm().mean()": best(pandas_groupby, 1),
        "polars ewm_mean().over(key)": best(
            lambda: keyed_pl.select(pl.col("x").ewm_mean(alpha=0.1, adjust=True).over("key")),
            max(2, r // 2)),
    }, {"pandas groupby().ewm().mean()": 0.2})

    one_row_updates(min(r, 3))


if __name__ == "__main__":
    main()
