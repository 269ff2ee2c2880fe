"""``streamstats smooth`` end to end against just reading the file with pandas.

Run: ``pip install . && python benchmarks/bench_cli.py [--sizes 0.25,0.5,1] [--dir DIR]``.
Generates CSVs of about 0.25, 0.5 and 1 GB (10 sensors by key, a time column, 4
value columns), then times, each in its own process, ``pandas.read_csv(path,
engine="pyarrow")`` and ``streamstats smooth`` (mean, by key and time) writing its
output, and reports the wall time and peak memory (max RSS) of each and their ratios.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

ROWS_PER_GB = 17_500_000  # about 60 bytes a row


def generate(path: Path, gigabytes: float, seed: int = 0) -> None:
    rows = int(ROWS_PER_GB * gigabytes)
    rng = np.random.default_rng(seed)
    step = 1_000_000
    with pa_csv.CSVWriter(path, pa.schema([("time", pa.string()), ("sensor", pa.string()),
                                           *[(c, pa.float64()) for c in "abcd"]])) as writer:
        for start in range(0, rows, step):
            n = min(step, rows - start)
            seconds = (np.arange(start, start + n) // 10).astype("datetime64[s]")
            stamp = np.datetime64("2024-01-01T00:00:00") + seconds.astype(np.int64)
            values = {c: np.round(rng.standard_normal(n) * 10 + 50, 3) for c in "abcd"}
            writer.write_table(pa.table({
                "time": pa.array(np.datetime_as_string(stamp, unit="s")),
                "sensor": pa.array(np.char.add("s", (np.arange(start, start + n) % 10)
                                               .astype(str))),
                **{c: pa.array(v) for c, v in values.items()}}))



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="0.25,0.5,1")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp())
    sizes = [float(s) for s in args.sizes.split(",")]
    print(f"{os.cpu_count()} cores; files in {folder}")
    print(f"{'file':>8} {'pandas read':>12} {'peak MB':>8} {'streamstats':>12} {'peak MB':>8} "
          f"{'time ratio':>10} {'memory ratio':>12}")
    for gb in sizes:
        path = folder / f"sensors-{gb}GB.csv"
        if not path.exists():
            generate(path, gb)
        out = folder / "smoothed.csv"
        read = [sys.executable, "-c",
                f"import pandas as pd; pd.read_csv({str(path)!r}, engine='pyarrow')"]
        smooth = [sys.executable, "-m", "streamstats", "smooth", str(path), "-o", str(out),
                  "--halflife", "1min", "--time-column", "time", "--key-column", "sensor",
                  "--quiet"]
        # separate Python processes, so that each max RSS is its own
        t_read, m_read = _measure_alone(read)
        t_ours, m_ours = _measure_alone(smooth)
        size = path.stat().st_size / 1e9
        print(f"{size:7.2f}G {t_read:11.2f}s {m_read:8.0f} {t_ours:11.2f}s {m_ours:8.0f} "
              f"{t_ours / t_read:10.2f} {m_ours / m_read:12.2f}")
        out.unlink(missing_ok=True)
    print("targets: time ratio <= 1.5, memory ratio <= 0.25, memory flat as the file grows")


def _measure_alone(argv: list[str]) -> tuple[float, float]:
    """Run the command under a fresh Python that reports its child's max RSS."""
    code = ("import resource, subprocess, sys, time; s = time.perf_counter(); "
            f"subprocess.run({argv!r}, check=True, stdout=subprocess.DEVNULL); "
            "print(time.perf_counter() - s, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True)
    wall, peak = result.stdout.split()
    return float(wall), float(peak)


if __name__ == "__main__":
    main()
