"""The compiled one-sample steps (``streamstats/_core/_steps.c``, generated from the
rules by ``python -m streamstats._core.kernels.cgen``); everything else is in
pyproject.toml."""

import sys

from setuptools import Extension, setup

# no fused multiply-add: the steps must round as the Numba kernels do, bit for bit
FLAGS = ["/fp:precise"] if sys.platform == "win32" else ["-O2", "-ffp-contract=off"]

setup(ext_modules=[Extension("streamstats._core._steps", ["streamstats/_core/_steps.c"],
                             extra_compile_args=FLAGS)])
