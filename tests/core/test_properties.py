"""Exact properties, generated for every accumulator from the registry:
update_many == loop, chunked == one go, merge == sequential (and associative),
state / JSON / pickle round-trips continue exactly, batch functions continue
from a state."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.oracles import assert_close
from tests.registry import CASES, MERGEABLE, STATISTICS

finite = st.floats(-1e6, 1e6, allow_nan=False)
sample = st.one_of(finite, finite, finite, st.just(float("nan")))
series = st.lists(sample, min_size=0, max_size=60)
options = st.fixed_dictionaries({
    "beta": st.sampled_from([0.0, 0.3, 0.9, 0.999]),
    "ignore_na": st.booleans(),
    "min_periods": st.integers(0, 3),
})
SETTINGS = settings(max_examples=40, deadline=None)


def _data(case, xs):
    x = np.array(xs, dtype=np.float64)
    return [x, np.sin(x) * 7 + np.arange(x.size) % 3] if case.inputs == 2 else [x]


def _splits(draw_points, n):
    return sorted({min(p, n) for p in draw_points})


def _chunks(data, points):
    bounds = [0, *points, len(data[0])]
    return [[d[a:b] for d in data] for a, b in zip(bounds, bounds[1:])]


@pytest.mark.parametrize("case", CASES, ids=repr)
@SETTINGS
@given(xs=series, opts=options)
def test_update_many_equals_loop_of_update(case, xs, opts):
    # floats take the compiled step, numpy scalars and NaN the Python method; the
    # loop's accumulator is copied, pickled and rebuilt from JSON on the way
    data = _data(case, xs)
    batch = case.make(**opts)
    values = batch.update_many(*data)
    loop = case.make(**opts)
    for i in range(len(xs)):
        if i % 5 == 1:
            loop = loop.copy()
        elif i % 5 == 2:
            loop = pickle.loads(pickle.dumps(loop))
        elif i % 5 == 3:
            loop = type(loop).from_dict(json.loads(json.dumps(loop.to_dict())))
        samples = [d[i] if i % 2 else float(d[i]) for d in data]
        loop.update(*samples)
        np.testing.assert_array_equal(loop.value, values[i])
    np.testing.assert_array_equal(np.array(loop.state[:-2]), np.array(batch.state[:-2]))


TIMED = [c for c in CASES if c.make(beta=0.5).spec.times_refused is None]


@pytest.mark.parametrize("case", TIMED, ids=repr)
@SETTINGS
@given(xs=series, gaps=st.lists(st.sampled_from([0.0, 0.5, 1.0, 7.25]), min_size=60,
                                max_size=60), stamps=st.sampled_from(["s", "ns"]))
def test_timed_update_equals_update_many(case, xs, gaps, stamps):
    data = _data(case, xs)
    seconds = np.cumsum(gaps[: len(xs)])
    times = (seconds if stamps == "s"
             else np.datetime64("2024-01-01", "ns") + (seconds * 1e9).astype("timedelta64[ns]"))
    values = case.make(halflife=2.0).update_many(*data, times=times)
    loop = case.make(halflife=2.0)
    for i in range(len(xs)):
        samples = [float(d[i]) for d in data]
        stamp = float(times[i]) if stamps == "s" else times[i]  # floats: the compiled call
        if i % 7 == 5:  # copies and restored streams keep their own clocks
            loop = loop.copy()
        elif i % 7 == 6:
            loop = type(loop).from_dict(json.loads(json.dumps(loop.to_dict())))
        if i % 4 == 3:  # a row of update_many between the calls moves the same clock on
            loop.update_many(*(d[i:i + 1] for d in data), times=times[i:i + 1])
        elif i % 2:
            loop.update(*samples, stamp)
        else:
            loop.update(*samples, t=stamp)
        np.testing.assert_array_equal(loop.value, values[i])
    if len(xs) and stamps == "s":  # a stamp going back is refused by the compiled call too
        with pytest.raises(ValueError, match="go backwards"):
            loop.update(*(1.0,) * case.inputs, t=float(times[-1]) - 1.0)
        np.testing.assert_array_equal(loop.value, values[-1])


@pytest.mark.parametrize("case", CASES, ids=repr)
@SETTINGS
@given(xs=series, opts=options, points=st.lists(st.integers(0, 60), max_size=4))
def test_chunked_equals_one_go_exactly(case, xs, opts, points):
    data = _data(case, xs)
    whole = case.make(**opts).update_many(*data)
    acc = case.make(**opts)
    parts = [acc.update_many(*chunk) for chunk in _chunks(data, _splits(points, len(xs)))]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


@pytest.mark.parametrize("case", MERGEABLE, ids=repr)
@SETTINGS
@given(xs=series, opts=options, points=st.lists(st.integers(0, 60), min_size=2, max_size=2))
def test_merge_equals_sequential_and_is_associative(case, xs, opts, points):
    data = _data(case, xs)
    seq = case.make(**opts)
    seq.update_many(*data)
    parts = []
    for chunk in _chunks(data, _splits(points, len(xs))):
        acc = case.make(**opts)
        acc.update_many(*chunk)
        parts.append(acc)
    while len(parts) < 3:
        parts.append(case.make(**opts))
    a, b, c = parts
    left, right = a.merge(b).merge(c), a.merge(b.merge(c))
    scale = np.nanmax(np.abs(data[0]), initial=1.0)
    for merged in (left, right):
        assert_close(merged.value, seq.value, rtol=1e-9, scale=scale**2 + 1)
        assert merged.count == seq.count
    # after a merge the stream goes on like the sequential one
    tail = [np.array([1.5, np.nan, -2.0])] * case.inputs
    assert_close(left.update_many(*tail), seq.update_many(*tail), rtol=1e-9, scale=scale**2 + 1)


@pytest.mark.parametrize("case", CASES, ids=repr)
@SETTINGS
@given(xs=series, opts=options, cut=st.integers(0, 60))
def test_state_json_and_pickle_continue_exactly(case, xs, opts, cut):
    data = _data(case, xs)
    cut = min(cut, len(xs))
    ref = case.make(**opts)
    ref.update_many(*(d[:cut] for d in data))
    expected = ref.copy().update_many(*(d[cut:] for d in data))
    restored = [
        type(ref).from_state(ref.state, **ref.params),
        type(ref).from_dict(json.loads(json.dumps(ref.to_dict()))),
        pickle.loads(pickle.dumps(ref)),
        ref.copy(),
    ]
    for acc in restored:
        np.testing.assert_array_equal(acc.update_many(*(d[cut:] for d in data)), expected)
    # the original was not disturbed by the copies
    np.testing.assert_array_equal(ref.update_many(*(d[cut:] for d in data)), expected)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_array_samples_are_independent_channels(case, rng):
    data = [rng.standard_normal((50, 2, 3)) for _ in range(case.inputs)]
    data[0][rng.random((50, 2, 3)) < 0.2] = np.nan
    acc = case.make(beta=0.8)
    values = acc.update_many(*data)
    assert values.shape == (50, 2, 3)
    for i, j in np.ndindex(2, 3):
        single = case.make(beta=0.8).update_many(*(d[:, i, j] for d in data))
        np.testing.assert_array_equal(values[:, i, j], single)
    one = case.make(beta=0.8)
    for row in range(50):
        one.update(*(d[row] for d in data))
    np.testing.assert_array_equal(one.value, values[-1])


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_reset_and_repr(case, rng):
    acc = case.make(beta=0.5)
    assert "value=nan" in repr(acc)
    assert np.isnan(acc.value)
    acc.update_many(*sample_pairs(case, rng))
    assert "count=10" in repr(acc)
    acc.reset()
    assert np.isnan(acc.value) and acc.count == 0


def sample_pairs(case, rng):
    return [rng.standard_normal(10) for _ in range(case.inputs)]


BATCH = [st.function for st in STATISTICS.values()]


@pytest.mark.parametrize("name", BATCH)
@pytest.mark.parametrize("n", [10, 70_001])
def test_batch_state_continues_the_series(name, n, rng):
    import streamstats as ss

    fn = getattr(ss, name)
    inputs = 2 if name in ("ewcov", "ewcorr") else 1
    data = [rng.standard_normal(n) for _ in range(inputs)]
    data[0][::11] = np.nan
    whole = fn(*data, beta=0.99)
    cut = n // 3
    first, state = fn(*(d[:cut] for d in data), beta=0.99, return_state=True)
    second, state = fn(*(d[cut:] for d in data), beta=0.99, state=state, return_state=True)
    # the long series run the blocked scan, whose carries are rounded differently:
    # equal within a few ulp, and exactly equal for short series (sequential scan)
    rtol = 0 if n < 1000 else 1e-11
    assert_close(np.concatenate([first, second]), whole, rtol=rtol, scale=1.0)
    assert state.count == np.sum(~np.isnan(data[0]))


def _extended_precision_mean(x, beta):
    b = np.longdouble(beta)
    a = 1 - b
    v = w = np.longdouble(0)
    ref = np.empty(x.size, dtype=np.longdouble)
    for i, xi in enumerate(x):
        v, w = (b * v + a * xi, b * w + a) if xi == xi else (b * v, b * w)
        ref[i] = v / w if w > 0 else np.nan
    return ref


def test_blocked_scan_is_as_accurate_as_the_sequential_one(rng):
    """The blocked scan rounds its carries differently: where beta is small the
    values are bit-identical; near 1 both scans carry rounding errors of tens of
    ulp (their recursions are long), and the blocked one is no further from an
    80-bit reference than the sequential one (plus 4 ulp)."""
    import streamstats as ss

    x = rng.standard_normal(100_000) + 5
    x[rng.random(x.size) < 0.1] = np.nan
    for beta in (0.5, 0.9):
        np.testing.assert_array_equal(ss.ewa(x, beta, bias_correction=True),
                                      ss.BiasCorrectedEWA(beta).update_many(x))
    for beta in (0.999, 0.999999):
        seq = ss.BiasCorrectedEWA(beta).update_many(x)
        blk = ss.ewa(x, beta, bias_correction=True)
        ref = _extended_precision_mean(x, beta)
        ulp = np.spacing(np.abs(seq))
        err_seq = np.nanmax(np.abs(seq - ref) / ulp)
        err_blk = np.nanmax(np.abs(blk - ref) / ulp)
        assert err_blk <= err_seq + 4
        np.testing.assert_allclose(ss.ewvar(x, beta), ss.EWVar(beta).update_many(x), rtol=1e-11)
