"""crimeplan: Police and Crime Plan quarterly updates from data.

Importing it marks ``rfc3987_syntax`` as not importable: importing that builds some forty
grammars (one to three seconds), and jsonschema only uses it for "iri" format checks,
which neither nbformat nor Altair asks for. The command line, the render's kernels and an
analyst's notebook import crimeplan before nbformat or Altair, so none of them waits.
"""

import sys

from crimeplan.errors import CrimeplanError, ExecutionError, InputError

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "not importable"

__all__ = ["CrimeplanError", "InputError", "ExecutionError"]
