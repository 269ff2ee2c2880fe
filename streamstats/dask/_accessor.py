"""``ddf.ewa``: the pandas accessor's statistics on Dask collections, exact across
partitions (see the package docstring for the two methods)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.dataframe.extensions import register_dataframe_accessor, register_series_accessor
from dask.delayed import Delayed

from .._core.docs import doc
from .._pandas.frame import as_list
from .._pandas.online import OnlineSmoother
from .._pandas.registry import Options, make_accumulator
from ._carries import merge_smoother_states

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


class DaskEWAccessor:
    """Exponentially weighted statistics of a Dask DataFrame (each numeric column)
    or Series, per key and by time, exact across partitions.

    The methods take the pandas accessor's parameters (``df.ewa``) plus ``method``
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

    # -- the scan across partitions ----------------------------------------------------
    def _run(self, stat: str, opts: Options, times: Any, by: Any, columns: Any,
             method: str | None, state: Any, return_state: bool) -> Any:
        obj = self._obj
        series = isinstance(obj, dd.Series)
        by_names = as_list(by)
        if times is not None and not (isinstance(times, str) or np.ndim(times) == 0):
            raise TypeError("times= must name a column of the frame on Dask (a column of "
                            "time stamps)")
        if series and (by_names or times is not None or columns is not None):
            raise ValueError("a Dask Series takes no by=, times= or columns= (use a frame)")
        meta_in = _empty_like(obj)
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
        # checked now, on the empty frame: columns, keys, times, numeric dtypes
        meta = OnlineSmoother(**params).update(meta_in)
        start = _smoother_state(state, params)
        parts = obj.to_delayed()
        if method == "chain":
            outs, carry = [], start
            for i, part in enumerate(parts):
                pair = dask.delayed(_chain_step, nout=2, pure=True)(part, carry, params, i)
                outs.append(pair[0])
                carry = pair[1]
            final = carry
        else:
            summaries = dask.compute(*[dask.delayed(_summary, pure=True)(part, params, i)
                                       for i, part in enumerate(parts)])
            carries = merge_smoother_states(start, summaries, params)
            outs = [dask.delayed(_rerun, pure=True)(part, carry, params, i)
                    for i, (part, carry) in enumerate(zip(parts, carries[:-1]))]
            final = dask.delayed(carries[-1])
        result = dd.from_delayed(outs, meta=meta, divisions=obj.divisions, verify_meta=False)
        return (result, final) if return_state else result


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


def _smoother(carry: dict[str, Any] | None, params: dict[str, Any]) -> OnlineSmoother:
    return OnlineSmoother(**params) if carry is None else OnlineSmoother.from_dict(carry)


def _update(sm: OnlineSmoother, part: Any, number: int) -> Any:
    try:
        return sm.update(part)
    except ValueError as exc:  # name the partition, as the pandas front names the row
        raise ValueError(f"partition {number}: {exc}") from None


def _chain_step(part: Any, carry: dict[str, Any] | None, params: dict[str, Any],
                number: int) -> tuple[Any, dict[str, Any]]:
    sm = _smoother(carry, params)
    out = _update(sm, part, number)
    return out, sm.to_dict()


def _summary(part: Any, params: dict[str, Any], number: int) -> dict[str, Any]:
    """The partition's state from empty (per key): its summary."""
    sm = OnlineSmoother(**params)
    _update(sm, part, number)
    return sm.to_dict()


def _rerun(part: Any, carry: dict[str, Any] | None, params: dict[str, Any], number: int
           ) -> Any:
    return _update(_smoother(carry, params), part, number)


register_dataframe_accessor("ewa")(DaskEWAccessor)
register_series_accessor("ewa")(DaskEWAccessor)
