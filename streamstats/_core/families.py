"""The statistic families, one description each, and the spec of an accumulator.

A family is a kind of state with its one-sample rules (``rules``: ``{name}_step``,
``{name}_decay``, its value rule), its ordered merge (``merges``) and its state
NamedTuple (``states``). Everything else is derived from this table: the kernels'
field counts and value dispatch (``kernels``), the merges' rows, the loaders'
checks. Adding a family is one row here plus its rules, its merge and its state.

``Spec`` is what one accumulator computes: its family, the value it writes, the
convention and the resolved decay. The keyed streams, the optimizers' dense moments
and the batch functions read it instead of the accumulator's private attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from . import merges
from .decay import Decay
from .states import CovState, EWAState, MeanState, VarState

__all__ = ["Family", "FAMILIES", "Rates", "Spec"]


@dataclass(frozen=True)
class Family:
    """One state family.

    ``state`` names the fields (numeric ones first, then ``count``, ``missing``,
    ``t_first``, ``t_last``); ``value`` is the rule in ``rules`` that turns a state
    into the statistic, given the accumulator's ``kind``; ``merge`` the ordered merge
    of two segments' ``(rows, lanes)`` arrays; ``bivariate`` families take pairs;
    ``kind == 1`` squares the input where ``squares_input`` (the second moments).
    """

    name: str
    state: type[Any]  # a NamedTuple class
    value: str
    merge: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    #: the values the value rule can give, by ``kind`` (the kernels take the number)
    kinds: tuple[str, ...]
    bivariate: bool = False
    squares_input: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        """The numeric fields, in row order (without the counts and stamps)."""
        return self.state._fields[:-4]

    @property
    def row_names(self) -> tuple[str, ...]:
        """The rows of a state array: the numeric fields, then count and missing."""
        return self.state._fields[:-2]

    @property
    def rows(self) -> int:
        return len(self.row_names)

    @property
    def code(self) -> int:
        """The family's number in the compiled steps (``_core._steps``), generated
        from this table in its order."""
        return _CODES[self.name]

    def row(self, name: str) -> int:
        """The row of a field (``count`` and ``missing`` are the last two)."""
        return self.state._fields.index(name)


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("ewa", EWAState, "ewa_value", merges.merge_ewa, ("v", "v of squares"),
           squares_input=True),
    Family("mean", MeanState, "mean_value", merges.merge_mean, ("mean", "mean of squares"),
           squares_input=True),
    Family("var", VarState, "var_value_of", merges.merge_var,
           ("var", "var_bias", "std", "std_bias")),
    Family("cov", CovState, "cov_value_of", merges.merge_cov, ("cov", "cov_bias", "corr"),
           bivariate=True),
)}

_CODES = {name: i for i, name in enumerate(FAMILIES)}


class Rates(NamedTuple):
    """The decay as the kernels take it: each row decays the past by ``base`` (to
    the power of the elapsed halflives, with time stamps) and a new sample weighs
    ``a``; ``ignore_na`` skips the decay on missing rows."""

    base: float
    a: float
    ignore_na: bool


@dataclass(frozen=True)
class Spec:
    """What an accumulator computes.

    ``kind`` selects the value its family's rule writes, named by ``Family.kinds``
    (``value``); for ``ewa``/``mean`` kind 1 squares the input (the second moment);
    ``adjust`` False is the seeded form (weights renormalised to 1 after a sample).
    """

    family: Family
    kind: int
    adjust: bool
    decay: Decay
    ignore_na: bool
    min_periods: int
    times_refused: str | None = None  # why this accumulator takes no time stamps

    @property
    def value(self) -> str:
        """What the accumulator gives, by name (``Family.kinds``)."""
        return self.family.kinds[self.kind]

    @property
    def min_count(self) -> float:
        """Observed samples before a value is given (at least one)."""
        return float(max(self.min_periods, 1))

    def rates(self, timed: bool) -> Rates:
        """What a scan needs of the decay. With time stamps the past decays by
        ``0.5 ** elapsed_halflives``, every sample weighs 1, and a missing row lets
        time pass as any other."""
        if timed:
            return Rates(0.5, 1.0, False)
        beta, alpha = self.decay.beta, self.decay.alpha
        assert beta is not None and alpha is not None, "a duration halflife needs times"
        return Rates(beta, alpha, self.ignore_na)

    def check_times(self, timed: bool) -> None:
        """That time stamps are given when (and only when) this decay needs them."""
        if timed:
            if self.decay.halflife_seconds is None:
                raise ValueError(
                    f"time stamps need the decay given as halflife, not {self.decay.spec[0]}")
            if self.times_refused is not None:
                raise ValueError(self.times_refused)
        elif self.decay.needs_times:
            raise ValueError(
                f"halflife={self.decay.spec[1]!r} is a duration: pass time stamps (t= or times=)")
