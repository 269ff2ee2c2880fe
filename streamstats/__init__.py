"""streamstats: exact, mergeable, Numba-compiled exponentially weighted statistics.

Accumulators (streaming objects) for the EWA of the lecture, its bias-corrected
form, the EW second moment, variance, standard deviation, covariance and
correlation; numpy-level batch functions that continue exactly from a state.
"""

from ._accumulators import (
    EWA,
    BiasCorrectedEWA,
    CovState,
    EWAState,
    EWCorr,
    EWCov,
    EWSecondMoment,
    EWStd,
    EWVar,
    MeanState,
    VarState,
)
from ._batch import ew_second_moment, ewa, ewcorr, ewcov, ewstd, ewvar
from ._decay import beta_from_window, effective_window

__all__ = [
    "EWA",
    "BiasCorrectedEWA",
    "EWSecondMoment",
    "EWVar",
    "EWStd",
    "EWCov",
    "EWCorr",
    "EWAState",
    "MeanState",
    "VarState",
    "CovState",
    "ewa",
    "ew_second_moment",
    "ewvar",
    "ewstd",
    "ewcov",
    "ewcorr",
    "effective_window",
    "beta_from_window",
]

__version__ = "0.1.0"
