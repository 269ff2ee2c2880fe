"""The command-line and CSV front: ``streamstats smooth`` and ``smooth_csv``, on top
of the pandas front's online smoother."""

from .command import main
from .stream import smooth_csv

__all__ = ["main", "smooth_csv"]
