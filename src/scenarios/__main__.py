"""``python -m scenarios``: the same command line as the ``scenarios`` script."""

import sys

from scenarios.cli import main

if __name__ == "__main__":  # not when imported, e.g. by doctest collection
    sys.exit(main())
