"""
Bias correction: the first days with and without it
===================================================

From ``v_0 = 0`` the zero-started average ``v_t = beta v_{t-1} + (1 - beta) x_t``
holds only ``1 - beta**t`` of the weight after ``t`` readings: with ``beta = 0.98``
its first values are near 0 while the air is at 40 F. Dividing by ``1 - beta**t``
(bias correction, pandas' ``adjust=True``) starts right away; the seeded form (pandas'
``adjust=False``, ``y_1 = x_1``) starts at the first reading and overweights it.
After about ``3/(1 - beta)`` readings the three agree.

Run: ``python examples/plot_bias_correction.py``.
"""

from importlib import resources

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import streamstats as ss

with resources.as_file(resources.files("streamstats") / "data" / "seattle-temps.csv") as path:
    temps = pd.read_csv(path)["temp"].to_numpy()[: 24 * 10]  # the first ten days
hours = np.arange(1, temps.size + 1)
beta = 0.98

zero_start = ss.ewa(temps, beta)
corrected = ss.ewa(temps, beta, bias_correction=True)
seeded = ss.EWA(beta, init="first").update_many(temps)

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.plot(hours, temps, color="0.75", lw=0.8, label="readings")
left.plot(hours, zero_start, label="zero start v_t")
left.plot(hours, corrected, label="bias-corrected v_t / (1 - beta^t)")
left.plot(hours, seeded, ls="--", label="seeded (adjust=False)")
left.set(xlabel="hour", ylabel="F", title=f"beta = {beta}: the first ten days")
left.legend()
right.plot(hours, 1 - beta**hours)
right.set(xlabel="hour", ylabel="1 - beta^t",
          title="the weight the zero start has gathered")
fig.tight_layout()
plt.show()
