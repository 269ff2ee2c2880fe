"""Every accumulator against its independent oracle (pandas, scipy), on random
data and on the real series in tests/data."""

from __future__ import annotations

import numpy as np
import pytest

from tests.oracles import assert_close, read_series
from tests.registry import CASES, sample_data

BETAS = [0.0, 0.5, 0.9, 0.98]


@pytest.mark.parametrize("case", CASES, ids=repr)
@pytest.mark.parametrize("beta", BETAS)
def test_random_data_without_nan(case, beta, rng):
    data = sample_data(case, rng, 400)
    expected = case.oracle(*data, *([data[0]] if case.inputs == 1 else []), beta, False, 0)
    assert_close(case.make(beta=beta).update_many(*data), expected)


@pytest.mark.parametrize("case", [c for c in CASES if c.nan_oracle], ids=repr)
@pytest.mark.parametrize("ignore_na", [False, True])
@pytest.mark.parametrize("min_periods", [0, 2])
def test_random_data_with_nan_runs(case, ignore_na, min_periods, rng):
    data = sample_data(case, rng, 500, nan_frac=0.25)
    for x in data:
        x[100:140] = np.nan  # a long run
    y = data[1] if case.inputs == 2 else data[0]
    expected = case.oracle(data[0], y, 0.9, ignore_na, min_periods)
    acc = case.make(beta=0.9, ignore_na=ignore_na, min_periods=min_periods)
    assert_close(acc.update_many(*data), expected)


def _co2():
    return read_series("co2-weekly.csv", "co2")


@pytest.mark.parametrize("case", [c for c in CASES if c.nan_oracle], ids=repr)
@pytest.mark.parametrize("ignore_na", [False, True])
@pytest.mark.parametrize("min_periods", [0, 2])
def test_co2_with_its_missing_values(case, ignore_na, min_periods):
    x = _co2()
    assert np.isnan(x).sum() == 59
    data = [x, np.roll(x, 7)] if case.inputs == 2 else [x]
    expected = case.oracle(data[0], data[-1], 0.98, ignore_na, min_periods)
    acc = case.make(beta=0.98, ignore_na=ignore_na, min_periods=min_periods)
    assert_close(acc.update_many(*data), expected, rtol=1e-11)


@pytest.mark.parametrize("case", CASES, ids=repr)
@pytest.mark.parametrize("name,column", [("seattle-temps.csv", "temp"),
                                         ("water-flow.csv", "Water flow [l/s]")])
def test_real_series(case, name, column):
    x = read_series(name, column)
    data = [x, np.sqrt(np.abs(x)) + np.arange(x.size) % 5] if case.inputs == 2 else [x]
    expected = case.oracle(data[0], data[-1], 0.9, False, 0)
    assert_close(case.make(beta=0.9).update_many(*data), expected, rtol=1e-11)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_decay_spellings_agree(case, rng):
    data = sample_data(case, rng, 200)
    ref = case.make(beta=0.8).update_many(*data)
    for spelling in ({"alpha": 0.2}, {"span": 9.0}, {"com": 4.0}):
        assert_close(case.make(**spelling).update_many(*data), ref, rtol=1e-13)
    hl = np.log(0.5) / np.log(0.8)
    assert_close(case.make(halflife=hl).update_many(*data), ref, rtol=1e-12)


def test_batch_functions_match_accumulators(rng):
    import streamstats as ss

    x, y = rng.standard_normal((2, 300))
    x[::9] = np.nan
    pairs = [
        (ss.ewa(x, 0.9), ss.EWA(0.9)), (ss.ewa(x, 0.9, init="first"), ss.EWA(0.9, init="first")),
        (ss.ewa(x, 0.9, bias_correction=True), ss.BiasCorrectedEWA(0.9)),
        (ss.ew_second_moment(x, 0.9), ss.EWSecondMoment(0.9)),
        (ss.ewvar(x, 0.9, bias=True), ss.EWVar(0.9, bias=True)),
        (ss.ewstd(x, 0.9), ss.EWStd(0.9)),
    ]
    for batch, acc in pairs:
        np.testing.assert_array_equal(batch, acc.update_many(x))
    np.testing.assert_array_equal(ss.ewcov(x, y, 0.9), ss.EWCov(0.9).update_many(x, y))
    np.testing.assert_array_equal(ss.ewcorr(x, y, 0.9), ss.EWCorr(0.9).update_many(x, y))


def test_two_dimensional_columns_are_independent_series(rng):
    import pandas as pd

    import streamstats as ss

    X = rng.standard_normal((1000, 13))
    X[rng.random(X.shape) < 0.1] = np.nan
    frame = pd.DataFrame(X).ewm(alpha=0.1)
    for layout in (np.ascontiguousarray(X), np.asfortranarray(X)):
        assert_close(ss.ewa(layout, 0.9, bias_correction=True), frame.mean().to_numpy())
        assert_close(ss.ewvar(layout, 0.9), frame.var().to_numpy())
        assert_close(ss.ewa(layout.T, 0.9, bias_correction=True, axis=1).T,
                     frame.mean().to_numpy())


def test_long_series_take_the_blocked_path_and_match_pandas(rng):
    import pandas as pd

    import streamstats as ss

    x = rng.standard_normal(200_003)
    x[rng.random(x.size) < 0.05] = np.nan
    s = pd.Series(x).ewm(alpha=0.01)
    assert_close(ss.ewa(x, 0.99, bias_correction=True), s.mean().to_numpy(), rtol=1e-10)
    assert_close(ss.ewvar(x, 0.99), s.var().to_numpy(), rtol=1e-10)
    assert_close(ss.ewcorr(x, np.roll(x, 3), 0.99),
                 s.corr(pd.Series(np.roll(x, 3))).to_numpy(), rtol=1e-9)
