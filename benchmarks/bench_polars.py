"""``pl.col(...).ewa`` against polars' own ``ewm_*`` and the pandas accessor, side by
side in one process, interleaved rounds, best of ``--repeat``.

Run: ``pip install ".[polars]" && python benchmarks/bench_polars.py [--rows 10000000]``.
Data: ``--rows`` rows of ``x`` (normal), ``key`` (1,000 sensors, int) and ``time``
(irregular stamps, 0-2 s apart). Workloads: the mean of one column; the mean per key
(ours with ``.over("key")`` and with ``by="key"``); mean and std per key by time
(polars has ``ewm_mean_by`` but no std by time: the pandas accessor is the other
contender). Each contender is timed in memory, from the DataFrame to the result.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import polars as pl

import streamstats.polars  # noqa: F401


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    df = pl.DataFrame({
        "x": rng.standard_normal(args.rows),
        "key": rng.integers(0, 1000, args.rows),
        "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(
            np.cumsum(rng.integers(0, 3, args.rows)), unit="s"),
    })
    frame = df.to_pandas()
    mean_by, std_by = (pl.col("x").ewm_mean_by("time", half_life="10m"),
                       dict(halflife="10min", times="time"))
    jobs: dict[str, dict[str, Callable[[], object]]] = {
        "mean": {
            "polars ewm_mean": lambda: df.select(pl.col("x").ewm_mean(alpha=0.1)),
            "streamstats .ewa.smooth": lambda: df.select(pl.col("x").ewa.smooth(alpha=0.1)),
        },
        "mean per key (1,000 keys)": {
            "polars ewm_mean().over()": lambda: df.select(
                pl.col("x").ewm_mean(alpha=0.1).over("key")),
            "streamstats .ewa.smooth().over()": lambda: df.select(
                pl.col("x").ewa.smooth(alpha=0.1).over("key")),
            "streamstats .ewa.smooth(by=)": lambda: df.select(
                pl.col("x").ewa.smooth(alpha=0.1, by="key")),
        },
        "mean + std per key by time": {
            "polars ewm_mean_by().over() (mean only)": lambda: df.select(mean_by.over("key")),
            "pandas accessor (by=)": lambda: (frame.ewa.smooth(**std_by, by="key",
                                                               columns=["x"]),
                                              frame.ewa.std(**std_by, by="key",
                                                            columns=["x"])),
            "streamstats .ewa (by=)": lambda: df.select(
                pl.col("x").ewa.smooth(**std_by, by="key").alias("m"),
                pl.col("x").ewa.std(**std_by, by="key").alias("s")),
            "streamstats .ewa .over()": lambda: df.select(
                pl.col("x").ewa.smooth(**std_by).over("key").alias("m"),
                pl.col("x").ewa.std(**std_by).over("key").alias("s")),
        },
    }
    best = {(w, c): float("inf") for w, cs in jobs.items() for c in cs}
    for _ in range(args.repeat):  # interleaved: every contender once per round
        for workload, contenders in jobs.items():
            for name, job in contenders.items():
                start = time.perf_counter()
                job()
                best[workload, name] = min(best[workload, name],
                                           time.perf_counter() - start)
    print(f"{args.rows:,} rows; best of {args.repeat} interleaved rounds")
    print("| workload | contender | seconds | vs the first |")
    print("|---|---|---|---|")
    for workload, contenders in jobs.items():
        first = best[workload, next(iter(contenders))]
        for name in contenders:
            seconds = best[workload, name]
            print(f"| {workload} | {name} | {seconds:.3f} | {seconds / first:.2f} |")


if __name__ == "__main__":
    main()
