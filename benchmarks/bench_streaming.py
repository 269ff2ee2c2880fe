"""The per-reading paths against what a streaming script would use instead.

Run: ``pip install ".[bench]" && python benchmarks/bench_streaming.py [--rows 4000000]``.

1. ``update(x)`` of one float (a pair for cov/corr) against river's ``EWMean`` and
   ``EWVar``: the same loop in one process, in interleaved rounds, best of several.
2. ``OnlineSmoother.update_record`` (a key, a time stamp, two columns, mean and
   var) and a one-row Series chunk, against the one-row frame update they replace.
3. ``streamstats smooth`` on a sensor CSV (time, sensor, two floats) against
   polars' streaming ``scan_csv(...).ewm_mean(...).sink_csv`` (unkeyed) and its
   in-memory ``ewm_mean(...).over("sensor")`` (keyed): each a fresh process, run in
   interleaved rounds, best wall time and peak memory (max RSS) of each.

Ratios are of one run: these machines differ from run to run, so absolute times
are printed for scale only.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from river import stats as river_stats

import streamstats as ss


def best_of(rounds: int, jobs: dict[str, object], number: int) -> dict[str, float]:
    """Seconds per call of each job, best of ``rounds`` interleaved rounds."""
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(rounds):
        for name, job in jobs.items():
            t = timeit.timeit(job, number=number) / number
            best[name] = min(best[name], t)
    return best


def loop(update, pair: bool, n: int = 1000):
    """n calls of ``update`` on floats, as a script's loop makes them."""
    xs = np.random.default_rng(0).standard_normal(n).tolist()
    if pair:
        def run():
            for x in xs:
                update(x, x)
    else:
        def run():
            for x in xs:
                update(x)
    return run


def scalar_table(rounds: int) -> list[tuple]:
    river_mean, river_var = river_stats.EWMean(0.1), river_stats.EWVar(0.1)
    jobs = {"river EWMean.update": loop(river_mean.update, False),
            "river EWVar.update": loop(river_var.update, False)}
    rows = []
    for cls, ref, target in [(ss.EWA, "river EWMean.update", 1.5),
                             (ss.BiasCorrectedEWA, "river EWMean.update", 1.5),
                             (ss.EWSecondMoment, "river EWMean.update", 1.5),
                             (ss.EWVar, "river EWVar.update", 2.0),
                             (ss.EWStd, "river EWVar.update", 2.0),
                             (ss.EWCov, "river EWVar.update", 2.0),
                             (ss.EWCorr, "river EWVar.update", 2.0)]:
        pair = cls in (ss.EWCov, ss.EWCorr)
        name = f"{cls.__name__}.update({'x, y' if pair else 'x'})"
        jobs[name] = loop(cls(beta=0.9).update, pair)
        rows.append((name, ref, target))
    timed = ss.EWVar(halflife=10.0)
    stamps = np.arange(1000, dtype=float).tolist()

    def run_timed():
        for t in stamps:
            timed.update(1.5, t=t)
        timed.reset()
    jobs["EWVar.update(x, t=seconds)"] = run_timed
    rows.append(("EWVar.update(x, t=seconds)", "river EWVar.update", None))
    best = best_of(rounds, jobs, 20)
    return [(name, best[name] / 1000, ref, best[name] / best[ref], target)
            for name, ref, target in rows]


def record_table(rounds: int) -> list[tuple]:
    t0 = pd.Timestamp("2024-01-01")
    keys = ["north", "south", "east", "west"]
    stamps = [t0 + pd.Timedelta(seconds=i) for i in range(400)]
    readings = np.random.default_rng(1).standard_normal((400, 2)).tolist()
    frames = [pd.DataFrame({"t": [s], "sensor": [keys[i % 4]], "x": [r[0]], "y": [r[1]]})
              for i, (s, r) in enumerate(zip(stamps, readings))]
    series = [pd.Series([r[0]]) for r in readings]

    def smoother():
        return ss.OnlineSmoother(halflife="1min", stats=("mean", "var"), by="sensor", times="t",
                                 columns=["x", "y"])

    def records():
        sm = smoother()
        for i, (s, r) in enumerate(zip(stamps, readings)):
            sm.update_record(r, key=keys[i % 4], time=s)

    def one_row_frames():
        sm = smoother()
        for f in frames:
            sm.update(f)

    def one_row_series():
        sm = ss.OnlineSmoother(beta=0.9)
        for s in series:
            sm.update(s)
    # a new smoother's first chunk of 400 rows (stamps must not go back): a frame, or its
    # columns as arrays (a Categorical of keys)
    chunk = pd.DataFrame({"t": stamps, "sensor": [keys[i % 4] for i in range(400)],
                          "x": [r[0] for r in readings], "y": [r[1] for r in readings]})
    arrays = ({"x": chunk["x"].to_numpy(), "y": chunk["y"].to_numpy()},
              pd.Categorical(chunk["sensor"]), chunk["t"].to_numpy())

    def chunk_frame():
        smoother().update(chunk)

    def chunk_arrays():
        values, keyed, times = arrays
        smoother().update_arrays(values, keys=keyed, times=times)

    best = best_of(rounds, {"records": records, "frames": one_row_frames,
                            "series": one_row_series, "chunk frame": chunk_frame,
                            "chunk arrays": chunk_arrays}, 3)
    per = {k: v / 400 for k, v in best.items()}
    return [
        ("update_record (key, time, 2 columns, mean+var)", per["records"],
         "one-row frame update", per["records"] / per["frames"], "10 us"),
        ("one-row frame update (key, time, 2 columns, mean+var)", per["frames"], "", None, ""),
        ("one-row Series update (mean)", per["series"], "", None, "30 us"),
        ("update_arrays, a first 400 rows (per row)", per["chunk arrays"],
         "the same as a frame", per["chunk arrays"] / per["chunk frame"], ""),
        ("update, a first 400-row frame (per row)", per["chunk frame"], "", None, ""),
    ]


def sensor_csv(path: Path, rows: int) -> None:
    """time, sensor, two floats: about 41 bytes a row, 100 sensors, 100 rows a second."""
    rng = np.random.default_rng(0)
    path.write_bytes(b"time,sensor,a,b\n")
    options = pa_csv.WriteOptions(quoting_style="none", include_header=False)
    with open(path, "ab") as out, pa_csv.CSVWriter(
            out, pa.schema([("time", pa.string()), ("sensor", pa.string()),
                            ("a", pa.float64()), ("b", pa.float64())]),
            write_options=options) as writer:
        for start in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - start)
            i = np.arange(start, start + n)
            stamps = np.datetime64("2024-01-01T00:00:00.000") + (i // 100).astype(
                "timedelta64[s]")
            writer.write_table(pa.table({
                "time": np.char.replace(np.datetime_as_string(stamps, unit="ms"), "T", " "),
                "sensor": (i % 100).astype(str),
                "a": np.round(rng.standard_normal(n) * 10 + 50, 3),
                "b": np.round(rng.standard_normal(n), 4)}))


# a small parent for each job: a child forked from this (large) process would report
# this process's peak memory as its own
_MEASURE = """import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def run_process(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MB, max RSS) of a fresh process."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *command], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def csv_table(rows: int, rounds: int, folder: Path) -> list[tuple]:
    data = folder / "sensors.csv"
    sensor_csv(data, rows)
    # the package's modules compiled, as an installed package has them (from a checkout
    # with PYTHONDONTWRITEBYTECODE set, every start would compile the edited ones)
    compileall.compile_dir(Path(ss.__file__).parent, quiet=1)
    out = folder / "out.csv"
    polars_stream = ("import polars as pl; pl.scan_csv(r'{0}').with_columns(pl.col('a', 'b')"
                     ".ewm_mean(alpha=0.1)).sink_csv(r'{1}')")
    polars_over = ("import polars as pl; pl.read_csv(r'{0}').with_columns(pl.col('a', 'b')"
                   ".ewm_mean(alpha=0.1).over('sensor')).write_csv(r'{1}')")
    command = [sys.executable, "-m", "streamstats", "smooth", "--alpha", "0.1", "--columns",
               "a,b", "--quiet", "-o", str(out), str(data)]
    jobs = {
        "polars streaming": [sys.executable, "-c", polars_stream.format(data, out)],
        "streamstats smooth": command,
        "polars .over (in memory)": [sys.executable, "-c", polars_over.format(data, out)],
        "streamstats smooth --key-column": [*command, "--key-column", "sensor"],
    }
    best = {name: (float("inf"), float("inf")) for name in jobs}
    for _ in range(rounds):
        for name, job in jobs.items():
            wall, mb = run_process(job)
            best[name] = (min(best[name][0], wall), min(best[name][1], mb))
    # pass-through columns come out byte for byte
    subprocess.run(command, check=True)
    with open(data, "rb") as f_in, open(out, "rb") as f_out:
        same = all(a.split(b",")[:2] == b.split(b",")[:2] for a, b in zip(f_in, f_out))
    size = data.stat().st_size / 1e6
    print(f"\nCSV: {rows:,} rows, {size:.0f} MB; pass-through columns identical: {same}")
    table = []
    for name, ref in [("streamstats smooth", "polars streaming"),
                      ("streamstats smooth --key-column", "polars .over (in memory)")]:
        for who in (ref, name):
            wall, mb = best[who]
            table.append((who, wall, mb, wall / best[ref][0], mb / best[ref][1],
                          "1.0" if who == name else ""))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--csv-rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"\n{'one float at a time':<34} {'per call':>9}  {'against':<20} {'ratio':>6} "
          f"{'target':>6}")
    for name, t, ref, ratio, target in scalar_table(args.rounds):
        print(f"{name:<34} {t * 1e9:>6.0f} ns  {ref:<20} {ratio:>6.2f} "
              f"{'' if target is None else f'<= {target}':>6}")
    print(f"\n{'one record at a time':<54} {'per call':>9}  {'against':<20} {'ratio':>6} "
          f"{'target':>7}")
    for name, t, ref, ratio, target in record_table(args.rounds):
        shown = "" if ratio is None else f"{ratio:.2f}"
        print(f"{name:<54} {t * 1e6:>6.1f} us  {ref:<20} {shown:>6} {target:>7}")
    if args.rows:
        folder = args.dir or Path(tempfile.mkdtemp())
        rows = csv_table(args.rows, args.csv_rounds, folder)
        print(f"{'':<34} {'wall s':>7} {'peak MB':>8} {'time ratio':>10} {'memory ratio':>12} "
              f"{'target':>6}")
        for who, wall, mb, tr, mr, target in rows:
            print(f"{who:<34} {wall:>7.2f} {mb:>8.0f} {tr:>10.2f} {mr:>12.2f} {target:>6}")


if __name__ == "__main__":
    main()
