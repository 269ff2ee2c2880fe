"""Numerics (DESIGN.md section 6), the lecture's own numbers, and the inf policy."""

from __future__ import annotations

import math

import numpy as np
import pytest

import streamstats as ss
from tests.oracles import assert_close
from tests.registry import CASES


def test_lecture_bias_correction_after_two_samples():
    x1, x2 = 3.0, 7.0
    acc = ss.BiasCorrectedEWA(beta=0.98)
    acc.update(x1)
    acc.update(x2)
    assert acc.value == pytest.approx((0.0196 * x1 + 0.02 * x2) / 0.0396, rel=1e-14)
    raw = ss.EWA(beta=0.98)
    raw.update_many([x1, x2])
    assert raw.value == pytest.approx(0.0196 * x1 + 0.02 * x2, rel=1e-14)


def test_lecture_effective_windows_and_one_over_e():
    assert [ss.effective_window(b) for b in (0.9, 0.98, 0.5)] == pytest.approx([10, 50, 2])
    for b in (0.9, 0.98, 0.999):
        assert ss.beta_from_window(ss.effective_window(b)) == pytest.approx(b, rel=1e-14)
    for eps in (0.1, 0.02, 1e-4):
        assert (1 - eps) ** (1 / eps) == pytest.approx(1 / math.e, rel=eps)
    # the weight of a sample 1/(1-beta) steps back has fallen to about 1/e
    x = np.zeros(51)
    x[0] = 1.0
    v = ss.ewa(x, 0.98)
    assert v[50] / v[0] == pytest.approx(1 / math.e, rel=0.02)


def test_lecture_table_of_the_three_conventions():
    x = [1.0, 3.0, 5.0]
    assert_close(ss.ewa(x, 0.5), [0.5, 1.75, 3.375])
    assert_close(ss.ewa(x, 0.5, bias_correction=True), [1.0, 7 / 3, 27 / 7])
    assert_close(ss.ewa(x, 0.5, init="first"), [1.0, 2.0, 3.5])


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_constant_series_is_exact(case):
    c = 0.1 + 1e-9
    data = [np.full(5000, c)] * case.inputs
    values = case.make(beta=0.9, **({} if case.inputs == 1 else {})).update_many(*data)
    blocked_input = [np.full(100_000, c)] * case.inputs
    if case.name in ("BiasCorrectedEWA", "EWA-first"):
        assert np.all(values == c)
        assert np.all(ss.ewa(blocked_input[0], 0.9, bias_correction=True) == c)
    if case.name.startswith(("EWVar", "EWStd", "EWCov")):
        assert np.all(values[1:] == 0.0) or np.all(np.isnan(values[:1]))
        assert np.nanmax(values[1:]) == 0.0
    if case.name.startswith("EWVar") and case.mergeable:
        assert np.nanmax(ss.ewvar(blocked_input[0], 0.9)) == 0.0


def test_single_observation_variance():
    assert np.isnan(ss.EWVar(0.9).update_many([4.0])[0])
    assert ss.EWVar(0.9, bias=True).update_many([4.0])[0] == 0.0


def test_variance_never_negative_on_hard_data(rng):
    x = 1e8 + rng.standard_normal(20000) * 1e-4
    x[::3] = 1e8
    for bias in (False, True):
        assert np.nanmin(ss.ewvar(x, 0.99, bias=bias)) >= 0.0
        assert np.nanmin(ss.EWVar(0.999, bias=bias).update_many(x)) >= 0.0


def _exact_weighted_var(x, beta):
    """Unbiased EW variance of the last row in exact rational arithmetic."""
    from fractions import Fraction

    b = Fraction(beta).limit_denominator(10**6)
    obs = [(len(x) - 1 - i, Fraction(v)) for i, v in enumerate(x) if v == v]
    w = [b**age for age, _ in obs]
    s1, s2 = sum(w), sum(wi * wi for wi in w)
    m = sum(wi * v for wi, (_, v) in zip(w, obs)) / s1
    biased = sum(wi * (v - m) ** 2 for wi, (_, v) in zip(w, obs)) / s1
    return float(biased * s1 * s1 / (s1 * s1 - s2))


def test_unbiased_factor_survives_a_gap_of_1000_missing_values():
    x = np.concatenate([np.arange(50.0), np.full(1000, np.nan), [3.0, 5.0, 4.0]])
    got = ss.EWVar(0.9).update_many(x)
    # after the gap the old samples weigh 0.9**1000 ~ 1e-46; pandas' S1**2 - S2
    # cancels to 0 there and gives NaN, the tracked difference does not
    for end in (1051, 1052, 1053):
        assert got[end - 1] == pytest.approx(_exact_weighted_var(x[:end], 0.9), rel=1e-12)


def test_beta_close_to_one_over_ten_million_samples_stays_accurate(rng):
    beta = 0.999999
    x = rng.standard_normal(10_000_000) + 3.0
    mean = ss.ewa(x, beta, bias_correction=True)
    var = ss.ewvar(x, beta)
    assert np.isfinite(mean).all() and np.isfinite(var[1:]).all()
    # weights are nearly uniform over the last ~1e6 samples: compare the last value
    # with the weighted mean and variance computed directly (closed-form weights)
    w = beta ** np.arange(x.size - 1, -1, -1.0)
    m = np.sum(w * x) / np.sum(w)
    biased = np.sum(w * (x - m) ** 2) / np.sum(w)
    unbiased = biased * np.sum(w) ** 2 / (np.sum(w) ** 2 - np.sum(w * w))
    assert mean[-1] == pytest.approx(m, rel=1e-12)
    assert var[-1] == pytest.approx(unbiased, rel=1e-10)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_inf_is_an_error_and_leaves_the_state_unchanged(case):
    acc = case.make(beta=0.9)
    acc.update_many(*([np.array([1.0, 2.0])] * case.inputs))
    before = acc.to_dict()
    bad = [np.array([1.0, np.inf, 2.0])] * case.inputs
    with pytest.raises(ValueError, match="row 1 has inf"):
        acc.update_many(*bad)
    with pytest.raises(ValueError, match="inf"):
        acc.update(*([-np.inf] * case.inputs))
    assert acc.to_dict() == before


def test_inf_in_a_long_series_is_reported_at_its_row():
    x = np.zeros(100_000)
    x[76_543] = -np.inf
    with pytest.raises(ValueError, match="row 76543"):
        ss.ewa(x, 0.9, bias_correction=True)


def test_inputs_are_computed_in_float64():
    ints = np.arange(10, dtype=np.int32)
    f32 = ints.astype(np.float32)
    expected = ss.ewa(ints.astype(np.float64), 0.9)
    assert ss.ewa(ints, 0.9).dtype == np.float64
    np.testing.assert_array_equal(ss.ewa(ints, 0.9), expected)
    np.testing.assert_array_equal(ss.ewa(f32, 0.9), expected)


def test_empty_input_gives_empty_output():
    assert ss.ewa([], 0.9).shape == (0,)
    assert ss.ewvar(np.empty((0, 3)), 0.9).shape == (0, 3)
    y, state = ss.ewa(np.empty(0), 0.9, return_state=True)
    assert y.shape == (0,) and state.count == 0


def test_kernels_are_cached_on_disk_or_run_uncached(tmp_path):
    """The generated kernels are imported from a file (so Numba caches their machine
    code); without a writable cache directory they still run, uncached."""
    import inspect
    import os
    import subprocess
    import sys

    from streamstats._core import kernels

    # a Numba kernel's source is the generated file in the cache folder
    assert os.path.isfile(inspect.getfile(kernels.SCANS["ewa"].py_func))
    code = "import streamstats as ss; print(ss.ewa([1.0, 3.0, 5.0], 0.5).tolist())"
    for folder in (tmp_path / "cache", "/proc/not-writable"):
        env = {**os.environ, "STREAMSTATS_CACHE_DIR": str(folder)}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True)
        assert done.stdout.strip() == "[0.5, 1.75, 3.375]"
    assert list((tmp_path / "cache").glob("streamstats_kernels_*.py"))
