"""Loading the generated kernels: imported from a file in the user's cache
directory so that Numba caches their machine code between processes, or run in
memory when no cache directory can be written."""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
import types
from pathlib import Path

from .. import rules
from .codegen import module_source

__all__ = ["load_kernels"]


def _cache_dir() -> Path:
    explicit = os.environ.get("STREAMSTATS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "streamstats"


def load_kernels() -> types.ModuleType:
    """Import the generated kernels from a file, so that Numba can cache their
    machine code on disk (compiling the unrolled lane kernels takes seconds). The
    file name carries a hash of the generated source and of ``_core.rules``, so a change
    to either makes a new file instead of reusing stale machine code. Where no
    cache directory can be written, the source is executed in memory, uncached."""
    source = module_source(cache=True)
    digest = hashlib.sha256((source + inspect.getsource(rules)).encode()).hexdigest()[:16]
    name = f"streamstats_kernels_{digest}"
    try:
        folder = _cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.py"
        if not path.exists():
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            tmp.write_text(source)
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Numba's cache finds the module of a cached function by name
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except OSError:
        module = types.ModuleType(name)
        exec(compile(module_source(cache=False), f"<{name}>", "exec"), module.__dict__)
    return module
