"""The compiled one-sample steps (``_core._steps``): generated from the rules, and a
scalar stream's ``update`` that falls back to the checked Python method for
anything but finite floats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import streamstats as ss
from streamstats._core.kernels import cgen
from tests.registry import CASES

REPO = Path(__file__).resolve().parents[2]


def test_the_committed_c_source_is_the_generators_output():
    # regenerate with: python -m streamstats._core.kernels.cgen
    committed = (REPO / "streamstats" / "_core" / "_steps.c").read_text()
    assert committed == cgen.c_source()


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_a_refused_sample_leaves_the_compiled_state_alone(case):
    acc = case.make(beta=0.8)
    pair = (1.5,) * case.inputs
    acc.update(*pair)
    acc.update(*(2.0,) * case.inputs)
    before = acc.state
    with pytest.raises(ValueError, match="infinite"):
        acc.update(*(np.inf,) * case.inputs)
    with pytest.raises(TypeError, match="numeric"):
        acc.update(*("3.0",) * case.inputs)
    with pytest.raises(ValueError, match="time stamps"):
        acc.update(*pair, t=4.0)
    assert acc.state == before
    # a positional t=None is the untimed call, and ints and numpy floats count too
    acc.update(*pair, None)
    acc.update(*(np.float64(1.5),) * case.inputs)
    acc.update(*(2,) * case.inputs)
    ref = case.make(beta=0.8)
    ref.update_many(*[np.array([1.5, 2.0, 1.5, 1.5, 2.0])] * case.inputs)
    assert acc.state == ref.state


def test_a_stream_of_arrays_never_takes_the_scalar_step():
    acc = ss.EWVar(beta=0.5)
    acc.update(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="shape"):
        acc.update(3.0)
    acc.update(np.array([3.0, 5.0]))
    np.testing.assert_array_equal(acc.value, ss.EWVar(beta=0.5).update_many(
        np.array([[1.0, 2.0], [3.0, 5.0]]))[-1])


def test_a_subclass_that_overrides_update_keeps_its_own():
    seen = []

    class Logged(ss.EWVar):
        def update(self, x, t=None):
            seen.append(x)
            super().update(x, t)

    acc = Logged(beta=0.5)
    for x in (1.0, 2.0, 4.0):
        acc.update(x)
    assert seen == [1.0, 2.0, 4.0]
    assert acc.value == ss.EWVar(beta=0.5).update_many([1.0, 2.0, 4.0])[-1]
    assert acc.copy().value == acc.value


def test_a_pickle_from_before_the_stepper_continues():
    # such a pickle held the scalar state as a list (and a _fast flag) in __dict__
    acc = ss.EWVar(beta=0.5)
    acc.update_many([1.0, 2.0, 4.0])
    old = dict(acc.__getstate__(), _st=acc.__getstate__()["_st"].tolist(), _fast=False)
    restored = object.__new__(ss.EWVar)
    restored.__setstate__(old)
    restored.update(3.0)
    assert restored.value == ss.EWVar(beta=0.5).update_many([1.0, 2.0, 4.0, 3.0])[-1]
