"""``python -m jkn_city``: see :mod:`jkn_city.cli`."""

from jkn_city.cli import main

raise SystemExit(main())
