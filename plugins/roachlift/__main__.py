"""``python -m roachlift``: the same CLI as the ``roachlift`` console script."""

from roachlift.cli import main

raise SystemExit(main())
