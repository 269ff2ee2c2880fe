"""``ddf.ewa`` on two Dask workers against what a user can do today, end to end:
read parquet, smooth, write parquet.

Run: ``pip install ".[dask,bench]" && python benchmarks/bench_dask.py [--rows 20000000]``.
The data: ``--rows`` rows of 1,000 sensors with irregular time stamps and 4 float
columns, written as parquet in 32 partitions. Workloads: the mean of the 4 columns
without keys; mean and std per sensor by time (halflife 10 min); the covariance of
two columns per sensor. Contenders, each
measured in this one run (best of ``--repeat``): the pandas accessor in one process
(our floor on one machine), pandas ``ewm`` / ``groupby().ewm()`` where it applies,
polars in memory, the naive ``map_partitions`` workaround (its maximum error
printed), ``repartition(npartitions=1)``, and ``ddf.ewa`` with ``method="chain"`` and
``"parallel"`` on a LocalCluster of 2 workers x 1 thread. Peak memory per worker is
the cluster's sampled memory (distributed's MemorySampler) divided by 2.

Before the first contender the script touches ``--warm-gb`` GB of memory once: on a
virtual machine whose host backs guest memory lazily (ours costs 2 s per GB the first
time a page is used, 0.1 s after), whichever contender ran first would pay for it.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster
from distributed.diagnostics import MemorySampler

import streamstats.dask  # noqa: F401

COLUMNS = ["a", "b", "c", "d"]
# mean and std side by side: the partitions are the same, their divisions unknown
warnings.filterwarnings("ignore", message="Concatenating dataframes with unknown divisions")


def generate(folder: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    seconds = np.cumsum(rng.integers(0, 3, rows))
    frame = pd.DataFrame({
        "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s"),
        "sensor": rng.integers(0, 1000, rows).astype(np.int32),
        **{c: rng.standard_normal(rows) for c in COLUMNS},
    })
    # zero-padded names: readers list the files in name order, which must be time order
    dd.from_pandas(frame, npartitions=32).to_parquet(
        folder, write_index=False, name_function=lambda i: f"part.{i:03d}.parquet")


def warm_memory(gb: float) -> None:
    """Touch ``gb`` GB once (at most half the memory available) and free it."""
    try:
        with open("/proc/meminfo") as info:
            available = next(int(line.split()[1]) * 1024 for line in info
                             if line.startswith("MemAvailable"))
    except (OSError, StopIteration):
        return
    size = int(min(gb * 2**30, available / 2))
    block = np.ones(size // 8)
    del block


def timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--warm-gb", type=float, default=12.0)
    args = parser.parse_args()
    warm_memory(args.warm_gb)
    work = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    data, out = work / "data", work / "out"
    generate(data, args.rows)
    rows: list[tuple[str, str, float, float | None, str]] = []

    def write(frame: pd.DataFrame) -> None:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        frame.to_parquet(out / "part.parquet")

    def local(label: str, workload: str, fn) -> None:
        rows.append((workload, label, timed(fn, args.repeat), None, ""))

    # -- one process: the pandas accessor (the floor), pandas, polars ----------------
    local("streamstats pandas accessor", "mean", lambda: write(
        pd.read_parquet(data).ewa.smooth(beta=0.9, columns=COLUMNS)))
    local("pandas ewm().mean()", "mean", lambda: write(
        pd.read_parquet(data)[COLUMNS].ewm(alpha=0.1).mean()))
    local("streamstats pandas accessor", "mean+std by key, time", lambda: write(pd.concat(
        [(f := pd.read_parquet(data)).ewa.smooth(halflife="10min", times="time", by="sensor",
                                                  columns=COLUMNS),
         f.ewa.std(halflife="10min", times="time", by="sensor", columns=COLUMNS)
         .add_suffix("_std")], axis=1)))
    local("pandas groupby().ewm(times=).mean() (no std with times)", "mean+std by key, time",
          lambda: write((f := pd.read_parquet(data)).groupby("sensor")[COLUMNS].ewm(
              halflife="10min", times=f["time"]).mean().reset_index(level=0, drop=True)
              .sort_index()))
    local("streamstats pandas accessor", "cov a,b by key", lambda: write(
        (f := pd.read_parquet(data)).ewa.cov(f["b"], alpha=0.1, by="sensor", columns=["a"])))
    local("pandas groupby().ewm().cov() (pairwise)", "cov a,b by key", lambda: write(
        pd.read_parquet(data).groupby("sensor")[["a", "b"]].ewm(alpha=0.1).cov()
        .xs("a", level=2)[["b"]].reset_index(level=0, drop=True).sort_index()))
    try:
        import polars as pl

        local("polars in memory", "mean", lambda: pl.read_parquet(data).select(
            pl.col(COLUMNS).ewm_mean(alpha=0.1)).write_parquet(out / "p.parquet"))
        local("polars ewm_mean_by().over() (no std by time)", "mean+std by key, time",
              lambda: pl.read_parquet(data).select(
                  pl.col(COLUMNS).ewm_mean_by("time", half_life="10m").over("sensor"))
              .write_parquet(out / "p.parquet"))
    except ImportError:
        print("polars is not installed: its rows are left out")

    # -- two dask workers -----------------------------------------------------------------
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        sampler = MemorySampler()

        def on_dask(label: str, workload: str, build) -> None:
            def run() -> None:
                shutil.rmtree(out, ignore_errors=True)
                build(dd.read_parquet(data)).to_parquet(out, write_index=False)
            with sampler.sample(label + workload, client=client):
                seconds = timed(run, args.repeat)
            peak = sampler.to_pandas()[label + workload].max() / 2 / 2**20
            rows.append((workload, label, seconds, peak, ""))

        for method in ("chain", "parallel"):
            on_dask(f"ddf.ewa {method}", "mean", lambda d, m=method: d.ewa.smooth(
                beta=0.9, columns=COLUMNS, method=m))
            on_dask(f"ddf.ewa {method}", "mean+std by key, time", lambda d, m=method:
                    dd.concat([d.ewa.smooth(halflife="10min", times="time", by="sensor",
                                            columns=COLUMNS, method=m),
                               d.ewa.std(halflife="10min", times="time", by="sensor",
                                         columns=COLUMNS, method=m).add_suffix("_std")],
                              axis=1))
            on_dask(f"ddf.ewa {method}", "cov a,b by key", lambda d, m=method: d.ewa.cov(
                d["b"], alpha=0.1, by="sensor", columns=["a"], method=m))
        on_dask("map_partitions(ewm) (wrong at partition starts)", "mean",
                lambda d: d[COLUMNS].map_partitions(lambda p: p.ewm(alpha=0.1).mean()))
        on_dask("repartition(npartitions=1)", "mean",
                lambda d: d[COLUMNS].repartition(npartitions=1).map_partitions(
                    lambda p: p.ewm(alpha=0.1).mean()))
        naive = dd.read_parquet(data)[COLUMNS].map_partitions(
            lambda p: p.ewm(alpha=0.1).mean()).compute()
        exact = pd.read_parquet(data)[COLUMNS].ewm(alpha=0.1).mean()
        error = float(np.max(np.abs(naive.to_numpy() - exact.to_numpy())))
    shutil.rmtree(work, ignore_errors=True)

    print(f"{args.rows:,} rows, 1,000 sensors, 4 columns, 32 parquet partitions; best of "
          f"{args.repeat}; map_partitions' maximum error {error:.3g}")
    print("| workload | how | seconds | vs pandas accessor | peak MB per worker |")
    print("|---|---|---|---|---|")
    floor = {w: s for w, label, s, _, _ in rows if label == "streamstats pandas accessor"}
    for workload, label, seconds, peak, _ in sorted(rows, key=lambda r: (r[0], r[2])):
        shown = "" if peak is None else f"{peak:.0f}"
        print(f"| {workload} | {label} | {seconds:.2f} | {seconds / floor[workload]:.2f} | "
              f"{shown} |")


if __name__ == "__main__":
    main()
