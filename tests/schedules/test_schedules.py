"""Schedules: the lecture's table, every schedule against its closed form over
10,000 epochs (written here independently, with ``math``), generator == pure form,
resume from any epoch == the uninterrupted run, pickling, and every bad argument."""

from __future__ import annotations

import math
import pickle
from itertools import islice

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamstats import schedules as sch
from tests.oracles import assert_close

EPOCHS = 10_000


def _restart_cosine(lr0, T, alpha, t_mul, m_mul):
    def f(e):
        i, begin, length = 0, 0.0, T
        while e >= begin + length:  # walk the periods one by one
            begin, length, i = begin + length, length * t_mul, i + 1
        frac = (e - begin) / length
        return lr0 * ((1 - alpha) * m_mul**i * 0.5 * (1 + math.cos(math.pi * frac)) + alpha)
    return f


def _piecewise(boundaries, values):
    def f(e):
        for b, v in zip(boundaries, values):
            if e <= b:
                return v
        return values[-1]
    return f


def _polynomial(lr0, T, end, power, cycle):
    def f(e):
        steps = T * max(math.ceil(e / T), 1) if cycle else T
        e = e if cycle else min(e, T)
        return (lr0 - end) * (1 - e / steps) ** power + end
    return f


# name -> (the generator, its closed form)
CASES = {
    "constant": (lambda **kw: sch.constant(0.3, **kw), lambda e: 0.3),
    "inverse_time": (lambda **kw: sch.inverse_time_decay(0.02, 1.0, **kw),
                     lambda e: 0.02 / (1 + 1.0 * e)),
    "inverse_time_staircase": (
        lambda **kw: sch.inverse_time_decay(0.5, 0.3, decay_steps=7, staircase=True, **kw),
        lambda e: 0.5 / (1 + 0.3 * (e // 7))),
    "exponential": (lambda **kw: sch.exponential_decay(0.1, 0.95, **kw),
                    lambda e: 0.95**e * 0.1),
    "exponential_steps": (lambda **kw: sch.exponential_decay(0.1, 0.5, decay_steps=100, **kw),
                          lambda e: 0.5 ** (e / 100) * 0.1),
    "inverse_sqrt": (lambda **kw: sch.inverse_sqrt_decay(0.2, k=0.7, **kw),
                     lambda e: 0.7 / math.sqrt(e) * 0.2),
    "step": (lambda **kw: sch.step_decay(0.1, factor=0.9, every=30, **kw),
             lambda e: 0.1 * 0.9 ** (e // 30)),
    "piecewise": (lambda **kw: sch.piecewise_constant([10, 500, 4000], [1.0, 0.1, 0.01, 1e-3],
                                                      **kw),
                  _piecewise([10, 500, 4000], [1.0, 0.1, 0.01, 1e-3])),
    "cosine": (lambda **kw: sch.cosine_decay(0.1, 5000, alpha=0.01, **kw),
               lambda e: 0.1 * (0.99 * 0.5 * (1 + math.cos(math.pi * min(e, 5000) / 5000))
                                + 0.01)),
    "cosine_restarts": (
        lambda **kw: sch.cosine_decay(0.1, 10, restarts=True, t_mul=2.0, m_mul=0.8, **kw),
        _restart_cosine(0.1, 10, 0.0, 2.0, 0.8)),
    "cosine_restarts_fractional": (
        lambda **kw: sch.cosine_decay(0.1, 7, alpha=0.1, restarts=True, t_mul=1.5, **kw),
        _restart_cosine(0.1, 7, 0.1, 1.5, 1.0)),
    "cosine_restarts_constant_period": (
        lambda **kw: sch.cosine_decay(0.1, 2.75, restarts=True, t_mul=1.0, **kw),
        _restart_cosine(0.1, 2.75, 0.0, 1.0, 1.0)),
    "linear_warmup": (lambda **kw: sch.linear_warmup(0.1, 1000, init=0.001, **kw),
                      lambda e: 0.001 + (0.1 - 0.001) * min(e, 1000) / 1000),
    "polynomial": (lambda **kw: sch.polynomial_decay(0.1, 3000, end=0.001, power=2.0, **kw),
                   _polynomial(0.1, 3000, 0.001, 2.0, False)),
    "polynomial_cycle": (
        lambda **kw: sch.polynomial_decay(0.1, 3000, end=0.001, cycle=True, **kw),
        _polynomial(0.1, 3000, 0.001, 1.0, True)),
    "join": (lambda **kw: sch.join([sch.constant(0.1), sch.exponential_decay(0.1, 0.999)],
                                   [100], **kw),
             lambda e: 0.1 if e < 100 else 0.999 ** (e - 100) * 0.1),
    "warmup_cosine": (lambda **kw: sch.warmup(sch.cosine_decay(0.1, 9000), 1000, **kw),
                      lambda e: 0.1 * e / 1000 if e < 1000
                      else 0.1 * 0.5 * (1 + math.cos(math.pi * min(e - 1000, 9000) / 9000))),
}
NAMES = sorted(CASES)


def test_the_lecture_table():
    lrs = list(islice(sch.inverse_time_decay(0.02, decay_rate=1.0), 4))
    assert lrs == pytest.approx([0.01, 0.02 / 3, 0.005, 0.004], rel=1e-15)
    assert [round(lr, 5) for lr in lrs] == [0.01, 0.00667, 0.005, 0.004]


@pytest.mark.parametrize("name", NAMES)
def test_closed_form_over_ten_thousand_epochs(name):
    make, closed = CASES[name]
    first = 0 if name != "inverse_sqrt" else 1
    got = list(make(start=first, stop=EPOCHS + 1))
    expected = [closed(e) for e in range(first, EPOCHS + 1)]
    assert_close(got, expected, rtol=1e-12, scale=max(expected))


@pytest.mark.parametrize("name", NAMES)
def test_generator_is_the_pure_form_and_arrays_agree(name):
    make, _ = CASES[name]
    it = make(stop=2001)
    pure = it.schedule
    epochs = np.arange(1, 2001)
    got = np.array(list(it))
    np.testing.assert_array_equal(got, [pure(int(e)) for e in epochs])
    # numpy's vectorised cos/pow may round an array differently in the last bit
    np.testing.assert_allclose(pure(epochs), got, rtol=4e-16, atol=0)
    assert isinstance(pure(3), float)


@pytest.mark.parametrize("name", NAMES)
@given(k=st.integers(1, 1200))
@settings(max_examples=10, deadline=None)
def test_resume_from_any_epoch_equals_the_uninterrupted_run(name, k):
    make, _ = CASES[name]
    whole = list(make(stop=1201))
    assert list(make(start=k, stop=1201)) == whole[k - 1:]
    # and a pickled iterator, saved after k - 1 epochs, continues the same way
    it = make(stop=1201)
    head = list(islice(it, k - 1))
    resumed = pickle.loads(pickle.dumps(it))
    assert resumed.epoch == k
    assert head + list(resumed) == whole


@pytest.mark.parametrize("name", NAMES)
def test_pure_forms_pickle_and_compare_by_parameters(name):
    make, _ = CASES[name]
    pure = make().schedule
    copy = pickle.loads(pickle.dumps(pure))
    assert copy == pure and hash(copy) == hash(pure)
    assert [copy(e) for e in range(1, 100)] == [pure(e) for e in range(1, 100)]
    assert repr(copy) == repr(pure)


BAD = [
    (lambda: sch.constant(0.0), "lr must be > 0"),
    (lambda: sch.inverse_time_decay(-0.1, 1.0), "lr0 must be > 0"),
    (lambda: sch.inverse_time_decay(0.1, -1.0), "decay_rate must be >= 0"),
    (lambda: sch.inverse_time_decay(0.1, 1.0, decay_steps=0), "decay_steps must be > 0"),
    (lambda: sch.exponential_decay(0.1, rate=1.5), r"rate must be in \(0, 1\]"),
    (lambda: sch.exponential_decay(0.1, rate=0.0), r"rate must be in \(0, 1\]"),
    (lambda: sch.exponential_decay(float("nan")), "lr0 must be finite"),
    (lambda: sch.inverse_sqrt_decay(0.1, k=0), "k must be > 0"),
    (lambda: sch.inverse_sqrt_decay(0.1, start=0), "undefined at epoch 0"),
    (lambda: sch.inverse_sqrt_decay(0.1).schedule(0), "undefined at epoch 0"),
    (lambda: sch.step_decay(0.1, factor=2.0), r"rate must be in \(0, 1\]"),
    (lambda: sch.step_decay(0.1, every=0), "decay_steps must be > 0"),
    (lambda: sch.piecewise_constant([5, 5], [1.0, 0.5, 0.1]), "boundaries must be increasing"),
    (lambda: sch.piecewise_constant([5, 10], [1.0, 0.5]), "one more entry than boundaries"),
    (lambda: sch.piecewise_constant([5], [1.0, -0.5]), r"values\[1\] must be > 0"),
    (lambda: sch.cosine_decay(0.1, 0), "decay_steps must be > 0"),
    (lambda: sch.cosine_decay(0.1, 10, alpha=1.5), r"alpha must be in \[0, 1\]"),
    (lambda: sch.cosine_decay(0.1, 10, restarts=True, t_mul=0.5), "t_mul must be >= 1"),
    (lambda: sch.cosine_decay(0.1, 10, m_mul=0), r"m_mul must be in \(0, 1\]"),
    (lambda: sch.linear_warmup(0.1, 0), "warmup must be > 0"),
    (lambda: sch.linear_warmup(0.1, 5, init=-1), "init must be >= 0"),
    (lambda: sch.polynomial_decay(0.1, 10, power=0), "power must be > 0"),
    (lambda: sch.polynomial_decay(0.1, 10, end=-0.1), "end must be >= 0"),
    (lambda: sch.join([sch.constant(0.1)], [5]), "one more entry than boundaries"),
    (lambda: sch.join([sch.constant(0.1), sch.constant(0.2)], [-1]),
     r"boundaries\[0\] must be >= 0"),
    (lambda: sch.join([sch.constant(0.1), sch.inverse_sqrt_decay(0.1)], [5]),
     "undefined at its first epoch"),
    (lambda: sch.constant(0.1, start=-1), "start must be an integer >= 0"),
    (lambda: sch.constant(0.1, start=5, stop=2), r"stop must be an integer >= start"),
    (lambda: sch.constant(0.1).schedule(-1), "epoch must be a finite number >= 0"),
    (lambda: sch.constant(0.1).schedule(float("inf")), "epoch must be a finite number >= 0"),
]


@pytest.mark.parametrize("call, message", BAD, ids=[m for _, m in BAD])
def test_invalid_arguments_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError, match="lr0 must be a number"):
        sch.exponential_decay("0.1")
    with pytest.raises(TypeError, match=r"schedules\[1\] must be a schedule"):
        sch.join([sch.constant(0.1), 0.2], [3])


def test_plot_draws_every_schedule(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    ax = sch.plot([sch.constant(0.1), sch.step_decay(0.1, every=3)], epochs=range(1, 11))
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[1].get_ydata(),
                                  [0.1 * 0.5 ** (e // 3) for e in range(1, 11)])
    ax.figure.savefig(tmp_path / "schedules.png")
    assert (tmp_path / "schedules.png").stat().st_size > 1000
