"""Learning-rate schedules: pure functions of the epoch, and the iterators over them.

A :class:`Schedule` is a picklable callable, ``schedule(epoch) -> lr`` (numpy arrays
of epochs too, for plots); its generator form, :class:`ScheduleIterator`, yields
``schedule(start), schedule(start + 1), ...``, so that resuming at epoch ``k``
(``start=k``, or a pickled iterator) yields exactly what an uninterrupted run does.
Epochs may be fractional (``step / steps_per_epoch``).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.decay import check_number

__all__ = [
    "Schedule",
    "ScheduleIterator",
    "Constant",
    "InverseTimeDecay",
    "ExponentialDecay",
    "InverseSqrtDecay",
    "PiecewiseConstant",
    "CosineDecay",
    "LinearWarmup",
    "PolynomialDecay",
    "Join",
]


# -- argument checks: each error names the argument ---------------------------------


def _positive(name: str, value: Any) -> float:
    value = check_number(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def _nonnegative(name: str, value: Any) -> float:
    value = check_number(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def _fraction(name: str, value: Any, *, zero: bool) -> float:
    """A value in (0, 1] (or [0, 1] when ``zero``)."""
    value = check_number(name, value)
    if not (0 <= value <= 1 if zero else 0 < value <= 1):
        raise ValueError(f"{name} must be in {'[0' if zero else '(0'}, 1], got {value!r}")
    return value


def _increasing(name: str, values: Sequence[Any]) -> tuple[float, ...]:
    out = tuple(_nonnegative(f"{name}[{i}]", v) for i, v in enumerate(values))
    for i in range(1, len(out)):
        if out[i] <= out[i - 1]:
            raise ValueError(f"{name} must be increasing, got {out[i - 1]!r} then {out[i]!r}")
    return out


def _epochs(epoch: Any, positive: bool, name: str) -> np.ndarray:
    e = np.asarray(epoch, dtype=np.float64)
    bad = ~np.isfinite(e) | ((e <= 0) if positive else (e < 0))
    if bad.any():
        shown = f"{float(e[bad].flat[0]):g}"
        if positive:
            raise ValueError(f"{name} is undefined at epoch {shown} (1/sqrt(0)): epochs start at 1")
        raise ValueError(f"epoch must be a finite number >= 0, got {shown}")
    return e


# -- the schedules ----------------------------------------------------------------------


class Schedule(ABC):
    """A learning rate as a pure function of the epoch (base class).

    ``schedule(epoch)`` returns a float for a number and an array for an array of
    epochs; ``iter(start, stop)`` (or ``iter(schedule)``) the generator form.
    Schedules compare by their parameters and pickle.

    Examples
    --------
    >>> from streamstats import schedules as sch
    >>> decay = sch.ExponentialDecay(0.02, 0.95)
    >>> isinstance(decay, sch.Schedule), round(decay(2), 6)     # 0.02 * 0.95**2
    (True, 0.01805)
    >>> [round(lr, 5) for lr in decay.iter(1, 4)]
    [0.019, 0.01805, 0.01715]
    """

    #: whether the schedule is defined at epoch 0 (``k / sqrt(epoch)`` is not)
    defined_at_zero = True

    def __call__(self, epoch: Any) -> Any:
        e = _epochs(epoch, not self.defined_at_zero, type(self).__name__)
        out = self._at(e)
        return float(out) if np.ndim(epoch) == 0 else out

    @abstractmethod
    def _at(self, e: np.ndarray) -> np.ndarray:
        """The learning rate at each of the (checked) epochs ``e``."""

    def _params(self) -> dict[str, Any]:
        return dict(vars(self))

    def iter(self, start: int = 1, stop: int | None = None) -> ScheduleIterator:
        """The generator form: yields ``self(epoch)`` for ``epoch = start, start + 1,
        ...`` up to ``stop`` (excluded), forever without it."""
        return ScheduleIterator(self, start, stop)

    def __iter__(self) -> ScheduleIterator:
        return self.iter()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._params() == self._params()

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"


class ScheduleIterator:
    """The generator form of a :class:`Schedule`: ``next()`` yields the learning
    rate of epoch ``start``, then ``start + 1``, ... (``stop`` excluded).

    ``epoch`` is the next epoch it will yield; the iterator pickles, so a checkpoint
    can save it and continue. ``schedule`` is the pure form.

    Examples
    --------
    >>> from streamstats.schedules import InverseTimeDecay
    >>> it = InverseTimeDecay(0.02, 1.0).iter(start=3, stop=5)
    >>> [round(lr, 6) for lr in it]
    [0.005, 0.004]
    """

    def __init__(self, schedule: Schedule, start: int = 1, stop: int | None = None) -> None:
        if not isinstance(schedule, Schedule):
            raise TypeError(f"schedule must be a Schedule, got {schedule!r}")
        if isinstance(start, bool) or not isinstance(start, int | np.integer) or start < 0:
            raise ValueError(f"start must be an integer >= 0, got {start!r}")
        if stop is not None and (isinstance(stop, bool) or not isinstance(stop, int | np.integer)
                                 or stop < start):
            raise ValueError(f"stop must be an integer >= start ({start}), got {stop!r}")
        self.schedule = schedule
        self.epoch = int(start)
        self.stop = None if stop is None else int(stop)
        if not schedule.defined_at_zero and start == 0:
            schedule(0)  # raises, naming the schedule

    def __iter__(self) -> ScheduleIterator:
        return self

    def __next__(self) -> float:
        if self.stop is not None and self.epoch >= self.stop:
            raise StopIteration
        lr = self.schedule(self.epoch)
        self.epoch += 1
        return lr

    def __repr__(self) -> str:
        return f"{self.schedule!r}.iter(start={self.epoch}, stop={self.stop})"


class Constant(Schedule):
    """``lr`` at every epoch (pure form of :func:`~streamstats.schedules.constant`).

    .. math:: \\alpha_e = \\alpha_0

    Examples
    --------
    >>> from streamstats.schedules import Constant
    >>> Constant(0.1)(7)
    0.1
    """

    def __init__(self, lr: float) -> None:
        self.lr = _positive("lr", lr)

    def _at(self, e: np.ndarray) -> np.ndarray:
        return np.full(e.shape, self.lr)


def _progress(e: np.ndarray, decay_steps: float, staircase: bool) -> np.ndarray:
    p = e / decay_steps
    return np.floor(p) if staircase else p


class InverseTimeDecay(Schedule):
    """The lecture's first decay (pure form of
    :func:`~streamstats.schedules.inverse_time_decay`).

    .. math:: \\alpha_e = \\frac{\\alpha_0}{1 + \\text{decay\\_rate} \\cdot e / s}

    with ``s = decay_steps`` (``floor(e / s)`` when ``staircase``).

    Examples
    --------
    >>> from streamstats.schedules import InverseTimeDecay
    >>> InverseTimeDecay(0.02, decay_rate=1.0)(2)
    0.006666666666666667
    """

    def __init__(self, lr0: float, decay_rate: float, decay_steps: float = 1.0,
                 staircase: bool = False) -> None:
        self.lr0 = _positive("lr0", lr0)
        self.decay_rate = _nonnegative("decay_rate", decay_rate)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.staircase = bool(staircase)

    def _at(self, e: np.ndarray) -> np.ndarray:
        return self.lr0 / (1.0 + self.decay_rate * _progress(e, self.decay_steps, self.staircase))


class ExponentialDecay(Schedule):
    """The lecture's second decay (pure form of
    :func:`~streamstats.schedules.exponential_decay` and
    :func:`~streamstats.schedules.step_decay`).

    .. math:: \\alpha_e = \\text{rate}^{e / s} \\alpha_0

    with ``s = decay_steps`` (``floor(e / s)`` when ``staircase``).

    Examples
    --------
    >>> from streamstats.schedules import ExponentialDecay
    >>> round(ExponentialDecay(0.1, rate=0.95)(2), 8)
    0.09025
    """

    def __init__(self, lr0: float, rate: float = 0.95, decay_steps: float = 1.0,
                 staircase: bool = False) -> None:
        self.lr0 = _positive("lr0", lr0)
        self.rate = _fraction("rate", rate, zero=False)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.staircase = bool(staircase)

    def _at(self, e: np.ndarray) -> np.ndarray:
        return self.rate ** _progress(e, self.decay_steps, self.staircase) * self.lr0


class InverseSqrtDecay(Schedule):
    """The lecture's third decay (pure form of
    :func:`~streamstats.schedules.inverse_sqrt_decay`); epoch 0 is an error.

    .. math:: \\alpha_e = \\frac{k}{\\sqrt{e}} \\alpha_0

    Examples
    --------
    >>> from streamstats.schedules import InverseSqrtDecay
    >>> InverseSqrtDecay(0.1, k=1.0)(4)
    0.05
    """

    defined_at_zero = False

    def __init__(self, lr0: float, k: float = 1.0) -> None:
        self.lr0 = _positive("lr0", lr0)
        self.k = _positive("k", k)

    def _at(self, e: np.ndarray) -> np.ndarray:
        return self.k / np.sqrt(e) * self.lr0


class PiecewiseConstant(Schedule):
    """``values[i]`` between boundaries (pure form of
    :func:`~streamstats.schedules.piecewise_constant`), as Keras'
    ``PiecewiseConstantDecay``.

    .. math:: \\alpha_e = v_i \\quad \\text{for } b_{i-1} < e \\le b_i

    Examples
    --------
    >>> from streamstats.schedules import PiecewiseConstant
    >>> s = PiecewiseConstant([10, 20], [0.1, 0.01, 0.001])
    >>> s(10), s(11), s(25)
    (0.1, 0.01, 0.001)
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float]) -> None:
        self.boundaries = _increasing("boundaries", boundaries)
        self.values = tuple(_positive(f"values[{i}]", v) for i, v in enumerate(values))
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(
                f"values must have one more entry than boundaries: got {len(self.values)} "
                f"values for {len(self.boundaries)} boundaries"
            )

    def _at(self, e: np.ndarray) -> np.ndarray:
        return np.asarray(self.values)[np.searchsorted(self.boundaries, e, side="left")]


class CosineDecay(Schedule):
    """Cosine annealing from ``lr0`` to ``alpha * lr0`` over ``decay_steps`` epochs
    (pure form of :func:`~streamstats.schedules.cosine_decay`), optionally with warm
    restarts (SGDR; Keras' ``CosineDecayRestarts``).

    .. math:: \\alpha_e = \\alpha_0 \\left((1 - a)\\, m^i\\,
              \\tfrac12 (1 + \\cos(\\pi f)) + a\\right)

    where, without restarts, ``i = 0`` and ``f = min(e, T) / T``; with restarts,
    period ``i`` lasts ``T * t_mul**i`` epochs and ``f`` is the fraction of it done.

    Examples
    --------
    >>> from streamstats.schedules import CosineDecay
    >>> s = CosineDecay(0.1, decay_steps=10)
    >>> s(0), s(5), s(10), s(20)
    (0.1, 0.05, 0.0, 0.0)
    >>> CosineDecay(0.1, decay_steps=10, restarts=True, t_mul=1.0)(10)
    0.1
    """

    def __init__(self, lr0: float, decay_steps: float, alpha: float = 0.0,
                 restarts: bool = False, t_mul: float = 2.0, m_mul: float = 1.0) -> None:
        self.lr0 = _positive("lr0", lr0)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.alpha = _fraction("alpha", alpha, zero=True)
        self.restarts = bool(restarts)
        self.t_mul = check_number("t_mul", t_mul)
        if self.t_mul < 1:
            raise ValueError(f"t_mul must be >= 1 (each period at least as long), got {t_mul!r}")
        self.m_mul = _fraction("m_mul", m_mul, zero=False)

    def _period(self, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index of the restart period, fraction of it done) at each epoch."""
        T, t = self.decay_steps, self.t_mul

        def start(i: np.ndarray) -> np.ndarray:  # epochs before period i
            return T * i if t == 1.0 else T * (t**i - 1.0) / (t - 1.0)

        i = np.floor(e / T if t == 1.0 else np.log1p(e * (t - 1.0) / T) / math.log(t))
        # rounding can land one period off at a boundary: settle it on the starts
        i = np.where(start(i) > e, i - 1, i)
        i = np.where(start(i + 1) <= e, i + 1, i)
        return i, (e - start(i)) / (T * t**i)

    def _at(self, e: np.ndarray) -> np.ndarray:
        scale: Any
        if self.restarts:
            i, f = self._period(e)
            scale = self.m_mul**i
        else:
            f, scale = np.minimum(e, self.decay_steps) / self.decay_steps, 1.0
        cosine = 0.5 * scale * (1.0 + np.cos(np.pi * f))
        return self.lr0 * ((1.0 - self.alpha) * cosine + self.alpha)


class LinearWarmup(Schedule):
    """Linear from ``init`` at epoch 0 to ``lr0`` at epoch ``warmup``, then ``lr0``
    (pure form of :func:`~streamstats.schedules.linear_warmup`).

    .. math:: \\alpha_e = \\alpha_{init} + (\\alpha_0 - \\alpha_{init})
              \\min(e, W) / W

    Examples
    --------
    >>> from streamstats.schedules import LinearWarmup
    >>> s = LinearWarmup(0.1, warmup=4)
    >>> s(1), s(4), s(9)
    (0.025, 0.1, 0.1)
    """

    def __init__(self, lr0: float, warmup: float, init: float = 0.0) -> None:
        self.lr0 = _positive("lr0", lr0)
        self.warmup = _positive("warmup", warmup)
        self.init = _nonnegative("init", init)

    def _at(self, e: np.ndarray) -> np.ndarray:
        return self.init + (self.lr0 - self.init) * (np.minimum(e, self.warmup) / self.warmup)


class PolynomialDecay(Schedule):
    """From ``lr0`` to ``end`` along ``(1 - e/T) ** power`` (pure form of
    :func:`~streamstats.schedules.polynomial_decay`), as Keras' ``PolynomialDecay``.

    .. math:: \\alpha_e = (\\alpha_0 - \\alpha_{end}) (1 - \\min(e, T) / T)^p
              + \\alpha_{end}

    With ``cycle``, ``T`` grows to the next multiple of ``decay_steps`` past ``e``.

    Examples
    --------
    >>> from streamstats.schedules import PolynomialDecay
    >>> s = PolynomialDecay(0.1, decay_steps=10, end=0.01, power=2.0)
    >>> round(s(5), 6), s(10), s(50)
    (0.0325, 0.01, 0.01)
    """

    def __init__(self, lr0: float, decay_steps: float, end: float = 0.0, power: float = 1.0,
                 cycle: bool = False) -> None:
        self.lr0 = _positive("lr0", lr0)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.end = _nonnegative("end", end)
        self.power = _positive("power", power)
        self.cycle = bool(cycle)

    def _at(self, e: np.ndarray) -> np.ndarray:
        T: Any = self.decay_steps
        if self.cycle:
            T = T * np.maximum(np.ceil(e / T), 1.0)
        else:
            e = np.minimum(e, T)
        return (self.lr0 - self.end) * (1.0 - e / T) ** self.power + self.end


class Join(Schedule):
    """One schedule after another (pure form of :func:`~streamstats.schedules.join`):
    ``schedules[i]`` runs from ``boundaries[i-1]`` on, counting its epochs from 0
    there (optax' ``join_schedules``).

    .. math:: \\alpha_e = s_i(e - b_{i-1}) \\quad \\text{for } b_{i-1} \\le e < b_i

    Examples
    --------
    >>> from streamstats.schedules import Constant, ExponentialDecay, Join
    >>> s = Join([Constant(0.1), ExponentialDecay(0.1, rate=0.5)], [3])
    >>> s(2), s(3), s(4)
    (0.1, 0.1, 0.05)
    """

    def __init__(self, schedules: Sequence[Schedule | ScheduleIterator],
                 boundaries: Sequence[float]) -> None:
        self.schedules = tuple(s.schedule if isinstance(s, ScheduleIterator) else s
                               for s in schedules)
        for i, s in enumerate(self.schedules):
            if not isinstance(s, Schedule):
                raise TypeError(f"schedules[{i}] must be a schedule, got {s!r}")
        self.boundaries = _increasing("boundaries", boundaries)
        if len(self.schedules) != len(self.boundaries) + 1:
            raise ValueError(
                f"schedules must have one more entry than boundaries: got "
                f"{len(self.schedules)} schedules for {len(self.boundaries)} boundaries"
            )
        for i, s in enumerate(self.schedules[1:]):
            if not s.defined_at_zero:
                raise ValueError(
                    f"schedules[{i + 1}] ({type(s).__name__}) is undefined at its first epoch, "
                    "0: it cannot follow another schedule"
                )

    def _at(self, e: np.ndarray) -> np.ndarray:
        which = np.searchsorted(self.boundaries, e, side="right")
        starts = np.asarray((0.0, *self.boundaries))
        out = np.empty(e.shape)
        for i, schedule in enumerate(self.schedules):
            here = which == i
            if here.any():
                out[here] = schedule(e[here] - starts[i])
        return out
