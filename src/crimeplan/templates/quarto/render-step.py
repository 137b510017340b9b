"""Quarto's pre-render and post-render steps of a crimeplan project (``_quarto.yml``).

Quarto runs this file with the Python it finds (``QUARTO_PYTHON`` or ``python3``), in the
project's root. It runs ``crimeplan quarto STEP`` in the project's own environment,
``.venv/``, when there is one (so ``quarto render`` works without activating it), and in
the Python that runs it otherwise.
"""

import os
import sys
from pathlib import Path

VENV_PYTHONS = (Path(".venv/bin/python"), Path(".venv/Scripts/python.exe"))

python = next((str(p.absolute()) for p in VENV_PYTHONS if p.is_file()), sys.executable)
command = [python, "-m", "crimeplan", "quarto", *sys.argv[1:]]
if os.name == "nt":
    import subprocess

    sys.exit(subprocess.call(command))
os.execv(python, command)
