"""``pl.Expr.ewa`` on the real occupancy log (nulls where values are missing) against
polars' own ``ewm_mean/ewm_var/ewm_std`` where they overlap, and against the pandas
accessor for everything polars lacks; eager, lazy, streaming, ``.over()`` and ``by=``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import polars as pl
import pytest

import streamstats.polars  # noqa: F401  (registers .ewa)
from tests.oracles import ROOT, assert_close


@pytest.fixture(scope="module")
def log(sensors):
    return pl.from_pandas(sensors)  # NaN becomes null: the missing values


# -- polars' own ewm_*, over the grid they share ----------------------------------
DECAYS = [({"alpha": 0.3}, {"alpha": 0.3}), ({"com": 4.0}, {"com": 4.0}),
          ({"span": 12}, {"span": 12}), ({"half_life": 6.0}, {"halflife": 6.0})]
POLARS = {"smooth": "ewm_mean", "var": "ewm_var", "std": "ewm_std"}
GRID = [(stat, decay, adjust, ignore, minp, bias)
        for stat in POLARS for decay in DECAYS for adjust in (True, False)
        for ignore in (False, True) for minp in (1, 3)
        for bias in ((None,) if stat == "smooth" else (False, True))]


@pytest.mark.parametrize("stat, decay, adjust, ignore, minp, bias", GRID,
                         ids=lambda v: str(v))
def test_equals_polars_ewm_where_polars_has_it(log, stat, decay, adjust, ignore, minp, bias):
    (theirs_decay, ours_decay), spread = decay, {} if bias is None else {"bias": bias}
    theirs = getattr(pl.col("value"), POLARS[stat])(
        **theirs_decay, adjust=adjust, ignore_nulls=ignore, min_samples=minp, **spread)
    ours = getattr(pl.col("value").ewa, stat)(
        **ours_decay, adjust=adjust, ignore_na=ignore, min_periods=minp, **spread)
    present = log["value"].is_not_null().to_numpy()
    for per_key in (False, True):
        t, o = (theirs.over("sensor"), ours.over("sensor")) if per_key else (theirs, ours)
        eager = log.select(o)["value"]
        assert eager.dtype == pl.Float64
        assert eager.equals(log.lazy().select(o).collect()["value"])
        expected = log.select(t)["value"].to_numpy()
        # polars gives null on null rows; we carry the last value forward (pandas)
        assert_close(eager.to_numpy()[present], expected[present])


# -- everything polars lacks, against the pandas accessor ---------------------------
TIMES, BY = {"times": "time"}, {"by": "sensor"}
LACKING = [
    ("smooth", {"beta": 0.9, "bias_correction": False}, {}),  # the lecture's raw v_t
    ("second_moment", {"beta": 0.9}, {}),
    ("second_moment", {"beta": 0.9, "bias_correction": False, "min_periods": 3}, BY),
    ("cov", {"alpha": 0.2}, {}),
    ("cov", {"alpha": 0.2, "bias": True, "ignore_na": True}, BY),
    ("corr", {"span": 9}, {}),
    ("var", {"halflife": "20min"}, TIMES),
    ("std", {"halflife": "20min", "bias": True}, TIMES),
    ("cov", {"halflife": "20min"}, TIMES),
    ("corr", {"halflife": timedelta(minutes=20)}, TIMES),
    ("smooth", {"halflife": "20min", "adjust": False}, TIMES),  # seeded form by time
    ("smooth", {"halflife": "1h"}, {**TIMES, **BY}),
    ("var", {"halflife": "1h", "min_periods": 2}, {**TIMES, **BY}),
    ("corr", {"halflife": "90s"}, {**TIMES, **BY}),
]


def _ours(stat: str, options: dict, layout: dict) -> pl.Expr:
    pair = ["other"] if stat in ("cov", "corr") else []
    return getattr(pl.col("value").ewa, stat)(*pair, **options, **layout)


@pytest.mark.parametrize("stat, options, layout", LACKING, ids=lambda v: str(v))
def test_what_polars_lacks_equals_the_pandas_accessor(log, sensors, stat, options, layout):
    got = log.select(_ours(stat, options, layout))["value"]
    pair = [sensors["other"]] if stat in ("cov", "corr") else []
    expected = getattr(sensors.ewa, stat)(*pair, **options, **layout, columns=["value"])
    assert_close(got.to_numpy(), expected["value"].to_numpy())


@pytest.mark.parametrize("stat, options, layout", [c for c in LACKING if "by" in c[2]],
                         ids=lambda v: str(v))
def test_by_equals_over(log, stat, options, layout):
    by = log.select(_ours(stat, options, layout))["value"]
    layout = {k: v for k, v in layout.items() if k != "by"}
    over = log.select(_ours(stat, options, layout).over("sensor"))["value"]
    assert_close(by.to_numpy(), over.to_numpy())


@pytest.mark.parametrize("stat, options, layout", LACKING[::3], ids=lambda v: str(v))
def test_streaming_equals_in_memory(log, stat, options, layout):
    query = log.lazy().with_columns(_ours(stat, options, layout).alias("smoothed"))
    assert query.collect(engine="streaming").equals(query.collect())


# -- names, types, the Series namespace ----------------------------------------------
def test_the_result_keeps_the_name_and_alias_works(log):
    out = log.select(pl.col("value").ewa.std(alpha=0.1),
                     pl.col("other").ewa.smooth(alpha=0.1).alias("level"),
                     pl.col("value").ewa.cov("other", alpha=0.1, by="sensor").alias("c"))
    assert out.columns == ["value", "level", "c"]
    assert out.dtypes == [pl.Float64] * 3


def test_the_series_namespace_equals_the_expression(log):
    s = log["value"]
    got = s.ewa.corr(log["other"], halflife="1h", times=log["time"], by=log["sensor"])
    expected = log.select(pl.col("value").ewa.corr("other", halflife="1h", times="time",
                                                   by="sensor"))["value"]
    assert got.name == "value" and got.equals(expected)
    unnamed = pl.Series([1.0, 3.0, 5.0]).ewa.smooth(beta=0.5, by=pl.Series([1, 1, 2]))
    assert unnamed.to_list() == pytest.approx([1.0, 3.5 / 1.5, 5.0], rel=1e-15)


def test_times_and_keys_may_be_expressions_and_numbers_are_seconds(log):
    named = log.select(pl.col("value").ewa.var(halflife="1h", times="time", by="sensor"))
    exprs = log.select(pl.col("value").ewa.var(halflife=timedelta(hours=1),
                                               times=pl.col("time"), by=[pl.col("sensor")]))
    assert named.equals(exprs)
    seconds = log.select(pl.col("value").ewa.var(
        halflife=3600.0, times=pl.col("time").dt.epoch("s"), by="sensor"))
    assert_close(seconds["value"].to_numpy(), named["value"].to_numpy())


def test_aware_time_stamps_decay_by_their_instants(log):
    naive = log.select(pl.col("value").ewa.smooth(halflife="1h", times="time"))
    aware = log.with_columns(pl.col("time").dt.replace_time_zone("UTC")
                             .dt.convert_time_zone("Asia/Kolkata")).select(
        pl.col("value").ewa.smooth(halflife="1h", times="time"))
    assert naive.equals(aware)


# -- missing values and NaN ---------------------------------------------------------
def test_nan_is_a_value_as_in_polars_ewm(log):
    """A float NaN poisons the statistic from its row on (per key), as polars'
    ewm_* do; fill_nan(None) makes it a missing value instead."""
    poisoned = log.with_columns(pl.when(pl.int_range(pl.len()) == 700).then(float("nan"))
                                .otherwise(pl.col("value")).alias("value"))
    for ours, theirs in [(pl.col("value").ewa.smooth(alpha=0.2), pl.col("value").ewm_mean(
            alpha=0.2)), (pl.col("value").ewa.std(alpha=0.2), pl.col("value").ewm_std(
                alpha=0.2))]:
        for per_key in (False, True):
            o, t = (ours.over("sensor"), theirs.over("sensor")) if per_key else (ours, theirs)
            got, expected = poisoned.select(o)["value"], poisoned.select(t)["value"]
            present = poisoned["value"].is_not_null().to_numpy()
            assert_close(got.to_numpy()[present], expected.to_numpy()[present])
            assert expected.is_nan().any()  # (both NaN at the same present rows)
    row_700 = pl.int_range(pl.len()) == 700
    as_missing = poisoned.select(pl.col("value").fill_nan(None).ewa.smooth(alpha=0.2))
    nulled = log.with_columns(pl.when(row_700).then(None).otherwise(pl.col("value"))
                              .alias("value"))
    assert as_missing.equals(nulled.select(pl.col("value").ewa.smooth(alpha=0.2)))


def test_null_rows_carry_the_last_value_forward(log, sensors):
    got = log.select(pl.col("value").ewa.smooth(alpha=0.2, min_periods=5))["value"]
    expected = sensors["value"].ewa.smooth(alpha=0.2, min_periods=5)
    assert_close(got.to_numpy(), expected.to_numpy())
    assert got[:4].is_null().all() and got[4] is not None  # no value until min_periods


# -- bad input: a polars error at collect(), naming it --------------------------------
def test_bad_input_is_named(log):
    lazy = log.lazy()
    with pytest.raises(pl.exceptions.InvalidOperationError,
                       match="column 'sensor' is not numeric"):
        lazy.select(pl.col("sensor").ewa.smooth(alpha=0.1)).collect()
    with pytest.raises(pl.exceptions.InvalidOperationError,
                       match="times column 'sensor' must hold datetimes"):
        lazy.select(pl.col("value").ewa.smooth(halflife=60.0, times="sensor")).collect()
    backwards = log.with_columns(pl.when(pl.int_range(pl.len()) == 1500)
                                 .then(pl.datetime(2015, 2, 1)).otherwise(pl.col("time"))
                                 .alias("time"))
    with pytest.raises(pl.exceptions.ComputeError,
                       match="time stamps go backwards for key '(V1|V2|V3|V4)' at row 1500"):
        backwards.lazy().select(pl.col("value").ewa.var(halflife="1h", times="time",
                                                        by="sensor")).collect()
    with pytest.raises(pl.exceptions.ComputeError, match="time stamps go backwards"):
        backwards.lazy().select(pl.col("value").ewa.var(halflife="1h", times="time")
                                .over("sensor")).collect(engine="streaming")
    missing = log.with_columns(pl.when(pl.int_range(pl.len()) == 9).then(None)
                               .otherwise(pl.col("time")).alias("time"))
    with pytest.raises(pl.exceptions.ComputeError, match="NaT|missing"):
        missing.select(pl.col("value").ewa.smooth(halflife="1h", times="time"))
    with pytest.raises(pl.exceptions.InvalidOperationError, match="takes one column, got "
                       "'value' and 'other'"):
        lazy.select(pl.col("value", "other").ewa.smooth(alpha=0.1, by="sensor")).collect()
    two = log.select(pl.col("value", "other").ewa.smooth(alpha=0.1))  # each on its own
    assert two.equals(log.select(pl.col("value").ewa.smooth(alpha=0.1),
                                 pl.col("other").ewa.smooth(alpha=0.1)))
    with pytest.raises(ValueError, match="halflife='6h' is a duration: give times="):
        pl.col("value").ewa.smooth(halflife="6h")  # refused when the expression is built
    with pytest.raises(ValueError, match="exactly one of"):
        pl.col("value").ewa.smooth(alpha=0.1, span=3)


def test_importing_streamstats_does_not_import_polars():
    code = "import sys, streamstats; print('polars' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout.strip() == "False"


def test_an_empty_frame_gives_an_empty_column():
    empty = pl.DataFrame({"x": pl.Series([], dtype=pl.Float64)})
    out = empty.select(pl.col("x").ewa.var(alpha=0.5))
    assert out.shape == (0, 1) and out.dtypes == [pl.Float64]
