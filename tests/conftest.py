"""Shared registries: every accumulator once, with its oracle, so that each test
runs over all of them instead of being copied per class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.signal import lfilter

import streamstats as ss

DATA = Path(__file__).parent / "data"


def read_series(name: str, column: str) -> np.ndarray:
    return pd.read_csv(DATA / name)[column].to_numpy(dtype=np.float64)


def _ewm(x, beta, ignore_na, min_periods, adjust=True):
    return pd.Series(x).ewm(alpha=1 - beta, adjust=adjust, ignore_na=ignore_na,
                            min_periods=min_periods)


def _pair(x, y, beta, ignore_na, min_periods, adjust=True):
    return _ewm(x, beta, ignore_na, min_periods, adjust), pd.Series(y)


@dataclass
class Case:
    """One accumulator configuration: how to build it and what it must equal."""

    name: str
    cls: type
    params: dict[str, Any]
    inputs: int = 1
    oracle: Callable | None = None  # (x, y, beta, ignore_na, min_periods) -> values
    nan_oracle: bool = True  # the oracle defines NaN handling
    mergeable: bool = True
    kw: dict[str, Any] = field(default_factory=dict)

    def make(self, **options: Any):
        return self.cls(**{**self.params, **options})

    def __repr__(self) -> str:
        return self.name


def _lfilter(x, y, beta, ignore_na, minp):
    out = lfilter([1 - beta], [1, -beta], x)
    out[: max(minp, 1) - 1] = np.nan
    return out


def _second_moment(x, y, beta, ignore_na, minp):
    out = lfilter([1 - beta], [1, -beta], np.square(x))
    out[: max(minp, 1) - 1] = np.nan
    return out


CASES = [
    Case("EWA", ss.EWA, {}, oracle=_lfilter, nan_oracle=False),
    Case("EWA-first", ss.EWA, {"init": "first"}, mergeable=False,
         oracle=lambda x, y, b, i, m: _ewm(x, b, i, m, adjust=False).mean().to_numpy()),
    Case("BiasCorrectedEWA", ss.BiasCorrectedEWA, {},
         oracle=lambda x, y, b, i, m: _ewm(x, b, i, m).mean().to_numpy()),
    Case("EWSecondMoment", ss.EWSecondMoment, {}, oracle=_second_moment, nan_oracle=False),
    Case("EWSecondMoment-bc", ss.EWSecondMoment, {"bias_correction": True},
         oracle=lambda x, y, b, i, m: _ewm(np.square(x), b, i, m).mean().to_numpy()),
    Case("EWVar", ss.EWVar, {},
         oracle=lambda x, y, b, i, m: _ewm(x, b, i, m).var().to_numpy()),
    Case("EWVar-bias", ss.EWVar, {"bias": True},
         oracle=lambda x, y, b, i, m: _ewm(x, b, i, m).var(bias=True).to_numpy()),
    Case("EWVar-seeded", ss.EWVar, {"adjust": False}, mergeable=False,
         oracle=lambda x, y, b, i, m: _ewm(x, b, i, m, adjust=False).var().to_numpy()),
    Case("EWStd", ss.EWStd, {},
         oracle=lambda x, y, b, i, m: _ewm(x, b, i, m).std().to_numpy()),
    Case("EWStd-bias", ss.EWStd, {"bias": True},
         oracle=lambda x, y, b, i, m: _ewm(x, b, i, m).std(bias=True).to_numpy()),
    Case("EWCov", ss.EWCov, {}, inputs=2,
         oracle=lambda x, y, b, i, m: _ewm(x, b, i, m).cov(pd.Series(y)).to_numpy()),
    Case("EWCov-bias", ss.EWCov, {"bias": True}, inputs=2,
         oracle=lambda x, y, b, i, m: _ewm(x, b, i, m).cov(pd.Series(y), bias=True).to_numpy()),
    Case("EWCorr", ss.EWCorr, {}, inputs=2,
         oracle=lambda x, y, b, i, m: _ewm(x, b, i, m).corr(pd.Series(y)).to_numpy()),
]
MERGEABLE = [c for c in CASES if c.mergeable]


def feed(acc, data, **kw):
    return acc.update_many(*data, **kw)


def sample_data(case: Case, rng: np.random.Generator, n: int, nan_frac: float = 0.0):
    data = []
    for _ in range(case.inputs):
        x = rng.standard_normal(n) * 3 + 1
        if nan_frac:
            x[rng.random(n) < nan_frac] = np.nan
        data.append(x)
    return data


def assert_close(actual, expected, rtol=1e-12, scale=None):
    """Relative comparison, with an absolute floor at ``rtol * scale`` for values
    that cancel to near zero; NaN must match NaN."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    if scale is None:
        finite = expected[np.isfinite(expected)]
        scale = np.abs(finite).max() if finite.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)
