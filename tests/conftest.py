"""Fixtures only; the registries and oracles are importable modules
(``tests.registry``, ``tests.oracles``)."""

import numpy as np
import pandas as pd
import pytest

from tests.oracles import DATA


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)


@pytest.fixture(scope="session")
def sensors():
    """The four occupancy channels as one log keyed by sensor, in time order, with
    gaps (NaN) and a second variable ``other``; sensor V4 first appears late."""
    occ = pd.read_csv(DATA / "occupancy.csv", parse_dates=["time"])
    long = occ.melt(id_vars="time", var_name="sensor", value_name="value")
    long["other"] = np.round(np.cos(np.arange(len(long))) * 10, 3)
    long.loc[long.index % 13 == 5, "value"] = np.nan
    long = long.sort_values("time", kind="stable").reset_index(drop=True)
    late = long["sensor"].eq("V4") & (long.index < 1000)
    return long[~late].reset_index(drop=True)
