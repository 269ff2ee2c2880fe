"""Learning-rate schedules as generators, resumable, with pure forms.

Each function below returns a generator-like :class:`ScheduleIterator` that yields
the learning rate of epoch ``start``, ``start + 1``, ... (``start=1`` by default, as
in the lecture's table), forever unless ``stop=`` is given. Its ``schedule``
attribute is the pure form, a picklable function of the epoch (the classes
:class:`InverseTimeDecay`, ...), which the generator is a thin layer over: starting
with ``start=k`` yields exactly what the first run yielded from epoch ``k`` on.

Examples
--------
The lecture's table (``lr0 = 0.02``, ``decay_rate = 1``; the slide rounds
0.00667 to 0.006):

>>> from itertools import islice
>>> from streamstats.schedules import inverse_time_decay
>>> [round(lr, 5) for lr in islice(inverse_time_decay(0.02, decay_rate=1.0), 4)]
[0.01, 0.00667, 0.005, 0.004]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from . import _pure as pure_forms
from ._pure import (
    Constant,
    CosineDecay,
    ExponentialDecay,
    InverseSqrtDecay,
    InverseTimeDecay,
    Join,
    LinearWarmup,
    PiecewiseConstant,
    PolynomialDecay,
    Schedule,
    ScheduleIterator,
)

__all__ = [
    "constant",
    "inverse_time_decay",
    "exponential_decay",
    "inverse_sqrt_decay",
    "step_decay",
    "piecewise_constant",
    "cosine_decay",
    "linear_warmup",
    "polynomial_decay",
    "warmup",
    "join",
    "plot",
    *pure_forms.__all__,  # the pure forms
]


def constant(lr: float, *, start: int = 1, stop: int | None = None) -> ScheduleIterator:
    """Yield ``lr`` for every epoch.

    .. math:: \\alpha_e = \\alpha_0

    Examples
    --------
    >>> from streamstats.schedules import constant
    >>> list(constant(0.1, stop=4))
    [0.1, 0.1, 0.1]
    """
    return Constant(lr).iter(start, stop)


def inverse_time_decay(lr0: float, decay_rate: float, *, decay_steps: float = 1.0,
                       staircase: bool = False, start: int = 1,
                       stop: int | None = None) -> ScheduleIterator:
    """Yield the lecture's first decay, ``lr0 / (1 + decay_rate * epoch)``.

    .. math:: \\alpha_e = \\frac{\\alpha_0}{1 + \\text{decay\\_rate} \\cdot e / s}

    Parameters
    ----------
    lr0 : float
        The initial learning rate, > 0.
    decay_rate : float
        >= 0.
    decay_steps : float
        ``s``: epochs per unit of decay (Keras' ``decay_steps``).
    staircase : bool
        Use ``floor(e / s)``: the rate drops every ``s`` epochs.
    start, stop : int
        The first epoch yielded (resume here) and the first one not yielded.

    Examples
    --------
    The lecture's table:

    >>> from streamstats.schedules import inverse_time_decay
    >>> [round(lr, 5) for lr in inverse_time_decay(0.02, 1.0, stop=5)]
    [0.01, 0.00667, 0.005, 0.004]

    Resuming at epoch 3 yields what the run above yielded from epoch 3 on:

    >>> [round(lr, 5) for lr in inverse_time_decay(0.02, 1.0, start=3, stop=5)]
    [0.005, 0.004]
    """
    return InverseTimeDecay(lr0, decay_rate, decay_steps, staircase).iter(start, stop)


def exponential_decay(lr0: float, rate: float = 0.95, *, decay_steps: float = 1.0,
                      staircase: bool = False, start: int = 1,
                      stop: int | None = None) -> ScheduleIterator:
    """Yield the lecture's second decay, ``rate**epoch * lr0``.

    .. math:: \\alpha_e = \\text{rate}^{e / s} \\alpha_0

    Parameters
    ----------
    lr0 : float
        > 0.
    rate : float
        In (0, 1].
    decay_steps, staircase :
        As for :func:`inverse_time_decay`.
    start, stop : int
        The first epoch yielded and the first one not yielded.

    Examples
    --------
    >>> from streamstats.schedules import exponential_decay
    >>> [round(lr, 6) for lr in exponential_decay(0.2, 0.95, stop=4)]
    [0.19, 0.1805, 0.171475]
    """
    return ExponentialDecay(lr0, rate, decay_steps, staircase).iter(start, stop)


def inverse_sqrt_decay(lr0: float, k: float = 1.0, *, start: int = 1,
                       stop: int | None = None) -> ScheduleIterator:
    """Yield the lecture's third decay, ``k / sqrt(epoch) * lr0`` (epoch 0 is a
    ``ValueError``, not a division by zero).

    .. math:: \\alpha_e = \\frac{k}{\\sqrt{e}} \\alpha_0

    Examples
    --------
    >>> from streamstats.schedules import inverse_sqrt_decay
    >>> [round(lr, 6) for lr in inverse_sqrt_decay(0.1, k=1.0, stop=5)]
    [0.1, 0.070711, 0.057735, 0.05]
    >>> inverse_sqrt_decay(0.1, start=0)
    Traceback (most recent call last):
    ...
    ValueError: InverseSqrtDecay is undefined at epoch 0 (1/sqrt(0)): epochs start at 1
    """
    return InverseSqrtDecay(lr0, k).iter(start, stop)


def step_decay(lr0: float, factor: float = 0.5, every: int = 10, *, start: int = 1,
               stop: int | None = None) -> ScheduleIterator:
    """Yield ``lr0`` multiplied by ``factor`` every ``every`` epochs.

    .. math:: \\alpha_e = \\text{factor}^{\\lfloor e / n \\rfloor} \\alpha_0

    The same as ``exponential_decay(lr0, factor, decay_steps=every, staircase=True)``
    (whose pure form it returns).

    Examples
    --------
    >>> from streamstats.schedules import step_decay
    >>> list(step_decay(0.1, factor=0.5, every=2, stop=6))
    [0.1, 0.05, 0.05, 0.025, 0.025]
    """
    return ExponentialDecay(lr0, factor, every, staircase=True).iter(start, stop)


def piecewise_constant(boundaries: Sequence[float], values: Sequence[float], *, start: int = 1,
                       stop: int | None = None) -> ScheduleIterator:
    """Yield ``values[0]`` up to ``boundaries[0]`` (included), then ``values[1]``, ...
    (Keras' ``PiecewiseConstantDecay``).

    .. math:: \\alpha_e = v_i \\quad \\text{for } b_{i-1} < e \\le b_i

    Examples
    --------
    >>> from streamstats.schedules import piecewise_constant
    >>> list(piecewise_constant([2, 4], [0.1, 0.01, 0.001], stop=7))
    [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    """
    return PiecewiseConstant(boundaries, values).iter(start, stop)


def cosine_decay(lr0: float, decay_steps: float, *, alpha: float = 0.0, restarts: bool = False,
                 t_mul: float = 2.0, m_mul: float = 1.0, start: int = 1,
                 stop: int | None = None) -> ScheduleIterator:
    """Yield a cosine annealing from ``lr0`` down to ``alpha * lr0`` over
    ``decay_steps`` epochs; with ``restarts`` (SGDR) it starts over, each period
    ``t_mul`` times longer and its peak ``m_mul`` times lower.

    .. math:: \\alpha_e = \\alpha_0 \\left((1 - a)\\, m^i\\,
              \\tfrac12 (1 + \\cos(\\pi f)) + a\\right)

    Examples
    --------
    >>> from streamstats.schedules import cosine_decay
    >>> [round(lr, 4) for lr in cosine_decay(0.1, 4, stop=6)]
    [0.0854, 0.05, 0.0146, 0.0, 0.0]
    >>> [round(lr, 4) for lr in cosine_decay(0.1, 2, restarts=True, t_mul=1.0, stop=6)]
    [0.05, 0.1, 0.05, 0.1, 0.05]
    """
    return CosineDecay(lr0, decay_steps, alpha, restarts, t_mul, m_mul).iter(start, stop)


def linear_warmup(lr0: float, warmup: float, *, init: float = 0.0, start: int = 1,
                  stop: int | None = None) -> ScheduleIterator:
    """Yield a linear rise from ``init`` (epoch 0) to ``lr0`` (epoch ``warmup``),
    then ``lr0``.

    .. math:: \\alpha_e = \\alpha_{init} + (\\alpha_0 - \\alpha_{init}) \\min(e, W) / W

    Examples
    --------
    >>> from streamstats.schedules import linear_warmup
    >>> list(linear_warmup(0.1, 4, stop=7))
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]
    """
    return LinearWarmup(lr0, warmup, init).iter(start, stop)


def polynomial_decay(lr0: float, decay_steps: float, *, end: float = 0.0, power: float = 1.0,
                     cycle: bool = False, start: int = 1,
                     stop: int | None = None) -> ScheduleIterator:
    """Yield a polynomial decay from ``lr0`` to ``end`` over ``decay_steps`` epochs
    (Keras' ``PolynomialDecay``; ``power=1`` is linear).

    .. math:: \\alpha_e = (\\alpha_0 - \\alpha_{end}) (1 - \\min(e, T)/T)^p
              + \\alpha_{end}

    Examples
    --------
    >>> from streamstats.schedules import polynomial_decay
    >>> [round(lr, 4) for lr in polynomial_decay(0.1, 4, end=0.02, stop=7)]
    [0.08, 0.06, 0.04, 0.02, 0.02, 0.02]
    """
    return PolynomialDecay(lr0, decay_steps, end, power, cycle).iter(start, stop)


def join(schedules: Sequence[Schedule | ScheduleIterator], boundaries: Sequence[float], *,
         start: int = 1, stop: int | None = None) -> ScheduleIterator:
    """Yield ``schedules[0]`` until epoch ``boundaries[0]``, then ``schedules[1]``
    counting its epochs from 0 there, and so on (optax' ``join_schedules``).

    .. math:: \\alpha_e = s_i(e - b_{i-1}) \\quad \\text{for } b_{i-1} \\le e < b_i

    ``schedules`` may be pure forms or the iterators of this module (their pure
    forms are used).

    Examples
    --------
    Three epochs at 0.1, then the lecture's inverse-time decay:

    >>> from streamstats.schedules import constant, inverse_time_decay, join
    >>> [round(lr, 4) for lr in join([constant(0.1), inverse_time_decay(0.1, 1.0)], [3],
    ...                              stop=7)]
    [0.1, 0.1, 0.1, 0.05, 0.0333, 0.025]
    """
    return Join(schedules, boundaries).iter(start, stop)


def warmup(schedule: Schedule | ScheduleIterator, epochs: float, *, init: float = 0.0,
           start: int = 1, stop: int | None = None) -> ScheduleIterator:
    """Yield a linear warm-up from ``init`` to ``schedule(0)`` over ``epochs``, then
    ``schedule`` counting from 0 (the warm-up in front of any schedule).

    .. math:: \\alpha_e = \\begin{cases} \\alpha_{init} + (s(0) - \\alpha_{init})\\, e / W
              & e < W \\\\ s(e - W) & e \\ge W \\end{cases}

    Examples
    --------
    >>> from streamstats.schedules import cosine_decay, warmup
    >>> [round(lr, 4) for lr in warmup(cosine_decay(0.1, 4), 2, stop=8)]
    [0.05, 0.1, 0.0854, 0.05, 0.0146, 0.0, 0.0]
    """
    pure = schedule.schedule if isinstance(schedule, ScheduleIterator) else schedule
    if not isinstance(pure, Schedule):
        raise TypeError(f"schedule must be a schedule, got {schedule!r}")
    return Join([LinearWarmup(pure(0), epochs, init), pure], [epochs]).iter(start, stop)


def plot(schedules: Schedule | ScheduleIterator | Mapping[str, Any] | Iterable[Any],
         epochs: Any = None, *, ax: Any = None, log: bool = False) -> Any:
    """Plot one or several schedules against the epoch with matplotlib (the
    ``plot`` extra); returns the ``Axes``.

    Parameters
    ----------
    schedules : schedule, iterator, or a dict (label -> schedule) or list of them
    epochs : array_like, optional
        Default: epochs 1 to 100.
    ax : matplotlib Axes, optional
    log : bool
        A logarithmic learning-rate axis.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from streamstats import schedules as sch
    >>> ax = sch.plot({"inverse time": sch.inverse_time_decay(0.02, 1.0),
    ...                "exponential": sch.exponential_decay(0.02, 0.95)}, range(1, 51))
    >>> [line.get_label() for line in ax.get_lines()]
    ['inverse time', 'exponential']
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plot needs matplotlib: pip install 'streamstats[plot]'") from exc
    if isinstance(schedules, Schedule | ScheduleIterator):
        schedules = {repr(_as_pure(schedules)): schedules}
    elif not isinstance(schedules, Mapping):
        schedules = {repr(_as_pure(s)): s for s in schedules}
    e = np.arange(1, 101) if epochs is None else np.asarray(epochs, dtype=np.float64)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for label, schedule in schedules.items():
        ax.plot(e, _as_pure(schedule)(e), label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    if log:
        ax.set_yscale("log")
    ax.legend()
    return ax


def _as_pure(schedule: Any) -> Schedule:
    pure = schedule.schedule if isinstance(schedule, ScheduleIterator) else schedule
    if not isinstance(pure, Schedule):
        raise TypeError(f"not a schedule: {schedule!r}")
    return pure
