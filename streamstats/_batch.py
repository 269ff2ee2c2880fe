"""numpy-level batch functions: a series (or the columns of an array) in one call,
with scipy's ``lfilter(..., zi) -> (y, zf)`` contract for continuing from a state."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._accumulator import Accumulator, as_data
from ._accumulators import (
    EWA,
    BiasCorrectedEWA,
    EWCorr,
    EWCov,
    EWSecondMoment,
    EWStd,
    EWVar,
)

__all__ = ["ewa", "ew_second_moment", "ewvar", "ewstd", "ewcov", "ewcorr"]


def _apply(
    acc: Accumulator, data: list[Any], axis: int, times: Any, state: Any, return_state: bool
) -> Any:
    arrays = [as_data(x, name) for x, name in zip(data, ("x", "y"))]
    if arrays[0].ndim == 0:
        raise ValueError("x must be at least 1-D (a series, or an array of series)")
    moved = [np.moveaxis(a, axis, 0) for a in arrays]
    if state is not None:
        acc._load_state(state)
    y = acc._run(moved, times, write=True, blocked=True)
    y = np.moveaxis(y, 0, axis)
    return (y, acc.state) if return_state else y


_DOC = """
    Parameters
    ----------
    {data}
    beta, alpha, span, com, halflife : float or duration
        The decay, exactly one (see :class:`streamstats.EWA`).
    axis : int
        The time axis; the other axes hold independent series (columns).
    ignore_na : bool
        pandas' rule for NaN: False decays the past on missing rows too.
    min_periods : int
        Values are NaN until this many samples were observed.
    times : array of datetimes or float seconds, optional
        One stamp per row; with ``halflife`` (a duration or seconds) the past
        decays by ``0.5 ** (dt / halflife)``. Stamps must not go backwards.
    state : NamedTuple, optional
        The state returned by an earlier call (``return_state=True``): the series
        continues from it exactly.
    return_state : bool
        Also return the state after the last row, as ``(y, state)``.

    Returns
    -------
    y : ndarray of float64, the shape of ``x``
    state : NamedTuple, when ``return_state``
"""


def _doc(data: str):
    def wrap(fn):
        fn.__doc__ = fn.__doc__.replace("{params}", _DOC.replace("{data}", data))
        return fn

    return wrap


_X = "x : array_like\n        Samples, numeric (computed in float64); NaN is missing."
_XY = (
    "x, y : array_like\n        Paired samples of the same shape; a pair is missing when "
    "either value is NaN."
)


@_doc(_X)
def ewa(
    x: Any,
    beta: float | None = None,
    *,
    alpha: float | None = None,
    span: float | None = None,
    com: float | None = None,
    halflife: Any = None,
    bias_correction: bool = False,
    init: str = "zero",
    axis: int = 0,
    ignore_na: bool = False,
    min_periods: int = 0,
    times: Any = None,
    state: Any = None,
    return_state: bool = False,
) -> Any:
    """Exponentially weighted average of a series, or of each column.

    .. math:: v_t = \\beta v_{t-1} + (1 - \\beta) x_t, \\quad v_0 = 0

    ``bias_correction=True`` gives ``v_t / (1 - beta**t)`` (pandas'
    ``ewm(adjust=True).mean()``, NaN rules included); ``init="first"`` seeds with the
    first sample (pandas' ``adjust=False``).
    {params}
    Examples
    --------
    >>> import numpy as np
    >>> from streamstats import ewa
    >>> ewa([1.0, 3.0, 5.0], beta=0.5)
    array([0.5  , 1.75 , 3.375])
    >>> ewa([1.0, 3.0, 5.0], beta=0.5, bias_correction=True)
    array([1.        , 2.33333333, 3.85714286])

    Continuing from a state equals one call on the whole series:

    >>> y1, s = ewa([1.0, 3.0], beta=0.5, return_state=True)
    >>> ewa([5.0], beta=0.5, state=s)
    array([3.375])
    """
    decay = dict(alpha=alpha, span=span, com=com, halflife=halflife)
    opts = dict(ignore_na=ignore_na, min_periods=min_periods)
    if bias_correction:
        if init != "zero":
            raise ValueError("bias_correction=True already fixes the start; leave init='zero'")
        acc: Accumulator = BiasCorrectedEWA(beta, **decay, **opts)
    else:
        acc = EWA(beta, init=init, **decay, **opts)
    return _apply(acc, [x], axis, times, state, return_state)


@_doc(_X)
def ew_second_moment(
    x: Any,
    beta: float | None = None,
    *,
    alpha: float | None = None,
    span: float | None = None,
    com: float | None = None,
    halflife: Any = None,
    bias_correction: bool = False,
    axis: int = 0,
    ignore_na: bool = False,
    min_periods: int = 0,
    times: Any = None,
    state: Any = None,
    return_state: bool = False,
) -> Any:
    """EW second moment ``s_t = beta s_{t-1} + (1 - beta) x_t**2`` of each series.

    .. math:: s_t = \\beta s_{t-1} + (1 - \\beta) x_t^2

    With ``bias_correction=True``: ``s_t / (1 - beta**t)``.
    {params}
    Examples
    --------
    >>> from streamstats import ew_second_moment
    >>> ew_second_moment([1.0, -1.0, 2.0], beta=0.5)
    array([0.5  , 0.75 , 2.375])
    """
    acc = EWSecondMoment(beta, alpha=alpha, span=span, com=com, halflife=halflife,
                         bias_correction=bias_correction, ignore_na=ignore_na,
                         min_periods=min_periods)
    return _apply(acc, [x], axis, times, state, return_state)


def _spread_fn(cls, n_inputs):
    def fn(
        *data: Any,
        beta: float | None = None,
        alpha: float | None = None,
        span: float | None = None,
        com: float | None = None,
        halflife: Any = None,
        bias: bool = False,
        adjust: bool = True,
        axis: int = 0,
        ignore_na: bool = False,
        min_periods: int = 0,
        times: Any = None,
        state: Any = None,
        return_state: bool = False,
    ) -> Any:
        decay = dict(alpha=alpha, span=span, com=com, halflife=halflife)
        data, pos = list(data[:n_inputs]), data[n_inputs:]
        if len(data) < n_inputs or len(pos) > 1:
            raise TypeError(f"{fn.__name__} takes {n_inputs} array(s) and beta")
        if pos:
            beta = pos[0] if beta is None else _both(beta)
        extra = {} if cls is EWCorr else {"bias": bias}
        acc = cls(beta, **decay, adjust=adjust, ignore_na=ignore_na,
                  min_periods=min_periods, **extra)
        return _apply(acc, data, axis, times, state, return_state)

    return fn


def _both(beta: Any) -> None:
    raise TypeError(f"beta given twice (positionally and as beta={beta!r})")


def _make(name: str, cls: type, n_inputs: int, title: str, formula: str, example: str):
    fn = _spread_fn(cls, n_inputs)
    fn.__name__ = fn.__qualname__ = name
    sig = "x, y" if n_inputs == 2 else "x"
    fn.__doc__ = (
        f"{title}\n\n    .. math:: {formula}\n\n    Called as ``{name}({sig}, beta, ...)``; "
        "``bias=True`` gives the biased estimate, ``adjust=False`` pandas' seeded form.\n"
        + _DOC.replace("{data}", _XY if n_inputs == 2 else _X)
        + "\n    Examples\n    --------\n"
        + example
    )
    return fn


ewvar = _make(
    "ewvar", EWVar, 1, "EW variance of each series (pandas' ``ewm().var(bias=)``).",
    "\\sigma^2 = (1 - r)(\\sigma^2 + r (x - \\mu)^2)",
    "    >>> from streamstats import ewvar\n"
    "    >>> ewvar([1.0, 3.0, 5.0], 0.5)\n    array([       nan, 2.        , 3.71428571])\n",
)
ewstd = _make(
    "ewstd", EWStd, 1, "EW standard deviation of each series (pandas' ``ewm().std()``).",
    "\\sigma = \\sqrt{\\sigma^2}",
    "    >>> from streamstats import ewstd\n"
    "    >>> ewstd([1.0, 3.0, 5.0], 0.5)\n    array([       nan, 1.41421356, 1.92724822])\n",
)
ewcov = _make(
    "ewcov", EWCov, 2, "EW covariance of paired series (pandas' ``ewm().cov(other)``).",
    "c = (1 - r)(c + r (x - \\mu_x)(y - \\mu_y))",
    "    >>> from streamstats import ewcov\n"
    "    >>> ewcov([1.0, 2.0, 4.0, 3.0], [2.0, 3.0, 7.0, 5.0], 0.5)\n"
    "    array([       nan, 0.5       , 4.5       , 1.92857143])\n",
)
ewcorr = _make(
    "ewcorr", EWCorr, 2, "EW correlation of paired series (pandas' ``ewm().corr(other)``).",
    "\\rho = c_{xy} / \\sqrt{c_{xx} c_{yy}}",
    "    >>> from streamstats import ewcorr\n"
    "    >>> ewcorr([1.0, 2.0, 4.0, 3.0], [2.0, 3.0, 7.0, 5.0], 0.5).round(4)\n"
    "    array([   nan, 1.    , 0.993 , 0.9919])\n",
)
