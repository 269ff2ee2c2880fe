"""The layer contract, read from the imports: the core imports no front, the pandas
front does not import the command, optim builds only on the core and the
schedules, and the schedules only on the core's decay checks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "streamstats"

#: layer -> the layers (other than itself) it may import
ALLOWED = {
    "_core": set(),
    "schedules": {"_core.decay"},
    "optim": {"_core", "schedules"},
    "_pandas": {"_core"},
    "_cli": {"_core", "_pandas"},
    "dask": {"_core", "_pandas"},
    "polars": {"_core", "_pandas"},
}


def _imports(path: Path) -> set[str]:
    """The streamstats modules a file imports, dotted from the package root."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    package = here[:-1] if here[-1] != "__init__" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - (node.level - 1)])
                parts = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.startswith("streamstats"):
                parts = node.module.split(".")[1:]
            else:
                continue
            names = [parts + [a.name] for a in node.names] if not node.module else [parts]
            found.update(".".join(p) for p in names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("streamstats.") for a in node.names
                         if a.name.startswith("streamstats."))
    return found


def _layer(module: str) -> str | None:
    head = module.split(".")[0]
    return head if head in ALLOWED else None


FILES = sorted(p for p in PACKAGE.rglob("*.py") if _layer(".".join(
    p.relative_to(PACKAGE).parts)) is not None)


def test_every_module_belongs_to_a_layer():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py"]  # everything else lives in a layer
    assert {p.relative_to(PACKAGE).parts[0] for p in FILES} == set(ALLOWED)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_keep_to_the_layers(path):
    layer = path.relative_to(PACKAGE).parts[0]
    for module in _imports(path):
        other = _layer(module)
        if other is None or other == layer:
            continue
        assert other in ALLOWED[layer] or any(
            module == allowed or module.startswith(allowed + ".")
            for allowed in ALLOWED[layer]), f"{layer} imports {module}"
