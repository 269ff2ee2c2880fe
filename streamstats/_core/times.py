"""Time stamps: conversion to numbers, and elapsed time in halflives.

Datetime-like stamps become int64 nanoseconds (UTC for time-zone aware ones), so
differences are exact; plain numbers are seconds as float64.

pandas is imported only to parse stamps (text, ``datetime``) and to show them: a
pandas object can only be given once pandas is imported, and numbers and
``datetime64`` arrays need none of it, so a process that smooths them (the
``streamstats`` command) starts without pandas' import (a few tenths of a second).
"""

from __future__ import annotations

import numbers
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["pandas_if_imported", "Clock", "time_values", "stamps_of_kind", "check_same_kind",
           "time_scalar", "elapsed_halflives", "halflife_unit", "show_time"]


def pandas_if_imported() -> Any:
    """The pandas module if it is imported, else None (then no pandas object exists)."""
    return sys.modules.get("pandas")


def time_values(times: object, n: int) -> tuple[np.ndarray, str]:
    """``times`` as a 1-D array of int64 ns (kind ``"ns"``) or float seconds (``"s"``)."""
    pandas = pandas_if_imported()
    if pandas is not None and isinstance(times, pandas.Series | pandas.Index):
        if isinstance(times.dtype, pandas.DatetimeTZDtype):
            utc = times.dt.tz_convert("UTC") if isinstance(times, pandas.Series) else times
            values = pandas.DatetimeIndex(utc).tz_convert(None).to_numpy()
        elif times.dtype.kind == "M":  # .values: 5x cheaper than .to_numpy() on one row
            values = times.values
        else:
            values = times.to_numpy()
    else:
        values = np.asarray(times)
    if values.ndim != 1 or values.shape[0] != n:
        raise ValueError(
            f"times must be 1-D with one stamp per row ({n}), got shape {values.shape}"
        )
    kind = values.dtype.kind
    if kind == "M":
        if np.isnat(values).any():
            raise ValueError(f"times contain NaT at row {int(np.flatnonzero(np.isnat(values))[0])}")
        return values.astype("datetime64[ns]").view(np.int64), "ns"
    if kind in "iuf":
        values = values.astype(np.float64)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"times must be finite, row {int(bad[0])} is {values[bad[0]]}")
        return values, "s"
    if kind == "O" or kind in "US":
        import pandas as pd

        try:
            parsed = pd.to_datetime(values, utc=True)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"times could not be parsed as time stamps: {exc}") from exc
        return time_values(pd.DatetimeIndex(parsed), n)
    raise TypeError(f"times must be datetimes or numbers (seconds), got dtype {values.dtype}")


def time_scalar(t: object) -> tuple[int | float, str]:
    """One time stamp as (int ns, ``"ns"``) or (float seconds, ``"s"``)."""
    pandas = pandas_if_imported()
    if pandas is not None and isinstance(t, pandas.Timestamp):  # the common cases first: a hot path
        return t.value, "ns"  # (UTC for an aware one, as time_values has it)
    if type(t) is float and t - t == 0.0:
        return t, "s"
    if isinstance(t, numbers.Real) and not isinstance(t, bool | np.timedelta64):
        value = float(t)
        if not np.isfinite(value):
            raise ValueError(f"time stamp must be finite, got {t!r}")
        return value, "s"
    import pandas as pd

    try:
        stamp = pd.Timestamp(t)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"time stamp {t!r} could not be parsed") from exc
    if stamp is pd.NaT:
        raise ValueError("time stamp is NaT")
    return int(stamp.as_unit("ns").value), "ns"


def elapsed_halflives(
    values: np.ndarray, previous: int | float | None, halflife_seconds: float, kind: str
) -> np.ndarray:
    """Elapsed time before each row, in halflives; the first row counts from
    ``previous`` (zero elapsed when there is none). Raises on stamps going back."""
    if values.shape[0] == 0:
        return np.empty(0)
    start = values[0] if previous is None else previous
    dt = np.diff(values, prepend=values.dtype.type(start))
    back = np.flatnonzero(dt < 0)
    if back.size:
        i = int(back[0])
        raise ValueError(
            f"time stamps go backwards at row {i} ({show_time(values[i], kind)} after "
            f"{show_time(start if i == 0 else values[i - 1], kind)})"
        )
    return dt.astype(np.float64) / halflife_unit(halflife_seconds, kind)


def halflife_unit(halflife_seconds: float, kind: str) -> float:
    """The halflife in the unit of the time values (ns or seconds)."""
    return halflife_seconds * 1e9 if kind == "ns" else halflife_seconds


def show_time(value: Any, kind: str) -> str:
    import pandas as pd  # (for an error message)

    return str(pd.Timestamp(int(value), unit="ns")) if kind == "ns" else repr(float(value))


def stamps_of_kind(times: object, n: int, kind: str | None) -> tuple[np.ndarray, str]:
    """:func:`time_values`, which must be of the stream's ``kind`` (None: not known
    yet): a stream stays with datetimes, or with numbers."""
    values, got = time_values(times, n)
    check_same_kind(kind, got)
    return values, got


def check_same_kind(kind: str | None, got: str | None) -> None:
    """That stamps of kind ``got`` may follow a stream's stamps of ``kind`` (None: no
    stamp yet): a stream stays with datetimes, or with numbers."""
    if kind is not None and got is not None and got != kind:
        raise TypeError("time stamps must stay datetimes (or numbers) for the whole stream")


@dataclass
class Clock:
    """The time of one stream: the kind of its stamps (``"ns"``/``"s"``) and its
    first and last stamp (None before the first)."""

    kind: str | None = None
    first: int | float | None = None
    last: int | float | None = None

    @property
    def started(self) -> bool:
        return self.last is not None

    def elapsed(self, times: object, n: int, halflife_seconds: float
                ) -> tuple[np.ndarray, np.ndarray, str]:
        """(halflives elapsed before each row, the stamps, their kind) of a chunk;
        the clock moves on only with :meth:`advance`, once the chunk is taken."""
        values, kind = stamps_of_kind(times, n, self.kind)
        return elapsed_halflives(values, self.last, halflife_seconds, kind), values, kind

    def elapsed_one(self, value: int | float, kind: str, halflife_seconds: float) -> float:
        """:meth:`elapsed` of one stamp from :func:`time_scalar`, without arrays."""
        check_same_kind(self.kind, kind)
        if self.last is None:
            return 0.0
        if value < self.last:
            raise ValueError(f"time stamps go backwards at row 0 ({show_time(value, kind)} "
                             f"after {show_time(self.last, kind)})")
        return (value - self.last) / halflife_unit(halflife_seconds, kind)

    def advance_one(self, value: int | float, kind: str) -> None:
        self.kind = kind
        if self.first is None:
            self.first = value
        self.last = value

    def advance(self, values: np.ndarray, kind: str) -> None:
        self.kind = kind
        if self.first is None:
            self.first = values[0].item()
        self.last = values[-1].item()

    def decay_until(self, later: Clock, halflife_seconds: float) -> float:
        """The decay from this clock's last stamp to ``later``'s, which must start
        at or after it (an ordered merge)."""
        assert self.last is not None and later.last is not None and self.kind is not None
        if later.first is not None and later.first < self.last:
            raise ValueError("other's time stamps start before self's end: not in order")
        return 0.5 ** ((later.last - self.last) / halflife_unit(halflife_seconds, self.kind))
