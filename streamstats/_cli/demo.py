"""``streamstats demo``: the lecture's picture on data that ship with the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from .stream import smooth_csv

__all__ = ["run_demo", "data_path"]

BETAS = (0.5, 0.9, 0.98)


def data_path(name: str) -> Path:
    """The path of a data file shipped with streamstats (``water-flow.csv``,
    ``seattle-temps.csv``; provenance in ``data/README.md``).

    Examples
    --------
    >>> from streamstats._cli.demo import data_path
    >>> data_path("seattle-temps.csv").name
    'seattle-temps.csv'
    """
    return Path(str(resources.files("streamstats") / "data" / name))


def run_demo(out: Path) -> dict[str, Path]:
    """Smooth the bundled temperatures (daily means; beta = 0.5, 0.9, 0.98,
    bias-corrected and not) and the water-flow sensor by time (halflife 6 h, through the streaming
    reader); write CSVs and a PNG to ``out``; print and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    hourly = pd.read_csv(data_path("seattle-temps.csv"))
    hourly["date"] = pd.to_datetime(hourly["date"], format="%Y/%m/%d %H:%M")
    # the lecture's picture is one temperature a day: the daily means
    temps = hourly.set_index("date")["temp"].resample("D").mean().reset_index()
    smoothed = temps.copy()
    for beta in BETAS:
        smoothed[f"beta={beta}"] = temps["temp"].ewa.smooth(beta=beta)
        smoothed[f"beta={beta} raw"] = temps["temp"].ewa.smooth(beta=beta, bias_correction=False)
    written = {"temperatures": out / "seattle-temps-smoothed.csv"}
    smoothed.to_csv(written["temperatures"], index=False)

    chunks = list(smooth_csv(data_path("water-flow.csv"), halflife="6h", time_column="Time",
                             stats=("mean", "std"), chunk_size=16_384))
    flow = pd.concat(chunks, ignore_index=True)
    written["water flow"] = out / "water-flow-smoothed.csv"
    flow.to_csv(written["water flow"], index=False)
    try:
        written["figure"] = _figure(temps, smoothed, flow, out / "streamstats-demo.png")
    except ImportError:
        print("streamstats demo: the figure needs matplotlib: pip install 'streamstats[plot]'")
    for what, path in written.items():
        print(f"streamstats demo: {what}: {path}")
    return written


def _figure(temps: pd.DataFrame, smoothed: pd.DataFrame, flow: pd.DataFrame, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8))
    top.scatter(temps["date"], temps["temp"], s=4, color="0.6", label="daily mean temperature")
    for beta, color in zip(BETAS, ("tab:green", "tab:red", "tab:blue")):
        top.plot(temps["date"], smoothed[f"beta={beta}"], color=color, lw=1,
                 label=f"beta = {beta}, bias-corrected")
        top.plot(temps["date"], smoothed[f"beta={beta} raw"], color=color, lw=1, ls="--",
                 label=f"beta = {beta}, v_t from zero")
    top.set(title="Seattle, 2010: exponentially weighted averages of the daily temperature "
            "(dashed: v_t from zero, without bias correction)", ylabel="deg F")
    top.legend(fontsize=7, ncol=2)
    raw = pd.read_csv(data_path("water-flow.csv"))
    when = pd.to_datetime(raw["Time"], utc=True)
    bottom.plot(when, raw["Water flow [l/s]"], ".", ms=2, color="0.6", label="sensor (gaps)")
    mean = flow["Water flow [l/s]_mean"]
    std = flow["Water flow [l/s]_std"]
    bottom.plot(when, mean, color="tab:blue", lw=1, label="mean, halflife 6 h by time")
    bottom.fill_between(when, mean - 2 * std, mean + 2 * std, color="tab:blue", alpha=0.2,
                        label="mean +- 2 std")
    bottom.set(title="water flow: smoothed by elapsed time across the gaps", ylabel="l/s")
    bottom.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


