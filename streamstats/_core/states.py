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
    observed and missing samples, and the first and last time stamps (or None).

    Examples
    --------
    >>> from streamstats import EWA
    >>> ewa = EWA(beta=0.5)
    >>> _ = ewa.update_many([1.0, 3.0])
    >>> ewa.state                       # v = 0.5 * (0.5 * 1) + 0.5 * 3
    EWAState(v=1.75, count=2.0, missing=0.0, t_first=None, t_last=None)
    """

    v: Number
    count: Number  # type: ignore[assignment]  # (the field shadows tuple.count)
    missing: Number
    t_first: Stamp
    t_last: Stamp


class MeanState(NamedTuple):
    """State of a weighted mean: ``mean`` and its total ``weight`` (the lecture's
    ``v_t`` is ``mean * weight``, its normaliser ``1 - beta**t`` is ``weight``).

    Examples
    --------
    >>> from streamstats import BiasCorrectedEWA
    >>> mean = BiasCorrectedEWA(beta=0.5)
    >>> _ = mean.update_many([1.0, 3.0])
    >>> mean.state.mean, mean.state.weight    # weight = 1 - 0.5**2; mean * weight = v_t
    (2.333333333333333, 0.75)
    """

    mean: Number
    weight: Number
    count: Number  # type: ignore[assignment]  # (the field shadows tuple.count)
    missing: Number
    t_first: Stamp
    t_last: Stamp


class VarState(NamedTuple):
    """State of a weighted variance: mean, biased variance, weight and
    ``s1sq_minus_s2`` (``S1**2 - S2``, the denominator of the unbiased factor).

    Examples
    --------
    >>> from streamstats import EWVar
    >>> var = EWVar(beta=0.5)
    >>> _ = var.update_many([1.0, 3.0])
    >>> var.state.var, var.value        # biased, then unbiased: * S1**2 / (S1**2 - S2)
    (0.8888888888888888, 2.0)
    """

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
    the biased covariance, the weight and ``S1**2 - S2``.

    Examples
    --------
    >>> from streamstats import EWCov
    >>> cov = EWCov(beta=0.5)
    >>> _ = cov.update_many([1.0, 3.0], [2.0, 5.0])
    >>> round(cov.state.cov, 6), round(cov.state.var_x, 6), round(cov.state.var_y, 6)
    (1.333333, 0.888889, 2.0)
    """

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
