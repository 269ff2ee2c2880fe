"""
Learning-rate schedules
=======================

Big steps first, small ones near the minimum. Left, the lecture's three decays with
``alpha_0 = 0.2``: ``alpha_0 / (1 + decay_rate * epoch)``, ``0.95**epoch * alpha_0``
and ``k / sqrt(epoch) * alpha_0``; the lecture's table (``decay_rate = 1``) is printed.
Right, what practitioners add: steps, warm-up into a cosine, cosine with restarts, a
polynomial decay, piecewise constants. Each is a generator (``next(run)`` gives the
next epoch's rate, and it pickles mid-run); ``schedules.plot`` draws them.

Run: ``pip install ".[plot]" && python examples/plot_schedules.py``.
"""

import matplotlib.pyplot as plt

from streamstats import schedules as sch

print("epoch  alpha (alpha_0 = 0.2, decay_rate = 1)")
for epoch, lr in enumerate(sch.inverse_time_decay(0.2, decay_rate=1.0, stop=5), start=1):
    print(f"{epoch:>5}  {lr:.3f}")

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
sch.plot({
    "inverse_time_decay(0.2, 1)": sch.inverse_time_decay(0.2, 1.0),
    "exponential_decay(0.2, 0.95)": sch.exponential_decay(0.2, 0.95),
    "inverse_sqrt_decay(0.2, k=1)": sch.inverse_sqrt_decay(0.2, k=1.0),
}, range(1, 61), ax=left, log=True)
left.set_title("the lecture's three decays")
sch.plot({
    "step_decay(0.02, 0.5, every=15)": sch.step_decay(0.02, 0.5, every=15),
    "warmup(cosine_decay(0.02, 50), 10)": sch.warmup(sch.cosine_decay(0.02, 50), 10),
    "cosine_decay(0.02, 10, restarts)": sch.cosine_decay(0.02, 10, restarts=True, m_mul=0.8),
    "polynomial_decay(0.02, 40, power=2)": sch.polynomial_decay(0.02, 40, power=2.0),
    "piecewise_constant([20, 40], ...)": sch.piecewise_constant([20, 40],
                                                                [0.02, 0.01, 0.002]),
}, range(0, 61), ax=right)
right.set_title("what practitioners add")
fig.tight_layout()
plt.show()
