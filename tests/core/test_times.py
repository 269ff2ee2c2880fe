"""Time-aware decay: against pandas where it has it, against a direct computation
where it has none (var/std/cov/corr with times)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import streamstats as ss
from streamstats._core.decay import resolve_decay
from tests.oracles import DATA, assert_close
from tests.registry import CASES


def _water():
    df = pd.read_csv(DATA / "water-flow.csv")
    return pd.to_datetime(df["Time"], utc=True), df["Water flow [l/s]"].to_numpy(float)


def _direct(times_s, x, y, halflife_s, what):
    """Weighted statistics of the rows so far with weights 0.5**(age/halflife)."""
    out = np.full(x.size, np.nan)
    for n in range(x.size):
        ok = ~np.isnan(x[: n + 1]) & ~np.isnan(y[: n + 1])
        if not ok.any():
            continue
        w = 0.5 ** ((times_s[n] - times_s[: n + 1][ok]) / halflife_s)
        xs, ys = x[: n + 1][ok], y[: n + 1][ok]
        s1, s2 = w.sum(), (w * w).sum()
        mx, my = (w * xs).sum() / s1, (w * ys).sum() / s1
        cov = (w * (xs - mx) * (ys - my)).sum() / s1
        factor = s1 * s1 / (s1 * s1 - s2) if s1 * s1 - s2 > 0 else np.nan
        vx = (w * (xs - mx) ** 2).sum() / s1
        vy = (w * (ys - my) ** 2).sum() / s1
        out[n] = {"mean": mx, "var": vx * factor, "var_bias": vx, "cov": cov * factor,
                  "corr": cov / np.sqrt(vx * vy) if vx * vy > 0 else np.nan}[what]
    return out


def test_mean_with_times_equals_pandas_on_the_water_flow_gaps():
    times, x = _water()
    got = ss.BiasCorrectedEWA(halflife="6h").update_many(x, times=times)
    expected = pd.Series(x).ewm(halflife="6h", times=times).mean().to_numpy()
    assert_close(got, expected, rtol=1e-12)
    assert_close(ss.ewa(x, halflife="6h", bias_correction=True, times=times.to_numpy()),
                 expected, rtol=1e-12)


@pytest.mark.parametrize("what,cls,kw", [
    ("var", ss.EWVar, {}), ("var_bias", ss.EWVar, {"bias": True}),
    ("cov", ss.EWCov, {}), ("corr", ss.EWCorr, {}),
])
def test_spread_with_times_equals_the_direct_weighted_computation(what, cls, kw):
    times, x = _water()
    times, x = times[:400], x[:400].copy()
    x[50:60] = np.nan
    y = np.sqrt(x) + np.arange(x.size) % 4
    seconds = (times - times.iloc[0]).dt.total_seconds().to_numpy()
    acc = cls(halflife="3h", **kw)
    got = acc.update_many(x, y, times=times) if cls in (ss.EWCov, ss.EWCorr) else \
        acc.update_many(x, times=times)
    yy = y if cls in (ss.EWCov, ss.EWCorr) else x
    assert_close(got, _direct(seconds, x, yy, 3 * 3600.0, what), rtol=1e-10)


def test_float_seconds_and_datetimes_agree():
    times, x = _water()
    seconds = (times - times.iloc[0]).dt.total_seconds().to_numpy()
    a = ss.EWVar(halflife=7200.0).update_many(x, times=seconds)
    b = ss.EWVar(halflife="2h").update_many(x, times=times)
    assert_close(a, b, rtol=1e-13)


def test_times_chunked_and_per_update_equal_one_go():
    times, x = _water()
    x = x.copy()
    x[10:20] = np.nan
    whole = ss.EWStd(halflife="4h").update_many(x, times=times)
    acc = ss.EWStd(halflife="4h")
    parts = [acc.update_many(x[a:b], times=times[a:b]) for a, b in [(0, 5), (5, 700), (700, None)]]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    one = ss.EWStd(halflife="4h")
    for xi, ti in zip(x, times):
        one.update(float(xi), t=ti)
    np.testing.assert_array_equal(one.value, whole[-1])
    first, state = ss.ewstd(x[:300], halflife="4h", times=times[:300], return_state=True)
    rest = ss.ewstd(x[300:], halflife="4h", times=times[300:], state=state)
    np.testing.assert_array_equal(np.concatenate([first, rest]), whole)


def test_merge_with_times():
    times, x = _water()
    a, b = ss.EWVar(halflife="5h"), ss.EWVar(halflife="5h")
    a.update_many(x[:600], times=times[:600])
    b.update_many(x[600:], times=times[600:])
    seq = ss.EWVar(halflife="5h")
    seq.update_many(x, times=times)
    assert a.merge(b).value == pytest.approx(seq.value, rel=1e-12)
    with pytest.raises(ValueError, match="not in order"):
        b.merge(a)


def test_equal_stamps_mean_zero_elapsed_time():
    t = pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:00", "2024-01-01 01:00"])
    got = ss.BiasCorrectedEWA(halflife="1h").update_many([1.0, 3.0, 5.0], times=t)
    # the first two weigh the same, then both halve: (0.5*1 + 0.5*3 + 5) / 2
    assert_close(got, [1.0, 2.0, 3.5])


def test_time_errors():
    t = pd.to_datetime(["2024-01-01 01:00", "2024-01-01 00:00"])
    acc = ss.EWVar(halflife="1h")
    with pytest.raises(ValueError, match="time stamps go backwards at row 1"):
        acc.update_many([1.0, 2.0], times=t)
    assert acc.count == 0
    with pytest.raises(ValueError, match="NaT"):
        acc.update_many([1.0, 2.0], times=pd.to_datetime(["2024-01-01", None]))
    with pytest.raises(ValueError, match="is a duration: pass time stamps"):
        acc.update(1.0)
    with pytest.raises(ValueError, match="need the decay given as halflife"):
        ss.EWVar(beta=0.9).update_many([1.0], times=t[:1])
    with pytest.raises(ValueError, match="takes no time stamps"):
        ss.EWA(halflife="1h")
    with pytest.raises(ValueError, match="one stamp per row"):
        acc.update_many([1.0, 2.0], times=t[:1])
    acc.update(1.0, t="2024-01-01 02:00")
    with pytest.raises(ValueError, match="backwards"):
        acc.update(1.0, t="2024-01-01 01:00")
    with pytest.raises(TypeError, match="stay datetimes"):
        acc.update(1.0, t=5.0)
    seeded = ss.EWA(halflife="1h", init="first")
    assert_close(seeded.update_many([1.0, 3.0], times=t[::-1]), [1.0, 2.0])


@pytest.mark.parametrize("case", [c for c in CASES if c.name not in ("EWA", "EWSecondMoment")],
                         ids=repr)
@given(gaps=st.lists(st.floats(0.0, 5.0), min_size=12, max_size=40), data=st.data())
@settings(max_examples=25, deadline=None)
def test_missing_rows_between_observations_change_nothing(case, gaps, data):
    """With time stamps, elapsed time counts across missing rows: inserting
    all-missing rows between observations leaves every observed row's value as it
    was (every statistic and convention; the zero-start forms count rows, not time)."""
    rng = np.random.default_rng(len(gaps))
    t = np.cumsum(gaps)
    xs = [np.round(rng.normal(size=t.size), 3) for _ in range(case.inputs)]
    inserted = data.draw(st.lists(st.integers(0, t.size - 2), max_size=10))
    rows_t, rows = list(t), [list(x) for x in xs]
    for i in sorted(inserted, reverse=True):  # a missing row between rows i and i + 1
        rows_t.insert(i + 1, (t[i] + t[i + 1]) / 2)
        for r in rows:
            r.insert(i + 1, np.nan)
    observed = ~np.isnan(np.asarray(rows[0]))
    plain = case.make(halflife=2.0).update_many(*xs, times=t)
    gapped = case.make(halflife=2.0).update_many(*map(np.asarray, rows),
                                                 times=np.asarray(rows_t))
    # the decay over two intervals is one power of their sum: equal to rounding
    assert_close(gapped[observed], plain, rtol=1e-13)


_UNITS = ["ns", "us", "ms", "s", "sec", "second", "seconds", "m", "min", "minute", "minutes",
          "h", "hr", "hour", "hours", "D", "day", "days", "W"]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**16), st.sampled_from(_UNITS), st.sampled_from(["{}{}", " {} {} "]),
       st.sampled_from(["", ".5", "e3", "min 3s"]))
def test_a_duration_halflife_reads_as_pandas_reads_it(count, unit, layout, tail):
    """Whole numbers of one unit are read without pandas (see decay._duration), the
    rest by pandas: the seconds and the stored text are pandas' either way."""
    text = layout.format(count, unit) if not tail else f"{count}{tail}{unit}"
    try:
        expected = pd.Timedelta(text)
    except (ValueError, OverflowError):
        with pytest.raises(ValueError, match="halflife"):
            resolve_decay(halflife=text)
        return
    if expected <= pd.Timedelta(0):
        with pytest.raises(ValueError, match="positive duration"):
            resolve_decay(halflife=text)
        return
    decay = resolve_decay(halflife=text)
    assert decay.halflife_seconds == expected.value / 1e9  # (exact ns, correctly rounded)
    assert decay.keywords == {"halflife": str(expected)}


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 10**17), st.sampled_from([1, 1000, 10**9]))
def test_pandas_text_of_a_duration_reads_back_as_pandas_reads_it(ns, step):
    """A stream resumed from its state gives the halflife as pandas wrote it."""
    expected = pd.Timedelta(max(ns // step, 1) * step, unit="ns")
    decay = resolve_decay(halflife=str(expected))
    assert decay.halflife_seconds == expected.value / 1e9
    assert decay.keywords == {"halflife": str(expected)}
