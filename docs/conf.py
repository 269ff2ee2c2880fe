"""Sphinx configuration: ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.

The Markdown pages are read by myst-parser (and doctested by the test command); the
API reference is generated from the numpydoc docstrings (autosummary, with numpydoc's
validation of the public ones); the gallery runs ``examples/plot_*.py`` at build time
(sphinx-gallery), so its figures are never committed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "streamstats"
author = "the streamstats developers"
copyright = "2026, the streamstats developers"  # noqa: A001 (Sphinx's name)

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.md"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"]  # links to files outside docs/ (README, code)

html_theme = "pydata_sphinx_theme"
html_title = "streamstats"
html_theme_options = {"show_toc_level": 2, "navigation_with_keys": False}

autosummary_generate = True
# inherited members too (the accumulators' update/merge, the polars namespaces'
# methods), but not those of the builtins below
autodoc_default_options = {"members": True, "inherited-members": "object, tuple, ABC"}
autodoc_typehints = "none"  # the numpydoc sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# every public name (methods are checked by their doctests, not here): a docstring, a
# summary line, an Examples section. (Parameter checks PR01/PR02 are off: the decay's
# alpha/span/com/halflife travel in **options, documented as one block.)
numpydoc_validation_checks = {"GL08", "SS01", "EX01"}
numpydoc_validation_exclude = {r"\.__init__$", r"\.__call__$", r"\._", r"\.[A-Z]\w*\.\w+$"}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}
