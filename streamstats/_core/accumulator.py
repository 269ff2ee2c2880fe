"""The machinery every accumulator shares: parameters, state, updates, merge, I/O.

An accumulator is a small monoid (docs/architecture.md): a state, a one-sample step
(``_core.rules``), a value, and an ordered ``merge``. The state is kept as a
``(fields, lanes)`` float64 array, plus the number of rows seen and the first and
last time stamps. A scalar stream keeps its state in a compiled ``Stepper``
(``_core._steps``, generated from the same rules) which is the instance's
``update``: a call with floats runs the step in C and returns; anything else
(arrays, time stamps, other types, a first sample) takes the Python method, which
checks and explains.
"""

from __future__ import annotations

import math
import types
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar, NamedTuple

import numpy as np

from . import _steps, blocked, kernels, merges
from .checks import check_state_fields
from .decay import resolve_decay
from .families import FAMILIES, Spec
from .times import Clock, time_scalar

__all__ = ["Accumulator", "stepped"]

_EMPTY = np.empty(0)
_NO_OUT = np.empty((0, 0))


def stepped(update: Any) -> Any:
    """Mark an ``update`` method whose float calls the compiled ``Stepper`` may take
    on its behalf (a subclass that overrides ``update`` keeps its own)."""
    update.stepped = True
    return update


def as_data(values: object, name: str) -> np.ndarray:
    """Numeric data as float64 (a copy only when the dtype differs)."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


class Accumulator:
    """Base class of the exponentially weighted accumulators (not public)."""

    #: state family of ``_core.kernels`` and the value it writes (set by subclasses)
    _family: str
    _kind: int = 0
    _adjust: bool = True
    _n_inputs: ClassVar[int] = 1
    _supports_times: bool = True

    def __init__(
        self,
        beta: float | None = None,
        *,
        alpha: float | None = None,
        span: float | None = None,
        com: float | None = None,
        halflife: float | str | None = None,
        ignore_na: bool = False,
        min_periods: int = 0,
    ) -> None:
        self._decay = resolve_decay(beta, alpha, span, com, halflife)
        if not isinstance(ignore_na, bool | np.bool_):
            raise TypeError(f"ignore_na must be True or False, got {ignore_na!r}")
        if isinstance(min_periods, bool) or not isinstance(min_periods, int | np.integer):
            raise TypeError(f"min_periods must be an integer, got {min_periods!r}")
        if min_periods < 0:
            raise ValueError(f"min_periods must be >= 0, got {min_periods}")
        # the per-sample weights (NaN for a duration halflife, which has none)
        self._beta = math.nan if self._decay.beta is None else self._decay.beta
        self._ignore_na = bool(ignore_na)
        self._min_periods = int(min_periods)
        #: what this accumulator computes, as the package's scans read it
        self.spec = Spec(FAMILIES[self._family], self._kind, self._adjust, self._decay,
                         self._ignore_na, self._min_periods,
                         None if self._supports_times else self._no_times_message())
        if self._decay.needs_times and not self._supports_times:
            raise ValueError(self._no_times_message())
        self.reset()

    # -- parameters -------------------------------------------------------------
    def _extra_params(self) -> dict[str, Any]:
        return {}

    @property
    def params(self) -> dict[str, Any]:
        """The constructor arguments, as plain JSON-able values."""
        name, value = self._decay.spec
        return {name: value, "ignore_na": self._ignore_na, "min_periods": self._min_periods,
                **self._extra_params()}

    def _no_times_message(self) -> str:
        return f"{type(self).__name__} has no time-aware form"

    # -- state ------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every sample: back to the state of a new accumulator."""
        self._shape: tuple[int, ...] | None = None
        self._clock = Clock()
        self._new_stepper(np.zeros(self.spec.family.rows))

    def _new_stepper(self, values: np.ndarray | None) -> None:
        """A compiled stepper as this instance's ``update``; ``values``: the state of a
        scalar stream (or of one not started), kept in the stepper's memory."""
        rates = self.spec.rates(False) if self._decay.beta is not None else None
        self._stepper = _steps.Stepper(
            self.spec.family.code, self.spec.family.rows, self._n_inputs, self._kind,
            self._adjust, rates is not None and rates.ignore_na,
            math.nan if rates is None else rates.base, math.nan if rates is None else rates.a,
            types.MethodType(type(self).update, self))
        if getattr(type(self).update, "stepped", False):
            self.update = self._stepper  # type: ignore[method-assign, assignment]
        if values is not None:
            self._st = np.frombuffer(memoryview(self._stepper), dtype=np.float64)
            self._st[:] = values
        self._arm()

    def _arm(self) -> None:
        """Let the stepper take calls of floats: a scalar stream without time stamps, or
        one timed in float seconds (it reads and moves on this stream's clock)."""
        scalar = self._shape == ()
        self._stepper.active = scalar and not self._clock.started and self._decay.beta is not None
        seconds = self._decay.halflife_seconds
        timed = scalar and self._clock.kind == "s" and seconds is not None
        base, a, _ = self.spec.rates(True) if timed else (math.nan, math.nan, False)
        self._stepper.arm_time(self._clock if timed else None, seconds or math.nan, base, a)

    def __getstate__(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        del data["_stepper"]
        data.pop("update", None)
        data["_st"] = self._st.copy()
        return data

    def __setstate__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)
        if isinstance(self._st, list):  # pickled before the Stepper: a list of the rows
            self._st = np.array(self._st, dtype=np.float64)
            self.__dict__.pop("_fast", None)
            self.__dict__.pop("_alpha", None)
        self._new_stepper(self._st if self._st.ndim == 1 else None)

    def _st_array(self) -> np.ndarray:
        if self._st.ndim == 1:
            return self._st.reshape(-1, 1).copy()
        return self._st.copy()

    def _commit(self, st: np.ndarray) -> None:
        if self._shape == ():
            self._st[:] = st[:, 0]
        else:
            self._st = st

    def _adopt_shape(self, shape: tuple[int, ...]) -> None:
        if self._shape is None:
            self._shape = shape
            if shape != ():
                k = int(np.prod(shape))
                self._st = np.repeat(self._st[:, None], k, axis=1)
        elif shape != self._shape:
            raise ValueError(f"sample shape {shape} differs from this stream's shape {self._shape}")

    @property
    def state(self) -> NamedTuple:
        """The state as a NamedTuple of floats (or arrays of the sample's shape)."""
        st = self._st_array()
        shape = self._shape or ()
        fields = [st[i].reshape(shape) if shape else float(st[i, 0]) for i in range(st.shape[0])]
        return self.spec.family.state(*fields, self._clock.first, self._clock.last)

    @classmethod
    def from_state(cls, state: Any, **params: Any) -> Accumulator:
        """A new accumulator with ``params`` that continues from ``state``.

        ``state`` is a ``.state`` NamedTuple (or a mapping with its fields).
        """
        acc = cls(**params)
        acc._load_state(state)
        return acc

    def _load_state(self, state: Any, time_kind: str | None = None) -> None:
        if hasattr(state, "_asdict"):
            data = state._asdict()
        elif isinstance(state, Mapping):
            data = dict(state)
        else:
            name = self.spec.family.state.__name__
            raise TypeError(f"state must be a {name} or a mapping of its fields, got "
                            f"{type(state).__name__}")
        names = self.spec.family.state._fields
        if set(data) != set(names):
            raise ValueError(f"state must have the fields {names}, got {tuple(data)}")
        checked = check_state_fields({f: data[f] for f in names[:-2]},
                                     f"{self.spec.family.state.__name__}")
        arrays = [checked[f] for f in names[:-2]]
        shape = arrays[0].shape
        if any(a.shape != shape for a in arrays):
            raise ValueError("state fields must all have the same shape")
        self.reset()
        counts = arrays[-2].sum() + arrays[-1].sum()
        if shape != () or counts > 0:
            self._adopt_shape(shape)
            self._commit(np.stack([a.reshape(-1) for a in arrays]))
        else:
            self._st[:] = [float(a) for a in arrays]
        t_first, t_last = data["t_first"], data["t_last"]
        if (t_first is None) != (t_last is None):
            raise ValueError("state t_first and t_last must both be set or both be None")
        if t_last is not None:
            if time_kind is None:  # a NamedTuple: the Python type tells
                time_kind = "ns" if isinstance(t_last, int | np.integer) else "s"
            if time_kind not in ("ns", "s"):
                raise ValueError(f"time_kind must be 'ns' or 's', got {time_kind!r}")
            for name, t in (("t_first", t_first), ("t_last", t_last)):
                if (isinstance(t, bool) or not isinstance(t, int | float | np.number)
                        or not math.isfinite(t) or (time_kind == "ns" and t != int(t))):
                    unit = "whole nanoseconds" if time_kind == "ns" else "seconds"
                    raise ValueError(f"state {name} must be a time stamp in {unit}, got {t!r}")
            if t_first > t_last:
                raise ValueError(f"state t_first {t_first!r} is after t_last {t_last!r}")
            cast = int if time_kind == "ns" else float
            self._clock = Clock(time_kind, cast(t_first), cast(t_last))
        self._arm()

    def to_dict(self) -> dict[str, Any]:
        """Parameters and state as plain lists and numbers (``json.dumps``-able);
        :meth:`from_dict` restores it exactly."""
        state = {
            k: (v.tolist() if isinstance(v, np.ndarray) else v)
            for k, v in self.state._asdict().items()
        }
        # the kind of the stamps is said, not left to the type of a JSON number
        return {"type": type(self).__name__, "params": self.params, "state": state,
                "time_kind": self._clock.kind}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Accumulator:
        """Rebuild an accumulator from :meth:`to_dict` output."""
        if not isinstance(data, Mapping) or data.get("type") != cls.__name__:
            got = data.get("type") if isinstance(data, Mapping) else type(data).__name__
            raise ValueError(f"to_dict data of a {got!r}, not a {cls.__name__}")
        missing = [k for k in ("params", "state") if not isinstance(data.get(k), Mapping)]
        if missing:
            raise ValueError(f"to_dict data of a {cls.__name__} needs {missing[0]!r} (a dict)")
        acc = cls(**data["params"])
        acc._load_state(data["state"], data.get("time_kind"))
        return acc

    def copy(self) -> Accumulator:
        """An independent copy."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._clock = replace(self._clock)
        if self._st.ndim == 1:
            new._new_stepper(self._st)
        else:
            new._st = self._st.copy()
            new._new_stepper(None)
        return new

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        value = self.value
        shown = f"{value:.6g}" if isinstance(value, float) else f"array of shape {self._shape}"
        return f"{type(self).__name__}({params}) <count={np.max(self.count)}, value={shown}>"

    # -- values -----------------------------------------------------------------
    @property
    def value(self) -> float | np.ndarray:
        """The current value: NaN before any sample (or before ``min_periods``)."""
        if self._st.ndim == 1:
            return _steps.value_of(self.spec.family.code, self._st, self._kind,
                                   self.spec.min_count)
        out = np.empty(self._st.shape[1])
        kernels.FINALIZE[self._family](self._st, self.spec.min_count, self._kind, out)
        return out.reshape(self._shape)

    @property
    def count(self) -> int | np.ndarray:
        """The number of observed (non-missing) samples."""
        st = self._st_array()
        return int(st[-2, 0]) if not self._shape else st[-2].astype(np.int64).reshape(self._shape)

    # -- updates ----------------------------------------------------------------
    def _check_mode(self, timed: bool) -> None:
        self.spec.check_times(timed)
        if self._shape is not None and timed != self._clock.started:
            had = "with" if self._clock.started else "without"
            raise ValueError(f"this stream was fed {had} time stamps: keep feeding it so")

    @stepped
    def update(self, x: Any, t: Any = None) -> None:
        """Feed one sample (a scalar, or an array of the stream's shape), with its
        time stamp ``t`` when the decay follows time.

        On a scalar stream a float (or numpy float64), without ``t`` or with ``t`` a
        float in seconds, steps in compiled C, in tens of nanoseconds; the result
        equals :meth:`update_many` bit for bit."""
        self._update((x,), t)

    def _update(self, samples: tuple, t: Any) -> None:
        self._check_arity(samples)
        scalar = self._shape in (None, ())
        if scalar and all(type(x) is float for x in samples):  # no conversion needed
            xs: list[float] | None = list(samples)
        else:
            arrays = [as_data(x, "x") for x in samples]
            xs = ([float(a) for a in arrays] if scalar and all(a.ndim == 0 for a in arrays)
                  else None)
        if xs is not None:
            self._step_scalar(xs, t)
        else:
            times = None
            if t is not None:
                value, kind = time_scalar(t)
                times = np.array([value], dtype="datetime64[ns]" if kind == "ns" else np.float64)
            self._run([a[None] for a in arrays], times, write=False)
        self._arm()

    def _step_scalar(self, xs: list[float], t: Any) -> None:
        """One scalar sample through the compiled step (the scans' rules, one row)."""
        timed = t is not None
        self._check_mode(timed)
        stamp = time_scalar(t) if timed else None
        if any(math.isinf(x) for x in xs):
            raise ValueError("samples must not be infinite: row 0 has inf")
        base, a, ignore_na = self.spec.rates(timed)
        d = base
        if stamp is not None:
            assert self._decay.halflife_seconds is not None  # checked by _check_mode
            d = base ** self._clock.elapsed_one(*stamp, self._decay.halflife_seconds)
        self._adopt_shape(())
        self._stepper.step(xs[0], xs[-1], d, a, ignore_na, timed)
        if stamp is not None:
            self._clock.advance_one(*stamp)

    def update_many(self, *samples: Any, times: Any = None, parallel: bool = False
                    ) -> np.ndarray:
        """Feed a sequence of samples (first axis: time) and return the value after
        each, as float64 of the same shape; equals a loop of :meth:`update`.

        ``parallel=True`` scans long columns as blocks on every core, as the batch
        functions (``ss.ewa``, ...) do: several times faster on long series, equal to
        the sequential scan bit for bit for moderate ``beta``; for ``beta`` very close
        to 1 the last digits can differ (about 1e-13 relative for a mean)."""
        self._check_arity(samples)
        out = self._run([as_data(x, "xs") for x in samples], times, write=True,
                        parallel=parallel)
        assert out is not None  # written
        return out

    def _check_arity(self, samples: tuple) -> None:
        if len(samples) != self._n_inputs:
            raise TypeError(f"{type(self).__name__} takes {self._n_inputs} input(s) per sample")

    def _prepare(self, arrays: list[np.ndarray], times: Any):
        """Validate a chunk: (2-D views, deltas, base, a, ignore_na, new times)."""
        x = arrays[0]
        if x.ndim == 0:
            raise ValueError("update_many needs a sequence of samples (got a scalar)")
        if any(a.shape != x.shape for a in arrays):
            raise ValueError(f"x and y must have the same shape, got {[a.shape for a in arrays]}")
        n, shape = x.shape[0], x.shape[1:]
        timed = times is not None
        self._check_mode(timed)
        if self._shape is not None and shape != self._shape:
            raise ValueError(f"sample shape {shape} differs from this stream's shape {self._shape}")
        k = int(np.prod(shape))
        views = [a.reshape(n, k) for a in arrays]
        deltas, new_times = _EMPTY, None
        if timed:
            assert self._decay.halflife_seconds is not None  # checked by _check_mode
            deltas, values, kind = self._clock.elapsed(times, n, self._decay.halflife_seconds)
            if n:
                new_times = (values, kind)
        base, a, ignore_na = self.spec.rates(timed)
        return views, deltas, base, a, ignore_na, new_times, shape

    def _run(
        self, arrays: list[np.ndarray], times: Any, write: bool, parallel: bool = False
    ) -> np.ndarray | None:
        """Scan a chunk, commit the state, return the values (``write``).

        ``parallel`` allows the lane-parallel scan of ``blocked`` (batch functions
        only: its carries round differently from the sequential scan, see ``blocked``).
        """
        views, deltas, base, a, ignore_na, new_times, shape = self._prepare(arrays, times)
        x = views[0]
        y = views[-1]
        n, k = x.shape
        if n == 0:
            return np.empty(arrays[0].shape) if write else None
        self._adopt_shape(shape)
        st = self._st_array()
        columns_contiguous = k > 1 and x.flags.f_contiguous
        out = np.empty((n, k), order="F" if columns_contiguous else "C") if write else _NO_OUT
        if (
            parallel and write and self._adjust and deltas.shape[0] == 0
            and (n >= blocked.MIN_ROWS or (columns_contiguous and k >= blocked.LANES))
            and (k < blocked.LANES or columns_contiguous)
        ):
            bad = blocked.scan_blocked(
                self._family, x, y, base, a, ignore_na, st, out, self.spec.min_count, self._kind
            )
        else:
            bad = kernels.SCANS[self._family](
                x, y, deltas, base, a, self._adjust, ignore_na, st, out, self.spec.min_count,
                self._kind
            )
        if bad >= 0:
            raise ValueError(f"samples must not be infinite: row {bad // x.shape[1]} has inf")
        self._commit(st)
        self._set_times(new_times)
        self._arm()  # the clock may have started or moved on
        return out.reshape(arrays[0].shape) if write else None

    def _set_times(self, new_times: Any) -> None:
        if new_times is None:
            return
        self._clock.advance(*new_times)

    # -- merge ------------------------------------------------------------------
    def merge(self, other: Accumulator) -> Accumulator:
        """The ordered merge: an accumulator equal to one fed ``self``'s samples and
        then ``other``'s (within a few ulp: the decay over ``other`` is one power)."""
        if type(other) is not type(self) or other.params != self.params:
            raise ValueError(
                f"can only merge a {type(self).__name__} with the same parameters, got {other!r}"
            )
        if not self._adjust:
            raise ValueError(
                "the seeded form (adjust=False / init='first') renormalises after every sample "
                "and cannot be merged; use the default adjust=True"
            )
        if other._shape is None:
            return self.copy()
        if self._shape is None:
            return other.copy()
        if other._shape != self._shape:
            raise ValueError(f"cannot merge shapes {self._shape} and {other._shape}")
        mine, theirs = self._clock, other._clock
        if mine.started != theirs.started or (mine.started and mine.kind != theirs.kind):
            raise ValueError("cannot merge a stream with time stamps and one without")
        late = other._st_array()
        if mine.started:
            assert self._decay.halflife_seconds is not None
            decay = np.full(late.shape[1], mine.decay_until(theirs, self._decay.halflife_seconds))
        else:
            decay = merges.sample_decay(late, self._beta, self._ignore_na)
        merged = self.spec.family.merge(self._st_array(), late, decay)
        return self._install(self.copy(), merged, Clock(mine.kind, mine.first, theirs.last))

    @staticmethod
    def _install(target: Accumulator, st: np.ndarray, clock: Clock) -> Accumulator:
        """``target`` with the state array ``st`` and the clock ``clock``."""
        target._commit(st)
        target._clock = clock
        target._arm()
        return target
