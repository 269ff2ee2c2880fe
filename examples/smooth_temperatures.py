"""Smooth a year of hourly Seattle temperatures with the lecture's three betas.

Run from the repository root: ``python examples/smooth_temperatures.py``.
"""

from pathlib import Path

import pandas as pd

import streamstats as ss

data = pd.read_csv(Path(__file__).parents[1] / "tests" / "data" / "seattle-temps.csv")
temps = data["temp"].to_numpy()
for beta in (0.5, 0.9, 0.98):
    raw = ss.ewa(temps, beta)
    corrected = ss.ewa(temps, beta, bias_correction=True)
    print(
        f"beta={beta}: averages ~{ss.effective_window(beta):.0f} h; first hour "
        f"raw {raw[0]:.1f} F (biased toward 0), corrected {corrected[0]:.1f} F; "
        f"std over the year {ss.ewstd(temps, beta)[-1]:.2f} F"
    )
