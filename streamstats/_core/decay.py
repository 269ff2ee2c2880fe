"""The decay parameter: one of beta, alpha, span, com or halflife, resolved once.

``beta`` is the weight on the past (the lecture's beta); pandas' ``alpha`` is the
weight on the new value, ``alpha = 1 - beta``. A ``halflife`` that is a duration
("5min", ``pd.Timedelta``) makes the decay follow time stamps instead of sample
counts.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Decay", "resolve_decay", "is_duration", "check_number", "effective_window",
           "beta_from_window"]

_NAMES = ("beta", "alpha", "span", "com", "halflife")


@dataclass(frozen=True)
class Decay:
    """A resolved decay.

    ``beta``/``alpha`` are the per-sample weights (``None`` when the halflife is a
    duration); ``halflife_seconds`` is set when the halflife may measure time.
    ``spec`` keeps the parameter as the user gave it, for ``repr`` and ``to_dict``.
    """

    beta: float | None
    alpha: float | None
    halflife_seconds: float | None
    spec: tuple[str, object]

    @property
    def needs_times(self) -> bool:
        """A duration halflife: the decay is defined by elapsed time only."""
        return self.beta is None

    @property
    def keywords(self) -> dict[str, Any]:
        """The decay as the one keyword a constructor takes (``{"span": 19.0}``);
        resolving it again gives this same decay."""
        return dict([self.spec])


def is_duration(value: object) -> bool:
    """Whether a halflife is given as a duration (a string, Timedelta, timedelta)."""
    return isinstance(value, str | pd.Timedelta | np.timedelta64 | _dt.timedelta)


def check_number(name: str, value: object) -> float:
    """A finite real number (not a bool), as float; the error names ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def resolve_decay(
    beta: float | None = None,
    alpha: float | None = None,
    span: float | None = None,
    com: float | None = None,
    halflife: float | str | pd.Timedelta | None = None,
) -> Decay:
    """Resolve exactly one decay parameter into ``beta`` and ``alpha = 1 - beta``.

    Conversions (pandas' conventions): ``beta = com / (1 + com)``,
    ``alpha = 2 / (span + 1)``, ``beta = 0.5 ** (1 / halflife)``.

    Examples
    --------
    >>> resolve_decay(span=19).beta
    0.9
    >>> resolve_decay(halflife="5min").halflife_seconds
    300.0
    """
    given = [(n, v) for n, v in zip(_NAMES, (beta, alpha, span, com, halflife)) if v is not None]
    if len(given) != 1:
        got = ", ".join(n for n, _ in given) or "none"
        raise ValueError(f"give exactly one of beta, alpha, span, com, halflife (got {got})")
    name, value = given[0]
    if name == "halflife" and is_duration(value):
        try:
            seconds = pd.Timedelta(value).total_seconds()
        except (ValueError, TypeError) as exc:
            raise ValueError(f"halflife={value!r} is not a duration pandas can parse") from exc
        if not seconds > 0:
            raise ValueError(f"halflife must be a positive duration, got {value!r}")
        return Decay(None, None, seconds, (name, str(pd.Timedelta(value))))
    v = check_number(name, value)
    halflife_seconds = None
    if name == "beta":
        if not 0.0 <= v < 1.0:
            raise ValueError(f"beta must be in [0, 1), got {v!r}")
        a = 1.0 - v
    elif name == "alpha":
        if not 0.0 < v <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {v!r}")
        a = v
    elif name == "span":
        if not v >= 1.0:
            raise ValueError(f"span must be >= 1, got {v!r}")
        a = 2.0 / (v + 1.0)
    elif name == "com":
        if not v >= 0.0:
            raise ValueError(f"com must be >= 0, got {v!r}")
        a = 1.0 / (1.0 + v)
    else:
        if not v > 0.0:
            raise ValueError(f"halflife must be > 0, got {v!r}")
        a = -math.expm1(math.log(0.5) / v)
        halflife_seconds = v
    return Decay(1.0 - a, a, halflife_seconds, (name, v))


def effective_window(beta: float) -> float:
    """Number of samples an EWA with weight ``beta`` on the past roughly averages over.

    .. math:: n = \\frac{1}{1 - \\beta}

    The lecture's rule of thumb: ``beta ** (1 / (1 - beta))`` is about ``1/e``, so
    samples older than ``1/(1-beta)`` steps weigh less than a third.

    Examples
    --------
    >>> effective_window(0.9), effective_window(0.98), effective_window(0.5)
    (10.0, 50.0, 2.0)
    """
    b = resolve_decay(beta=beta).beta
    assert b is not None  # a beta is never a duration
    return 1.0 / (1.0 - b)


def beta_from_window(window: float) -> float:
    """The ``beta`` whose EWA averages over about ``window`` samples, the inverse of
    :func:`effective_window`.

    .. math:: \\beta = 1 - \\frac{1}{n}

    Examples
    --------
    >>> beta_from_window(10)
    0.9
    >>> beta_from_window(50)
    0.98
    """
    n = check_number("window", window)
    if not n >= 1.0:
        raise ValueError(f"window must be >= 1, got {window!r}")
    return 1.0 - 1.0 / n
