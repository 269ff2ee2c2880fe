"""``ddf.ewa``: the pandas accessor's statistics on Dask collections, exact across
partitions (see the package docstring for the two methods)."""

from __future__ import annotations

import pickle
from collections.abc import Hashable
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.dataframe.extensions import register_dataframe_accessor, register_series_accessor
from dask.delayed import Delayed

from .._core.docs import doc
from .._pandas.frame import as_list, value_columns
from .._pandas.online import OnlineSmoother
from .._pandas.registry import Options, make_accumulator
from ._carries import compact, merge_smoother_states, plain

__all__ = ["DaskEWAccessor"]

METHODS = ("parallel", "chain")

_COMMON = """\
times : column name, optional
    The column of time stamps (datetimes, or numbers in seconds); with a duration
    ``halflife`` the past decays by elapsed time. Per key, stamps must not go
    backwards in partition order.
by : column name or list of names, optional
    One independent series per key; keys may be spread over any partitions. Rows
    stay in their order and partitions; the key columns are left out.
columns : list of names, optional
    The columns to smooth (default: every numeric column but keys and times).
method : {"parallel", "chain"}, optional
    ``"parallel"`` (default where the states merge): two passes, every partition
    in parallel, equal to the pandas accessor within 1e-12 relative; ``"chain"``:
    partition after partition, bit for bit, and the only one for ``adjust=False``.
state : optional
    The state a ``return_state=True`` run returned (computed or not): continue
    exactly where it stopped (the same options).
return_state : bool
    Also return the state after the last partition, as ``(result, state)`` (a
    Dask ``Delayed``; computed, a plain dict that pickles and is JSON).

Returns
-------
Dask Series or DataFrame of float64, lazy, with the input's partitions, index and
divisions."""

_OTHER = """\
other : Dask Series or DataFrame
    With the same partitions: a Series pairs with each column (a Series alone: with
    itself); a DataFrame pairs its columns with the frame's of the same name (pandas'
    ``pairwise=False``; a name in only one of them gives NaN). pandas' pairwise
    layout (no ``other``), a row per (time, column), has no Dask form."""


class DaskEWAccessor:
    """Exponentially weighted statistics of a Dask DataFrame (each numeric column)
    or Series, per key and by time, exact across partitions.

    ``smooth``, ``var``, ``std``, ``second_moment``, ``cov`` and ``corr`` take the
    pandas accessor's parameters (``df.ewa``) plus ``method``
    (``"parallel"`` or ``"chain"``, see :mod:`streamstats.dask`), ``state`` (continue
    from a ``return_state`` of an earlier run) and ``return_state``. The result is a
    lazy collection with the input's partitions, index and divisions.

    Examples
    --------
    >>> import dask
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> import streamstats.dask  # noqa: F401  (registers ddf.ewa)
    >>> frame = pd.DataFrame({"x": [1.0, 3.0, 5.0, 7.0]})
    >>> ddf = dd.from_pandas(frame, npartitions=2)
    >>> with dask.config.set(scheduler="sync"):
    ...     ddf.ewa.smooth(beta=0.5).compute()["x"].tolist() == (
    ...         frame.ewa.smooth(beta=0.5)["x"].tolist())
    True
    """

    def __init__(self, obj: dd.DataFrame | dd.Series) -> None:
        self._obj = obj

    @doc(dask_common=_COMMON)
    def smooth(self, beta: float | None = None, *, alpha: float | None = None,
               span: float | None = None, com: float | None = None, halflife: Any = None,
               bias_correction: bool = True, adjust: bool | None = None,
               ignore_na: bool = False, min_periods: int = 0, times: Hashable | None = None,
               by: Any = None, columns: Any = None, method: str | None = None,
               state: Any = None, return_state: bool = False) -> Any:
        """The exponentially weighted average, as ``df.ewa.smooth``.

        Parameters
        ----------
        {decay}
        bias_correction, adjust : bool
            As for ``df.ewa.smooth`` (``adjust=False``, the seeded form, needs
            ``method="chain"``).
        {ignore_na}
        {min_periods}
        {dask_common}

        Examples
        --------
        >>> import dask, dask.dataframe as dd, pandas as pd
        >>> import streamstats.dask  # noqa: F401
        >>> s = dd.from_pandas(pd.Series([1.0, 3.0, 5.0], name="x"), npartitions=2)
        >>> with dask.config.set(scheduler="sync"):
        ...     s.ewa.smooth(beta=0.5).compute().round(4).tolist()
        [1.0, 2.3333, 3.8571]
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife,
                          bias_correction=bias_correction, adjust=adjust, ignore_na=ignore_na,
                          min_periods=min_periods)
        return self._run("mean", opts, times, by, columns, method, state, return_state)

    @doc(dask_common=_COMMON)
    def var(self, beta: float | None = None, *, alpha: float | None = None,
            span: float | None = None, com: float | None = None, halflife: Any = None,
            bias: bool = False, adjust: bool = True, ignore_na: bool = False,
            min_periods: int = 0, times: Hashable | None = None, by: Any = None,
            columns: Any = None, method: str | None = None, state: Any = None,
            return_state: bool = False) -> Any:
        """The exponentially weighted variance, as ``df.ewa.var``.

        Parameters
        ----------
        {decay}
        {bias}
        {adjust}
        {ignore_na}
        {min_periods}
        {dask_common}

        Examples
        --------
        >>> import dask, dask.dataframe as dd, pandas as pd
        >>> import streamstats.dask  # noqa: F401
        >>> s = dd.from_pandas(pd.Series([1.0, 3.0, 5.0], name="x"), npartitions=2)
        >>> with dask.config.set(scheduler="sync"):
        ...     s.ewa.var(beta=0.5).compute().round(4).tolist()
        [nan, 2.0, 3.7143]
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife, bias=bias,
                          adjust=adjust, ignore_na=ignore_na, min_periods=min_periods)
        return self._run("var", opts, times, by, columns, method, state, return_state)

    @doc(dask_common=_COMMON)
    def std(self, beta: float | None = None, *, alpha: float | None = None,
            span: float | None = None, com: float | None = None, halflife: Any = None,
            bias: bool = False, adjust: bool = True, ignore_na: bool = False,
            min_periods: int = 0, times: Hashable | None = None, by: Any = None,
            columns: Any = None, method: str | None = None, state: Any = None,
            return_state: bool = False) -> Any:
        """The exponentially weighted standard deviation, as ``df.ewa.std``.

        Parameters
        ----------
        {decay}
        {bias}
        {adjust}
        {ignore_na}
        {min_periods}
        {dask_common}

        Examples
        --------
        >>> import dask, dask.dataframe as dd, pandas as pd
        >>> import streamstats.dask  # noqa: F401
        >>> s = dd.from_pandas(pd.Series([1.0, 3.0, 5.0], name="x"), npartitions=2)
        >>> with dask.config.set(scheduler="sync"):
        ...     s.ewa.std(beta=0.5, bias=True).compute().round(4).tolist()
        [0.0, 0.9428, 1.4569]
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife, bias=bias,
                          adjust=adjust, ignore_na=ignore_na, min_periods=min_periods)
        return self._run("std", opts, times, by, columns, method, state, return_state)

    @doc(dask_common=_COMMON)
    def second_moment(self, beta: float | None = None, *, alpha: float | None = None,
                      span: float | None = None, com: float | None = None,
                      halflife: Any = None, bias_correction: bool = True,
                      ignore_na: bool = False, min_periods: int = 0,
                      times: Hashable | None = None, by: Any = None, columns: Any = None,
                      method: str | None = None, state: Any = None,
                      return_state: bool = False) -> Any:
        """The EW second moment of RMSprop and Adam, as ``df.ewa.second_moment``.

        Parameters
        ----------
        {decay}
        bias_correction : bool
            Divide by ``1 - beta**t`` (default), or the raw ``s_t`` from zero.
        {ignore_na}
        {min_periods}
        {dask_common}

        Examples
        --------
        >>> import dask, dask.dataframe as dd, pandas as pd
        >>> import streamstats.dask  # noqa: F401
        >>> s = dd.from_pandas(pd.Series([1.0, 3.0], name="x"), npartitions=2)
        >>> with dask.config.set(scheduler="sync"):
        ...     s.ewa.second_moment(beta=0.5).compute().round(4).tolist()
        [1.0, 6.3333]
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife,
                          bias_correction=bias_correction, ignore_na=ignore_na,
                          min_periods=min_periods)
        return self._run("second_moment", opts, times, by, columns, method, state,
                         return_state)

    @doc(dask_common=_COMMON, other=_OTHER)
    def cov(self, other: Any = None, beta: float | None = None, *,
            alpha: float | None = None, span: float | None = None, com: float | None = None,
            halflife: Any = None, bias: bool = False, adjust: bool = True,
            ignore_na: bool = False, min_periods: int = 0, times: Hashable | None = None,
            by: Any = None, columns: Any = None, method: str | None = None,
            state: Any = None, return_state: bool = False) -> Any:
        """The exponentially weighted covariance, as ``df.ewa.cov`` with ``other``.

        Parameters
        ----------
        {other}
        {decay}
        {bias}
        {adjust}
        {ignore_na}
        {min_periods}
        {dask_common}

        Examples
        --------
        >>> import dask, dask.dataframe as dd, pandas as pd
        >>> import streamstats.dask  # noqa: F401
        >>> f = dd.from_pandas(pd.DataFrame({"x": [1.0, 3.0, 5.0], "y": [1.0, 2.0, 4.0]}),
        ...                    npartitions=2)
        >>> with dask.config.set(scheduler="sync"):
        ...     f["x"].ewa.cov(f["y"], beta=0.5).compute().round(4).tolist()
        [nan, 1.0, 3.0]
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife, bias=bias,
                          adjust=adjust, ignore_na=ignore_na, min_periods=min_periods)
        return self._pairs("cov", opts, other, times, by, columns, method, state,
                           return_state)

    @doc(dask_common=_COMMON, other=_OTHER)
    def corr(self, other: Any = None, beta: float | None = None, *,
             alpha: float | None = None, span: float | None = None, com: float | None = None,
             halflife: Any = None, adjust: bool = True, ignore_na: bool = False,
             min_periods: int = 0, times: Hashable | None = None, by: Any = None,
             columns: Any = None, method: str | None = None, state: Any = None,
             return_state: bool = False) -> Any:
        """The exponentially weighted correlation, as ``df.ewa.corr`` with ``other``.

        Parameters
        ----------
        {other}
        {decay}
        {adjust}
        {ignore_na}
        {min_periods}
        {dask_common}

        Examples
        --------
        >>> import dask, dask.dataframe as dd, pandas as pd
        >>> import streamstats.dask  # noqa: F401
        >>> f = dd.from_pandas(pd.DataFrame({"x": [1.0, 3.0, 5.0], "y": [1.0, 2.0, 4.0]}),
        ...                    npartitions=2)
        >>> with dask.config.set(scheduler="sync"):
        ...     f["x"].ewa.corr(f["y"], beta=0.5).compute().round(4).tolist()
        [nan, 1.0, 0.9845]
        """
        opts = Options.of(beta, alpha=alpha, span=span, com=com, halflife=halflife,
                          adjust=adjust, ignore_na=ignore_na, min_periods=min_periods)
        return self._pairs("corr", opts, other, times, by, columns, method, state,
                           return_state)

    # -- the scan across partitions ----------------------------------------------------
    def _pairs(self, stat: str, opts: Options, other: Any, times: Any, by: Any,
               columns: Any, method: str | None, state: Any, return_state: bool) -> Any:
        obj = self._obj
        if other is None:
            if not isinstance(obj, dd.Series):
                raise ValueError(f"{stat} of a Dask DataFrame needs other= (a Series, or a "
                                 "frame whose columns of the same names pair up): pandas' "
                                 "pairwise layout, a row per (time, column), has no Dask form")
            other = obj  # pandas: a Series with itself
        if not isinstance(other, dd.Series | dd.DataFrame):
            raise TypeError(f"other must be a Dask Series or DataFrame, got "
                            f"{type(other).__name__}")
        if other.npartitions != obj.npartitions or (
                obj.known_divisions and other.known_divisions
                and tuple(other.divisions) != tuple(obj.divisions)):
            raise ValueError("other must have the same partitions as the frame (same "
                             "npartitions and divisions): align them first")
        exclude = as_list(by) + ([times] if times is not None else [])
        x_names = ([obj.name] if isinstance(obj, dd.Series)
                   else value_columns(_empty_like(obj), columns, exclude))
        plan = Pairs(x_names, isinstance(obj, dd.Series), other.name
                     if isinstance(other, dd.Series) else None,
                     None if isinstance(other, dd.Series)
                     else value_columns(_empty_like(other), None, []), exclude)
        return self._run(stat, opts, times, by, None, method, state, return_state, plan, other)

    def _run(self, stat: str, opts: Options, times: Any, by: Any, columns: Any,
             method: str | None, state: Any, return_state: bool, plan: Pairs | None = None,
             other: Any = None) -> Any:
        obj = self._obj
        series = isinstance(obj, dd.Series)
        by_names = as_list(by)
        if times is not None and not (isinstance(times, str) or np.ndim(times) == 0):
            raise TypeError("times= must name a column of the frame on Dask (a column of "
                            "time stamps)")
        if series and (by_names or times is not None or columns is not None):
            raise ValueError("a Dask Series takes no by=, times= or columns= (use a frame)")
        mergeable = make_accumulator(stat, opts).spec.adjust
        if method is None:
            method = "parallel" if mergeable else "chain"
        if method not in METHODS:
            raise ValueError(f"method must be 'parallel' or 'chain', got {method!r}")
        if method == "parallel" and not mergeable:
            raise ValueError("the seeded form (adjust=False) has no ordered merge of states: "
                             "use method='chain'")
        params = {**opts.to_dict(), "stats": (stat,), "times": times,
                  "by": by_names or None, "columns": None if columns is None else
                  as_list(columns)}
        carried = by_names + ([times] if times is not None else [])
        for c in [] if series else carried:
            if c not in obj.columns:
                what = "times" if c == times else "key"
                raise KeyError(f"{what} column {c!r} is not in the frame (columns: "
                               f"{list(obj.columns)})")
        if plan is not None:  # the pairs' lanes side by side in one frame
            params["columns"] = plan.lanes
            obj = _paired(plan, obj, other)
        elif not series:  # only what is used: Dask reads fewer columns
            obj = _only(obj, carried + value_columns(_empty_like(obj), columns, carried))
        task = _Task(params, plan)
        # checked now, on the empty frame: columns, keys, times, numeric dtypes
        meta = task.run(None, _empty_like(obj), 0)[0]
        start = _smoother_state(state, params)
        if method == "chain":
            result, final = _chain(task, obj, meta, start)
        else:
            result, final = _parallel(task, obj, meta, start, params)
        return (result, final) if return_state else result


def _paired(plan: Pairs, obj: Any, other: Any) -> Any:
    """The frame of :meth:`Pairs.prepare`: the lanes of the pairs and the key and
    time columns, each from the columns used only."""
    if isinstance(obj, dd.DataFrame):
        obj = _only(obj, plan.x + plan.carried)
    if isinstance(other, dd.DataFrame):
        other = _only(other, plan.y)
    meta = plan.prepare(_empty_like(obj), _empty_like(other))
    return obj.map_partitions(plan.prepare, other, meta=meta, enforce_metadata=False,
                              align_dataframes=False)


def _only(frame: Any, names: list) -> Any:
    """The frame's columns among ``names``, in the frame's order: Dask then reads
    only those."""
    wanted = set(names)
    return frame[[c for c in frame.columns if c in wanted]]


def _partitions(obj: Any) -> tuple[list[Delayed], tuple | None]:
    """The partitions as Dask plans them (it may fuse parquet files read for a few
    columns into one partition), and their divisions if they are still the frame's."""
    parts = obj.to_delayed()
    return parts, (obj.divisions if len(parts) == obj.npartitions else None)


def _chain(task: _Task, obj: Any, meta: Any, start: dict[str, Any] | None
           ) -> tuple[Any, Delayed]:
    """Each partition from the end state of the one before."""
    parts, divisions = _partitions(obj)
    run = dask.delayed(task.run, nout=2, pure=True)
    outs, carry = [], _literal(start)
    for i, part in enumerate(parts):
        out, carry = run(carry, part, i)
        outs.append(out)
    result = dd.from_delayed(outs, meta=meta, divisions=divisions, verify_meta=False)
    return result, dask.delayed(plain, pure=True)(carry)


def _parallel(task: _Task, obj: Any, meta: Any, start: dict[str, Any] | None,
              params: dict[str, Any]) -> tuple[Any, Delayed]:
    """Pass 1 (computed now): every partition's summary; the carries merged on the
    client; pass 2 (lazy): every partition from its carry, which travels to its
    task alone (a worker holds the carries of its partitions, not all of them)."""
    parts, divisions = _partitions(obj)  # once: both passes see the same ones
    summaries = dask.compute(*[dask.delayed(task.summary, pure=True)(part, i)
                               for i, part in enumerate(parts)])
    carries = merge_smoother_states(start, [s for s, _ in summaries], params)
    fixed = dd.from_delayed(parts, meta=_empty_like(obj), divisions=divisions,
                            verify_meta=False)
    carried = dd.from_delayed([_literal(_as_frame((carry, rows)))
                               for carry, (_, rows) in zip(carries, summaries)],
                              meta=_as_frame(None).iloc[:0], divisions=fixed.divisions,
                              verify_meta=False)
    # pass 2 is blockwise: Dask fuses it with what takes each partition (writing it)
    result = fixed.map_partitions(task.rerun, carried, meta=meta, enforce_metadata=False,
                                  align_dataframes=False)
    return result, _literal(plain(carries[-1]))


def _as_frame(value: Any) -> pd.DataFrame:
    """``value`` pickled into a column of bytes: a partition of a Dask frame that
    travels, aligned, to its partition's task alone. (A column of Python objects
    would do, but Dask converts object columns to strings.)"""
    return pd.DataFrame({"pickle": np.frombuffer(pickle.dumps(value), dtype=np.uint8)})


def _from_frame(frame: pd.DataFrame) -> Any:
    return pickle.loads(frame["pickle"].to_numpy().tobytes())


class Pairs:
    """cov/corr of pairs of columns: the frame's value columns ``x`` with a Series
    ``other`` (each column with it) or with the columns of the same name of a frame
    ``other`` (pandas' ``pairwise=False``; a name in only one of them gives NaN).
    The smoother sees the lanes ``x0 ... y0 ...`` and gives every pair of them;
    :meth:`finish` keeps the wanted ones in pandas' layout."""

    def __init__(self, x: list, x_series: bool, y_name: Any, y_columns: list | None,
                 carried: list) -> None:
        self.x, self.x_series, self.y_name, self.y_columns = x, x_series, y_name, y_columns
        self.carried = carried  # key and time columns, from the frame
        ys = [y_name] if y_columns is None else [c for c in y_columns if c in x]
        self.y = ys
        self.lanes = [f"x{i}" for i in range(len(x))] + [f"y{j}" for j in range(len(ys))]

    def prepare(self, part: Any, other: Any, partition_info: dict[str, Any] | None = None
                ) -> pd.DataFrame:
        if len(other) != len(part):
            number = "" if partition_info is None else f"partition {partition_info['number']}: "
            raise ValueError(f"{number}other has {len(other)} rows and the frame "
                             f"{len(part)}: give them the same partitions")
        columns = {f"x{i}": (part if self.x_series else part[c]).to_numpy()
                   for i, c in enumerate(self.x)}
        for j, c in enumerate(self.y):
            columns[f"y{j}"] = (other if self.y_columns is None else other[c]).to_numpy()
        frame = pd.DataFrame(columns, index=part.index)
        for c in self.carried:
            frame[c] = part[c].to_numpy()
        return frame

    def finish(self, out: pd.DataFrame, index: pd.Index) -> pd.Series | pd.DataFrame:
        k = len(self.lanes)
        values = out.to_numpy().reshape(len(index), k, k)
        nx = len(self.x)
        if self.y_columns is None:  # with a Series: each column with it
            pairs = values[:, :nx, nx]
            if self.x_series:
                name = self.x[0] if self.y_name == self.x[0] else None
                return pd.Series(pairs[:, 0], index=index, name=name)
            return pd.DataFrame(pairs, index=index, columns=pd.Index(self.x))
        union = pd.Index(self.x).union(pd.Index(self.y_columns), sort=None)
        result = pd.DataFrame(np.nan, index=index, columns=union)
        for j, c in enumerate(self.y):
            result[c] = values[:, self.x.index(c), nx + j]
        return result


class _Task:
    """The work of one partition, picklable: the smoother from a carry (or from
    empty) over the partition (for cov/corr, the frame of :meth:`Pairs.prepare`)."""

    def __init__(self, params: dict[str, Any], plan: Pairs | None) -> None:
        self.params, self.plan = params, plan

    def run(self, carry: dict[str, Any] | None, part: Any, number: int
            ) -> tuple[Any, dict[str, Any]]:
        sm = _smoother(carry, self.params)
        if self.plan is None:
            out = _update(sm, part, number)
        else:  # (the pairwise frame, thrown away by finish, is cheap on a RangeIndex)
            out = self.plan.finish(_update(sm, part.reset_index(drop=True), number),
                                   part.index)
        return out, compact(sm.to_dict())

    def summary(self, part: Any, number: int) -> tuple[dict[str, Any], int]:
        """Pass 1: the partition's state from empty (per key), and its length."""
        return self.run(None, part, number)[1], len(part)

    def rerun(self, part: Any, carried: pd.DataFrame, partition_info: dict[str, Any]
              ) -> Any:
        """Pass 2: the partition from its carry (checked to be the partition of pass
        1, in case the data changed between the passes)."""
        number = partition_info["number"]
        carry, rows = _from_frame(carried)
        if rows != len(part):
            raise RuntimeError(
                f"partition {number} has {len(part)} rows in pass 2 of method='parallel' "
                f"and had {rows} in pass 1 (the data changed between the passes): use "
                "method='chain', or persist the frame first")
        return self.run(carry, part, number)[0]


def _empty_like(obj: dd.DataFrame | dd.Series) -> pd.DataFrame | pd.Series:
    """An empty pandas object of the collection's columns, dtypes and index type."""
    index = pd.Index([], dtype=obj.index.dtype)
    if isinstance(obj, dd.Series):
        return pd.Series([], dtype=obj.dtype, name=obj.name, index=index)
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in obj.dtypes.items()},
                        index=index)


def _smoother_state(state: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    """A ``return_state`` (a smoother's dict, computed or not) to start from."""
    if state is None:
        return None
    if isinstance(state, Delayed):
        (state,) = dask.compute(state)
    if isinstance(state, OnlineSmoother):
        state = state.to_dict()
    if not isinstance(state, dict) or state.get("type") != "OnlineSmoother":
        raise TypeError("state= takes the state a return_state=True run returned")
    if OnlineSmoother.from_dict(state).params != OnlineSmoother(**params).params:
        raise ValueError("state= was computed with other options: give the same ones")
    return state


def _literal(value: Any) -> Delayed:
    """``value`` as one node of the graph: Dask neither walks it (a carry of many
    keys) nor copies it into every task that uses it."""
    return dask.delayed(value, traverse=False)


def _smoother(carry: dict[str, Any] | None, params: dict[str, Any]) -> OnlineSmoother:
    return OnlineSmoother(**params) if carry is None else OnlineSmoother.from_dict(carry)


def _update(sm: OnlineSmoother, part: Any, number: int) -> Any:
    try:
        return sm.update(part)
    except ValueError as exc:  # name the partition, as the pandas front names the row
        raise ValueError(f"partition {number}: {exc}") from None


register_dataframe_accessor("ewa")(DaskEWAccessor)
register_series_accessor("ewa")(DaskEWAccessor)
