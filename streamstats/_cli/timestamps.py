"""Time stamps of a CSV stream: one format for the whole stream, decided once.

A stream's stamps are read one way from its first stamp to its last, whatever the
blocks: the format is decided at the first stamp (or given with ``--time-format``)
and kept in the checkpoint. A stamp that does not fit it, or that is outside the
range of nanosecond time stamps (1677-2262), is a bad line, never a guess.

Formats: ``"seconds"`` (numbers), ``"naive"`` / ``"utc"`` (ISO 8601 without / with
a UTC offset, read by Arrow) and ``"format:<strftime format>"`` (read by pandas,
imported for it: a stream of ISO stamps never needs pandas).
"""

from __future__ import annotations

import warnings

import numpy as np
import pyarrow as pa

from .arrow import texts, to_numpy

__all__ = ["TimeFormatError", "decide_format", "parse_times", "show_value"]

_ISO = {"naive": pa.timestamp("ns"), "utc": pa.timestamp("ns", "UTC")}
# pandas' Timestamp.min and .max (int64 nanoseconds; the lowest int64 is NaT); as numpy
# values: np.datetime64(pd.Timestamp.min, "ns") is 2262, and every stamp in ns "outside"
_NS_MIN = np.datetime64(np.iinfo(np.int64).min + 1, "ns")
_NS_MAX = np.datetime64(np.iinfo(np.int64).max, "ns")


class TimeFormatError(ValueError):
    """The first stamp does not say how to read the stream's stamps."""


def decide_format(first: str, given: str | None) -> str | None:
    """The format of a stream whose first stamp is ``first`` (``given``: the user's
    ``--time-format``); None if ``first`` is no time stamp at all. Day/month order
    that the stamp leaves open is an error."""
    if given is not None:
        return f"format:{given}"
    try:
        if np.isfinite(float(first)):
            return "seconds"
    except ValueError:
        pass
    import pyarrow.compute as pc

    for name, kind in _ISO.items():
        try:
            pc.cast(texts([first]), kind)
            return name
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    from pandas.tseries.api import guess_datetime_format

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        month_first = guess_datetime_format(first, dayfirst=False)
        day_first = guess_datetime_format(first, dayfirst=True)
    if month_first is None and day_first is None:
        return None
    if month_first is not None and day_first is not None and month_first != day_first:
        raise TimeFormatError(f"the time stamp {first!r} reads as {month_first} or "
                              f"{day_first} (day and month can swap): give --time-format")
    return f"format:{month_first or day_first}"


def parse_times(column: pa.Array, fmt: str) -> tuple[np.ndarray, dict[int, str]]:
    """The stamps of a text column read with ``fmt``: float seconds or int64-backed
    ``datetime64[ns]``, and why each stamp that cannot be read is bad (by row)."""
    if fmt in _ISO:
        values = _iso(column, _ISO[fmt])
        bad = np.flatnonzero(np.isnat(values))
        return values, {int(i): _why(column[int(i)].as_py(),
                                     _iso_reason(column[int(i)].as_py(), fmt)) for i in bad}
    import pandas as pd

    if fmt == "seconds":
        text = column.to_numpy(zero_copy_only=False)
        values = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        return values, {int(i): _why(text[i], "is not a number of seconds") for i in
                        np.flatnonzero(bad)}
    strftime = fmt.removeprefix("format:")
    text = column.to_numpy(zero_copy_only=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(pd.Series(text), format=strftime, errors="coerce",
                                utc="%z" in strftime or "%Z" in strftime)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    raw = parsed.to_numpy()
    # the nanosecond range, in the unit pandas parsed to (us for far dates)
    unit = np.datetime_data(raw.dtype)[0]  # (np.datetime64(x, unit): astype overflows)
    low = np.datetime64(_NS_MIN, unit)  # type: ignore[call-overload]
    high = np.datetime64(_NS_MAX, unit)  # type: ignore[call-overload]
    outside = ~np.isnat(raw) & ((raw < low) | (raw > high))
    raw = np.where(outside, np.array("NaT", dtype=raw.dtype), raw)
    values = np.asarray(raw).astype("datetime64[ns]")
    why = {}
    for i in np.flatnonzero(np.isnat(values)):
        reason = ("is outside the range of time stamps (1677-2262)" if outside[i]
                  else f"does not match the time format {strftime!r}")
        why[int(i)] = _why(text[i], reason)
    return values, why


def _iso(column: pa.Array, kind: pa.DataType) -> np.ndarray:
    """ISO 8601 stamps cast by Arrow; a stamp that does not cast is NaT (found by
    halving, so a block with a few bad stamps costs a few casts more)."""
    import pyarrow.compute as pc

    try:
        cast = pc.cast(column, kind)
        return to_numpy(cast)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(column) == 1:
            return np.array(["NaT"], dtype="datetime64[ns]")
        half = len(column) // 2
        return np.concatenate([_iso(column.slice(0, half), kind), _iso(column.slice(half), kind)])


def _iso_reason(value: str | None, fmt: str) -> str:
    if value is None or not value.strip():
        return "is no time stamp"
    import pyarrow.compute as pc

    other = "utc" if fmt == "naive" else "naive"
    for kind, reason in ((_ISO[other], "has a UTC offset, the stream's first stamp had none"
                          if fmt == "naive" else
                          "has no UTC offset, the stream's first stamp had one"),
                         (pa.timestamp("us"), "is outside the range of time stamps (1677-2262)")):
        try:
            pc.cast(texts([value]), kind)
            return reason
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return "is not an ISO 8601 time stamp"


def show_value(value: object) -> str:
    """A value as messages quote it: its repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "...'"


def _why(value: object, reason: str) -> str:
    return f"{show_value('' if value is None else value)} {reason}"
