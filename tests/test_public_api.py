"""The public surface, pinned: what users import, the accessor, the command, and
docstrings with nothing left unfilled. A refactor that changes any of it fails here."""

from __future__ import annotations

import inspect
import re

import pandas as pd
import pytest

import streamstats as ss
import streamstats.dask as ss_dask
import streamstats.optim as optim
import streamstats.polars as ss_polars
import streamstats.schedules as schedules
from streamstats._cli import main
from tests.oracles import ROOT

PUBLIC = {
    ss: ["BiasCorrectedEWA", "CovState", "EWA", "EWAState", "EWCorr", "EWCov",
         "EWSecondMoment", "EWStd", "EWVar", "MISSING_KEY", "MeanState", "OnlineSmoother",
         "VarState", "beta_from_window", "effective_window", "ew_second_moment", "ewa",
         "ewcorr", "ewcov", "ewstd", "ewvar", "smooth_csv"],
    optim: ["Adam", "AdamW", "Dense", "Momentum", "Optimizer", "RMSprop"],
    schedules: ["Constant", "CosineDecay", "ExponentialDecay", "InverseSqrtDecay",
                "InverseTimeDecay", "Join", "LinearWarmup", "PiecewiseConstant",
                "PolynomialDecay", "Schedule", "ScheduleIterator", "constant", "cosine_decay",
                "exponential_decay", "inverse_sqrt_decay", "inverse_time_decay", "join",
                "linear_warmup", "piecewise_constant", "plot", "polynomial_decay",
                "step_decay", "warmup"],
    ss_dask: ["DaskEWAccessor"],
    ss_polars: ["ExprEWA", "SeriesEWA"],
}


@pytest.mark.parametrize("module", PUBLIC, ids=lambda m: m.__name__)
def test_each_public_module_exports_exactly_its_names(module):
    assert sorted(module.__all__) == PUBLIC[module]
    for name in module.__all__:
        assert getattr(module, name) is not None


def test_the_accessor_is_registered_on_series_and_frames():
    # the lecture's x = 1, 3 with beta = 0.5, bias-corrected: 1, (0.5 * 1 + 3) / 1.5
    expected = pytest.approx([1.0, 3.5 / 1.5], rel=1e-15)
    assert pd.Series([1.0, 3.0]).ewa.smooth(beta=0.5).tolist() == expected
    assert pd.DataFrame({"x": [1.0, 3.0]}).ewa.smooth(beta=0.5)["x"].tolist() == expected


def test_the_command_answers_help(capsys):
    for argv in (["--help"], ["smooth", "--help"], ["demo", "--help"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 0
    assert "--time-format" in capsys.readouterr().out


def _documented():
    for module, names in PUBLIC.items():
        for name in names:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj
                if inspect.isclass(obj):  # its methods, inherited ones too
                    for attr, member in inspect.getmembers(obj, callable):
                        if not attr.startswith("_") and getattr(
                                member, "__module__", "").startswith("streamstats"):
                            yield f"{module.__name__}.{name}.{attr}", member
    accessor = type(pd.Series([1.0]).ewa)
    for attr, member in vars(accessor).items():
        if not attr.startswith("_"):
            yield f"ewa.{attr}", member


@pytest.mark.parametrize("name, obj", list(_documented()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_no_public_docstring_has_an_unfilled_placeholder(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    for line in doc.splitlines():
        if "\\" in line:  # LaTeX (.. math::) has braces of its own
            continue
        assert "{{" not in line and "}}" not in line, f"{name}: {line}"
        assert not re.search(r"\{[a-z_]+\}", line), f"{name}: {line}"


def test_every_statistic_has_its_registry_rows():
    """A new accumulator, batch function or statistic of the fronts fails here until
    the registries that test it have its row."""
    from streamstats._core.accumulator import Accumulator
    from streamstats._pandas.registry import STATS
    from tests.core import test_properties
    from tests.pandas import test_accessor, test_online
    from tests.registry import CASES, STATISTICS

    classes = {obj for name in ss.__all__ if inspect.isclass(obj := getattr(ss, name))
               and issubclass(obj, Accumulator)}
    assert classes == {case.cls for case in CASES}
    functions = {name for name in ss.__all__ if inspect.isfunction(getattr(ss, name))
                 and name.startswith("ew")}
    assert functions == set(test_properties.BATCH)
    assert set(STATS) == set(STATISTICS) == set(test_online.STATS)
    assert {st.method for st in STATISTICS.values()} == {row[0] for row in test_accessor.ORACLES}


def test_the_family_table_agrees_with_the_states_and_the_kernels():
    from streamstats._core import _steps, kernels
    from streamstats._core.families import FAMILIES
    from tests.registry import CASES

    for name, family in FAMILIES.items():
        assert family.state._fields[-4:] == ("count", "missing", "t_first", "t_last")
        assert kernels.N_FIELDS[name] == family.rows == len(family.fields) + 2
        assert name in kernels.SCANS and _steps.FAMILIES[family.code] == name
    values = {}
    for case in CASES:
        acc = case.make(beta=0.5)
        assert type(acc.state) is acc.spec.family.state
        values[case.name] = acc.spec.value  # every kind is named in the table
    assert values["EWStd-bias"] == "std_bias" and values["EWCorr"] == "corr"
    assert values["EWSecondMoment"] == "v of squares"


@pytest.mark.parametrize("beta", [0.5, 0.9])
def test_update_many_in_parallel_equals_the_sequential_scan(beta):
    import numpy as np

    x = np.random.default_rng(1).normal(size=100_000)
    x[::17] = np.nan
    for cls in (ss.BiasCorrectedEWA, ss.EWVar, ss.EWA):
        np.testing.assert_array_equal(cls(beta=beta).update_many(x, parallel=True),
                                      cls(beta=beta).update_many(x))


def test_every_public_name_is_in_the_api_reference():
    """docs/api.rst lists every name of every public module (the Sphinx build then
    fails if one cannot be documented)."""
    reference = (ROOT / "docs" / "api.rst").read_text()
    listed = set(re.findall(r"^   (\w+)$", reference, re.MULTILINE))
    modules = set(re.findall(r"^\.\. currentmodule:: ([\w.]+)$", reference, re.MULTILINE))
    for module, names in PUBLIC.items():
        assert module.__name__ in modules
        missing = set(names) - listed
        assert not missing, f"{module.__name__}: {sorted(missing)} not in docs/api.rst"
    assert "EWAccessor" in listed  # the pandas accessor's methods, df.ewa.*
