"""Rendering an update: the pipeline, the kernels, freshness, and the renderers."""

import sys


def skip_slow_imports() -> None:
    """Skip an optional import that costs one to three seconds and that crimeplan never uses.

    Importing ``rfc3987_syntax`` builds a grammar; jsonschema only uses it for "iri"
    format checks, which neither nbformat nor Altair asks for. Called before anything imports
    nbformat or Altair: by the CLI, the kernels' warm-up and the tests.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "not importable"
