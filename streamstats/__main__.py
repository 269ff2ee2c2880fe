"""``python -m streamstats``: the ``streamstats`` command."""

import sys

from ._cli import main

sys.exit(main())
