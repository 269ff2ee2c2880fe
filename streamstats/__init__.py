"""streamstats: exact, mergeable, Numba-compiled exponentially weighted statistics.

Accumulators (streaming objects) for the EWA of the lecture, its bias-corrected
form, the EW second moment, variance, standard deviation, covariance and
correlation; numpy-level batch functions that continue exactly from a state; the
``ewa`` accessor on pandas Series and DataFrames (``df.ewa.smooth(beta=0.9)``) and
:class:`OnlineSmoother` for streams of chunks.

The import needs numpy only: the accessor is registered once pandas is imported
(before or after this package), and :func:`smooth_csv` imports its CSV reader
(pyarrow) on first use.
"""

from typing import Any

from ._core.accumulators import (
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
from ._core.batch import ew_second_moment, ewa, ewcorr, ewcov, ewstd, ewvar
from ._core.decay import beta_from_window, effective_window
from ._pandas.frame import MISSING_KEY
from ._pandas.online import OnlineSmoother
from ._pandas.registration import register_accessor as _register_accessor

_register_accessor()

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
    "OnlineSmoother",
    "smooth_csv",
    "MISSING_KEY",
    "effective_window",
    "beta_from_window",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:  # smooth_csv on first use: it imports pyarrow
    if name == "smooth_csv":
        from ._cli.stream import smooth_csv

        return smooth_csv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
