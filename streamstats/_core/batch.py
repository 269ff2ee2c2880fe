"""numpy-level batch functions: a series (or the columns of an array) in one call,
with scipy's ``lfilter(..., zi) -> (y, zf)`` contract for continuing from a state."""

from __future__ import annotations

from typing import Any

import numpy as np

from .accumulator import Accumulator, as_data
from .accumulators import (
    EWA,
    BiasCorrectedEWA,
    EWCorr,
    EWCov,
    EWSecondMoment,
    EWStd,
    EWVar,
)
from .docs import doc

__all__ = ["ewa", "ew_second_moment", "ewvar", "ewstd", "ewcov", "ewcorr", "apply_accumulator"]


def apply_accumulator(
    acc: Accumulator, data: list[Any], axis: int, times: Any, state: Any, return_state: bool
) -> Any:
    """What the batch functions do with a fresh accumulator ``acc``: continue from
    ``state`` if given, scan ``data`` along ``axis`` (blocks in parallel on long
    columns), return the values (and the final state)."""
    arrays = [as_data(x, name) for x, name in zip(data, ("x", "y"))]
    if arrays[0].ndim == 0:
        raise ValueError("x must be at least 1-D (a series, or an array of series)")
    moved = [np.moveaxis(a, axis, 0) for a in arrays]
    if state is not None:
        acc = type(acc).from_state(state, **acc.params)
    y = acc.update_many(*moved, times=times, parallel=True)
    y = np.moveaxis(y, 0, axis)
    return (y, acc.state) if return_state else y


_PARAMS = """\
{data}
{decay}
axis : int
    The time axis; the other axes hold independent series (columns).
{ignore_na}
{min_periods}
times : array of datetimes or float seconds, optional
    One stamp per row; with ``halflife`` (a duration or seconds) the past decays by
    ``0.5 ** (dt / halflife)``. Stamps must not go backwards.
state : NamedTuple, optional
    The state returned by an earlier call (``return_state=True``): the series
    continues from it exactly.
return_state : bool
    Also return the state after the last row, as ``(y, state)``."""

_RETURNS = """\
y : ndarray of float64, the shape of ``x``
state : NamedTuple, when ``return_state``"""


def _params(data: str):
    """The batch functions' parameters and returns, their data parameters first."""
    return doc(params=_PARAMS, returns=_RETURNS, data=data)


_X = "x : array_like\n    Samples, numeric (computed in float64); NaN is missing."
_XY = ("x, y : array_like\n    Paired samples of the same shape; a pair is missing when either "
       "value is NaN.")


@_params(_X)
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

    Parameters
    ----------
    {params}

    Returns
    -------
    {returns}

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
    opts: dict[str, Any] = dict(ignore_na=ignore_na, min_periods=min_periods)
    if bias_correction:
        if init != "zero":
            raise ValueError("bias_correction=True already fixes the start; leave init='zero'")
        acc: Accumulator = BiasCorrectedEWA(beta, **decay, **opts)
    else:
        acc = EWA(beta, init=init, **decay, **opts)
    return apply_accumulator(acc, [x], axis, times, state, return_state)


@_params(_X)
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

    Parameters
    ----------
    {params}

    Returns
    -------
    {returns}

    Examples
    --------
    >>> from streamstats import ew_second_moment
    >>> ew_second_moment([1.0, -1.0, 2.0], beta=0.5)
    array([0.5  , 0.75 , 2.375])
    """
    acc = EWSecondMoment(beta, alpha=alpha, span=span, com=com, halflife=halflife,
                         bias_correction=bias_correction, ignore_na=ignore_na,
                         min_periods=min_periods)
    return apply_accumulator(acc, [x], axis, times, state, return_state)


def _spread(cls: type, data: list[Any], beta: Any, axis: int, times: Any, state: Any,
            return_state: bool, **params: Any) -> Any:
    return apply_accumulator(cls(beta, **params), data, axis, times, state, return_state)


_SPREAD = "\n{bias}\n{adjust}"


@_params(_X + _SPREAD)
def ewvar(x: Any, beta: float | None = None, *, bias: bool = False, adjust: bool = True,
          axis: int = 0, times: Any = None, state: Any = None, return_state: bool = False,
          **options: Any) -> Any:
    """EW variance of each series (pandas' ``ewm().var(bias=)``).

    .. math:: \\sigma^2 = \\frac{w_{old}}{w_{new}} (\\sigma^2 + r (x - \\mu)^2)

    Parameters
    ----------
    {params}

    Returns
    -------
    {returns}

    Examples
    --------
    >>> from streamstats import ewvar
    >>> ewvar([1.0, 3.0, 5.0], 0.5)
    array([       nan, 2.        , 3.71428571])
    """
    return _spread(EWVar, [x], beta, axis, times, state, return_state, bias=bias,
                   adjust=adjust, **options)


@_params(_X + _SPREAD)
def ewstd(x: Any, beta: float | None = None, *, bias: bool = False, adjust: bool = True,
          axis: int = 0, times: Any = None, state: Any = None, return_state: bool = False,
          **options: Any) -> Any:
    """EW standard deviation of each series (pandas' ``ewm().std(bias=)``).

    .. math:: \\sigma = \\sqrt{\\sigma^2}

    Parameters
    ----------
    {params}

    Returns
    -------
    {returns}

    Examples
    --------
    >>> from streamstats import ewstd
    >>> ewstd([1.0, 3.0, 5.0], 0.5)
    array([       nan, 1.41421356, 1.92724822])
    """
    return _spread(EWStd, [x], beta, axis, times, state, return_state, bias=bias,
                   adjust=adjust, **options)


@_params(_XY + _SPREAD)
def ewcov(x: Any, y: Any, beta: float | None = None, *, bias: bool = False,
          adjust: bool = True, axis: int = 0, times: Any = None, state: Any = None,
          return_state: bool = False, **options: Any) -> Any:
    """EW covariance of paired series (pandas' ``ewm().cov(other, bias=)``).

    .. math:: c = \\frac{w_{old}}{w_{new}} (c + r (x - \\mu_x)(y - \\mu_y))

    Parameters
    ----------
    {params}

    Returns
    -------
    {returns}

    Examples
    --------
    >>> from streamstats import ewcov
    >>> ewcov([1.0, 2.0, 4.0, 3.0], [2.0, 3.0, 7.0, 5.0], 0.5)
    array([       nan, 0.5       , 4.5       , 1.92857143])
    """
    return _spread(EWCov, [x, y], beta, axis, times, state, return_state, bias=bias,
                   adjust=adjust, **options)


@_params(_XY + "\n{adjust}")
def ewcorr(x: Any, y: Any, beta: float | None = None, *, adjust: bool = True, axis: int = 0,
           times: Any = None, state: Any = None, return_state: bool = False,
           **options: Any) -> Any:
    """EW correlation of paired series (pandas' ``ewm().corr(other)``).

    .. math:: \\rho = c_{xy} / \\sqrt{c_{xx} c_{yy}}

    Parameters
    ----------
    {params}

    Returns
    -------
    {returns}

    Examples
    --------
    >>> from streamstats import ewcorr
    >>> ewcorr([1.0, 2.0, 4.0, 3.0], [2.0, 3.0, 7.0, 5.0], 0.5).round(4)
    array([   nan, 1.    , 0.993 , 0.9919])
    """
    return _spread(EWCorr, [x, y], beta, axis, times, state, return_state, adjust=adjust,
                   **options)
