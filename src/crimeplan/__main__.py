"""``python -m crimeplan`` is the ``crimeplan`` command."""

import sys

from crimeplan.cli import main

sys.exit(main())
