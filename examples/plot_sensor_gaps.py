"""
A sensor with gaps, smoothed by elapsed time
============================================

Three months of hourly water flow through a pipeline branch, with ten gaps of 2 to
32 hours. Smoothing by the count of readings (``beta`` per row) treats a 32-hour gap
as one hour; smoothing by elapsed time (``halflife="6h"`` with the time stamps) lets
the past fade by ``0.5 ** (gap / 6 h)``, so after a long gap the average follows the
new level at once. The band is the mean +- 2 EW standard deviations, also by time
(pandas decays only the mean by time).

Run: ``pip install ".[plot]" && python examples/plot_sensor_gaps.py``.
"""

from importlib import resources

import matplotlib.pyplot as plt
import pandas as pd

import streamstats  # noqa: F401  (registers .ewa on pandas objects)

with resources.as_file(resources.files("streamstats") / "data" / "water-flow.csv") as path:
    flow = pd.read_csv(path)
flow["Time"] = pd.to_datetime(flow["Time"], utc=True)
flow = flow.set_index("Time")["Water flow [l/s]"]

by_time = flow.ewa.smooth(halflife="6h")
spread = flow.ewa.std(halflife="6h")
by_count = flow.ewa.smooth(halflife=6)  # 6 readings, whatever the time between them
gaps = flow.index.to_series().diff() > pd.Timedelta("1h")
print(f"{int(gaps.sum())} gaps, the longest {flow.index.to_series().diff().max()}")

fig, ax = plt.subplots(figsize=(11, 4.5))
ax.plot(flow.index, flow, ".", ms=2, color="0.6", label="readings")
ax.fill_between(flow.index, by_time - 2 * spread, by_time + 2 * spread, color="tab:blue",
                alpha=0.2, label="mean +- 2 std, by time")
ax.plot(flow.index, by_time, color="tab:blue", lw=1, label="mean by time (halflife 6 h)")
ax.plot(flow.index, by_count, color="tab:red", lw=1, ls="--",
        label="mean by count (halflife 6 readings)")
for start in flow.index[gaps.to_numpy()]:
    ax.axvline(start, color="k", lw=0.4, alpha=0.4)
ax.set(ylabel="l/s", title="water flow with gaps (vertical lines: a reading after a gap)")
ax.legend(loc="lower left", fontsize=8)
fig.tight_layout()
plt.show()
