"""The states of the four families: what an accumulator carries from one sample to
the next, as NamedTuples of numbers (or arrays, one entry per series).

The numeric fields come first, in the order of the rows of the kernels' state
arrays; then the rows ``count`` and ``missing``; then the time stamps, kept beside
the array. ``families`` builds its table from these field names.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["EWAState", "MeanState", "VarState", "CovState", "Number", "Stamp"]

Number = float | np.ndarray
Stamp = int | float | None


class EWAState(NamedTuple):
    """State of the zero-start EWA: ``v`` (the lecture's ``v_t``), the number of
    observed and missing samples, and the first and last time stamps (or None)."""

    v: Number
    count: Number  # type: ignore[assignment]  # (the field shadows tuple.count)
    missing: Number
    t_first: Stamp
    t_last: Stamp


class MeanState(NamedTuple):
    """State of a weighted mean: ``mean`` and its total ``weight`` (the lecture's
    ``v_t`` is ``mean * weight``, its normaliser ``1 - beta**t`` is ``weight``)."""

    mean: Number
    weight: Number
    count: Number  # type: ignore[assignment]  # (the field shadows tuple.count)
    missing: Number
    t_first: Stamp
    t_last: Stamp


class VarState(NamedTuple):
    """State of a weighted variance: mean, biased variance, weight and
    ``s1sq_minus_s2`` (``S1**2 - S2``, the denominator of the unbiased factor)."""

    mean: Number
    var: Number
    weight: Number
    s1sq_minus_s2: Number
    count: Number  # type: ignore[assignment]  # (the field shadows tuple.count)
    missing: Number
    t_first: Stamp
    t_last: Stamp


class CovState(NamedTuple):
    """State of a weighted covariance of pairs: both means, both biased variances,
    the biased covariance, the weight and ``S1**2 - S2``."""

    mean_x: Number
    mean_y: Number
    var_x: Number
    var_y: Number
    cov: Number
    weight: Number
    s1sq_minus_s2: Number
    count: Number  # type: ignore[assignment]  # (the field shadows tuple.count)
    missing: Number
    t_first: Stamp
    t_last: Stamp
