"""Ordered merges of two consecutive segments' states (docs/architecture.md).

A segment acts on the state before it as an affine map: the earlier weight (and the
zero-start ``v``) is decayed by ``decay``, the product of the decays inside the later
segment, then the two are pooled. Means pool as weighted means (written
``m_e + r (m_l - m_e)`` so that equal means stay exact), spreads with the parallel
formula ``(1-r) c_e + r c_l + r (1-r) delta**2``, and ``D = S1**2 - S2`` as
``decay**2 D_e + D_l + 2 w_e w_l``. All functions work lane-wise on
``(fields, lanes)`` arrays and return a new array.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MERGES", "sample_decay"]


def sample_decay(late: np.ndarray, beta: float, ignore_na: bool) -> np.ndarray:
    """Decay that a later segment (without time stamps) applies to what came before:
    ``beta`` to the number of its rows (its observed rows with ``ignore_na``)."""
    steps = late[-2] if ignore_na else late[-2] + late[-1]
    return beta**steps


def _pool(w_early: np.ndarray, late: np.ndarray, w_late: np.ndarray):
    """Total weight and the later segment's share ``r``. Where all weight has
    decayed to 0 (``beta = 0``, or an underflow), the latest mean stands, as in the
    sequential scan: ``r = 1`` if the later segment saw a sample."""
    w = w_early + w_late
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(w > 0, w_late / np.where(w > 0, w, 1.0), (late[-2] > 0) * 1.0)
    return w, r


def _counts(out: np.ndarray, early: np.ndarray, late: np.ndarray) -> np.ndarray:
    out[-2:] = early[-2:] + late[-2:]
    return out


def merge_ewa(early: np.ndarray, late: np.ndarray, decay: np.ndarray) -> np.ndarray:
    out = np.empty_like(early)
    out[0] = decay * early[0] + late[0]
    return _counts(out, early, late)


def merge_mean(early: np.ndarray, late: np.ndarray, decay: np.ndarray) -> np.ndarray:
    out = np.empty_like(early)
    w, r = _pool(decay * early[1], late, late[1])
    out[0] = early[0] + r * (late[0] - early[0])
    out[0] = np.where(r == 1.0, late[0], out[0])
    out[1] = w
    return _counts(out, early, late)


def _spread(c_e, c_l, r, dx, dy):
    return (1.0 - r) * c_e + r * c_l + r * (1.0 - r) * dx * dy


def merge_var(early: np.ndarray, late: np.ndarray, decay: np.ndarray) -> np.ndarray:
    out = np.empty_like(early)
    we = decay * early[2]
    w, r = _pool(we, late, late[2])
    delta = late[0] - early[0]
    out[0] = np.where(r == 1.0, late[0], early[0] + r * delta)
    out[1] = _spread(early[1], late[1], r, delta, delta)
    out[2] = w
    out[3] = decay * decay * early[3] + late[3] + 2.0 * we * late[2]
    return _counts(out, early, late)


def merge_cov(early: np.ndarray, late: np.ndarray, decay: np.ndarray) -> np.ndarray:
    out = np.empty_like(early)
    we = decay * early[5]
    w, r = _pool(we, late, late[5])
    dx = late[0] - early[0]
    dy = late[1] - early[1]
    out[0] = np.where(r == 1.0, late[0], early[0] + r * dx)
    out[1] = np.where(r == 1.0, late[1], early[1] + r * dy)
    out[2] = _spread(early[2], late[2], r, dx, dx)
    out[3] = _spread(early[3], late[3], r, dy, dy)
    out[4] = _spread(early[4], late[4], r, dx, dy)
    out[5] = w
    out[6] = decay * decay * early[6] + late[6] + 2.0 * we * late[5]
    return _counts(out, early, late)


MERGES = {"ewa": merge_ewa, "mean": merge_mean, "var": merge_var, "cov": merge_cov}
