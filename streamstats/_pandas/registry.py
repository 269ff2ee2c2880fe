"""The statistics of the pandas front, by name, and the accumulator behind each.

One table maps a statistic ("mean", "var", ...) and the pandas-style options to an
accumulator of the core, so that the accessor's batch methods, the online smoother
and the command line all compute a statistic the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._core.accumulator import Accumulator
from .._core.accumulators import (
    EWA,
    BiasCorrectedEWA,
    EWCorr,
    EWCov,
    EWSecondMoment,
    EWStd,
    EWVar,
)
from .._core.decay import Decay, resolve_decay

__all__ = ["Options", "STATS", "PAIRWISE", "make_accumulator"]

STATS = ("mean", "var", "std", "second_moment", "cov", "corr")
#: statistics of two inputs: on a frame, one value per pair of columns
PAIRWISE = ("cov", "corr")


@dataclass(frozen=True)
class Options:
    """The options shared by every statistic (each uses the ones that apply), the
    decay resolved (checked) where the user gave it.

    ``bias_correction`` applies to ``mean`` and ``second_moment``; ``adjust=None``
    means pandas' default (True) for the spreads and "follow ``bias_correction``"
    for the mean; ``bias`` applies to ``var``/``std``/``cov``.
    """

    decay: Decay
    bias_correction: bool = True
    adjust: bool | None = None
    bias: bool = False
    ignore_na: bool = False
    min_periods: int = 0

    @classmethod
    def of(cls, beta: Any = None, *, alpha: Any = None, span: Any = None, com: Any = None,
           halflife: Any = None, **options: Any) -> Options:
        return cls(resolve_decay(beta, alpha, span, com, halflife), **options)

    def to_dict(self) -> dict[str, Any]:
        return {**self.decay.keywords, "bias_correction": self.bias_correction,
                "adjust": self.adjust, "bias": self.bias, "ignore_na": self.ignore_na,
                "min_periods": self.min_periods}


def make_accumulator(stat: str, opts: Options) -> Accumulator:
    """A fresh accumulator computing ``stat`` with ``opts`` (pandas' meaning of
    ``adjust``, the lecture's of ``bias_correction``)."""
    common = dict(opts.decay.keywords, ignore_na=opts.ignore_na,
                  min_periods=opts.min_periods)
    for name in ("bias_correction", "bias"):
        if not isinstance(getattr(opts, name), bool):
            raise TypeError(f"{name} must be True or False, got {getattr(opts, name)!r}")
    if opts.adjust not in (None, True, False):
        raise TypeError(f"adjust must be True, False or None, got {opts.adjust!r}")
    if stat == "mean":
        if opts.adjust is False:
            if not opts.bias_correction:
                raise ValueError(
                    "adjust=False is pandas' seeded form and bias_correction=False the "
                    "zero-started one: give one of them"
                )
            return EWA(init="first", **common)
        if opts.bias_correction:
            return BiasCorrectedEWA(**common)
        if opts.adjust:
            raise ValueError(
                "adjust=True is the bias-corrected mean: it contradicts bias_correction=False"
            )
        return EWA(**common)
    if stat == "second_moment":
        if opts.adjust is False:
            raise ValueError("second_moment has no seeded (adjust=False) form")
        return EWSecondMoment(bias_correction=opts.bias_correction, **common)
    adjust = True if opts.adjust is None else opts.adjust
    if stat in ("var", "std", "cov"):
        cls = {"var": EWVar, "std": EWStd, "cov": EWCov}[stat]
        return cls(bias=opts.bias, adjust=adjust, **common)
    if stat == "corr":
        return EWCorr(adjust=adjust, **common)
    raise ValueError(f"unknown statistic {stat!r}: choose from {', '.join(STATS)}")
