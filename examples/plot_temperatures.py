"""
Smoothing a year of temperatures with three betas
=================================================

The lecture's first picture: hourly Seattle temperatures of 2010 smoothed with
``beta`` = 0.5, 0.9 and 0.98. The average spans about ``1/(1 - beta)`` readings: 2, 10
and 50 hours. The larger ``beta``, the smoother the curve and the later it follows a
change. From ``v_0 = 0`` the first values are far too low (biased toward 0): the
bias-corrected average starts right (see the next example).

Run: ``python examples/plot_temperatures.py``.
"""

from importlib import resources

import matplotlib.pyplot as plt
import pandas as pd

import streamstats as ss

with resources.as_file(resources.files("streamstats") / "data" / "seattle-temps.csv") as path:
    data = pd.read_csv(path, parse_dates=["date"], date_format="%Y/%m/%d %H:%M")
temps = data["temp"].to_numpy()

fig, ax = plt.subplots(figsize=(10, 4.5))
ax.plot(data["date"], temps, color="0.8", lw=0.5, label="hourly readings")
for beta, color in ((0.5, "tab:orange"), (0.9, "tab:red"), (0.98, "tab:green")):
    raw = ss.ewa(temps, beta)
    corrected = ss.ewa(temps, beta, bias_correction=True)
    print(f"beta={beta}: averages ~{ss.effective_window(beta):.0f} h; first hour "
          f"raw {raw[0]:.1f} F (biased toward 0), corrected {corrected[0]:.1f} F; "
          f"std over the year {ss.ewstd(temps, beta)[-1]:.2f} F")
    ax.plot(data["date"], corrected, color=color, lw=1,
            label=f"beta = {beta} (~{ss.effective_window(beta):.0f} h)")
ax.set(ylabel="temperature (F)", title="Seattle, 2010: bias-corrected EWA")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
