"""The registries: every public accumulator once, with its oracle (``CASES``), and
every statistic of the fronts once (``STATISTICS``), so that each test runs over
all of them instead of being copied per class (test_public_api demands a row for
each public accumulator, function and statistic)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import streamstats as ss

from .oracles import ewm, zero_start, zero_start_second_moment


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


CASES = [
    Case("EWA", ss.EWA, {}, oracle=zero_start, nan_oracle=False),
    Case("EWA-first", ss.EWA, {"init": "first"}, mergeable=False,
         oracle=lambda x, y, b, i, m: ewm(x, b, i, m, adjust=False).mean().to_numpy()),
    Case("BiasCorrectedEWA", ss.BiasCorrectedEWA, {},
         oracle=lambda x, y, b, i, m: ewm(x, b, i, m).mean().to_numpy()),
    Case("EWSecondMoment", ss.EWSecondMoment, {}, oracle=zero_start_second_moment,
         nan_oracle=False),
    Case("EWSecondMoment-bc", ss.EWSecondMoment, {"bias_correction": True},
         oracle=lambda x, y, b, i, m: ewm(np.square(x), b, i, m).mean().to_numpy()),
    Case("EWVar", ss.EWVar, {},
         oracle=lambda x, y, b, i, m: ewm(x, b, i, m).var().to_numpy()),
    Case("EWVar-bias", ss.EWVar, {"bias": True},
         oracle=lambda x, y, b, i, m: ewm(x, b, i, m).var(bias=True).to_numpy()),
    Case("EWVar-seeded", ss.EWVar, {"adjust": False}, mergeable=False,
         oracle=lambda x, y, b, i, m: ewm(x, b, i, m, adjust=False).var().to_numpy()),
    Case("EWStd", ss.EWStd, {},
         oracle=lambda x, y, b, i, m: ewm(x, b, i, m).std().to_numpy()),
    Case("EWStd-bias", ss.EWStd, {"bias": True},
         oracle=lambda x, y, b, i, m: ewm(x, b, i, m).std(bias=True).to_numpy()),
    Case("EWCov", ss.EWCov, {}, inputs=2,
         oracle=lambda x, y, b, i, m: ewm(x, b, i, m).cov(pd.Series(y)).to_numpy()),
    Case("EWCov-bias", ss.EWCov, {"bias": True}, inputs=2,
         oracle=lambda x, y, b, i, m: ewm(x, b, i, m).cov(pd.Series(y), bias=True).to_numpy()),
    Case("EWCorr", ss.EWCorr, {}, inputs=2,
         oracle=lambda x, y, b, i, m: ewm(x, b, i, m).corr(pd.Series(y)).to_numpy()),
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


@dataclass(frozen=True)
class Statistic:
    """A statistic of the fronts: its accessor method, its batch function, the
    options the online tests give it."""

    method: str
    function: str
    online_options: dict[str, Any] = field(default_factory=dict)


#: every statistic of the fronts (``_pandas.registry.STATS``), once; the accessor,
#: online and batch tests take their rows from here
STATISTICS = {
    "mean": Statistic("smooth", "ewa"),
    "var": Statistic("var", "ewvar"),
    "std": Statistic("std", "ewstd", {"bias": True}),
    "second_moment": Statistic("second_moment", "ew_second_moment"),
    "cov": Statistic("cov", "ewcov"),
    "corr": Statistic("corr", "ewcorr"),
}
