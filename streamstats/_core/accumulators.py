"""The public accumulators: thin configurations of the four state families."""

from __future__ import annotations

from typing import Any

import numpy as np

from .accumulator import Accumulator, stepped
from .docs import doc
from .states import CovState, EWAState, MeanState, VarState

__all__ = [
    "EWA",
    "BiasCorrectedEWA",
    "EWSecondMoment",
    "EWVar",
    "EWStd",
    "EWCov",
    "EWCorr",
    "EWAState",
    "MeanState",
    "VarState",
    "CovState",
]

@doc()
class EWA(Accumulator):
    """The exponentially weighted average of the lecture.

    .. math:: v_0 = 0, \\qquad v_t = \\beta v_{t-1} + (1 - \\beta) x_t

    With ``init="first"`` the recursion is seeded with the first sample,
    ``v_1 = x_1`` (pandas' ``ewm(adjust=False).mean()``, NaN rules included).

    Parameters
    ----------
    {decay}
    {ignore_na}
    {min_periods}
    init : {"zero", "first"}
        ``"zero"`` (the lecture's form, also Adam's raw first moment) or ``"first"``.
        The zero start counts samples, so it takes no time stamps.
    {methods}

    Examples
    --------
    >>> from streamstats import EWA
    >>> ewa = EWA(beta=0.5)
    >>> for x in [1.0, 3.0, 5.0]:
    ...     ewa.update(x)
    ...     print(ewa.value)
    0.5
    1.75
    3.375
    >>> EWA(beta=0.5, init="first").update_many([1.0, 3.0, 5.0])
    array([1. , 2. , 3.5])
    """

    def __init__(self, beta: float | None = None, *, init: str = "zero", **kwargs: Any) -> None:
        if init not in ("zero", "first"):
            raise ValueError(f"init must be 'zero' or 'first', got {init!r}")
        self._init = init
        if init == "zero":
            self._family, self._supports_times = "ewa", False
        else:
            self._family, self._adjust = "mean", False
        super().__init__(beta, **kwargs)

    def _extra_params(self) -> dict[str, Any]:
        return {"init": self._init}

    def _no_times_message(self) -> str:
        return (
            "EWA(init='zero') counts samples from a zero start and takes no time stamps; "
            "use BiasCorrectedEWA or init='first' with times"
        )


@doc()
class BiasCorrectedEWA(Accumulator):
    """The bias-corrected EWA, kept as a weighted mean and its normaliser.

    .. math:: \\hat v_t = \\frac{v_t}{w_t}, \\quad
              w_t = \\beta w_{t-1} + (1-\\beta)[x_t \\text{ present}]

    Without missing values ``w_t = 1 - beta**t``, so this is the lecture's
    ``v_t / (1 - beta**t)``; with them it is pandas' ``ewm(adjust=True).mean()``.
    The state holds the mean itself (``mean += (a/w) (x - mean)``), never
    ``beta**t``: a constant series gives exactly the constant.

    Parameters
    ----------
    {decay}
    {ignore_na}
    {min_periods}
    {methods}

    Examples
    --------
    The lecture's numbers (beta = 0.98, two samples):

    >>> from streamstats import BiasCorrectedEWA
    >>> acc = BiasCorrectedEWA(beta=0.98)
    >>> acc.update_many([10.0, 20.0])
    array([10.        , 15.05050505])
    >>> round((0.0196 * 10 + 0.02 * 20) / 0.0396, 8)
    15.05050505
    """

    _family = "mean"


@doc()
class EWSecondMoment(Accumulator):
    """The EW second moment of RMSprop and Adam.

    .. math:: s_0 = 0, \\qquad s_t = \\beta s_{t-1} + (1 - \\beta) x_t^2

    With ``bias_correction=True`` the value is ``s_t / (1 - beta**t)`` (kept as a
    weighted mean of ``x**2``, as :class:`BiasCorrectedEWA` does).

    Parameters
    ----------
    {decay}
    {ignore_na}
    {min_periods}
    bias_correction : bool
        Divide by the normaliser (Adam's ``S_corrected``).
    {methods}

    Examples
    --------
    >>> from streamstats import EWSecondMoment
    >>> EWSecondMoment(beta=0.9).update_many([2.0, 2.0])
    array([0.4 , 0.76])
    >>> EWSecondMoment(beta=0.9, bias_correction=True).update_many([2.0, 2.0])
    array([4., 4.])
    """

    _kind = 1  # square the input

    def __init__(
        self, beta: float | None = None, *, bias_correction: bool = False, **kwargs: Any
    ) -> None:
        self._bias_correction = bool(bias_correction)
        if self._bias_correction:
            self._family = "mean"
        else:
            self._family, self._supports_times = "ewa", False
        super().__init__(beta, **kwargs)

    def _extra_params(self) -> dict[str, Any]:
        return {"bias_correction": self._bias_correction}

    def _no_times_message(self) -> str:
        return "EWSecondMoment without bias correction takes no time stamps"


class _Spread(Accumulator):
    """Shared options of the variance-type accumulators."""

    _std = False

    def __init__(
        self, beta: float | None = None, *, bias: bool = False, adjust: bool = True, **kwargs: Any
    ) -> None:
        self._bias, self._adjust = bool(bias), bool(adjust)
        self._kind = self._value_kind()
        super().__init__(beta, **kwargs)

    def _value_kind(self) -> int:
        return int(self._bias) + 2 * self._std

    def _extra_params(self) -> dict[str, Any]:
        return {"bias": self._bias, "adjust": self._adjust}


@doc()
class EWVar(_Spread):
    """The EW variance, by West's stable weighted update.

    .. math:: \\mu \\mathrel{+}= r\\,\\delta, \\quad
              \\sigma^2 = (1 - r)(\\sigma^2 + r\\,\\delta^2), \\quad
              r = a / w_t, \\ \\delta = x_t - \\mu

    Never negative; exactly 0 for a constant series; pandas' ``ewm().var(bias=)``.
    With time stamps it decays by elapsed time (pandas and polars cannot).

    Parameters
    ----------
    {decay}
    {ignore_na}
    {min_periods}
    {bias}
    {adjust}
    {methods}

    Examples
    --------
    >>> from streamstats import EWVar
    >>> EWVar(beta=0.5).update_many([1.0, 3.0, 5.0])
    array([       nan, 2.        , 3.71428571])
    >>> EWVar(beta=0.5, bias=True).update_many([1.0, 3.0, 5.0])
    array([0.        , 0.88888889, 2.12244898])
    """

    _family = "var"


@doc()
class EWStd(EWVar):
    """The EW standard deviation, ``sqrt`` of :class:`EWVar`.

    .. math:: \\sigma_t = \\sqrt{\\sigma_t^2}

    Parameters
    ----------
    {decay}
    {ignore_na}
    {min_periods}
    {bias}
    {adjust}
    {methods}

    Examples
    --------
    >>> from streamstats import EWStd
    >>> EWStd(beta=0.5).update_many([1.0, 3.0, 5.0])
    array([       nan, 1.41421356, 1.92724822])
    """

    _std = True


@doc()
class EWCov(_Spread):
    """The EW covariance of two inputs per sample (pandas' ``ewm().cov(other)``).

    .. math:: c = (1 - r)(c + r\\,\\delta_x \\delta_y)

    A pair counts as observed when both values are present.

    Parameters
    ----------
    {decay}
    {ignore_na}
    {min_periods}
    {bias}
    {adjust}
    {methods}

    Examples
    --------
    >>> from streamstats import EWCov
    >>> EWCov(beta=0.5).update_many([1.0, 2.0, 4.0, 3.0], [2.0, 3.0, 7.0, 5.0])
    array([       nan, 0.5       , 4.5       , 1.92857143])
    """

    _family = "cov"
    _n_inputs = 2

    @stepped
    def update(self, x: Any, y: Any, t: Any = None) -> None:  # type: ignore[override]
        """Feed one pair of samples."""
        self._update((x, y), t)

    def update_many(self, xs: Any, ys: Any, times: Any = None,  # type: ignore[override]
                    parallel: bool = False) -> np.ndarray:
        """Feed pairs of sequences; returns the value after each pair (``parallel``:
        as for the other accumulators)."""
        return super().update_many(xs, ys, times=times, parallel=parallel)


@doc()
class EWCorr(EWCov):
    """The EW correlation, ``cov / sqrt(var_x * var_y)`` (pandas' ``ewm().corr``).

    .. math:: \\rho = \\frac{c_{xy}}{\\sqrt{c_{xx} c_{yy}}}

    Parameters
    ----------
    {decay}
    {ignore_na}
    {min_periods}
    adjust : bool
        As for :class:`EWCov`.
    {methods}

    Examples
    --------
    >>> from streamstats import EWCorr
    >>> EWCorr(beta=0.5).update_many([1.0, 2.0, 4.0, 3.0], [2.0, 3.0, 7.0, 5.0]).round(4)
    array([   nan, 1.    , 0.993 , 0.9919])
    """

    def __init__(self, beta: float | None = None, *, adjust: bool = True, **kwargs: Any) -> None:
        super().__init__(beta, adjust=adjust, **kwargs)

    def _value_kind(self) -> int:
        return 2

    def _extra_params(self) -> dict[str, Any]:
        return {"adjust": self._adjust}
