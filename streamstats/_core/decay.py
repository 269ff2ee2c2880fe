"""The decay parameter: one of beta, alpha, span, com or halflife, resolved once.

``beta`` is the weight on the past (the lecture's beta); pandas' ``alpha`` is the
weight on the new value, ``alpha = 1 - beta``. A ``halflife`` that is a duration
("5min", ``pd.Timedelta``) makes the decay follow time stamps instead of sample
counts.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
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


#: pandas' spellings of the units of a duration, in nanoseconds
_UNIT_NS = {"ns": 1, "us": 10**3, "ms": 10**6,
            **dict.fromkeys(["s", "sec", "second", "seconds"], 10**9),
            **dict.fromkeys(["m", "min", "minute", "minutes"], 60 * 10**9),
            **dict.fromkeys(["h", "hr", "hour", "hours"], 3600 * 10**9),
            **dict.fromkeys(["D", "day", "days"], 86400 * 10**9), "W": 7 * 86400 * 10**9}
_WHOLE_UNITS = re.compile(r"\s*([0-9]{1,18})\s*([a-zA-Z]+)\s*")
_TIMEDELTA_TEXT = re.compile(r"([0-9]{1,6}) days ([0-9]{2}):([0-9]{2}):([0-9]{2})"
                             r"(?:\.([0-9]{6}|[0-9]{9}))?")
_INT64_MAX = 2**63 - 1


def _duration(value: object) -> tuple[float, str]:
    """A duration's seconds and its text as pandas writes a ``Timedelta``
    ("0 days 00:05:00"). The usual ones are read here: a whole number of one unit
    ("5min", "90 s") and that text itself (a resumed stream's); pandas, which reads
    every other, takes a few tenths of a second to import (a test holds the two to
    the same answers)."""
    ns = _nanoseconds(value) if isinstance(value, str) else None
    if ns is not None and ns <= _INT64_MAX:
        days, rest = divmod(ns, 86400 * 10**9)
        seconds, fraction = divmod(rest, 10**9)
        text = f"{days} days {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        if fraction:  # microseconds, or nanoseconds when there are some
            text += f".{fraction:09d}" if fraction % 1000 else f".{fraction // 1000:06d}"
        return ns / 1e9, text
    import pandas as pd

    try:
        duration = pd.Timedelta(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"halflife={value!r} is not a duration pandas can parse") from exc
    # from the exact nanoseconds (total_seconds() can be an ulp off: 1.469 s is
    # 1.4689999999999999 to it), as the whole numbers above
    return duration.value / 1e9, str(duration)


def _nanoseconds(text: str) -> int | None:
    """The nanoseconds of the durations :func:`_duration` reads itself, else None."""
    match = _WHOLE_UNITS.fullmatch(text)
    if match:
        return int(match[1]) * _UNIT_NS[match[2]] if match[2] in _UNIT_NS else None
    match = _TIMEDELTA_TEXT.fullmatch(text)
    if match:
        days, hours, minutes, seconds = map(int, match.groups()[:4])
        fraction = int((match[5] or "0").ljust(9, "0"))
        return (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 10**9 + fraction
    return None


def is_duration(value: object) -> bool:
    """Whether a halflife is given as a duration (a string, Timedelta, timedelta)."""
    return isinstance(value, str | np.timedelta64 | _dt.timedelta)  # pd.Timedelta: a timedelta


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
        seconds, text = _duration(value)
        if not seconds > 0:
            raise ValueError(f"halflife must be a positive duration, got {value!r}")
        return Decay(None, None, seconds, (name, text))
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
