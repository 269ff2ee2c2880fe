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

from typing import Any

import numpy as np

from .states import CovState, EWAState, MeanState, VarState

__all__ = ["merge_ewa", "merge_mean", "merge_var", "merge_cov", "sample_decay"]


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


def _rows(state: Any, *names: str) -> tuple[int, ...]:
    return tuple(state._fields.index(n) for n in names)


def merge_ewa(early: np.ndarray, late: np.ndarray, decay: np.ndarray) -> np.ndarray:
    (v,) = _rows(EWAState, "v")
    out = np.empty_like(early)
    out[v] = decay * early[v] + late[v]
    return _counts(out, early, late)


def merge_mean(early: np.ndarray, late: np.ndarray, decay: np.ndarray) -> np.ndarray:
    mean, weight = _rows(MeanState, "mean", "weight")
    out = np.empty_like(early)
    w, r = _pool(decay * early[weight], late, late[weight])
    out[mean] = early[mean] + r * (late[mean] - early[mean])
    out[mean] = np.where(r == 1.0, late[mean], out[mean])
    out[weight] = w
    return _counts(out, early, late)


def _spread(c_e, c_l, r, dx, dy):
    return (1.0 - r) * c_e + r * c_l + r * (1.0 - r) * dx * dy


def merge_var(early: np.ndarray, late: np.ndarray, decay: np.ndarray) -> np.ndarray:
    mean, var, weight, dd = _rows(VarState, "mean", "var", "weight", "s1sq_minus_s2")
    out = np.empty_like(early)
    we = decay * early[weight]
    w, r = _pool(we, late, late[weight])
    delta = late[mean] - early[mean]
    out[mean] = np.where(r == 1.0, late[mean], early[mean] + r * delta)
    out[var] = _spread(early[var], late[var], r, delta, delta)
    out[weight] = w
    out[dd] = decay * decay * early[dd] + late[dd] + 2.0 * we * late[weight]
    return _counts(out, early, late)


def merge_cov(early: np.ndarray, late: np.ndarray, decay: np.ndarray) -> np.ndarray:
    mx, my, vx, vy, cov, weight, dd = _rows(
        CovState, "mean_x", "mean_y", "var_x", "var_y", "cov", "weight", "s1sq_minus_s2")
    out = np.empty_like(early)
    we = decay * early[weight]
    w, r = _pool(we, late, late[weight])
    dx = late[mx] - early[mx]
    dy = late[my] - early[my]
    out[mx] = np.where(r == 1.0, late[mx], early[mx] + r * dx)
    out[my] = np.where(r == 1.0, late[my], early[my] + r * dy)
    out[vx] = _spread(early[vx], late[vx], r, dx, dx)
    out[vy] = _spread(early[vy], late[vy], r, dy, dy)
    out[cov] = _spread(early[cov], late[cov], r, dx, dy)
    out[weight] = w
    out[dd] = decay * decay * early[dd] + late[dd] + 2.0 * we * late[weight]
    return _counts(out, early, late)


