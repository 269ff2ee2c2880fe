"""``import streamstats`` registers the ``ewa`` accessor without importing pandas.

Importing pandas takes a few tenths of a second, which every process would pay on
``import streamstats``: also those that never touch a frame (an optimizer in numpy,
the ``streamstats`` command smoothing a CSV file of numbers). So the accessor module
(which imports pandas and registers ``Series.ewa`` and ``DataFrame.ewa``) is
imported at once if pandas is already imported, and otherwise right after pandas'
own import, whichever comes first: a finder on ``sys.meta_path`` hands the import
system pandas' own spec with a loader that runs pandas' loader and then imports the
accessor (wrapt's post-import hooks work the same way). ``df.ewa`` is there
whenever a frame can exist, in either order of imports.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader
    from importlib.machinery import ModuleSpec

__all__ = ["register_accessor"]

_ACCESSOR = __package__ + ".accessor"


def register_accessor() -> None:
    """Register ``Series.ewa`` and ``DataFrame.ewa`` now if pandas is imported, else
    as soon as it is.

    Examples
    --------
    >>> import pandas as pd
    >>> from streamstats._pandas.registration import register_accessor
    >>> register_accessor()  # (done by ``import streamstats``; again: nothing new)
    >>> pd.Series([1.0, 3.0]).ewa.smooth(beta=0.5, adjust=False).tolist()
    [1.0, 2.0]
    """
    if "pandas" in sys.modules:
        importlib.import_module(_ACCESSOR)
    elif not any(isinstance(f, _AfterPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterPandas())


# (the finder and loader protocols, without their ABCs: importlib.abc costs an import)
class _AfterPandas:
    """Finds nothing itself: gives pandas' spec with :class:`_ThenAccessor` as its
    loader. Stays on ``sys.meta_path`` (removing it while another thread walks the
    list could make that thread skip a finder), answering None once done."""

    def __init__(self) -> None:
        self.finding = False  # (pandas' module lock keeps its finding to one thread)
        self.done = False

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname != "pandas" or self.finding or self.done:
            return None
        self.finding = True
        try:
            spec = importlib.util.find_spec(fullname)  # the other finders' answer
        finally:
            self.finding = False
        if spec is not None and spec.loader is not None:
            spec.loader = cast("Loader", _ThenAccessor(spec.loader, self))
        return spec


class _ThenAccessor:
    """pandas' loader, then the accessor's import."""

    def __init__(self, loader: Any, finder: _AfterPandas) -> None:
        self.loader, self.finder = loader, finder

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # pandas sees its own loader (its resources are found through it)
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        self.finder.done = True
        importlib.import_module(_ACCESSOR)
