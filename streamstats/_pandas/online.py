"""Online smoothing of a stream of pandas chunks, resumable, per key, by time."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core.docs import doc
from .frame import (
    as_list,
    column_values,
    plain_key,
    series_values,
    time_stamps,
    value_columns,
)
from .keyed import KeyedStreams, json_key, unjson_key
from .registry import PAIRWISE, STATS, Options

if TYPE_CHECKING:
    import pandas as pd

# pandas is imported where a frame is made or read, not with the module: the array and
# record doors (and the ``streamstats`` command, which uses them) work without it

__all__ = ["OnlineSmoother", "ChunkSchema", "pairwise_frame", "upper_pairs", "mirror"]


def pairwise_frame(values: np.ndarray, index: pd.Index, rows: list[Hashable],
                   columns: list[Hashable] | None = None) -> pd.DataFrame:
    """pandas' layout of pairwise cov/corr: rows ``(index, row name)``, one column per
    column name (default: the row names); ``values`` is ``(len(index), rows *
    columns)`` with pair ``(r, c)`` at ``r * columns + c``."""
    import pandas as pd

    columns = rows if columns is None else columns
    n, k = len(index), len(rows)
    if index.is_unique and not isinstance(index, pd.MultiIndex):
        # keeps the index whole as the first level (a DatetimeIndex its freq)
        labels = pd.MultiIndex.from_product([index, pd.Index(rows)], names=[index.name, None])
    else:
        labels = pd.MultiIndex.from_arrays(
            [index.repeat(k), pd.Index(rows)[np.tile(np.arange(k), n)]],
            names=[*index.names, None],
        )
    return pd.DataFrame(values.reshape(n * k, len(columns)), index=labels,
                        columns=pd.Index(columns), copy=False)


def upper_pairs(k: int) -> np.ndarray:
    """The pairs ``(i, j)``, ``i <= j``, of ``k`` columns: the lanes of a pairwise
    statistic (the rest is the mirror image)."""
    i, j = np.triu_indices(k)
    return np.stack([i, j], axis=1).astype(np.intp, copy=False)


def mirror(values: np.ndarray, k: int) -> np.ndarray:
    """``(rows, k * k)`` from the values of the :func:`upper_pairs` lanes. The
    mirror is copied rather than computed: ``cov(x, y)`` and ``cov(y, x)`` would
    round differently."""
    full = np.empty((values.shape[0], k * k))
    i, j = upper_pairs(k).T
    full[:, i * k + j] = values
    full[:, j * k + i] = values
    return full


@dataclass(frozen=True)
class ChunkSchema:
    """What a stream's first chunk fixed: a Series or a frame, the Series' name or
    the frame's columns, and the columns smoothed. Every later chunk must agree."""

    series: bool
    name: Hashable
    all_columns: tuple | None  # None: learned from a record (frames need only its columns)
    names: list[Hashable]

    @classmethod
    def learn(cls, chunk: pd.Series | pd.DataFrame, by: list[Hashable], times: Hashable,
              columns: list[Hashable] | None, stats: tuple[str, ...]) -> ChunkSchema:
        import pandas as pd

        if isinstance(chunk, pd.Series):
            if by or columns is not None or times is not None:
                raise ValueError("a Series stream takes no by=, columns= or times= (use a frame)")
            if set(stats) & set(PAIRWISE):
                raise ValueError("cov and corr need two or more columns: stream a DataFrame")
            return cls(True, chunk.name, (), [chunk.name])
        exclude = list(by)
        for c in by:
            if c not in chunk.columns:
                raise KeyError(f"key column {c!r} is not in the chunk")
        if times is not None:
            if times not in chunk.columns:
                raise KeyError(f"times column {times!r} is not in the chunk")
            exclude.append(times)
        return cls(False, None, tuple(chunk.columns), value_columns(chunk, columns, exclude))

    def check(self, chunk: pd.Series | pd.DataFrame) -> None:
        import pandas as pd

        if isinstance(chunk, pd.Series) != self.series:
            first = "Series" if self.series else "DataFrame"
            got = type(chunk).__name__
            raise ValueError(f"this stream's first chunk was a {first}; got a {got}")
        if self.series or tuple(chunk.columns) == self.all_columns:
            return
        missing = [c for c in self.all_columns or self.names if c not in chunk.columns]
        if missing:
            raise ValueError(f"chunk has no column {missing[0]!r} (the first chunk had it)")
        extra = [c for c in chunk.columns if c not in (self.all_columns or chunk.columns)]
        if extra:
            raise ValueError(f"chunk has a column {extra[0]!r} the first chunk did not have")

    def values(self, chunk: pd.Series | pd.DataFrame) -> np.ndarray:
        """The chunk's values to smooth, ``(rows, columns)`` float64."""
        if self.series:
            return series_values(chunk)
        return column_values(chunk, self.names, self.names == list(self.all_columns or ()))

    def record(self, values: Any) -> list[float]:
        """One record's values in the order of ``names``, as floats (NaN missing)."""
        kind = type(values)  # the usual containers first: the ABC checks cost a microsecond
        if kind is list or kind is tuple:
            if len(values) == len(self.names) and all(type(v) is float for v in values):
                return list(values)
        if kind is dict or isinstance(values, Mapping):
            row = self._in_order(values, "record")
        elif isinstance(values, numbers.Real) and self.series:
            row = [values]
        elif isinstance(values, Sequence) and not isinstance(values, str | bytes):
            if len(values) != len(self.names):
                raise ValueError(f"record has {len(values)} values for the {len(self.names)} "
                                 f"columns {self.names}")
            row = list(values)
        else:
            raise TypeError("a record's values must be a mapping of column to number or a "
                            f"sequence in the stream's column order, got {type(values).__name__}")
        for c, v in zip(self.names, row):
            if type(v) is not float and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
                raise TypeError(f"column {c!r} must be a number, got {v!r}")
        return [float(v) for v in row]

    def _in_order(self, values: Mapping, what: str) -> list:
        """A mapping's entries in the order of ``names``: exactly those columns."""
        missing = [c for c in self.names if c not in values]
        if missing:
            raise ValueError(f"{what} has no column {missing[0]!r} (give NaN for a "
                             "missing reading)")
        if len(values) != len(self.names):
            extra = [c for c in values if c not in self.names]
            raise ValueError(f"{what} has a column {extra[0]!r} this stream does not "
                             f"smooth (its columns: {self.names})")
        return [values[c] for c in self.names]

    def arrays(self, values: Any) -> np.ndarray:
        """Columns of values in the order of ``names``, ``(rows, columns)`` float64:
        a mapping of column to 1-D array, a 2-D array in that order, or (a Series
        stream) a 1-D array."""
        if isinstance(values, Mapping):
            columns = [np.asarray(v) for v in self._in_order(values, "values")]
        else:
            array = np.asarray(values)
            if self.series and array.ndim == 1:
                array = array[:, None]
            if array.ndim != 2 or array.shape[1] != len(self.names):
                raise ValueError(f"values of shape {array.shape}: give one column per "
                                 f"smoothed column {self.names} (rows, columns)")
            columns = list(array.T)
        rows = len(columns[0]) if columns else 0
        x = np.empty((rows, len(self.names)))
        for j, (c, v) in enumerate(zip(self.names, columns)):
            if v.ndim != 1 or len(v) != rows:
                raise ValueError(f"column {c!r} has shape {v.shape}, the first {(rows,)}")
            if v.dtype.kind not in "fiu":
                raise TypeError(f"column {c!r} must hold numbers, got dtype {v.dtype}")
            x[:, j] = v
        return x

    def to_dict(self) -> dict[str, Any]:
        return {"series": self.series, "name": json_key(self.name),
                "all_columns": (None if self.all_columns is None
                                else [json_key(c) for c in self.all_columns]),
                "names": [json_key(c) for c in self.names]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChunkSchema:
        missing = [k for k in ("series", "name", "all_columns", "names") if k not in data]
        if missing:
            raise ValueError(f"OnlineSmoother data with keys needs {missing[0]!r}")
        columns = data["all_columns"]
        return cls(bool(data["series"]), unjson_key(data["name"]),
                   None if columns is None else tuple(unjson_key(c) for c in columns),
                   [unjson_key(c) for c in data["names"]])


@doc()
class OnlineSmoother:
    """Smooth a stream chunk by chunk, with one state per key, exactly as in one go.

    ``update(chunk)`` takes the next ``DataFrame`` (or ``Series``) chunk and returns
    its smoothed rows: the statistics of every value column after each row, equal to
    the batch method (``df.ewa.smooth``, ``var``, ...) on all the chunks so far. The
    state (per key, per column) can be saved with :meth:`to_dict` or pickled and
    restored with :meth:`from_dict`; the stream then continues exactly.

    "Equal" is bit for bit, with one exception: on a single (unkeyed) series longer
    than 16,384 rows the batch methods scan blocks in parallel, and for ``beta``
    very close to 1 (0.9999) their last digits can differ from the sequential scan
    here (1e-13 relative for a mean, a few 1e-12 for a variance; see
    ``docs/pandas.md``).

    Parameters
    ----------
    {decay}
    stats : str or sequence of str
        Statistics among ``"mean"``, ``"var"``, ``"std"``, ``"second_moment"``,
        ``"cov"``, ``"corr"``; ``cov``/``corr`` are pairwise over the columns (pandas'
        layout) and stand alone.
    bias_correction, adjust, bias, ignore_na, min_periods
        As for the accessor's methods (``bias_correction`` for ``mean`` and
        ``second_moment``, ``bias`` for the spreads).
    times : column name, optional
        The column of time stamps; without it a ``DatetimeIndex`` is used when the
        halflife is a duration. Stamps must not go backwards within a key.
    by : column name or list of names, optional
        One independent stream per key (value, or tuple of values); missing keys
        form one key of their own.
    columns : list of names, optional
        The columns to smooth (default: every numeric column but keys and times).

    Examples
    --------
    >>> import pandas as pd
    >>> from streamstats import OnlineSmoother
    >>> sm = OnlineSmoother(beta=0.5, stats=("mean", "var"), by="sensor")
    >>> chunk = pd.DataFrame({"sensor": ["a", "b", "a"], "x": [1.0, 10.0, 3.0]})
    >>> sm.update(chunk)
          x
       mean  var
    0  1.000000  NaN
    1 10.000000  NaN
    2  2.333333  2.0
    >>> sm.update(pd.DataFrame({"sensor": ["a"], "x": [5.0]}))
             x
          mean       var
    0  3.857143  3.714286

    Save, stop, and continue later with nothing lost:

    >>> import json
    >>> saved = json.dumps(sm.to_dict())
    >>> later = OnlineSmoother.from_dict(json.loads(saved))
    >>> later.update(pd.DataFrame({"sensor": ["b"], "x": [20.0]}))["x"]["mean"].round(6)
    0    16.666667
    Name: mean, dtype: float64
    """

    def __init__(
        self,
        beta: float | None = None,
        *,
        alpha: float | None = None,
        span: float | None = None,
        com: float | None = None,
        halflife: Any = None,
        stats: str | tuple[str, ...] | list[str] = "mean",
        bias_correction: bool = True,
        adjust: bool | None = None,
        bias: bool = False,
        ignore_na: bool = False,
        min_periods: int = 0,
        times: Hashable | None = None,
        by: Hashable | list[Hashable] | None = None,
        columns: Sequence[Hashable] | None = None,
    ) -> None:
        self._opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife,
                                bias_correction=bias_correction, adjust=adjust, bias=bias,
                                ignore_na=ignore_na, min_periods=min_periods)
        stats = (stats,) if isinstance(stats, str) else tuple(stats)
        if not stats or len(set(stats)) != len(stats):
            raise ValueError(f"stats must name each statistic once, got {stats!r}")
        unknown = [s for s in stats if s not in STATS]
        if unknown:
            raise ValueError(f"unknown statistic {unknown[0]!r}: choose from {', '.join(STATS)}")
        if len(stats) > 1 and set(stats) & set(PAIRWISE):
            raise ValueError(
                "cov and corr give pandas' pairwise layout (rows index x column): smooth them "
                "on their own, in a second smoother"
            )
        self._stats = stats
        self._times = times
        self._by = as_list(by)
        self._columns = None if columns is None else as_list(columns)
        # a duration halflife, or stamps named, makes the decay follow time
        self._timed = times is not None or self._opts.decay.needs_times
        KeyedStreams(stats, self._opts, 0, self._timed)  # checks the options now
        self.reset()

    def reset(self) -> None:
        """Forget every chunk (and the columns of the first): as new."""
        self._streams: KeyedStreams | None = None
        self._schema: ChunkSchema | None = None
        self._out_columns: pd.Index | None = None
        self._labels: list[tuple[str, int, Any]] | None = None  # update_record's output

    # -- parameters and state ---------------------------------------------------
    @property
    def params(self) -> dict[str, Any]:
        """The constructor arguments."""
        return {**self._opts.to_dict(), "stats": list(self._stats), "times": self._times,
                "by": self._by or None, "columns": self._columns}

    @property
    def keys(self) -> list[Hashable]:
        """The keys seen so far, in order of first appearance (``()`` without ``by``)."""
        return list(self._streams.keys) if self._streams else []

    @property
    def state(self) -> dict[str, pd.DataFrame]:
        """The state of each statistic as a frame: one row per key, columns
        (state field, column or pair of columns)."""
        import pandas as pd

        if self._streams is None:
            return {}
        out = {}
        lanes = self._lane_names()
        keys = pd.Index(self._streams.keys, tupleize_cols=False)
        for stat, spec in self._streams.specs.items():
            fields = spec.family.row_names
            st = self._streams.states(stat).reshape(len(fields), len(keys), -1)
            names = lanes[stat]
            cols = pd.MultiIndex.from_tuples([(f, c) for f in fields for c in names])
            out[stat] = pd.DataFrame(st.transpose(1, 0, 2).reshape(len(keys), -1),
                                     index=keys, columns=cols)
        return out

    def _lane_names(self) -> dict[str, list]:
        assert self._schema is not None
        names = self._schema.names
        if self._stats[0] in PAIRWISE:  # cov/corr stand alone
            pairs = [(names[i], names[j]) for i, j in upper_pairs(len(names))]
            return {self._stats[0]: pairs}
        return {s: list(names) for s in self._stats}

    def last_times(self, keys: list[Hashable] | None = None) -> np.ndarray | None:
        """The last time stamp of each key (default: every key seen), as int64
        nanoseconds for datetimes or float seconds; the lowest value of that kind
        for a key not seen yet; None before the first stamp (or without times).

        Examples
        --------
        >>> import pandas as pd
        >>> from streamstats import OnlineSmoother
        >>> sm = OnlineSmoother(halflife=10.0, times="t", by="sensor")
        >>> _ = sm.update(pd.DataFrame({"t": [1.0, 5.0], "sensor": ["a", "b"], "x": [1.0, 2.0]}))
        >>> sm.last_times(["b", "a", "c"])
        array([  5.,   1., -inf])
        """
        if self._streams is None:
            return None
        return self._streams.last_stamps(self._streams.keys if keys is None else keys)

    def to_dict(self) -> dict[str, Any]:
        """Parameters, columns and state as plain lists and numbers
        (``json.dumps``-able; keys must be strings, numbers, booleans or tuples of
        them, otherwise pickle the smoother)."""
        params = self.params
        for name in ("times", "by", "columns"):
            params[name] = json_key(params[name])
        data: dict[str, Any] = {"type": "OnlineSmoother", "params": params}
        if self._streams is not None:
            assert self._schema is not None  # learned with the first chunk
            data.update(self._schema.to_dict())
            data.update(self._streams.to_dict())
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OnlineSmoother:
        """Rebuild a smoother from :meth:`to_dict` output; it continues exactly."""
        if not isinstance(data, dict) or data.get("type") != "OnlineSmoother":
            got = data.get("type") if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"to_dict data of a {got!r}, not an OnlineSmoother")
        if not isinstance(data.get("params"), dict):
            raise ValueError("to_dict data of an OnlineSmoother needs 'params' (a dict)")
        params = dict(data["params"])
        missing = [k for k in ("times", "by", "columns") if k not in params]
        if missing:
            raise ValueError(f"OnlineSmoother params need {missing[0]!r}")
        for name in ("times", "by", "columns"):
            params[name] = unjson_key(params[name]) if params[name] is not None else None
        if isinstance(params["by"], tuple):
            params["by"] = list(params["by"])
        if isinstance(params["columns"], tuple):
            params["columns"] = list(params["columns"])
        sm = cls(**params)
        if "keys" in data:
            sm._schema = ChunkSchema.from_dict(data)
            sm._streams = sm._new_streams()
            sm._streams.load_dict(data)
        return sm

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.params.items()
                          if v is not None and v is not False and k not in ("ignore_na",))
        return f"OnlineSmoother({shown}) <{len(self.keys)} keys>"

    # -- the stream ---------------------------------------------------------------
    def _new_streams(self) -> KeyedStreams:
        assert self._schema is not None
        k = len(self._schema.names)
        # pairs only for cov/corr: k (k + 1) / 2 of them would not fit for wide frames
        pairs = upper_pairs(k) if self._stats[0] in PAIRWISE else ()
        return KeyedStreams(self._stats, self._opts, k, self._timed, pairs)

    def update(self, chunk: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
        """Feed the next chunk; returns its rows smoothed (index kept).

        The layout is that of the batch method for one statistic; several give a
        column per (column, statistic) (for a Series: per statistic). A bad chunk
        (other columns, time stamps going back, non-numeric or infinite values)
        raises and leaves the state unchanged.
        """
        import pandas as pd

        if not isinstance(chunk, pd.Series | pd.DataFrame):
            got = type(chunk).__name__
            raise TypeError(f"update takes a pandas DataFrame or Series, got {got}")
        first = self._streams is None
        if self._schema is None:
            self._schema = ChunkSchema.learn(chunk, self._by, self._times, self._columns,
                                             self._stats)
        else:
            self._schema.check(chunk)
        schema = self._schema
        try:
            streams = self._new_streams() if self._streams is None else self._streams
            x = schema.values(chunk)
            keys = [chunk[c] for c in self._by] or None
            stamps = time_stamps(chunk, self._times, True) if self._timed else None
            out = streams.run(x, keys, stamps, chunk.index, schema.names)
        except Exception:
            if first:
                self.reset()
            raise
        result = self._output(out, chunk.index, schema)
        if first and len(chunk) == 0:  # an empty first chunk fixes no columns
            self.reset()
        else:
            self._streams = streams
        return result

    def update_arrays(self, values: Any, *, keys: Any = None, times: Any = None
                      ) -> dict[Hashable, np.ndarray]:
        """Feed the next chunk as numpy arrays; returns its statistics by column.

        The same stream as :meth:`update` (the same states, checks and
        :meth:`to_dict`), without building or taking apart a frame: for a script
        whose readings come as arrays (and for the ``streamstats`` command).

        Parameters
        ----------
        values : mapping, 2-D array or 1-D array
            Each smoothed column's values: a mapping of column to 1-D array, a
            ``(rows, columns)`` array in the stream's column order (``columns=``, or
            the first chunk's), or a 1-D array for a Series stream. NaN marks a
            missing value.
        keys : array-like, optional
            Each row's key, needed with ``by``: one array (a ``pd.Categorical`` is
            the cheapest), or a sequence of one array per ``by`` column.
        times : array-like, optional
            Each row's time stamp (datetime64 or numbers), needed when the decay
            follows time.

        Returns
        -------
        dict of numpy.ndarray
            One float64 array per output column, keyed as the frame path's columns
            (as :meth:`update_record`'s).

        Raises
        ------
        ValueError, TypeError
            As :meth:`update`: an infinite value, a time stamp going back, missing or
            unknown columns, rows of different lengths; the state is left unchanged.

        Examples
        --------
        >>> import numpy as np
        >>> from streamstats import OnlineSmoother
        >>> sm = OnlineSmoother(beta=0.5, stats=("mean", "var"), by="sensor")
        >>> out = sm.update_arrays({"x": np.array([1.0, 10.0, 3.0])},
        ...                        keys=np.array(["a", "b", "a"]))
        >>> out["x", "mean"]
        array([ 1.        , 10.        ,  2.33333333])

        It is the frame path's stream, bit for bit:

        >>> import pandas as pd
        >>> frame = pd.DataFrame({"sensor": ["a", "b", "a"], "x": [1.0, 10.0, 3.0]})
        >>> got = OnlineSmoother(beta=0.5, stats=("mean", "var"), by="sensor").update(frame)
        >>> all(np.array_equal(got[c], v, equal_nan=True) for c, v in out.items())
        True
        """
        def run(schema: ChunkSchema, streams: KeyedStreams) -> dict[str, np.ndarray]:
            x = schema.arrays(values)
            n = x.shape[0]
            return streams.run(x, self._array_keys(keys, n), self._array_times(times),
                               range(n), schema.names)

        first = self._streams is None
        out = self._without_a_frame(values, run)
        if first and next(iter(out.values())).shape[0] == 0:
            self.reset()  # an empty first chunk fixes no columns
            return {}
        return {label: out[stat][:, lane] for stat, lane, label in self._labels or ()}

    def _without_a_frame(self, values: Any, run: Callable[[ChunkSchema, KeyedStreams], dict]
                         ) -> dict:
        """update_record's and update_arrays' common part: the schema (a first record
        or chunk fixes the columns), ``run`` on the streams, and the output labels; a
        refused first one leaves nothing behind, not even its columns."""
        first = self._streams is None
        try:
            if self._schema is None:
                self._schema = self._record_schema(values)
            streams = self._new_streams() if self._streams is None else self._streams
            out = run(self._schema, streams)
        except Exception:
            if first:
                self.reset()
            raise
        self._streams = streams
        if self._labels is None:
            self._labels = self._record_labels(self._schema)
        return out

    def _array_keys(self, keys: Any, rows: int) -> list | None:
        """update_arrays' keys as one array-like per ``by`` column (None without)."""
        if not self._by:
            if keys is not None:
                raise ValueError("this stream has no by=: give no keys")
            return None
        if keys is None:
            raise ValueError(f"this stream is keyed by {self._by}: give keys=")
        columns = [keys] if len(self._by) == 1 else list(keys)
        if len(columns) != len(self._by):
            raise ValueError(f"this stream is keyed by {self._by}: give one array of keys "
                             f"per column, got {len(columns)}")
        columns = [c if hasattr(c, "tolist") else np.asarray(c, dtype=object) for c in columns]
        for c in columns:
            if len(c) != rows:
                raise ValueError(f"keys has {len(c)} rows, the values {rows}")
        return columns

    def _array_times(self, times: Any) -> Any:
        if self._timed and times is None:
            raise ValueError("this stream decays by time: give times=")
        if not self._timed and times is not None:
            raise ValueError("this stream does not decay by time: give no times")
        return times

    def update_record(self, values: Any, *, key: Any = None, time: Any = None
                      ) -> dict[Hashable, float]:
        """Feed one reading without a frame; returns its statistics as a dict.

        The same stream as :meth:`update` (the same states, checks and
        :meth:`to_dict`), one row at a time at a fraction of a frame's cost: for a
        script that receives readings one by one (a socket, a serial port, a log).

        Parameters
        ----------
        values : mapping, sequence or number
            The reading of each smoothed column: a mapping of column to number, or a
            sequence in the stream's column order (``columns=``, or the first
            chunk's); a number for a Series stream. NaN marks a missing reading.
            A first record fixes the columns (its keys, or ``columns=``) when no
            chunk has.
        key : hashable, optional
            The record's key (a tuple for several ``by`` columns); needed with ``by``.
        time : datetime, Timestamp, np.datetime64 or number, optional
            The record's time stamp; needed when the decay follows time.

        Returns
        -------
        dict
            Keyed as the frame path's columns: the column (one statistic), the
            statistic (a Series stream), ``(column, statistic)`` (several), or
            ``(column, column)`` (``cov``/``corr``).

        Raises
        ------
        ValueError
            An infinite value, a time stamp before the key's last one, a missing or
            unknown column; the state is left unchanged.

        Examples
        --------
        >>> import pandas as pd
        >>> from streamstats import OnlineSmoother
        >>> sm = OnlineSmoother(halflife="1min", stats=("mean", "var"), by="sensor",
        ...                     times="t")
        >>> t0 = pd.Timestamp("2024-01-01 12:00")
        >>> sm.update_record({"x": 1.0, "y": 5.0}, key="a", time=t0)
        {('x', 'mean'): 1.0, ('x', 'var'): nan, ('y', 'mean'): 5.0, ('y', 'var'): nan}
        >>> r = sm.update_record([3.0, 5.0], key="a", time=t0 + pd.Timedelta("1min"))
        >>> round(r["x", "mean"], 6), round(r["x", "var"], 6)
        (2.333333, 2.0)

        It is the frame path's stream, bit for bit:

        >>> frame = pd.DataFrame({"t": [t0, t0 + pd.Timedelta("1min")], "sensor": "a",
        ...                       "x": [1.0, 3.0], "y": [5.0, 5.0]})
        >>> OnlineSmoother(halflife="1min", stats=("mean", "var"), by="sensor",
        ...                times="t").update(frame).iloc[-1].to_dict() == r
        True
        """
        out = self._without_a_frame(values, lambda schema, streams: streams.record(
            schema.record(values), self._record_key(key), time, schema.names))
        return {label: out[stat][lane] for stat, lane, label in self._labels or ()}

    def _record_key(self, key: Any) -> Hashable:
        """A record's key as the frame path has it (``()`` without ``by``)."""
        if len(self._by) == 1 and type(key) is str:  # the usual key: plain_key leaves it
            return key
        if not self._by:
            if key is not None:
                raise ValueError("this stream has no by=: give no key")
            return ()
        if len(self._by) == 1:
            return plain_key(key)
        if not isinstance(key, tuple) or len(key) != len(self._by):
            raise ValueError(f"this stream is keyed by {self._by}: the key must be a tuple of "
                             f"{len(self._by)} values, got {key!r}")
        return tuple(plain_key(k) for k in key)

    def _record_schema(self, values: Any) -> ChunkSchema:
        if self._columns is not None:
            names = list(self._columns)
        elif isinstance(values, Mapping):
            names = list(values)
        else:
            raise ValueError("first values in a sequence or an array need the columns: give "
                             "columns= to the smoother, a mapping, or a first chunk")
        if self._stats[0] in PAIRWISE and len(names) < 2:
            raise ValueError("cov and corr need two or more columns")
        return ChunkSchema(False, None, None, names)

    def _record_labels(self, schema: ChunkSchema) -> list[tuple[str, int, Any]]:
        """update_record's output: (statistic, lane of its values, label), labelled
        as the frame path's columns."""
        names, stats = schema.names, self._stats
        if stats[0] in PAIRWISE:  # the lanes are the upper pairs; (c, r) mirrors (r, c)
            lane = {(i, j): n for n, (i, j) in enumerate(upper_pairs(len(names)).tolist())}
            return [(stats[0], lane[min(i, j), max(i, j)], (r, c))
                    for i, r in enumerate(names) for j, c in enumerate(names)]
        if schema.series:
            return [(s, 0, schema.name if len(stats) == 1 else s) for s in stats]
        if len(stats) == 1:
            return [(stats[0], j, c) for j, c in enumerate(names)]
        return [(s, j, (c, s)) for j, c in enumerate(names) for s in stats]

    def _output(self, out: dict[str, np.ndarray], index: pd.Index, schema: ChunkSchema
                ) -> pd.Series | pd.DataFrame:
        import pandas as pd

        stats, names = self._stats, schema.names
        if stats[0] in PAIRWISE:
            return pairwise_frame(mirror(out[stats[0]], len(names)), index, names)
        if schema.series and len(stats) == 1:
            return pd.Series(out[stats[0]][:, 0], index=index, name=schema.name, copy=False)
        if self._out_columns is None:  # built once: a MultiIndex costs more than a chunk
            self._out_columns = (
                pd.Index(list(stats)) if schema.series
                else pd.Index(names) if len(stats) == 1
                else pd.MultiIndex.from_product([names, list(stats)])
            )
        if len(stats) == 1:
            values = out[stats[0]]
        else:  # column-major (column, statistic), or statistics side by side for a Series
            values = np.stack([out[s] for s in stats], axis=2).reshape(len(index), -1)
        return pd.DataFrame(values, index=index, columns=self._out_columns, copy=False)
