"""The compiled parts: the one-sample steps (``streamstats/_core/_steps.c``, generated
from the rules by ``python -m streamstats._core.kernels.cgen``) and the command's
output lines (``streamstats/_cli/_csvtext.c``, with the tables of
``python -m streamstats._cli.pow5``); everything else is in pyproject.toml."""

import sys

from setuptools import Extension, setup

# no fused multiply-add: the steps must round as the Numba kernels do, bit for bit
FLAGS = ["/fp:precise"] if sys.platform == "win32" else ["-O2", "-ffp-contract=off"]

setup(ext_modules=[
    Extension("streamstats._core._steps", ["streamstats/_core/_steps.c"],
              extra_compile_args=FLAGS),
    Extension("streamstats._cli._csvtext", ["streamstats/_cli/_csvtext.c"],
              depends=["streamstats/_cli/_pow5.h"], extra_compile_args=FLAGS),
])
