"""One-sample update rules, written once.

These are plain Python functions of floats (no Numba here: importing the package does
not start it). ``_core.kernels`` compiles them with Numba (``inline="always"``) into
the array scans, and ``kernels.cgen`` translates them to C for one sample at a time
and the keyed scans, so every path runs the very same IEEE operations in the same
order: ``update_many`` equals a loop of ``update`` bit for bit.

Each step takes the decay ``d`` of the past for this row and the weight ``a`` of the
new sample. With ``adjust=True`` (pandas' default, the bias-corrected form) the
weights add up; with ``adjust=False`` (the seeded form) the total weight is
renormalised to 1 after each sample, as pandas does.

The spread recursions follow West (1979) as pandas' ``ewmcov`` does: with
``r = a / w_new`` and ``delta = x - mean``::

    mean += r * delta
    var   = (w_old / w_new) * (var + r * delta**2)

which is never negative and leaves a constant series at variance exactly 0. For the
unbiased factor ``S1**2 / (S1**2 - S2)`` the difference ``D = S1**2 - S2`` is
tracked directly (``D += 2 a S1`` on a sample, ``D *= d**2`` on decay), so it never
cancels, not even after a long gap.
"""

from __future__ import annotations

import math

__all__ = [
    "ewa_step",
    "mean_step",
    "var_step",
    "cov_step",
    "var_value",
    "corr_value",
]


def ewa_step(v: float, x: float, d: float, a: float, adjust: bool):
    """The lecture's recursion ``v = beta * v + (1 - beta) * x`` (zero start)."""
    return (d * v + a * x,)


def mean_step(m: float, w: float, x: float, d: float, a: float, adjust: bool):
    """Weighted mean ``m`` with total weight ``w``: returns ``(m, w)``."""
    w = d * w
    if w == 0.0:
        return x, (a if adjust else 1.0)
    wn = w + a
    delta = x - m
    if delta - delta == 0.0:
        m = m + (a / wn) * delta
    else:  # x - m overflowed (two finite values near +-DBL_MAX): weigh them apart
        m = (w / wn) * m + (a / wn) * x
    return m, (wn if adjust else 1.0)


def var_step(m: float, c: float, w: float, dd: float, x: float, d: float, a: float, adjust: bool):
    """Weighted mean, biased variance, weight and ``D = S1**2 - S2``."""
    w = d * w
    dd = d * d * dd
    if w == 0.0:
        return x, 0.0, (a if adjust else 1.0), 0.0
    wn = w + a
    inv = 1.0 / wn
    r = a * inv
    delta = x - m
    m = m + r * delta
    # (1 - r) as w / wn: exact even when the past weighs next to nothing
    c = (w * inv) * (c + r * delta * delta)
    dd = dd + 2.0 * a * w
    if not adjust:
        dd = dd / (wn * wn)
        wn = 1.0
    return m, c, wn, dd


def cov_step(
    mx: float,
    my: float,
    cxx: float,
    cyy: float,
    cxy: float,
    w: float,
    dd: float,
    x: float,
    y: float,
    d: float,
    a: float,
    adjust: bool,
):
    """The bivariate form of :func:`var_step`: both means, both variances, the
    covariance, the weight and ``D``."""
    w = d * w
    dd = d * d * dd
    if w == 0.0:
        return x, y, 0.0, 0.0, 0.0, (a if adjust else 1.0), 0.0
    wn = w + a
    inv = 1.0 / wn
    r = a * inv
    dx = x - mx
    dy = y - my
    mx = mx + r * dx
    my = my + r * dy
    s = w * inv
    cxx = s * (cxx + r * dx * dx)
    cyy = s * (cyy + r * dy * dy)
    cxy = s * (cxy + r * dx * dy)
    dd = dd + 2.0 * a * w
    if not adjust:
        dd = dd / (wn * wn)
        wn = 1.0
    return mx, my, cxx, cyy, cxy, wn, dd


def ewa_decay(v: float, d: float):
    """A missing row lets the zero-start ``v`` decay."""
    return (d * v,)


def mean_decay(m: float, w: float, d: float):
    """A missing row lets the weight decay; the mean stays."""
    return m, d * w


def var_decay(m: float, c: float, w: float, dd: float, d: float):
    return m, c, d * w, d * d * dd


def cov_decay(mx, my, cxx, cyy, cxy, w, dd, d):
    return mx, my, cxx, cyy, cxy, d * w, d * d * dd


def ewa_value(v: float, kind: int) -> float:
    return v


def mean_value(m: float, w: float, kind: int) -> float:
    return m


def var_value_of(m: float, c: float, w: float, dd: float, kind: int) -> float:
    """``kind``: 0 unbiased variance, 1 biased, 2 unbiased std, 3 biased std."""
    v = var_value(c, w, dd, kind == 1 or kind == 3)
    return math.sqrt(v) if kind >= 2 else v


def cov_value_of(mx, my, cxx, cyy, cxy, w, dd, kind: int) -> float:
    """``kind``: 0 unbiased covariance, 1 biased, 2 correlation."""
    if kind == 2:
        return corr_value(cxx, cyy, cxy)
    return var_value(cxy, w, dd, kind == 1)


def var_value(c: float, w: float, dd: float, bias: bool) -> float:
    """Biased variance, or unbiased with pandas' factor ``S1**2 / (S1**2 - S2)``."""
    if bias:
        return c
    if dd > 0.0:
        return (w * w / dd) * c
    return math.nan


def corr_value(cxx: float, cyy: float, cxy: float) -> float:
    """Correlation from the biased moments (the bias factor cancels); NaN where a
    variance is 0, as pandas gives."""
    p = cxx * cyy
    if p > 0.0:
        return cxy / math.sqrt(p)
    return math.nan
