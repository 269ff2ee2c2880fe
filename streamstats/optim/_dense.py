"""An accumulator of the core over every element of an array at once: the moments
of an optimizer.

A gradient is a complete sample (no NaN means "missing"), so the counters and the
bias-correction weight are one number for the whole array instead of one per
element; only the moment itself is an array, kept in the array's dtype. The update
is the accumulator's own one-sample step (``_core.rules``), run over the array by the
kernels of ``_fused``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from .._core import rules
from .._core.accumulator import Accumulator
from .._core.accumulators import EWA, BiasCorrectedEWA, EWSecondMoment
from .._core.checks import check_count, check_state_fields
from . import _fused

__all__ = ["Dense"]


class Dense:
    """An exponentially weighted moment of every element of an array: the
    accumulator ``acc`` (:class:`~streamstats.EWA` with a zero start,
    :class:`~streamstats.BiasCorrectedEWA` or :class:`~streamstats.EWSecondMoment`)
    applied to each element, with one shared step count and normaliser.

    .. math:: v_t = \\beta v_{t-1} + a x_t, \\qquad
              \\hat v_t = \\frac{v_t}{1 - \\beta^t} \\text{ (bias-corrected kinds)}

    The bias-corrected kinds keep ``v_hat`` itself and its weight ``1 - beta**t``
    (as :class:`~streamstats.BiasCorrectedEWA` does), so nothing underflows however
    many steps are taken.

    Parameters
    ----------
    acc : accumulator
        The accumulator to apply: its decay and kind (squares for
        ``EWSecondMoment``; bias correction or not).
    like : ndarray
        The moment has this array's shape and floating dtype.

    Examples
    --------
    Adam's two moments of a gradient, after two steps:

    >>> import numpy as np
    >>> from streamstats import BiasCorrectedEWA, EWSecondMoment
    >>> from streamstats.optim import Dense
    >>> m = Dense(BiasCorrectedEWA(beta=0.9), np.zeros(2))
    >>> s = Dense(EWSecondMoment(beta=0.999, bias_correction=True), np.zeros(2))
    >>> for g in (np.array([1.0, -2.0]), np.array([3.0, 2.0])):
    ...     m.update(g)
    ...     s.update(g)
    >>> m.value                      # (0.09 * g1 + 0.1 * g2) / (1 - 0.9**2)
    array([2.05263158, 0.10526316])
    >>> m.count, s.state.weight      # 1 - 0.999**2
    (2, 0.001999)
    """

    def __init__(self, acc: Accumulator, like: np.ndarray) -> None:
        if not isinstance(acc, EWA | BiasCorrectedEWA | EWSecondMoment) or not acc.spec.adjust:
            raise TypeError(
                "Dense takes EWA (zero start), BiasCorrectedEWA or EWSecondMoment, "
                f"got {acc!r}"
            )
        spec = acc.spec
        if spec.decay.needs_times or spec.min_periods or spec.ignore_na:
            raise ValueError("a Dense moment counts steps: no time stamps, ignore_na or "
                             "min_periods")
        like = np.asarray(like)
        if like.dtype.kind != "f":
            raise TypeError(f"a Dense moment needs a floating array, got dtype {like.dtype}")
        self.acc = acc
        self.spec = spec
        self.values = np.zeros(like.shape, dtype=like.dtype)
        self.weight = 0.0
        self.count = 0

    @property
    def _corrected(self) -> bool:
        return self.spec.family.name == "mean"

    def scalars(self, beta: float | None = None, weight: float | None = None) -> tuple:
        """(decay, input weight, current weight, next weight) in the array's dtype:
        what a fused kernel needs for one step."""
        dt = self.values.dtype.type
        d = dt(self.spec.decay.beta if beta is None else beta)
        if weight is None:
            weight = self.spec.decay.alpha if beta is None else 1.0 - beta
        a, w = dt(weight), dt(self.weight)
        return d, a, w, rules.mean_step(dt(0.0), w, dt(0.0), d, a, True)[1]

    def advance(self, new_weight: float) -> None:
        """Count one step done by a fused kernel (which updated ``values``)."""
        self.weight = float(new_weight)
        self.count += 1

    def update(self, x: np.ndarray, *, beta: float | None = None,
               weight: float | None = None) -> None:
        """One step with the array sample ``x``; ``beta`` overrides the decay of
        this step, ``weight`` the weight of the new sample (default ``1 - beta``;
        1 gives the heavy-ball sum ``v = beta * v + x``)."""
        x = np.ascontiguousarray(x, dtype=self.values.dtype)
        if x.shape != self.values.shape:
            raise ValueError(
                f"sample shape {x.shape} differs from the moment's {self.values.shape}"
            )
        d, a, w, w_new = self.scalars(beta, weight)
        v, flat = self.values.reshape(-1), x.reshape(-1)
        square = self.spec.kind == 1
        if self._corrected:
            _fused.dense_mean(v.shape[0], v, w, flat, d, a, square)
        else:
            _fused.dense_ewa(v.shape[0], v, flat, d, a, square)
        self.advance(w_new)

    @property
    def value(self) -> np.ndarray:
        """The moment (bias-corrected for the corrected kinds), a read-only view."""
        view = self.values.view()
        view.flags.writeable = False
        return view

    @property
    def state(self) -> NamedTuple:
        """The accumulator's state NamedTuple, the moment as an array (a copy)."""
        state = self.spec.family.state
        if self._corrected:
            return state(self.values.copy(), self.weight, self.count, 0, None, None)
        return state(self.values.copy(), self.count, 0, None, None)

    def load_state(self, state: Any) -> None:
        """Continue from ``state`` (a ``state`` NamedTuple or its ``_asdict()``);
        the arrays are copied, so the input is never changed later."""
        if hasattr(state, "_asdict"):
            data = state._asdict()
        elif isinstance(state, Mapping):
            data = dict(state)
        else:
            raise ValueError(f"a moment's state must be a mapping, got {type(state).__name__}")
        # a dense moment keeps no missing count and no time stamps
        fields = [f for f in self.spec.family.row_names if f != "missing"]
        absent = [f for f in fields if f not in data]
        if absent:
            raise ValueError(f"a {self.spec.family.state.__name__} needs the field {absent[0]!r}, "
                             f"got {sorted(data)}")
        first = fields[0]
        checked = check_state_fields(
            {f: data[f] for f in fields if f != first}, self.spec.family.state.__name__)
        values = np.array(data[first], dtype=self.values.dtype)
        if values.shape != self.values.shape:
            raise ValueError(f"state shape {values.shape} differs from the moment's "
                             f"{self.values.shape}")
        if not np.isfinite(values).all():
            raise ValueError(f"{self.spec.family.state.__name__}: field {first!r} must be finite")
        if self.spec.kind == 1 and (values < 0).any():
            raise ValueError(f"{self.spec.family.state.__name__}: a second moment must be >= 0")
        self.values = values
        self.weight = float(checked.get("weight", 0.0))
        self.count = check_count(data["count"], f"{self.spec.family.state.__name__} count")

    def __repr__(self) -> str:
        return (f"Dense({self.acc!r}, shape={self.values.shape}, dtype={self.values.dtype}) "
                f"<count={self.count}>")
