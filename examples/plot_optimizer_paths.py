"""
Why momentum damps the oscillation: paths on an elongated bowl
==============================================================

The lecture's picture: on ``f(w) = (w_1^2 + 20 w_2^2) / 2`` the gradient points
mostly across the narrow valley, so gradient descent with a learning rate large
enough to make progress along it zigzags across. Momentum averages the gradients
(``v = beta v + (1 - beta) dW``, here ``beta = 0.8``): the zigzag cancels in the
average, the steady pull along the valley adds up. RMSprop divides each direction by
the root of its averaged squared gradient, so steep and flat directions take steps
of the same size; Adam does both, bias-corrected. Each path: 40 steps from the same
start with ``streamstats.optim`` (gradient descent is ``Momentum`` with ``beta =
0``).

Run: ``python examples/plot_optimizer_paths.py``.
"""

import matplotlib.pyplot as plt
import numpy as np

from streamstats.optim import Adam, Momentum, RMSprop

CURVATURE = np.array([1.0, 20.0])


def gradient(w: np.ndarray) -> np.ndarray:
    return CURVATURE * w


def path(optimizer, steps: int = 40) -> np.ndarray:
    w = np.array([-9.0, 1.6])
    points = [w.copy()]
    for _ in range(steps):
        optimizer.step(w, gradient(w))  # updates w in place
        points.append(w.copy())
    return np.array(points)


paths = {
    "gradient descent (lr 0.098)": path(Momentum(0.098, beta=0.0)),
    "momentum (lr 0.098, beta 0.8)": path(Momentum(0.098, beta=0.8)),
    "RMSprop (lr 0.3)": path(RMSprop(0.3, beta=0.9)),
    "Adam (lr 0.25)": path(Adam(0.25)),
}
for name, points in paths.items():
    print(f"{name}: after 40 steps f = {0.5 * (CURVATURE * points[-1] ** 2).sum():.2e}")

grid = np.meshgrid(np.linspace(-10, 2, 200), np.linspace(-2.2, 2.2, 200))
f = 0.5 * (CURVATURE[0] * grid[0] ** 2 + CURVATURE[1] * grid[1] ** 2)
fig, ax = plt.subplots(figsize=(10, 4.5))
ax.contour(grid[0], grid[1], f, levels=np.geomspace(0.05, 80, 14), colors="0.8",
           linewidths=0.8)
for name, points in paths.items():
    ax.plot(points[:, 0], points[:, 1], marker="o", ms=2.5, lw=1, label=name)
ax.plot(0, 0, "k*", ms=10)
ax.set(xlabel="w1 (flat direction)", ylabel="w2 (steep direction)",
       title="40 steps on an elongated quadratic")
ax.legend(loc="lower right", fontsize=8)
fig.tight_layout()
plt.show()
