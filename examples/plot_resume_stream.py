"""
A per-key stream stopped and resumed from its saved state
=========================================================

A room sensor's four channels (temperature, humidity, light, CO2) arrive as one
interleaved log, a reading per channel every 16 minutes. An ``OnlineSmoother`` keeps
one state per channel (``by="sensor"``), decaying by elapsed time. The stream is cut
into chunks as a service would receive them; after the third chunk the smoother is
saved to JSON and the process "stops"; a new one restores it and goes on. The
resumed curve equals the one computed in one go on the whole log (checked below), and
the smoothed CO2 (light) is drawn with the chunk boundaries.

Run: ``pip install ".[plot]" && python examples/plot_resume_stream.py``.
"""

import json
from importlib import resources

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from streamstats import OnlineSmoother

with resources.as_file(resources.files("streamstats") / "data" / "occupancy.csv") as path:
    wide = pd.read_csv(path, parse_dates=["time"])
log = (wide.melt(id_vars="time", var_name="sensor", value_name="value")
       .sort_values("time", kind="stable").reset_index(drop=True))

size = -(-len(log) // 6)  # six chunks
chunks = [log.iloc[i: i + size] for i in range(0, len(log), size)]
smoother = OnlineSmoother(halflife="2h", times="time", by="sensor", stats=("mean", "std"))
parts = [smoother.update(chunk) for chunk in chunks[:3]]
saved = json.dumps(smoother.to_dict())          # ... the process stops here

resumed = OnlineSmoother.from_dict(json.loads(saved))
parts += [resumed.update(chunk) for chunk in chunks[3:]]
streamed = pd.concat(parts)

whole = log.ewa.smooth(halflife="2h", times="time", by="sensor")["value"]
print("resumed stream equals the whole log:", np.array_equal(
    streamed[("value", "mean")].to_numpy(), whole.to_numpy(), equal_nan=True))
print(f"saved state: {len(saved)} bytes for {len(resumed.keys)} keys")

co2 = log["sensor"].eq("V4").to_numpy()
mean = streamed[("value", "mean")].to_numpy()[co2]
std = streamed[("value", "std")].to_numpy()[co2]
times = log["time"][co2]
fig, ax = plt.subplots(figsize=(10, 4))
ax.plot(times, log["value"][co2], ".", ms=3, color="0.6", label="readings (V4)")
ax.plot(times, mean, color="tab:blue", label="mean, halflife 2 h")
ax.fill_between(times, mean - 2 * std, mean + 2 * std, color="tab:blue", alpha=0.2,
                label="+- 2 std")
for i, chunk in enumerate(chunks[1:], start=1):
    ax.axvline(chunk["time"].iloc[0], color="tab:red" if i == 3 else "0.7",
               lw=1.5 if i == 3 else 0.8)
ax.set(title="one channel of a keyed stream; red: saved, stopped and resumed here",
       ylabel="V4")
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()
