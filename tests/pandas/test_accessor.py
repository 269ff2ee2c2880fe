"""The ``ewa`` accessor against pandas (one oracle table, run over the full option
grid on generated data with NaN runs and on the real series), ``by=`` against
``groupby().ewm()``, time-decayed statistics against a direct weighted sum."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import streamstats  # noqa: F401  (the accessor)
from tests.oracles import DATA, assert_close

BETA = 0.8


def _raw_ewa(x: np.ndarray, beta: float, ignore_na: bool, minp: int) -> np.ndarray:
    """The lecture's zero-started v_t in closed form: sum over observed i <= t of
    (1 - beta) beta**(t - i) x_i (t counting observed rows only with ignore_na)."""
    obs = ~np.isnan(x)
    pos = np.cumsum(obs) if ignore_na else np.arange(1, x.size + 1)
    out = np.empty(x.size)
    for t in range(x.size):
        i = np.flatnonzero(obs[: t + 1])
        out[t] = np.sum((1 - beta) * beta ** (pos[t] - pos[i]) * x[i])
    out[np.cumsum(obs) < max(minp, 1)] = np.nan
    return out


def _columns(frame, fn):
    if isinstance(frame, pd.Series):
        return pd.Series(fn(frame.to_numpy()), index=frame.index, name=frame.name)
    return frame.apply(lambda c: pd.Series(fn(c.to_numpy()), index=c.index))


# (method, our options, pandas oracle(obj, ewm options)); the grid adds ignore_na
# and min_periods to every row
ORACLES = [
    ("smooth", {}, lambda o, kw: o.ewm(**kw).mean()),
    ("smooth", {"adjust": False}, lambda o, kw: o.ewm(adjust=False, **kw).mean()),
    ("smooth", {"bias_correction": False},
     lambda o, kw: _columns(o, lambda x: _raw_ewa(x, BETA, kw["ignore_na"], kw["min_periods"]))),
    ("second_moment", {}, lambda o, kw: (o**2).ewm(**kw).mean()),
    ("second_moment", {"bias_correction": False},
     lambda o, kw: _columns(o, lambda x: _raw_ewa(x * x, BETA, kw["ignore_na"],
                                                   kw["min_periods"]))),
    *[(m, {"bias": b, "adjust": a},
       lambda o, kw, m=m, b=b, a=a: getattr(o.ewm(adjust=a, **kw), m)(bias=b))
      for m, b, a in itertools.product(("var", "std"), (False, True), (True, False))],
    *[("cov", {"bias": b, "adjust": a},
       lambda o, kw, b=b, a=a: o.ewm(adjust=a, **kw).cov(bias=b))
      for b, a in itertools.product((False, True), (True, False))],
    *[("corr", {"adjust": a}, lambda o, kw, a=a: o.ewm(adjust=a, **kw).corr())
      for a in (True, False)],
]
GRID = [dict(ignore_na=i, min_periods=m) for i, m in itertools.product((False, True), (0, 3))]


def _oracle_kw(kw):
    return {"alpha": 1 - BETA, **kw}


# values on a grid of 1/8: tiny magnitudes would underflow in the products of
# cov/corr, which pandas and we then round differently to 0 or a subnormal
finite = st.integers(-8000, 8000).map(lambda i: i / 8)
runs = st.lists(st.one_of(st.lists(finite, min_size=1, max_size=6),
                          st.integers(1, 5).map(lambda n: [np.nan] * n)), max_size=12)


def _flat(parts):
    return np.array([v for p in parts for v in p], dtype=np.float64)


@pytest.mark.parametrize("method, options, oracle", ORACLES,
                         ids=[f"{m}-{o}" for m, o, _ in ORACLES])
@given(a=runs, b=runs, c=runs)
@settings(max_examples=15, deadline=None)
def test_parity_with_pandas_on_generated_data(method, options, oracle, a, b, c):
    cols = [_flat(p) for p in (a, b, c)]
    n = min(len(x) for x in cols)
    frame = pd.DataFrame({"a": cols[0][:n], "b": cols[1][:n], "c": cols[2][:n]},
                         index=pd.RangeIndex(10, 10 + 2 * n, 2))
    for kw in GRID:
        _check_pair(frame, method, options, oracle, kw)


def _check_pair(frame, method, options, oracle, kw, rtol=1e-12):
    """The first column as a Series (paired with the second) and the whole frame."""
    for obj in (frame.iloc[:, 0], frame):
        if method in ("cov", "corr") and isinstance(obj, pd.Series):
            other = frame.iloc[:, 1]
            ours = getattr(obj.ewa, method)(other, beta=BETA, **options, **kw)
            ewm = obj.ewm(alpha=1 - BETA, adjust=options.get("adjust", True), **kw)
            extra = {"bias": options["bias"]} if "bias" in options else {}
            expected = getattr(ewm, method)(other, **extra)
        else:
            ours = getattr(obj.ewa, method)(beta=BETA, **options, **kw)
            expected = oracle(obj, _oracle_kw(kw))
        assert type(ours) is type(expected)
        pd.testing.assert_index_equal(ours.index, expected.index)
        if isinstance(ours, pd.DataFrame):
            pd.testing.assert_index_equal(ours.columns, expected.columns)
            assert (ours.dtypes == np.float64).all()
        else:
            assert ours.dtype == np.float64 and ours.name == expected.name
        assert_close(ours.to_numpy(), expected.to_numpy(dtype=np.float64), rtol=rtol)


def _real_frame():
    return pd.read_csv(DATA / "occupancy.csv", parse_dates=["time"], index_col="time")


@pytest.mark.parametrize("method, options, oracle", ORACLES,
                         ids=[f"{m}-{o}" for m, o, _ in ORACLES])
def test_parity_with_pandas_on_real_series(method, options, oracle):
    frame = _real_frame()
    frame.iloc[40:55, 1] = np.nan  # a gap in one sensor
    for kw in GRID:
        _check_pair(frame, method, options, oracle, kw, rtol=1e-12)
    temps = pd.read_csv(DATA / "seattle-temps.csv")[["temp"]]
    if method not in ("cov", "corr"):
        _check_pair(temps, method, options, oracle, GRID[0], rtol=1e-12)


def test_decay_parameters_convert_as_in_pandas():
    s = pd.read_csv(DATA / "co2-weekly.csv")["co2"]
    for ours, theirs in [({"span": 19}, {"span": 19}), ({"com": 9}, {"com": 9}),
                         ({"halflife": 6.6}, {"halflife": 6.6}), ({"alpha": 0.1}, {"alpha": 0.1})]:
        assert_close(s.ewa.smooth(**ours), s.ewm(**theirs).mean(), rtol=1e-12)


# -- by= ------------------------------------------------------------------------------


def _long_sensors():
    """The four occupancy sensors as one long frame keyed by sensor, rows shuffled
    between sensors but in time order within each."""
    occ = pd.read_csv(DATA / "occupancy.csv", parse_dates=["time"])
    long = occ.melt(id_vars="time", var_name="sensor", value_name="value")
    long["other"] = np.cos(np.arange(len(long)))
    long.loc[long.index % 17 == 3, "value"] = np.nan
    order = np.random.default_rng(3).permutation(len(long))
    return long.iloc[order].sort_values("time", kind="stable").reset_index(drop=True)


def _groupby_oracle(df, by, fn):
    """pandas groupby().ewm() realigned to the original row order."""
    grouped = fn(df.groupby(by, dropna=False)[["value", "other"]])
    return grouped.reset_index(level=list(range(len(np.atleast_1d(by)))), drop=True).loc[
        df.index]


@pytest.mark.parametrize("method, options, pandas_call", [
    ("smooth", {}, lambda g: g.ewm(alpha=1 - BETA).mean()),
    ("smooth", {"adjust": False}, lambda g: g.ewm(alpha=1 - BETA, adjust=False).mean()),
    ("var", {}, lambda g: g.ewm(alpha=1 - BETA).var()),
    ("std", {"bias": True}, lambda g: g.ewm(alpha=1 - BETA).std(bias=True)),
    ("smooth", {"ignore_na": True, "min_periods": 2},
     lambda g: g.ewm(alpha=1 - BETA, ignore_na=True, min_periods=2).mean()),
])
def test_by_equals_groupby_ewm_in_original_order(method, options, pandas_call):
    df = _long_sensors()
    ours = getattr(df.drop(columns="time").ewa, method)(beta=BETA, by="sensor", **options)
    expected = _groupby_oracle(df, "sensor", pandas_call)
    pd.testing.assert_index_equal(ours.index, df.index)
    assert list(ours.columns) == ["value", "other"]
    assert_close(ours.to_numpy(), expected.to_numpy(), rtol=1e-12)


@given(keys=st.lists(st.sampled_from(["a", "b", None, "c"]), min_size=1, max_size=40),
       second=st.lists(st.integers(0, 2), min_size=40, max_size=40))
@settings(max_examples=30, deadline=None)
def test_by_with_missing_and_multiple_keys(keys, second):
    n = len(keys)
    x = np.sin(np.arange(n) * 1.7) * 5
    x[::5] = np.nan
    df = pd.DataFrame({"k": keys, "k2": second[:n], "x": x}, index=np.arange(n)[::-1] * 3)
    for by in ("k", ["k", "k2"]):
        ours = df.ewa.smooth(beta=BETA, by=by)
        expected = df.groupby(by, dropna=False)[["x"]].ewm(alpha=1 - BETA).mean()
        expected = expected.reset_index(level=list(range(len(np.atleast_1d(by)))), drop=True)
        assert_close(ours["x"].to_numpy(), expected.loc[df.index, "x"].to_numpy())


def test_series_by_array_and_pairwise_cov_by_key():
    df = _long_sensors()
    ours = df["value"].ewa.smooth(beta=BETA, by=df["sensor"].to_numpy())
    expected = _groupby_oracle(df, "sensor", lambda g: g.ewm(alpha=1 - BETA).mean())
    assert_close(ours.to_numpy(), expected["value"].to_numpy(), rtol=1e-12)
    cov = df[["sensor", "value", "other"]].ewa.cov(beta=BETA, by="sensor")
    for rows in df.groupby("sensor").groups.values():
        part = df.loc[rows, ["value", "other"]].ewm(alpha=1 - BETA).cov()
        assert_close(cov.loc[rows].to_numpy(), part.to_numpy(), rtol=1e-12)


# -- times -----------------------------------------------------------------------------


def _water_flow():
    flow = pd.read_csv(DATA / "water-flow.csv")
    flow.columns = ["time", "flow"]
    flow["time"] = pd.to_datetime(flow["time"], utc=True)  # offsets change with DST
    return flow


def _direct(x, y, t, halflife, stat, bias=False):
    """Each statistic at each row as an explicit weighted sum over the observed rows
    so far, weights 0.5 ** ((t_now - t_i) / halflife)."""
    out = np.full(x.size, np.nan)
    for now in range(x.size):
        i = np.flatnonzero(~np.isnan(x[: now + 1]) & ~np.isnan(y[: now + 1]))
        if i.size == 0:
            continue
        w = 0.5 ** ((t[now] - t[i]) / halflife)
        s1, s2 = w.sum(), (w * w).sum()
        mx, my = (w * x[i]).sum() / s1, (w * y[i]).sum() / s1
        cxy = (w * (x[i] - mx) * (y[i] - my)).sum() / s1
        cxx = (w * (x[i] - mx) ** 2).sum() / s1
        cyy = (w * (y[i] - my) ** 2).sum() / s1
        unbias = 1.0 if bias else (s1 * s1 / (s1 * s1 - s2) if i.size > 1 else np.nan)
        with np.errstate(invalid="ignore"):  # corr of a single sample: 0 / 0
            out[now] = {"mean": mx, "var": cxx * unbias, "std": np.sqrt(cxx * unbias),
                        "cov": cxy * unbias, "corr": cxy / np.sqrt(cxx * cyy)}[stat]
    return out


@pytest.mark.parametrize("stat, bias", [("mean", False), ("var", False), ("var", True),
                                        ("std", False), ("cov", False), ("cov", True),
                                        ("corr", False)])
def test_time_decay_of_every_statistic_equals_the_weighted_sum(stat, bias):
    flow = _water_flow().iloc[:300]
    flow["other"] = np.sqrt(flow["flow"].fillna(0)) + np.sin(np.arange(len(flow)))
    t = (flow["time"] - flow["time"].iloc[0]).dt.total_seconds().to_numpy()
    x, y = flow["flow"].to_numpy(), flow["other"].to_numpy()
    kw = {} if stat in ("mean", "corr") else {"bias": bias}
    if stat in ("cov", "corr"):
        ours = getattr(flow["flow"].ewa, stat)(flow["other"], halflife="6h", times=flow["time"],
                                                **kw)
        expected = _direct(x, y, t, 6 * 3600, stat, bias)
    else:
        method = "smooth" if stat == "mean" else stat
        ours = getattr(flow.set_index("time")["flow"].ewa, method)(halflife="6h", **kw)
        expected = _direct(x, x, t, 6 * 3600, stat, bias)
    assert_close(ours.to_numpy(), expected, rtol=1e-10)
    if stat == "mean":  # pandas has the mean with times, adjusted and seeded
        for adjust in (True, False):
            ours = flow["flow"].ewa.smooth(halflife="6h", times=flow["time"], adjust=adjust)
            theirs = flow["flow"].ewm(halflife="6h", times=flow["time"], adjust=adjust).mean()
            assert_close(ours.to_numpy(), theirs.to_numpy(), rtol=1e-12)


def test_times_given_as_column_array_or_index_agree():
    flow = _water_flow()
    by_column = flow.ewa.var(halflife="6h", times="time")
    by_array = flow[["flow"]].ewa.var(halflife="6h", times=flow["time"].to_numpy())
    by_index = flow.set_index("time").ewa.var(halflife="6h")
    assert list(by_column.columns) == ["flow"]
    np.testing.assert_array_equal(by_column.to_numpy(), by_array.to_numpy())
    np.testing.assert_array_equal(by_column.to_numpy(), by_index.to_numpy())
    # a numeric halflife counts rows, even on a DatetimeIndex (pandas' rule)
    rows = flow.set_index("time")["flow"]
    assert_close(rows.ewa.smooth(halflife=6.0), rows.ewm(halflife=6.0).mean())


# -- layout and non-numeric columns ------------------------------------------------------


def test_frame_keeps_numeric_columns_in_order_as_float64():
    df = pd.DataFrame({"name": list("abcd"), "i": [1, 2, 3, 4], "f": [1.0, np.nan, 2.0, 3.0],
                       "b": [True, False, True, True], "n": pd.array([1, None, 3, 4], "Int64")},
                      index=list("wxyz"))
    out = df.ewa.smooth(beta=0.5)
    assert list(out.columns) == ["i", "f", "b", "n"]
    assert (out.dtypes == np.float64).all() and list(out.index) == list("wxyz")
    expected = df[["i", "f", "b", "n"]].astype(float).ewm(alpha=0.5).mean()
    assert_close(out.to_numpy(), expected.to_numpy())
    with pytest.raises(TypeError, match="column 'name' is not numeric"):
        df.ewa.smooth(beta=0.5, columns=["i", "name"])
    assert list(df.ewa.smooth(beta=0.5, columns=["f"]).columns) == ["f"]


def test_cov_with_other_frame_and_series_match_pandas_layouts():
    occ = _real_frame()
    left, right = occ[["V1", "V2"]], occ[["V2", "V3"]]
    for pairwise in (False, True):
        ours = left.ewa.cov(right, beta=BETA, pairwise=pairwise)
        theirs = left.ewm(alpha=1 - BETA).cov(right, pairwise=pairwise)
        pd.testing.assert_index_equal(ours.index, theirs.index)
        pd.testing.assert_index_equal(ours.columns, theirs.columns)
        assert_close(ours.to_numpy(), theirs.to_numpy(), rtol=1e-12)
    ours = left.ewa.corr(occ["V4"], beta=BETA)
    assert_close(ours.to_numpy(), left.ewm(alpha=1 - BETA).corr(occ["V4"]).to_numpy(),
                 rtol=1e-12)


# -- bad input ------------------------------------------------------------------------

_BAD = pd.DataFrame({"t": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02"]),
                     "x": [1.0, 2.0, 3.0], "s": ["a", "b", "c"]})


@pytest.mark.parametrize("call, error, message", [
    (lambda: _BAD.ewa.smooth(beta=1.5), ValueError, r"beta must be in \[0, 1\)"),
    (lambda: _BAD.ewa.smooth(), ValueError, "exactly one of beta"),
    (lambda: _BAD.ewa.var(beta=0.5, span=3), ValueError, r"got beta, span"),
    (lambda: _BAD.ewa.smooth(alpha=0.0), ValueError, "alpha"),
    (lambda: _BAD.ewa.smooth(beta=0.5, min_periods=-1), ValueError, "min_periods"),
    (lambda: _BAD.ewa.smooth(beta=0.5, adjust="yes"), TypeError, "adjust must be"),
    (lambda: _BAD.ewa.smooth(beta=0.5, bias_correction=False, adjust=True), ValueError,
     "contradicts bias_correction=False"),
    (lambda: _BAD.ewa.smooth(beta=0.5, columns=["s"]), TypeError, "column 's' is not numeric"),
    (lambda: _BAD["s"].ewa.smooth(beta=0.5), TypeError, "Series 's' is not numeric"),
    (lambda: _BAD.ewa.smooth(beta=0.5, columns=["zz"]), KeyError, "column 'zz' is not in"),
    (lambda: _BAD.ewa.smooth(halflife="1h", times="t"), ValueError,
     r"time stamps go backwards at row 2"),
    (lambda: _BAD.assign(s=["a", "b", "b"]).ewa.std(halflife="1h", times="t", by="s"),
     ValueError, r"go backwards for key 'b' at row 2 \(index 2\)"),
    (lambda: _BAD.assign(t=[pd.NaT, *_BAD.t[1:]]).ewa.var(halflife="1h", times="t"), ValueError,
     "NaT at row 0"),
    (lambda: _BAD.ewa.smooth(halflife="1h"), ValueError, "halflife duration needs time stamps"),
    (lambda: _BAD.ewa.smooth(beta=0.5, times="t"), ValueError, "given as halflife, not beta"),
    (lambda: _BAD.ewa.smooth(halflife="1h", times="nope"), KeyError, "times='nope'"),
    (lambda: _BAD.ewa.smooth(halflife="1h", times=_BAD.t[:2]), ValueError, "one stamp per row"),
    (lambda: _BAD.ewa.smooth(beta=0.5, by="nope"), KeyError, "by='nope'"),
    (lambda: _BAD["x"].ewa.smooth(beta=0.5, by=[1, 2]), ValueError, "by has 2 keys for 3 rows"),
    (lambda: pd.Series([1 + 1j, 2]).ewa.smooth(beta=0.5), TypeError, "complex128"),
    (lambda: pd.Series(["a", 1], dtype=object).ewa.smooth(beta=0.5), TypeError, "object"),
    (lambda: _BAD["x"].ewa.cov(_BAD["x"].iloc[::-1], beta=0.5), ValueError, "same index"),
    (lambda: _BAD.assign(x=[1.0, np.inf, 2.0]).ewa.smooth(beta=0.5), ValueError, "row 1 has inf"),
])
def test_bad_input_gets_an_error_naming_the_problem(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_time_stamps_need_order_within_a_key_only():
    ok = _BAD.ewa.smooth(halflife="1D", times="t", by="s")  # each key has one row
    np.testing.assert_array_equal(ok["x"].to_numpy(), [1.0, 2.0, 3.0])


@pytest.mark.parametrize("method", ["smooth", "var", "std", "corr"])
def test_by_with_times_equals_each_key_alone(method):
    """Keyed and timed at once (pandas has neither for var/std/corr): each key's rows
    equal the key's own series, whose time decay is checked above against the
    weighted sum."""
    df = _long_sensors()
    ours = getattr(df.ewa, method)(halflife="20min", times="time", by="sensor")
    for rows in df.groupby("sensor").groups.values():
        alone = getattr(df.loc[rows].drop(columns="sensor").ewa, method)(
            halflife="20min", times="time")
        np.testing.assert_array_equal(ours.loc[rows].to_numpy(), alone.to_numpy())


def test_what_pandas_converts_or_defaults_is_converted_or_defaulted_the_same():
    """An object Series of numbers is converted (pandas' ewm does), a Series'
    cov/corr without other is with itself, the pairwise frame keeps the index's
    freq: each against pandas itself."""
    x = pd.Series(np.array([1, 2, np.nan, 4, 8], dtype=object), name="x")
    pd.testing.assert_series_equal(x.ewa.smooth(beta=0.5), x.ewm(alpha=0.5).mean())
    frame = pd.DataFrame({"a": x, "b": pd.Series([1.0, 3, 2, 5, 4])})
    pd.testing.assert_frame_equal(frame.ewa.var(beta=0.5, columns=["a", "b"]),
                                  frame.astype(float).ewm(alpha=0.5).var())
    y = pd.Series([1.0, 3.0, 2.0, 5.0, 4.0])
    for stat in ("cov", "corr"):
        assert_close(getattr(y.ewa, stat)(beta=0.5).to_numpy(),
                     getattr(y.ewm(alpha=0.5), stat)().to_numpy())
    index = pd.date_range("2024-01-01", periods=5, freq="D")
    both = pd.DataFrame({"a": y.to_numpy(), "b": y.to_numpy()[::-1]}, index=index)
    ours, theirs = both.ewa.cov(beta=0.5), both.ewm(alpha=0.5).cov()
    assert ours.index.levels[0].freq == theirs.index.levels[0].freq == "D"
    pd.testing.assert_frame_equal(ours, theirs)
