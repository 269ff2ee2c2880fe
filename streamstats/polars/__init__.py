"""Exponentially weighted statistics as polars expressions: ``import
streamstats.polars`` registers an ``ewa`` namespace on ``pl.Expr`` and ``pl.Series``
(polars' ``register_expr_namespace`` / ``register_series_namespace``).

``pl.col("x").ewa.smooth(alpha=0.1)``, ``.var``, ``.std``, ``.second_moment``,
``.cov(other)`` and ``.corr(other)`` take the pandas accessor's parameters and give
its numbers, in polars' idiom: usable in ``select`` and ``with_columns``, eager and
lazy (also ``collect(engine="streaming")``), under ``.over(key)`` or with ``by=``,
with ``times=`` a column of time stamps and a duration ``halflife``. The result is
``Float64`` and keeps the input's name.

Missing values: ``null`` is a missing value (pandas' rules for NaN: ``ignore_na``,
``min_periods``, the output carried forward on missing rows); where there is no value
yet the output is ``null``. A float ``NaN`` is a value, as in polars' own
``ewm_*``: the statistic is NaN from that row on (per key); ``fill_nan(None)`` makes
it missing instead.
"""

from __future__ import annotations

from ._namespace import ExprEWA, SeriesEWA

__all__ = ["ExprEWA", "SeriesEWA"]
