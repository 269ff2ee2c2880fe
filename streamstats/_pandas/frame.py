"""From pandas objects to the arrays of the core: value columns, time stamps, keys.

Shared by the accessor's batch methods and the online smoother, so that both read
a frame the same way and give the same errors. pandas is imported by the functions
that read a pandas object, not with the module: the online smoother's array doors
(and the ``streamstats`` command) run without it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.times import pandas_if_imported

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["as_list", "value_columns", "column_values", "series_values", "is_name",
           "time_stamps", "key_codes", "plain_key", "MISSING_KEY", "CodedKeys"]


class _MissingKey:
    """The one key of the rows whose key is NaN, None or NaT (``by=`` keys them
    together, as pandas' ``groupby(dropna=False)``).

    Examples
    --------
    >>> import pandas as pd
    >>> import streamstats as ss
    >>> sm = ss.OnlineSmoother(beta=0.5, by="k")
    >>> _ = sm.update(pd.DataFrame({"k": ["a", None, float("nan")], "x": [1.0, 2.0, 4.0]}))
    >>> sm.keys == ["a", ss.MISSING_KEY]
    True
    """

    def __repr__(self) -> str:
        return "MISSING_KEY"

    def __reduce__(self) -> str:
        return "MISSING_KEY"


MISSING_KEY = _MissingKey()


def as_list(names: Hashable | Sequence[Hashable] | None) -> list[Hashable]:
    """A column name or a list of them, as a list."""
    if names is None:
        return []
    pandas = pandas_if_imported()
    if isinstance(names, list | tuple) or (pandas is not None and isinstance(names, pandas.Index)):
        return list(names)
    return [names]


_FLOAT64 = np.dtype(np.float64)


def _is_numeric(dtype: Any) -> bool:
    """Real numbers (complex ones are not: their imaginary part would be lost)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return (is_numeric_dtype(dtype) and getattr(dtype, "kind", "") != "c") or is_bool_dtype(dtype)


def _as_float(values: pd.Series, what: str) -> np.ndarray:
    """A named column or Series as float64 (NA as NaN); an object column holding
    numbers is converted, as pandas' ``ewm`` does."""
    if values.dtype is _FLOAT64:  # the common case, without the dtype checks' cost
        return values.to_numpy()
    if _is_numeric(values.dtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    if values.dtype.kind == "O":
        import pandas as pd

        try:
            out = pd.to_numeric(values, errors="raise")
            if _is_numeric(out.dtype):
                return out.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            pass
    raise TypeError(f"{what} is not numeric (dtype {values.dtype})")


def value_columns(df: pd.DataFrame, columns: Any, exclude: list[Hashable]) -> list[Hashable]:
    """The columns to smooth: ``columns`` (each checked to exist and be numeric),
    else every numeric column not in ``exclude`` (the key and time columns)."""
    if columns is None:
        dtypes = df.dtypes
        numeric = {t: _is_numeric(t) for t in set(dtypes)}  # wide frames have few dtypes
        return [c for c, t in dtypes.items() if numeric[t] and c not in exclude]
    chosen = as_list(columns)
    for c in chosen:
        if c not in df.columns:
            raise KeyError(f"column {c!r} is not in the frame (columns: {list(df.columns)})")
        if c in exclude:
            raise ValueError(f"column {c!r} is a key or time column and cannot be smoothed")
        dtype = df[c].dtype
        if not (_is_numeric(dtype) or dtype.kind == "O"):  # object: converted, or an error
            raise TypeError(f"column {c!r} is not numeric (dtype {dtype}): cannot smooth it")
    return chosen


def column_values(df: pd.DataFrame, columns: list[Hashable], whole: bool | None = None
                  ) -> np.ndarray:
    """The columns as one float64 ``(rows, columns)`` array, column-major (each
    column contiguous, which the lane scans want); no copy when the frame already
    holds exactly these float64 columns in one block. ``whole`` says (when known)
    whether ``columns`` are all the frame's columns, in order."""
    if whole is None:
        whole = list(df.columns) == list(columns)
    if whole:
        values = df.to_numpy()
        if values.dtype == np.float64 and values.flags.f_contiguous:
            return values
        if values.dtype.kind in "fiub":
            return np.asfortranarray(values, dtype=np.float64)
    out = np.empty((len(df), len(columns)), order="F")
    for j, c in enumerate(columns):
        column = df[c]
        if column.dtype == np.float64:
            out[:, j] = column.to_numpy()
        else:
            out[:, j] = _as_float(column, f"column {c!r}")
    return out


def series_values(s: pd.Series, what: str = "Series") -> np.ndarray:
    """A numeric Series as a float64 ``(rows, 1)`` column (NA as NaN)."""
    label = what if s.name is None else f"{what} {s.name!r}"
    return _as_float(s, label).reshape(-1, 1)


def is_name(value: Any) -> bool:
    """Whether ``times=`` names a column (rather than giving the stamps)."""
    return value is not None and (isinstance(value, str) or np.ndim(value) == 0)


def time_stamps(obj: pd.Series | pd.DataFrame, times: Any, duration: bool) -> Any:
    """The time stamps to decay by, or None.

    ``times`` is a column name, an array of stamps (one per row), or None: then a
    ``DatetimeIndex`` gives the stamps when the halflife is a duration (with a
    numeric decay, pandas counts rows even on a ``DatetimeIndex``).
    """
    import pandas as pd

    if times is None:
        if not duration:
            return None
        if isinstance(obj.index, pd.DatetimeIndex):
            return obj.index
        raise ValueError(
            "a halflife duration needs time stamps: pass times= (a column name or an array) "
            "or use a DatetimeIndex"
        )
    if is_name(times):
        if not isinstance(obj, pd.DataFrame) or times not in obj.columns:
            raise KeyError(f"times={times!r} is not a column of the frame")
        return obj[times]
    if isinstance(times, pd.Series | pd.Index):
        return times
    return np.asarray(times)


def key_codes(keys: Sequence[Any]) -> tuple[np.ndarray, list]:
    """Integer codes (first appearance order) of the rows of one or more key
    columns (Series or arrays of the same length), and the key of each code.

    Several key columns give tuple keys; NaN, None and NaT keys are one key of
    their own, ``MISSING_KEY`` (pandas' ``groupby(dropna=False)``).
    """
    if len(keys) == 1 and isinstance(keys[0], CodedKeys):
        return keys[0].first_seen()
    import pandas as pd

    if len(keys) > 1:
        parts = [key_codes([k]) for k in keys]
        sizes = [len(u) for _, u in parts]
        combined = np.zeros(len(parts[0][0]), dtype=np.int64)
        for (codes, _), size in zip(parts, sizes):
            combined = combined * size + codes
        codes, first = pd.factorize(combined)
        uniques = [tuple(parts[j][1][c] for j, c in enumerate(np.unravel_index(v, sizes)))
                   for v in first]
        return codes.astype(np.intp), uniques
    codes, uniques = pd.factorize(keys[0], use_na_sentinel=False)
    return codes.astype(np.intp), [plain_key(u) for u in uniques]


def plain_key(value: Any) -> Hashable:
    """A key as users expect to see it: numpy scalars as Python ones, every kind of
    missing value as ``MISSING_KEY``."""
    if value is None or (isinstance(value, float | np.floating) and value != value):
        return MISSING_KEY
    pandas = pandas_if_imported()  # (without pandas, no NaT or NA)
    if pandas is not None and (value is pandas.NaT or value is pandas.NA):
        return MISSING_KEY
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class CodedKeys:
    """One column of keys given as codes into its distinct keys (code -1: the missing
    key), as a reader that coded them already has them (the ``streamstats`` command);
    :func:`key_codes` takes it without pandas.

    Examples
    --------
    >>> import numpy as np
    >>> keys = CodedKeys(np.array([1, 0, -1, 1]), ["a", "b"])
    >>> key_codes([keys])
    (array([0, 1, 2, 0]), ['b', 'a', MISSING_KEY])
    >>> key_codes([np.array(["b", "a", None, "b"], dtype=object)])
    (array([0, 1, 2, 0]), ['b', 'a', MISSING_KEY])
    """

    codes: np.ndarray
    uniques: Sequence[Any]

    def __len__(self) -> int:
        return len(self.codes)

    def tolist(self) -> list:
        """The keys, row by row."""
        return [MISSING_KEY if c < 0 else self.uniques[c] for c in self.codes.tolist()]

    def first_seen(self) -> tuple[np.ndarray, list]:
        """:func:`key_codes`' answer: the codes renumbered in order of first
        appearance, and the key of each."""
        n, m = len(self.codes), len(self.uniques)
        codes = np.where(self.codes < 0, m, self.codes)  # the missing key: code m
        first = np.full(m + 1, n)
        np.minimum.at(first, codes, np.arange(n))
        seen = np.flatnonzero(first < n)
        seen = seen[np.argsort(first[seen])]
        renumber = np.empty(m + 1, dtype=np.intp)
        renumber[seen] = np.arange(len(seen))
        keys = [MISSING_KEY if c == m else plain_key(self.uniques[c]) for c in seen.tolist()]
        return renumber[codes], keys
