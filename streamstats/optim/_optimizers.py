"""Momentum, RMSprop and Adam built from the accumulators.

Each optimizer keeps, per parameter array, its moments as :class:`Dense`
accumulators of the core (Momentum: an ``EWA``; RMSprop: an ``EWSecondMoment``; Adam:
a ``BiasCorrectedEWA`` and a bias-corrected ``EWSecondMoment``). A step runs either
the fused kernel of ``_fused`` (one pass over memory) or the composed path (the
accumulators' ``update`` then the rule of ``optim._rules`` on whole arrays); both
call the same step functions.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._core.accumulators import EWA, BiasCorrectedEWA, EWSecondMoment
from .._core.checks import check_count
from ..schedules._pure import Schedule, ScheduleIterator
from . import _fused
from ._dense import Dense
from ._rules import decoupled_decay, l2_penalty, momentum_update, rms_direction, rms_step
from ._tree import leaves

__all__ = ["Optimizer", "Momentum", "RMSprop", "Adam", "AdamW"]

_EMPTY = {np.dtype(np.float32): np.zeros(0, np.float32), np.dtype(np.float64): np.zeros(0)}


def _check(name: str, value: float, low: float, high: float | None = None,
           low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number or a schedule, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if value < low or (low_open and value == low) or (high is not None and value >= high):
        bound = f"{'>' if low_open else '>='} {low}" + ("" if high is None else f" and < {high}")
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return value


class Optimizer(ABC):
    """Base class: hyperparameters (numbers or schedules), per-parameter state,
    ``step``, ``state_dict`` / ``load_state_dict``.

    A hyperparameter given as a schedule (:mod:`streamstats.schedules`) is evaluated
    at every step at the number of the step being taken (1, 2, ...): schedules
    advance per step. For a decay per epoch give the schedule
    ``decay_steps=steps_per_epoch, staircase=True``, or set the attribute (``opt.lr =
    ...``) at the start of each epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from streamstats.optim import Momentum, Optimizer
    >>> opt = Momentum(0.1, beta=0.9)
    >>> isinstance(opt, Optimizer)
    True
    >>> w = np.array([1.0])
    >>> opt.step(w, np.array([2.0]))    # v = 0.1 * 2 (from v = 0), w -= 0.1 * v
    >>> w
    array([0.98])
    >>> sorted(opt.state_dict())
    ['count', 'paths', 'state']
    """

    #: name -> (lowest value, highest value excluded, lowest excluded)
    _limits: dict[str, tuple[float, float | None, bool]] = {
        "lr": (0.0, None, True), "weight_decay": (0.0, None, False), "eps": (0.0, None, False),
        "beta": (0.0, 1.0, False), "beta1": (0.0, 1.0, False), "beta2": (0.0, 1.0, False),
        "momentum": (0.0, 1.0, False),
    }

    #: where eps goes: inside the root (the lecture's RMSprop) or outside (torch)
    eps_inside_sqrt: bool = False

    def __init__(self, **hyper: Any) -> None:
        self._hyper_names = tuple(hyper)
        for name, value in hyper.items():
            setattr(self, name, value)
        self.count = 0
        self._state: list[dict[str, Any]] | None = None
        self._paths: list[str] | None = None  # the parameter each state belongs to

    def __setattr__(self, name: str, value: Any) -> None:
        # a hyperparameter is checked when set (opt.lr = ... too); a schedule's
        # values when evaluated
        if name in self._limits:
            if isinstance(value, ScheduleIterator):
                value = value.schedule
            if not isinstance(value, Schedule):
                value = _check(name, value, *self._limits[name])
        super().__setattr__(name, value)

    def _nominal(self, name: str) -> float:
        """A hyperparameter's value, or a schedule's at step 1 (for the accumulators'
        parameters; each step passes the value of its own step)."""
        value = getattr(self, name)
        return value if isinstance(value, float) else self.hyperparameters(1)[name]

    def _eps_pair(self, p: np.ndarray, h: dict[str, float]) -> tuple:
        """(eps inside the root, eps outside) in the parameters' dtype."""
        eps, zero = _scalar(p, h["eps"]), _scalar(p, 0.0)
        return (eps, zero) if self.eps_inside_sqrt else (zero, eps)

    def hyperparameters(self, t: int) -> dict[str, float]:
        """The hyperparameters of step ``t`` (1, 2, ...): schedules evaluated and
        checked, numbers as they are.

        Examples
        --------
        >>> from streamstats import schedules as sch
        >>> from streamstats.optim import Adam
        >>> Adam(lr=sch.exponential_decay(0.1, 0.5)).hyperparameters(2)["lr"]
        0.025
        """
        out = {}
        for name in self._hyper_names:
            value = getattr(self, name)
            if isinstance(value, Schedule):
                low, high, _ = self._limits[name]
                # a schedule may end at 0 (cosine, polynomial decay, underflow): a
                # step with lr 0 moves nothing but is no error
                value = _check(name, value(t), low, high)
            out[name] = value
        return out

    def step(self, params: Any, grads: Any, *, fused: bool = True) -> None:
        """Update ``params`` in place from ``grads`` (same structure: one array or
        nested dicts/lists/tuples of arrays). ``fused=False`` takes the composed
        path (the accumulators' ``update``, then the rule on whole arrays)."""
        pairs = leaves(params, grads)
        paths = [path for path, _, _ in pairs]
        t = self.count + 1
        hyper = self.hyperparameters(t)
        if self._state is None:
            state = [self._init_state(p) for _, p, _ in pairs]
        else:
            state = self._matched_state(paths)
            for (path, p, _), st in zip(pairs, state):
                first = next(iter(st.values()))
                shape, dtype = first.values.shape, first.values.dtype
                if p.shape != shape or p.dtype != dtype:
                    raise ValueError(f"{path} is {p.dtype}{list(p.shape)}, its state "
                                     f"{dtype}{list(shape)}")
        for (_, p, g), st in zip(pairs, state):
            (self._fused_step if fused else self._composed_step)(p, g, st, hyper)
        self._state, self._paths = state, paths
        self.count = t

    def _matched_state(self, paths: list[str]) -> list[dict[str, Any]]:
        """The states in the order of ``paths``: a state belongs to its parameter's
        path (``params['w']``), so a dict built in another order gets its own moments."""
        state, known = self._state, self._paths
        assert state is not None  # called once there is a state
        if known is None:  # a state_dict without paths: by position
            if len(state) != len(paths):
                raise ValueError(f"params have {len(paths)} arrays, this optimizer's state "
                                 f"{len(state)}")
            return state
        if known == paths:
            return state
        by_path = dict(zip(known, state))
        missing = [p for p in paths if p not in by_path]
        extra = [p for p in known if p not in set(paths)]
        if missing or extra:
            what = (f"{missing[0]} has no state (this optimizer's state is for "
                    f"{', '.join(known)})" if missing
                    else f"{extra[0]} has a state but is not among the params")
            raise ValueError(f"params do not match this optimizer's state: {what}")
        return [by_path[p] for p in paths]

    # -- state -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"count": steps, "state": [per array: {name: state as a dict}]}`` with
        plain numbers and (copied) arrays."""
        return {
            "count": self.count,
            "paths": list(self._paths) if self._paths is not None else None,
            "state": [
                {name: (acc.state._asdict() if isinstance(acc, Dense) else acc.copy())
                 for name, acc in st.items()}
                for st in (self._state or [])
            ],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from a :meth:`state_dict` (its arrays are copied, never changed).
        The parameters' shapes are checked at the next ``step``."""
        if not isinstance(state, dict) or not isinstance(state.get("state"), list | tuple):
            raise ValueError("a state_dict is a dict with 'count' and a list 'state' (from "
                             "state_dict())")
        count = check_count(state.get("count"), "state_dict count")
        paths = state.get("paths")
        if paths is not None and (not isinstance(paths, list | tuple)
                                  or len(paths) != len(state["state"])
                                  or not all(isinstance(p, str) for p in paths)):
            raise ValueError("state_dict paths must list one parameter path per state")
        loaded = []
        for i, entry in enumerate(state["state"]):
            if not isinstance(entry, dict) or not entry:
                raise ValueError(f"state[{i}] must be a dict of moments by name, got {entry!r}")
            first = entry[next(iter(entry))]
            if isinstance(first, Mapping):
                first = next(iter(first.values()), None)
            values = np.asarray(first)
            if values.dtype not in (np.float32, np.float64):
                raise ValueError(f"state[{i}] must hold float32 or float64 arrays, got "
                                 f"{values.dtype}")
            st = self._init_state(np.zeros(values.shape, values.dtype))
            if set(st) != set(entry):
                raise ValueError(f"state[{i}] has {sorted(entry)}, this optimizer keeps "
                                 f"{sorted(st)}")
            for name, acc in st.items():
                if isinstance(acc, Dense):
                    acc.load_state(entry[name])
                else:
                    st[name] = np.array(entry[name], dtype=values.dtype)
                    if st[name].shape != values.shape or not np.isfinite(st[name]).all():
                        raise ValueError(f"state[{i}][{name!r}] must be a finite array of "
                                         f"shape {values.shape}")
            loaded.append(st)
        self._state = loaded or None
        self._paths = list(paths) if paths is not None and loaded else None
        self.count = count

    @property
    def state(self) -> list[dict[str, Any]]:
        """Per parameter array, its accumulators (and arrays) by name."""
        return list(self._state or [])

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._hyper_names)
        return f"{type(self).__name__}({args}) <step {self.count}>"

    # -- per optimizer -----------------------------------------------------------------
    @abstractmethod
    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        """A new state for the parameter array ``p``: accumulators by name."""

    @abstractmethod
    def _fused_step(self, p, g, st, h) -> None:
        """One step of ``p`` by the fused kernel."""

    @abstractmethod
    def _composed_step(self, p, g, st, h) -> None:
        """The same step by the accumulators' ``update`` and the rule on arrays."""


def _scalar(p: np.ndarray, value: float):
    """A hyperparameter in the parameters' dtype: float32 stays float32."""
    return p.dtype.type(value)


class Momentum(Optimizer):
    """Gradient descent with momentum: an EWA of the gradients.

    .. math:: v = \\beta v + (1 - \\beta)\\, dw, \\qquad w \\mathrel{-}= \\alpha v

    ``form="ewa"`` is the lecture's form, ``v`` started at zero. ``form="heavy_ball"``
    is torch's ``SGD(momentum=beta)``: ``v = beta * v + dw`` (so its first step is
    ``v = dw``); the two are equal when the heavy ball's ``lr`` is ``(1 - beta)``
    times the EWA's. ``nesterov=True`` steps along ``a * dw + beta * v`` (``a`` the
    weight of the new gradient), torch's Nesterov for the heavy ball.

    Parameters
    ----------
    lr : float or schedule
        The learning rate ``alpha``, > 0.
    beta : float
        The weight on the past, in [0, 1).
    form : {"ewa", "heavy_ball"}
    nesterov : bool
    weight_decay : float or schedule
        An L2 term ``weight_decay * w`` added to the gradient (torch's).

    Examples
    --------
    Two steps of the lecture's rule on ``w = 1`` with ``dw = w`` (``lr = 0.1``,
    ``beta = 0.9``): ``v = 0.1``, ``w = 0.99``; then ``v = 0.09 + 0.099 = 0.189``:

    >>> import numpy as np
    >>> from streamstats.optim import Momentum
    >>> w = np.array([1.0])
    >>> opt = Momentum(lr=0.1, beta=0.9)
    >>> for _ in range(2):
    ...     opt.step(w, w.copy())
    >>> w
    array([0.9711])
    >>> opt.state[0]["v"].value
    array([0.189])
    """

    def __init__(self, lr: Any, beta: Any = 0.9, *, form: str = "ewa", nesterov: bool = False,
                 weight_decay: Any = 0.0) -> None:
        if form not in ("ewa", "heavy_ball"):
            raise ValueError(f"form must be 'ewa' or 'heavy_ball', got {form!r}")
        self.form, self.nesterov = form, bool(nesterov)
        super().__init__(lr=lr, beta=beta, weight_decay=weight_decay)

    def _init_state(self, p):
        return {"v": Dense(EWA(self._nominal("beta")), p)}

    def _input_weight(self, h) -> float:
        return 1.0 - h["beta"] if self.form == "ewa" else 1.0

    def _fused_step(self, p, g, st, h):
        v = st["v"]
        d, a, _, w_new = v.scalars(h["beta"], self._input_weight(h))
        _fused.momentum(p.size, p.reshape(-1), g.reshape(-1), v.values.reshape(-1),
                        _scalar(p, h["lr"]), _scalar(p, h["weight_decay"]), d, a, self.nesterov)
        v.advance(w_new)

    def _composed_step(self, p, g, st, h):
        v = st["v"]
        d, a, _, _ = v.scalars(h["beta"], self._input_weight(h))
        g = l2_penalty(g, p, _scalar(p, h["weight_decay"]))
        v.update(g, beta=h["beta"], weight=self._input_weight(h))
        p[...] = momentum_update(p, v.value, g, _scalar(p, h["lr"]), d, a, self.nesterov)


class RMSprop(Optimizer):
    """RMSprop: steps scaled by an EW second moment of the gradients.

    .. math:: S = \\beta S + (1 - \\beta)\\, dw^2, \\qquad
              w \\mathrel{-}= \\alpha \\frac{dw}{\\sqrt{S + \\epsilon}}

    ``eps_inside_sqrt=False`` divides by ``sqrt(S) + eps`` as torch does; with it,
    ``RMSprop(lr, beta, eps, eps_inside_sqrt=False, centered=c, momentum=m)`` is
    torch's ``RMSprop(lr, alpha=beta, eps, centered=c, momentum=m)``. ``centered``
    subtracts the square of an EWA of the gradients from ``S``; ``momentum`` adds a
    heavy-ball buffer ``b = m * b + step``.

    Parameters
    ----------
    lr : float or schedule
    beta : float
        The decay of ``S``, in [0, 1) (torch's ``alpha``).
    eps : float
    eps_inside_sqrt, centered : bool
    momentum, weight_decay : float or schedule

    Examples
    --------
    One step from ``S = 0`` (``beta = 0.9``): ``S = 0.1 * dw**2``, so the step is
    ``lr * dw / sqrt(0.1 dw**2 + eps)``:

    >>> import numpy as np
    >>> from streamstats.optim import RMSprop
    >>> w = np.array([1.0, 1.0])
    >>> RMSprop(lr=0.01, beta=0.9, eps=0.0).step(w, np.array([2.0, -0.5]))
    >>> w.round(6)
    array([0.968377, 1.031623])
    """

    def __init__(self, lr: Any, beta: Any = 0.9, eps: Any = 1e-8, *,
                 eps_inside_sqrt: bool = True, centered: bool = False, momentum: Any = 0.0,
                 weight_decay: Any = 0.0) -> None:
        self.eps_inside_sqrt, self.centered = bool(eps_inside_sqrt), bool(centered)
        super().__init__(lr=lr, beta=beta, eps=eps, momentum=momentum,
                         weight_decay=weight_decay)

    def _init_state(self, p):
        beta = self._nominal("beta")
        st: dict[str, Any] = {"s": Dense(EWSecondMoment(beta), p)}
        if self.centered:
            st["mean"] = Dense(EWA(beta), p)
        if self.momentum != 0.0:
            st["buffer"] = Dense(EWA(self._nominal("momentum")), p)
        return st

    def _fused_step(self, p, g, st, h):
        s, mean, buf = st["s"], st.get("mean"), st.get("buffer")
        d, a, _, w_new = s.scalars(h["beta"])
        eps_in, eps_out = self._eps_pair(p, h)
        empty = _EMPTY[p.dtype]
        _fused.rmsprop(p.size, p.reshape(-1), g.reshape(-1), s.values.reshape(-1),
                       empty if mean is None else mean.values.reshape(-1),
                       empty if buf is None else buf.values.reshape(-1),
                       _scalar(p, h["lr"]), _scalar(p, h["weight_decay"]), d, a, eps_in, eps_out,
                       self.centered, _scalar(p, h["momentum"]))
        for acc in (s, mean, buf):
            if acc is not None:
                acc.advance(w_new)

    def _composed_step(self, p, g, st, h):
        s, mean, buf = st["s"], st.get("mean"), st.get("buffer")
        eps_in, eps_out = self._eps_pair(p, h)
        g = l2_penalty(g, p, _scalar(p, h["weight_decay"]))
        s.update(g, beta=h["beta"])
        if mean is not None:
            mean.update(g, beta=h["beta"])
        step = rms_step(g, s.value, 0.0 if mean is None else mean.value, eps_in, eps_out,
                        self.centered)
        if buf is not None:
            buf.update(step, beta=h["momentum"], weight=1.0)
            step = buf.value
        p[...] = p - _scalar(p, h["lr"]) * step


class Adam(Optimizer):
    """Adam: a bias-corrected EWA of the gradients over the root of a bias-corrected
    EW second moment.

    .. math:: \\hat v = \\frac{v}{1 - \\beta_1^t}, \\quad
              \\hat S = \\frac{S}{1 - \\beta_2^t}, \\qquad
              w \\mathrel{-}= \\alpha \\frac{\\hat v}{\\sqrt{\\hat S + \\epsilon}}

    The state is a :class:`~streamstats.BiasCorrectedEWA` of the gradients and a
    bias-corrected :class:`~streamstats.EWSecondMoment` (each kept as the corrected
    value and its weight ``1 - beta**t``, so nothing underflows). With
    ``eps_inside_sqrt=False`` it is torch's ``Adam`` (``sqrt(S_hat) + eps``);
    ``amsgrad=True`` uses the running maximum of the uncorrected second moment (torch's
    AMSGrad); ``weight_decay`` is an L2 term, or AdamW's decoupled decay ``w *= 1 -
    lr * weight_decay`` with ``decoupled_weight_decay=True``.

    Parameters
    ----------
    lr : float or schedule
    beta1, beta2 : float
        In [0, 1).
    eps : float
    eps_inside_sqrt, amsgrad, decoupled_weight_decay : bool
    weight_decay : float or schedule

    Examples
    --------
    The first step of Adam moves every weight by about ``lr`` (``v_hat = dw``,
    ``S_hat = dw**2``):

    >>> import numpy as np
    >>> from streamstats.optim import Adam
    >>> w = np.array([1.0, 1.0])
    >>> Adam(lr=0.1, eps=0.0).step(w, np.array([3.0, -0.02]))
    >>> w
    array([0.9, 1.1])
    """

    def __init__(self, lr: Any, beta1: Any = 0.9, beta2: Any = 0.999, eps: Any = 1e-8, *,
                 eps_inside_sqrt: bool = True, amsgrad: bool = False, weight_decay: Any = 0.0,
                 decoupled_weight_decay: bool = False) -> None:
        self.eps_inside_sqrt, self.amsgrad = bool(eps_inside_sqrt), bool(amsgrad)
        self.decoupled_weight_decay = bool(decoupled_weight_decay)
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)

    def _init_state(self, p):
        st: dict[str, Any] = {
            "m": Dense(BiasCorrectedEWA(self._nominal("beta1")), p),
            "s": Dense(EWSecondMoment(self._nominal("beta2"), bias_correction=True), p),
        }
        if self.amsgrad:  # the running maximum of the uncorrected second moment
            st["vmax"] = np.zeros_like(p)
        return st

    def _decays(self, p, h):
        """(L2 weight, AdamW's shrink factor) in the parameters' dtype; the factor
        ``1 - lr * weight_decay`` is rounded once per step, as torch does."""
        if self.decoupled_weight_decay:
            return _scalar(p, 0.0), _scalar(p, decoupled_decay(1.0, h["lr"], h["weight_decay"]))
        return _scalar(p, h["weight_decay"]), _scalar(p, 1.0)

    def _fused_step(self, p, g, st, h):
        m, s = st["m"], st["s"]
        d1, a1, w1, w1_new = m.scalars(h["beta1"])
        d2, a2, w2, w2_new = s.scalars(h["beta2"])
        l2, shrink = self._decays(p, h)
        eps_in, eps_out = self._eps_pair(p, h)
        vmax = st["vmax"].reshape(-1) if self.amsgrad else _EMPTY[p.dtype]
        _fused.adam(p.size, p.reshape(-1), g.reshape(-1), m.values.reshape(-1),
                    s.values.reshape(-1), vmax, _scalar(p, h["lr"]), l2, shrink, d1, a1, w1,
                    d2, a2, w2, w2_new, eps_in, eps_out, self.amsgrad)
        m.advance(w1_new)
        s.advance(w2_new)

    def _composed_step(self, p, g, st, h):
        m, s = st["m"], st["s"]
        lr = _scalar(p, h["lr"])
        l2, shrink = self._decays(p, h)
        eps_in, eps_out = self._eps_pair(p, h)
        shrunk = p * shrink
        g = l2_penalty(g, p, l2)
        m.update(g, beta=h["beta1"])
        s.update(g, beta=h["beta2"])
        second = s.value
        if self.amsgrad:
            w2 = s.values.dtype.type(s.weight)
            np.maximum(st["vmax"], second * w2, out=st["vmax"])
            second = st["vmax"] / w2
        p[...] = shrunk - lr * rms_direction(m.value, second, eps_in, eps_out)


class AdamW(Adam):
    """Adam with decoupled weight decay (``decoupled_weight_decay=True``), torch's
    ``AdamW`` (its default ``weight_decay=0.01``).

    .. math:: w \\mathrel{*}= 1 - \\alpha \\lambda, \\qquad
              w \\mathrel{-}= \\alpha \\frac{\\hat v}{\\sqrt{\\hat S + \\epsilon}}

    Examples
    --------
    >>> import numpy as np
    >>> from streamstats.optim import AdamW
    >>> w = np.array([1.0])
    >>> AdamW(lr=0.1, weight_decay=0.5, eps=0.0).step(w, np.array([2.0]))
    >>> w                              # 1 * (1 - 0.05) - 0.1
    array([0.85])
    """

    def __init__(self, lr: Any, beta1: Any = 0.9, beta2: Any = 0.999, eps: Any = 1e-8, *,
                 eps_inside_sqrt: bool = True, amsgrad: bool = False,
                 weight_decay: Any = 0.01) -> None:
        super().__init__(lr, beta1, beta2, eps, eps_inside_sqrt=eps_inside_sqrt,
                         amsgrad=amsgrad, weight_decay=weight_decay,
                         decoupled_weight_decay=True)
