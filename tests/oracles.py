"""Oracles and shared helpers of the tests: the data sets, a relative comparison
with an absolute floor, and the closed forms the registry compares against."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import lfilter

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"


def read_series(name: str, column: str) -> np.ndarray:
    return pd.read_csv(DATA / name)[column].to_numpy(dtype=np.float64)


def ewm(x, beta, ignore_na, min_periods, adjust=True):
    return pd.Series(x).ewm(alpha=1 - beta, adjust=adjust, ignore_na=ignore_na,
                            min_periods=min_periods)


def zero_start(x, y, beta, ignore_na, minp):
    """The lecture's v_t from zero: scipy's lfilter."""
    out = lfilter([1 - beta], [1, -beta], x)
    out[: max(minp, 1) - 1] = np.nan
    return out


def zero_start_second_moment(x, y, beta, ignore_na, minp):
    out = lfilter([1 - beta], [1, -beta], np.square(x))
    out[: max(minp, 1) - 1] = np.nan
    return out


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
