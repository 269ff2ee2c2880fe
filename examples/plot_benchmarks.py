"""
Benchmarks, measured while this page was built
==============================================

``benchmarks/bench_polars.py`` times ``pl.col(...).ewa`` against polars' own
``ewm_*`` and the pandas accessor, side by side in one process, in interleaved
rounds. This example runs it on one million rows (the tables in the docs use ten) and
draws the ratios it prints: each bar is a contender's time over the first contender
of its workload, on the machine that built this page.

Run from the repository: ``pip install ".[polars,plot]" && python examples/plot_benchmarks.py``.
"""

import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt

script = next(p for p in (Path("benchmarks"), Path("../benchmarks"))
              if (p / "bench_polars.py").exists()) / "bench_polars.py"
done = subprocess.run([sys.executable, str(script), "--rows", "1000000", "--repeat", "3"],
                      capture_output=True, text=True, check=True)
print(done.stdout)

rows = [line.strip("|").split("|") for line in done.stdout.splitlines()
        if line.startswith("| ") and not line.startswith("| workload")]
labels = [f"{w.strip()}\n{c.strip()}" for w, c, _, _ in rows]
ratios = [float(r) for _, _, _, r in rows]
fig, ax = plt.subplots(figsize=(9, 5.5))
bars = ax.barh(range(len(rows)), ratios,
               color=["0.6" if "polars ewm" in label else "tab:green" for label in labels])
ax.bar_label(bars, fmt="%.2f", fontsize=8)
ax.set_yticks(range(len(rows)), labels, fontsize=7)
ax.invert_yaxis()
ax.axvline(1.0, color="k", lw=0.8)
ax.set_xscale("log")
ax.set(xlabel="time / the first contender's time (log scale; lower is faster)",
       title="bench_polars.py, 1e6 rows, best of 3 (grey: polars' own)")
fig.tight_layout()
plt.show()
