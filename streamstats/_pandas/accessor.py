"""The ``ewa`` accessor on pandas Series and DataFrames.

Registered by ``import streamstats`` (this module is imported then if pandas is,
else right after pandas: see ``registration``). Every method is the numpy-level core on
the frame's columns (no copy when they are one float64 block), or, with ``by=``,
the grouped scans of ``keyed``; results keep the index, the column names and the
row order.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from .._core.batch import apply_accumulator
from .._core.docs import doc
from .frame import (
    as_list,
    column_values,
    is_name,
    series_values,
    time_stamps,
    value_columns,
)
from .keyed import KeyedStreams
from .online import OnlineSmoother, mirror, pairwise_frame, upper_pairs
from .registry import Options, make_accumulator

__all__ = ["EWAccessor"]

class EWAccessor:
    """Exponentially weighted statistics of a Series or of each numeric column of a
    DataFrame: ``obj.ewa.smooth(beta=0.9)``, ``.var()``, ``.std()``, ``.cov()``,
    ``.corr()``, ``.second_moment()`` and ``.online()`` for streams.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import streamstats  # registers the accessor
    >>> s = pd.Series([1.0, 3.0, 5.0])
    >>> s.ewa.smooth(beta=0.5)
    0    1.000000
    1    2.333333
    2    3.857143
    dtype: float64
    >>> bool(np.allclose(s.ewa.smooth(beta=0.5), s.ewm(alpha=0.5).mean(), rtol=1e-14))
    True
    """

    def __init__(self, obj: pd.Series | pd.DataFrame) -> None:
        self._obj = obj

    # -- the methods ----------------------------------------------------------------
    @doc()
    def smooth(
        self,
        beta: float | None = None,
        *,
        alpha: float | None = None,
        span: float | None = None,
        com: float | None = None,
        halflife: Any = None,
        bias_correction: bool = True,
        adjust: bool | None = None,
        ignore_na: bool = False,
        min_periods: int = 0,
        times: Any = None,
        by: Any = None,
        columns: Any = None,
    ) -> pd.Series | pd.DataFrame:
        """The exponentially weighted average, bias-corrected by default.

        .. math:: v_t = \\beta v_{t-1} + (1 - \\beta) x_t, \\quad v_0 = 0, \\qquad
                  \\hat v_t = v_t / (1 - \\beta^t)

        ``bias_correction=True`` (default) is ``v_t / (1 - beta**t)``, which is
        pandas' ``ewm(alpha=1-beta, adjust=True).mean()`` (NaN rules included);
        ``bias_correction=False`` is the lecture's raw ``v_t`` from zero;
        ``adjust=False`` is pandas' seeded form ``v_1 = x_1``.

        Parameters
        ----------
        {decay}
        {ignore_na}
        {min_periods}
        {times}
        {by}
        {columns}
        bias_correction : bool
            Divide by ``1 - beta**t`` (the sum of the weights, with missing values).
        adjust : bool, optional
            pandas' spelling: True is the bias-corrected mean, False the seeded one.

        Returns
        -------
        Series or DataFrame of float64, the index and (numeric) columns of the input.

        Examples
        --------
        >>> import pandas as pd
        >>> import streamstats
        >>> s = pd.Series([10.0, 20.0, 30.0])
        >>> s.ewa.smooth(beta=0.9)
        0    10.000000
        1    15.263158
        2    20.701107
        dtype: float64
        >>> s.ewa.smooth(beta=0.9, bias_correction=False)
        0    1.00
        1    2.90
        2    5.61
        dtype: float64

        Per sensor, by time:

        >>> df = pd.DataFrame({
        ...     "time": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:00",
        ...                             "2024-01-01 01:00", "2024-01-01 03:00"]),
        ...     "sensor": ["a", "b", "a", "a"],
        ...     "flow": [1.0, 5.0, 3.0, 3.0]})
        >>> df.ewa.smooth(halflife="1h", times="time", by="sensor")
               flow
        0  1.000000
        1  5.000000
        2  2.333333
        3  2.818182
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife,
                          bias_correction=bias_correction, adjust=adjust,
                          ignore_na=ignore_na, min_periods=min_periods)
        return self._columnwise("mean", opts, times, by, columns)

    @doc()
    def var(self, beta: float | None = None, *, alpha: float | None = None,
            span: float | None = None, com: float | None = None, halflife: Any = None,
            bias: bool = False, adjust: bool = True, ignore_na: bool = False,
            min_periods: int = 0, times: Any = None, by: Any = None,
            columns: Any = None) -> pd.Series | pd.DataFrame:
        """The exponentially weighted variance (pandas' ``ewm().var(bias=)``).

        .. math:: \\sigma^2_t = \\frac{w_{t-1}}{w_t}\\left(\\sigma^2_{t-1}
                  + \\frac{a}{w_t}(x_t - \\mu_{t-1})^2\\right)

        Parameters
        ----------
        {decay}
        {ignore_na}
        {min_periods}
        {times}
        {by}
        {columns}
        bias : bool
            False (default): unbiased, NaN after a single observation; True: biased.
        adjust : bool
            True (default): pandas' ``adjust=True`` weights; False: the seeded form.

        Examples
        --------
        >>> import pandas as pd
        >>> import streamstats
        >>> pd.Series([1.0, 3.0, 5.0]).ewa.var(alpha=0.5)
        0         NaN
        1    2.000000
        2    3.714286
        dtype: float64
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife, bias=bias,
                          adjust=adjust, ignore_na=ignore_na, min_periods=min_periods)
        return self._columnwise("var", opts, times, by, columns)

    @doc()
    def std(self, beta: float | None = None, *, alpha: float | None = None,
            span: float | None = None, com: float | None = None, halflife: Any = None,
            bias: bool = False, adjust: bool = True, ignore_na: bool = False,
            min_periods: int = 0, times: Any = None, by: Any = None,
            columns: Any = None) -> pd.Series | pd.DataFrame:
        """The exponentially weighted standard deviation (pandas' ``ewm().std()``).

        .. math:: \\sigma_t = \\sqrt{\\sigma^2_t}

        Parameters
        ----------
        {decay}
        {ignore_na}
        {min_periods}
        {times}
        {by}
        {columns}
        bias, adjust : bool
            As for :meth:`var`.

        Examples
        --------
        >>> import pandas as pd
        >>> import streamstats
        >>> pd.Series([1.0, 3.0, 5.0]).ewa.std(alpha=0.5).round(6).tolist()
        [nan, 1.414214, 1.927248]
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife, bias=bias,
                          adjust=adjust, ignore_na=ignore_na, min_periods=min_periods)
        return self._columnwise("std", opts, times, by, columns)

    @doc()
    def second_moment(self, beta: float | None = None, *, alpha: float | None = None,
                      span: float | None = None, com: float | None = None,
                      halflife: Any = None, bias_correction: bool = True,
                      ignore_na: bool = False, min_periods: int = 0, times: Any = None,
                      by: Any = None, columns: Any = None) -> pd.Series | pd.DataFrame:
        """The EW second moment of RMSprop and Adam, bias-corrected by default.

        .. math:: s_t = \\beta s_{t-1} + (1 - \\beta) x_t^2, \\quad s_0 = 0, \\qquad
                  \\hat s_t = s_t / (1 - \\beta^t)

        The bias-corrected form equals pandas' ``(x**2).ewm(alpha=1-beta).mean()``.

        Parameters
        ----------
        {decay}
        {ignore_na}
        {min_periods}
        {times}
        {by}
        {columns}
        bias_correction : bool
            Divide by ``1 - beta**t``.

        Examples
        --------
        >>> import pandas as pd
        >>> import streamstats
        >>> pd.Series([2.0, 2.0]).ewa.second_moment(beta=0.9, bias_correction=False)
        0    0.40
        1    0.76
        dtype: float64
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife,
                          bias_correction=bias_correction, ignore_na=ignore_na,
                          min_periods=min_periods)
        return self._columnwise("second_moment", opts, times, by, columns)

    @doc()
    def cov(self, other: Any = None, beta: float | None = None, *, alpha: float | None = None,
            span: float | None = None, com: float | None = None, halflife: Any = None,
            pairwise: bool | None = None, bias: bool = False, adjust: bool = True,
            ignore_na: bool = False, min_periods: int = 0, times: Any = None, by: Any = None,
            columns: Any = None) -> pd.Series | pd.DataFrame:
        """The exponentially weighted covariance (pandas' ``ewm().cov()``).

        .. math:: c_t = \\frac{w_{t-1}}{w_t}\\left(c_{t-1}
                  + \\frac{a}{w_t}(x_t - \\bar x_{t-1})(y_t - \\bar y_{t-1})\\right)

        A Series needs ``other`` (a Series or array of the same length). For a
        DataFrame: without ``other`` every pair of columns, in pandas' layout (rows
        ``(index, column)``, one column per column); with a Series ``other`` each
        column with it; with a DataFrame ``other`` the columns of the same name
        (``pairwise=False``, the default; a column in only one of them is NaN) or
        every pair (``pairwise=True``, rows ``(index, other's column)``). ``other``
        must have the same index (pandas aligns; align first with ``align``).

        Parameters
        ----------
        other : Series, DataFrame or array, optional
            The second input.
        {decay}
        {ignore_na}
        {min_periods}
        {times}
        {by}
        {columns}
        pairwise : bool, optional
            As in pandas.
        bias, adjust : bool
            As for :meth:`var`.

        Examples
        --------
        >>> import pandas as pd
        >>> import streamstats
        >>> df = pd.DataFrame({"x": [1.0, 2.0, 4.0], "y": [2.0, 3.0, 7.0]})
        >>> df.ewa.cov(alpha=0.5)
                x     y
        0 x  NaN   NaN
          y  NaN   NaN
        1 x  0.5   0.5
          y  0.5   0.5
        2 x  2.5   4.5
          y  4.5   8.214286
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife, bias=bias,
                          adjust=adjust, ignore_na=ignore_na, min_periods=min_periods)
        return self._paired("cov", opts, other, pairwise, times, by, columns)

    @doc()
    def corr(self, other: Any = None, beta: float | None = None, *, alpha: float | None = None,
             span: float | None = None, com: float | None = None, halflife: Any = None,
             pairwise: bool | None = None, adjust: bool = True, ignore_na: bool = False,
             min_periods: int = 0, times: Any = None, by: Any = None,
             columns: Any = None) -> pd.Series | pd.DataFrame:
        """The exponentially weighted correlation (pandas' ``ewm().corr()``).

        .. math:: \\rho_t = \\frac{c_{xy}}{\\sqrt{c_{xx} c_{yy}}}

        ``other`` and ``pairwise`` as for :meth:`cov`.

        Parameters
        ----------
        other : Series, DataFrame or array, optional
            The second input.
        {decay}
        {ignore_na}
        {min_periods}
        {times}
        {by}
        {columns}
        pairwise : bool, optional
            As in pandas.
        adjust : bool
            As for :meth:`var`.

        Examples
        --------
        >>> import pandas as pd
        >>> import streamstats
        >>> x = pd.Series([1.0, 2.0, 4.0, 3.0])
        >>> x.ewa.corr(pd.Series([2.0, 3.0, 7.0, 5.0]), alpha=0.5).round(4).tolist()
        [nan, 1.0, 0.993, 0.9919]
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife,
                          adjust=adjust, ignore_na=ignore_na, min_periods=min_periods)
        return self._paired("corr", opts, other, pairwise, times, by, columns)

    def online(
        self,
        beta: float | None = None,
        *,
        stats: str | tuple[str, ...] | list[str] = "mean",
        times: Hashable | None = None,
        by: Hashable | list[Hashable] | None = None,
        columns: list[Hashable] | None = None,
        **options: Any,
    ) -> OnlineSmoother:
        """An :class:`~streamstats.OnlineSmoother` for chunks shaped like this object.

        Takes the methods' parameters plus ``stats``; ``times`` must be a column name
        (or None, for a ``DatetimeIndex``). The object's numeric columns (or
        ``columns``) are the ones the chunks must carry; the object itself is not
        fed: pass it to ``update`` if it is the first chunk.

        Examples
        --------
        >>> import pandas as pd
        >>> import streamstats
        >>> s = pd.Series([1.0, 3.0, 5.0, 7.0])
        >>> sm = s.ewa.online(beta=0.5, stats=("mean", "std"))
        >>> _ = sm.update(s[:3])
        >>> sm.update(s[3:])
               mean       std
        3  5.533333  2.354327
        >>> s.ewa.std(beta=0.5).iloc[-1].round(6)
        np.float64(2.354327)
        """
        if isinstance(self._obj, pd.DataFrame):
            exclude = as_list(by) + ([times] if times is not None else [])
            for c in exclude:
                if c not in self._obj.columns:
                    raise KeyError(f"column {c!r} is not in the frame")
            columns = value_columns(self._obj, columns, exclude)
        return OnlineSmoother(beta, stats=stats, times=times, by=by, columns=columns, **options)

    # -- the machinery --------------------------------------------------------------
    def _inputs(self, opts: Options, times: Any, by: Any, columns: Any):
        """(values, value names, key columns, time stamps) of the object."""
        obj = self._obj
        duration = opts.decay.needs_times
        if isinstance(obj, pd.Series):
            if columns is not None:
                raise TypeError("columns= is for DataFrames")
            keys = None
            if by is not None:
                keys = [by if isinstance(by, pd.Series) else pd.Series(np.asarray(by))]
                if len(keys[0]) != len(obj):
                    raise ValueError(f"by has {len(keys[0])} keys for {len(obj)} rows")
            return series_values(obj), [obj.name], keys, time_stamps(obj, times, duration)
        by_names = as_list(by)
        for c in by_names:
            if c not in obj.columns:
                raise KeyError(f"by={c!r} is not a column of the frame")
        stamps = time_stamps(obj, times, duration)
        exclude = by_names + ([times] if is_name(times) else [])
        names = value_columns(obj, columns, exclude)
        keys = [obj[c] for c in by_names] or None
        return column_values(obj, names), names, keys, stamps

    def _compute(self, stat: str, opts: Options, x: np.ndarray, pairs: np.ndarray | None,
                 keys: Any, stamps: Any, names: list) -> np.ndarray:
        """Values ``(rows, lanes)``: one lane per column, or per pair of columns."""
        n = x.shape[0]
        lanes = x.shape[1] if pairs is None else len(pairs)
        if lanes == 0:
            return np.empty((n, 0))
        if keys is not None:
            timed = stamps is not None
            streams = KeyedStreams([stat], opts, x.shape[1], timed,
                                   () if pairs is None else pairs)
            return streams.run(x, keys, stamps, self._obj.index, names)[stat]
        data = [x] if pairs is None else [x[:, pairs[:, 0]], x[:, pairs[:, 1]]]
        return apply_accumulator(make_accumulator(stat, opts), data, 0, stamps, None, False)

    def _columnwise(self, stat: str, opts: Options, times: Any, by: Any, columns: Any):
        x, names, keys, stamps = self._inputs(opts, times, by, columns)
        out = self._compute(stat, opts, x, None, keys, stamps, names)
        index = self._obj.index
        if isinstance(self._obj, pd.Series):
            return pd.Series(out[:, 0], index=index, name=self._obj.name, copy=False)
        return pd.DataFrame(out, index=index, columns=pd.Index(names), copy=False)

    def _paired(self, stat: str, opts: Options, other: Any, pairwise: bool | None,
                times: Any, by: Any, columns: Any):
        x, names, keys, stamps = self._inputs(opts, times, by, columns)
        index, n, k = self._obj.index, x.shape[0], x.shape[1]
        if other is None:
            if isinstance(self._obj, pd.Series):  # pandas: the series with itself
                other = self._obj
            else:
                tri = self._compute(stat, opts, x, upper_pairs(k), keys, stamps, names)
                return pairwise_frame(mirror(tri, k), index, names)
        y, other_names = self._other(other, n)
        z = np.concatenate([x, y], axis=1)
        both = names + other_names
        if isinstance(self._obj, pd.Series) or isinstance(other, pd.Series | np.ndarray | list):
            pairs = np.array([(i, k) for i in range(k)]).reshape(-1, 2)
            out = self._compute(stat, opts, z, pairs, keys, stamps, both)
            if isinstance(self._obj, pd.Series):
                # pandas' rule: the name survives unless other has another one
                same = not isinstance(other, pd.Series) or other.name == self._obj.name
                name = self._obj.name if same else None
                return pd.Series(out[:, 0], index=index, name=name, copy=False)
            return pd.DataFrame(out, index=index, columns=pd.Index(names), copy=False)
        m = len(other_names)
        if pairwise:
            pairs = np.array([(i, k + j) for j in range(m) for i in range(k)]).reshape(-1, 2)
            out = self._compute(stat, opts, z, pairs, keys, stamps, both)
            return pairwise_frame(out, index, other_names, names)
        union = pd.Index(names).union(pd.Index(other_names), sort=None)
        matched = [(names.index(c), k + other_names.index(c)) for c in union
                   if c in names and c in other_names]
        out = self._compute(stat, opts, z, np.array(matched).reshape(-1, 2), keys, stamps, both)
        result = pd.DataFrame(np.nan, index=index, columns=union)
        for lane, (i, _) in enumerate(matched):
            result[names[i]] = out[:, lane]
        return result

    def _other(self, other: Any, n: int) -> tuple[np.ndarray, list]:
        if isinstance(other, pd.Series | pd.DataFrame):
            if not other.index.equals(self._obj.index):
                raise ValueError("other must have the same index (align them first: x.align(y))")
            if isinstance(other, pd.DataFrame):
                names = value_columns(other, None, [])
                return column_values(other, names), names
            return series_values(other, "other"), [other.name]
        y = np.asarray(other)
        if y.dtype.kind not in "fiub" or y.ndim != 1 or y.shape[0] != n:
            raise ValueError(
                f"other must be a numeric series of {n} values, got shape {y.shape} {y.dtype}"
            )
        return y.astype(np.float64).reshape(-1, 1), ["other"]


pd.api.extensions.register_series_accessor("ewa")(EWAccessor)
pd.api.extensions.register_dataframe_accessor("ewa")(EWAccessor)
