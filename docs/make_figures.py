"""Render the figures of the docs: ``python docs/make_figures.py`` (needs the
``plot`` extra). Each figure is drawn by the same helper the docs show."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from streamstats import schedules as sch  # noqa: E402

HERE = Path(__file__).parent / "figures"


def schedules_figure(path: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
    sch.plot({
        "inverse_time_decay(0.02, 1)": sch.inverse_time_decay(0.02, 1.0),
        "exponential_decay(0.02, 0.95)": sch.exponential_decay(0.02, 0.95),
        "inverse_sqrt_decay(0.02, k=1)": sch.inverse_sqrt_decay(0.02, k=1.0),
    }, range(1, 61), ax=left, log=True)
    left.set_title("the lecture's three decays")
    sch.plot({
        "step_decay(0.02, 0.5, every=15)": sch.step_decay(0.02, 0.5, every=15),
        "warmup(cosine_decay(0.02, 50), 10)": sch.warmup(sch.cosine_decay(0.02, 50), 10),
        "cosine_decay(0.02, 10, restarts)": sch.cosine_decay(0.02, 10, restarts=True,
                                                             m_mul=0.8),
        "polynomial_decay(0.02, 40, power=2)": sch.polynomial_decay(0.02, 40, power=2.0),
        "piecewise_constant([20, 40], ...)": sch.piecewise_constant([20, 40],
                                                                    [0.02, 0.01, 0.002]),
    }, range(0, 61), ax=right)
    right.set_title("what practitioners add")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    schedules_figure(HERE / "schedules.png")
    print(f"wrote {HERE / 'schedules.png'}")
