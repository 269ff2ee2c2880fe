"""The ``ewa`` namespace on polars expressions and Series.

Each method is one ``map_batches`` step: polars hands over the column (under
``.over(key)``, each group's rows), or a struct of it with ``other``, the time
stamps and the keys, and the step returns the pandas accessor's numbers on the same
values (the same code, so the same semantics and messages), as ``Float64``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from .._core.docs import doc
from .._pandas.registry import Options

__all__ = ["ExprEWA", "SeriesEWA"]

# the struct fields the inputs travel in; the first, the values, keeps its own name
_OTHER, _TIMES = "__ewa_other__", "__ewa_times__"

_BLOCKS = {
    "pl_other": """\
other : column name or expression (Series: a Series)
    The second variable, row by row.""",
    "pl_missing": """\
ignore_na : bool
    For ``null`` rows (missing values): False (default) lets the past decay on them
    too, True skips them (polars' ``ignore_nulls``). A float NaN is a value, as in
    polars' ``ewm_*``: the statistic is NaN from that row on (per key).
min_periods : int
    ``null`` until this many samples were observed (polars' ``min_samples``).""",
    "pl_layout": """\
times : column name or expression, optional
    Time stamps (datetimes, dates, or numbers in seconds), one per row; with a
    duration ``halflife`` (``"6h"``, ``"90s"``, ``"1d"``, a ``timedelta``) the past
    decays by elapsed time (polars' ``ewm_mean_by``; here for every statistic).
    Stamps must not go backwards (per key).
by : column name, expression or list of them, optional
    One independent series per key, rows kept in place (as ``.over(key)``).

Returns
-------
pl.Expr (a ``pl.Series`` from ``Series.ewa``)
    ``Float64``, named as the input; ``null`` where there is no value yet, the
    last value carried forward on ``null`` rows (as pandas does).""",
}


class _Methods(ABC):
    """The statistics, shared by the expression and Series namespaces."""

    @abstractmethod
    def _statistic(self, method: str, kwargs: dict[str, Any], other: Any, times: Any,
                   by: Any) -> Any:
        """``method`` of the pandas accessor with ``kwargs``, as an expression (or a
        Series, evaluated)."""

    @doc(**_BLOCKS)
    def smooth(self, beta: float | None = None, *, alpha: float | None = None,
               span: float | None = None, com: float | None = None, halflife: Any = None,
               bias_correction: bool = True, adjust: bool | None = None,
               ignore_na: bool = False, min_periods: int = 0, times: Any = None,
               by: Any = None) -> Any:
        """The exponentially weighted average (polars' ``ewm_mean``, and the
        lecture's zero-started ``v_t`` with ``bias_correction=False``).

        ``v_t = beta * v_{t-1} + (1 - beta) * x_t`` from ``v_0 = 0``, divided by
        ``1 - beta**t`` (bias correction: pandas' and polars' ``adjust=True``).

        Parameters
        ----------
        {decay}
        bias_correction : bool
            Divide by ``1 - beta**t`` (default), or the raw ``v_t`` from zero.
        adjust : bool, optional
            False: pandas' and polars' seeded form (``v_1 = x_1``).
        {pl_missing}
        {pl_layout}

        Examples
        --------
        >>> import polars as pl
        >>> import streamstats.polars  # noqa: F401  (registers .ewa)
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 5.0]})
        >>> df.select(pl.col("x").ewa.smooth(beta=0.5))["x"].round(4).to_list()
        [1.0, 2.3333, 3.8571]
        >>> df.select(pl.col("x").ewa.smooth(beta=0.5, bias_correction=False))["x"].to_list()
        [0.5, 1.75, 3.375]
        """
        return self._statistic("smooth", dict(
            _decay(beta, alpha, span, com, halflife), bias_correction=bias_correction,
            adjust=adjust, ignore_na=ignore_na, min_periods=min_periods), None, times, by)

    @doc(**_BLOCKS)
    def var(self, beta: float | None = None, *, alpha: float | None = None,
            span: float | None = None, com: float | None = None, halflife: Any = None,
            bias: bool = False, adjust: bool = True, ignore_na: bool = False,
            min_periods: int = 0, times: Any = None, by: Any = None) -> Any:
        """The exponentially weighted variance (polars' ``ewm_var``).

        Biased: ``sum w_i (x_i - m)**2 / sum w_i``; unbiased (default) times
        ``S1**2 / (S1**2 - S2)``, ``S1 = sum w_i``, ``S2 = sum w_i**2``.

        Parameters
        ----------
        {decay}
        {bias}
        {adjust}
        {pl_missing}
        {pl_layout}

        Examples
        --------
        >>> import polars as pl
        >>> import streamstats.polars  # noqa: F401
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 5.0]})
        >>> df.select(pl.col("x").ewa.var(beta=0.5))["x"].round(4).to_list()
        [None, 2.0, 3.7143]
        """
        return self._statistic("var", dict(
            _decay(beta, alpha, span, com, halflife), bias=bias, adjust=adjust,
            ignore_na=ignore_na, min_periods=min_periods), None, times, by)

    @doc(**_BLOCKS)
    def std(self, beta: float | None = None, *, alpha: float | None = None,
            span: float | None = None, com: float | None = None, halflife: Any = None,
            bias: bool = False, adjust: bool = True, ignore_na: bool = False,
            min_periods: int = 0, times: Any = None, by: Any = None) -> Any:
        """The exponentially weighted standard deviation (polars' ``ewm_std``): the
        square root of :meth:`var`.

        Parameters
        ----------
        {decay}
        {bias}
        {adjust}
        {pl_missing}
        {pl_layout}

        Examples
        --------
        >>> import polars as pl
        >>> import streamstats.polars  # noqa: F401
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 5.0]})
        >>> df.select(pl.col("x").ewa.std(beta=0.5, bias=True))["x"].round(4).to_list()
        [0.0, 0.9428, 1.4569]
        """
        return self._statistic("std", dict(
            _decay(beta, alpha, span, com, halflife), bias=bias, adjust=adjust,
            ignore_na=ignore_na, min_periods=min_periods), None, times, by)

    @doc(**_BLOCKS)
    def second_moment(self, beta: float | None = None, *, alpha: float | None = None,
                      span: float | None = None, com: float | None = None,
                      halflife: Any = None, bias_correction: bool = True,
                      ignore_na: bool = False, min_periods: int = 0, times: Any = None,
                      by: Any = None) -> Any:
        """The EW second moment of RMSprop and Adam (polars has none):
        ``s_t = beta * s_{t-1} + (1 - beta) * x_t**2`` from 0, divided by
        ``1 - beta**t`` (default).

        Parameters
        ----------
        {decay}
        bias_correction : bool
            Divide by ``1 - beta**t`` (default), or the raw ``s_t`` from zero.
        {pl_missing}
        {pl_layout}

        Examples
        --------
        >>> import polars as pl
        >>> import streamstats.polars  # noqa: F401
        >>> df = pl.DataFrame({"g": [1.0, 3.0]})
        >>> df.select(pl.col("g").ewa.second_moment(beta=0.5))["g"].round(4).to_list()
        [1.0, 6.3333]
        """
        return self._statistic("second_moment", dict(
            _decay(beta, alpha, span, com, halflife), bias_correction=bias_correction,
            ignore_na=ignore_na, min_periods=min_periods), None, times, by)

    @doc(**_BLOCKS)
    def cov(self, other: Any, beta: float | None = None, *, alpha: float | None = None,
            span: float | None = None, com: float | None = None, halflife: Any = None,
            bias: bool = False, adjust: bool = True, ignore_na: bool = False,
            min_periods: int = 0, times: Any = None, by: Any = None) -> Any:
        """The exponentially weighted covariance with ``other`` (polars has none).

        ``sum w_i (x_i - mx)(y_i - my) / sum w_i`` over rows where both are
        present, unbiased as :meth:`var` unless ``bias=True``.

        Parameters
        ----------
        {pl_other}
        {decay}
        {bias}
        {adjust}
        {pl_missing}
        {pl_layout}

        Examples
        --------
        >>> import polars as pl
        >>> import streamstats.polars  # noqa: F401
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 5.0], "y": [1.0, 2.0, 4.0]})
        >>> df.select(pl.col("x").ewa.cov("y", beta=0.5))["x"].round(4).to_list()
        [None, 1.0, 3.0]
        """
        return self._statistic("cov", dict(
            _decay(beta, alpha, span, com, halflife), bias=bias, adjust=adjust,
            ignore_na=ignore_na, min_periods=min_periods), other, times, by)

    @doc(**_BLOCKS)
    def corr(self, other: Any, beta: float | None = None, *, alpha: float | None = None,
             span: float | None = None, com: float | None = None, halflife: Any = None,
             adjust: bool = True, ignore_na: bool = False, min_periods: int = 0,
             times: Any = None, by: Any = None) -> Any:
        """The exponentially weighted correlation with ``other`` (polars has none):
        ``cov / sqrt(var_x var_y)``.

        Parameters
        ----------
        {pl_other}
        {decay}
        {adjust}
        {pl_missing}
        {pl_layout}

        Examples
        --------
        >>> import polars as pl
        >>> import streamstats.polars  # noqa: F401
        >>> df = pl.DataFrame({"x": [1.0, 3.0, 5.0], "y": [1.0, 2.0, 4.0]})
        >>> df.select(pl.col("x").ewa.corr("y", beta=0.5))["x"].round(4).to_list()
        [None, 1.0, 0.9845]
        """
        return self._statistic("corr", dict(
            _decay(beta, alpha, span, com, halflife), adjust=adjust, ignore_na=ignore_na,
            min_periods=min_periods), other, times, by)


@pl.api.register_expr_namespace("ewa")
class ExprEWA(_Methods):
    """``pl.Expr.ewa``: exponentially weighted statistics as expressions, with the
    pandas accessor's parameters (see :mod:`streamstats.polars`).

    Examples
    --------
    >>> from datetime import datetime
    >>> import polars as pl
    >>> import streamstats.polars  # noqa: F401
    >>> df = pl.DataFrame({
    ...     "sensor": ["a", "b", "a", "b"],
    ...     "time": [datetime(2024, 1, 1, h) for h in (0, 1, 6, 7)],
    ...     "x": [1.0, 10.0, 3.0, 20.0]})
    >>> df.select(pl.col("x").ewa.std(halflife="6h", times="time", bias=True)
    ...           .over("sensor"))["x"].round(4).to_list()
    [0.0, 0.0, 0.9428, 4.714]
    >>> df.lazy().select(pl.col("x").ewa.smooth(halflife="6h", times="time", by="sensor")
    ...                  ).collect(engine="streaming")["x"].round(4).to_list()
    [1.0, 10.0, 2.3333, 16.6667]
    """

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr

    def _statistic(self, method: str, kwargs: dict[str, Any], other: Any, times: Any,
                   by: Any) -> pl.Expr:
        given = _inputs(other, times, by)
        job = _Job(method, kwargs, {field: _label(spec, field) for field, spec in given})
        job.check()
        inputs = [_expr(spec).alias(field) for field, spec in given]
        if not inputs:
            return self._expr.map_batches(job, return_dtype=pl.Float64)
        return pl.struct(self._expr, *inputs).map_batches(job, return_dtype=pl.Float64)


@pl.api.register_series_namespace("ewa")
class SeriesEWA(_Methods):
    """``pl.Series.ewa``: the statistics of :class:`ExprEWA` on a Series, with
    ``other``, ``times`` and ``by`` given as Series (or arrays) of the same length.

    Examples
    --------
    >>> import polars as pl
    >>> import streamstats.polars  # noqa: F401
    >>> s = pl.Series("x", [1.0, None, 5.0])
    >>> s.ewa.smooth(beta=0.5).round(4).to_list()
    [1.0, 1.0, 4.2]
    """

    def __init__(self, series: pl.Series) -> None:
        self._series = series

    def _statistic(self, method: str, kwargs: dict[str, Any], other: Any, times: Any,
                   by: Any) -> pl.Series:
        s = self._series
        given = [(field, _series(spec, field)) for field, spec in _inputs(other, times, by)]
        columns = [s, *[series for _, series in given]]
        if len({c.name for c in columns}) < len(columns):  # e.g. unnamed: name them apart
            columns = [c.alias(f"__ewa_{i}__") for i, c in enumerate(columns)]
        frame = pl.DataFrame(columns)
        names = dict(zip([field for field, _ in given], frame.columns[1:]))
        expr = getattr(ExprEWA(pl.col(frame.columns[0])), method)(
            *([names[_OTHER]] if other is not None else []), **kwargs,
            times=names.get(_TIMES), by=[names[_key(i)] for i in range(len(_keys(by)))] or None)
        return frame.select(expr).to_series().alias(s.name)


class _Job:
    """The work of one ``map_batches`` call: the pandas accessor's ``method`` on the
    batch's numbers, back as a ``Float64`` Series. A batch is the values, or a
    struct of them with ``other``, the time stamps and the keys."""

    def __init__(self, method: str, kwargs: dict[str, Any], labels: dict[str, str]) -> None:
        self.method, self.kwargs = method, kwargs
        self.labels = labels  # struct field -> the name messages show, for each input
        self.paired, self.timed = _OTHER in labels, _TIMES in labels
        self.n_keys = len(labels) - self.paired - self.timed

    def check(self) -> None:
        """The options, now: on an empty batch of every input."""
        opts = Options.of(**{k: v for k, v in self.kwargs.items() if k in _DECAY})
        if opts.decay.needs_times and not self.timed:
            raise ValueError(f"halflife={self.kwargs['halflife']!r} is a duration: give "
                             "times= (a column of time stamps)")
        empty = {"x": pl.Series([], dtype=pl.Float64)}
        if self.paired:
            empty[_OTHER] = pl.Series([], dtype=pl.Float64)
        if self.timed:
            empty[_TIMES] = pl.Series([], dtype=pl.Datetime("ns") if opts.decay.needs_times
                                      else pl.Float64)
        empty.update({_key(i): pl.Series([], dtype=pl.Int64) for i in range(self.n_keys)})
        self._compute(pl.DataFrame(empty))

    def __call__(self, batch: pl.Series) -> pl.Series:
        fields = batch.struct.unnest() if batch.dtype == pl.Struct else batch.to_frame()
        try:
            return self._compute(fields)
        except (ValueError, TypeError, KeyError) as exc:  # polars' error, our message
            raise pl.exceptions.ComputeError(str(exc.args[0] if exc.args else exc)) from None

    def _compute(self, fields: pl.DataFrame) -> pl.Series:
        x, extra = fields.to_series(0), fields.columns[1:]
        more = [c for c in extra if c not in self.labels]
        if more:  # pl.col("a", "b") travels in the struct as two fields
            raise pl.exceptions.InvalidOperationError(
                f"with other=, times= or by=, .ewa takes one column, got {x.name!r} and "
                f"{more[0]!r}: write one expression per column, e.g. "
                f"[pl.col(c).ewa.smooth(...) for c in ({x.name!r}, {more[0]!r})]")
        # the pandas frame's columns carry the names the messages should show
        shown = [x.name or "x", *[self.labels[c] for c in extra]]
        name = dict(zip([x.name, *extra], shown if len(set(shown)) == len(shown)
                        else ["x", *extra]))
        data = {name[x.name]: _numbers(x, name[x.name])}
        nan = _nan_rows(x, data[name[x.name]])
        if self.paired:
            data[name[_OTHER]] = _numbers(fields[_OTHER], name[_OTHER])
            nan = _either(nan, _nan_rows(fields[_OTHER], data[name[_OTHER]]))
        if self.timed:
            data[name[_TIMES]] = _stamps(fields[_TIMES], name[_TIMES])
        by = [name[_key(i)] for i in range(self.n_keys)]
        for i, key in enumerate(by):
            data[key] = _key_values(fields[_key(i)])
        if len(data) == 1:  # the values alone (each group under .over()): a Series
            series = pd.Series(data[name[x.name]], name=name[x.name], copy=False)
            values = getattr(series.ewa, self.method)(**self.kwargs)
        else:
            frame = pd.DataFrame(data, copy=False)
            options = dict(self.kwargs, columns=[name[x.name]], by=by or None,
                           times=name[_TIMES] if self.timed else None)
            accessor = getattr(frame.ewa, self.method)
            values = (accessor(frame[name[_OTHER]], **options) if self.paired
                      else accessor(**options))[name[x.name]]
        out = pl.Series(x.name, values.to_numpy(), dtype=pl.Float64, nan_to_null=True)
        if nan is not None:  # polars' rule: NaN from the first NaN on, per key
            codes = pd.DataFrame(data, copy=False).groupby(
                by, sort=False, dropna=False).ngroup().to_numpy() if by else None
            out = out.scatter(np.flatnonzero(_from_first(nan, codes)), float("nan"))
        return out


_DECAY = ("beta", "alpha", "span", "com", "halflife")


def _decay(beta: Any, alpha: Any, span: Any, com: Any, halflife: Any) -> dict[str, Any]:
    return dict(zip(_DECAY, (beta, alpha, span, com, halflife)))


def _key(i: int) -> str:
    return f"__ewa_by{i}__"


def _inputs(other: Any, times: Any, by: Any) -> list[tuple[str, Any]]:
    """The inputs beside the values, as (struct field, what the user gave)."""
    given = [(_OTHER, other), (_TIMES, times)]
    return [(f, spec) for f, spec in given if spec is not None] + [
        (_key(i), k) for i, k in enumerate(_keys(by))]


def _keys(by: Any) -> list[Any]:
    if by is None:
        return []
    return list(by) if isinstance(by, list | tuple) else [by]


def _expr(spec: Any) -> pl.Expr:
    return pl.col(spec) if isinstance(spec, str) else spec


def _label(spec: Any, field: str) -> str:
    """The name an input shows in messages (its column's, else the parameter's)."""
    default = {_OTHER: "other", _TIMES: "times"}.get(field, "by")
    if isinstance(spec, str):
        return spec
    if isinstance(spec, pl.Expr):
        return spec.meta.output_name(raise_if_undetermined=False) or default
    return default


def _series(values: Any, name: str) -> pl.Series:
    return values if isinstance(values, pl.Series) else pl.Series(name, values)


def _numbers(s: pl.Series, name: str) -> np.ndarray:
    """float64 values, null as NaN (a copy only when there are nulls)."""
    if not (s.dtype.is_numeric() or s.dtype in (pl.Boolean, pl.Null)):
        raise pl.exceptions.InvalidOperationError(
            f"column {name!r} is not numeric (dtype {s.dtype}): cannot smooth it")
    return s.cast(pl.Float64).to_numpy()


def _nan_rows(s: pl.Series, values: np.ndarray) -> np.ndarray | None:
    """Where a float column holds NaN (not null); None when nowhere. ``values``:
    the column as :func:`_numbers` gave it (null and NaN both NaN there)."""
    if not s.dtype.is_float():
        return None
    rows = np.isnan(values)
    if not rows.any():  # the common case, fast
        return None
    if s.null_count():
        rows &= s.is_not_null().to_numpy()
    return rows if rows.any() else None


def _either(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    return b if a is None else a if b is None else a | b


def _stamps(s: pl.Series, name: str) -> np.ndarray:
    """Time stamps as the pandas front takes them: datetime64[ns] (UTC for aware
    ones) or float seconds."""
    if s.dtype == pl.Date:
        s = s.cast(pl.Datetime("ns"))
    if isinstance(s.dtype, pl.Datetime):
        if s.dtype.time_zone is not None:
            s = s.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return s.cast(pl.Datetime("ns")).to_numpy()
    if s.dtype.is_numeric():
        return s.cast(pl.Float64).to_numpy()
    raise pl.exceptions.InvalidOperationError(
        f"times column {name!r} must hold datetimes, dates or numbers (seconds), got "
        f"{s.dtype}")


def _key_values(s: pl.Series) -> Any:
    return s.to_numpy() if s.dtype.is_numeric() and s.null_count() == 0 else s.to_pandas()


def _from_first(rows: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    """True from the first True of ``rows`` on (per key ``codes``)."""
    if codes is None:
        return np.logical_or.accumulate(rows)
    first = np.full(codes.max() + 1, rows.shape[0])
    np.minimum.at(first, codes[rows], np.flatnonzero(rows))
    return np.arange(rows.shape[0]) >= first[codes]

