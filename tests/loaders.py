"""The project's inputs read for a test, failing on any error (the library reads them with
their problems, for ``check`` and the render)."""

from pathlib import Path

import pandas as pd

from crimeplan.errors import raise_for_errors
from crimeplan.inputs.measures import Catalogue, read_areas, read_catalogue, read_measures


def load_measures(data_dir: Path) -> pd.DataFrame:
    """Every ``data/measures/*.csv``, typed; raises :class:`InputError` listing every problem."""
    measures, problems = read_measures(data_dir)
    raise_for_errors(problems)
    return measures


def load_catalogue(data_dir: Path) -> Catalogue:
    """``data/catalogue.yml`` as measure id -> entry; raises listing every problem."""
    catalogue, _, problems = read_catalogue(data_dir)
    raise_for_errors(problems)
    return catalogue


def load_areas(data_dir: Path) -> pd.DataFrame:
    """Reference areas (``area, type, parent``); raises listing every problem."""
    areas, problems = read_areas(data_dir)
    raise_for_errors(problems)
    return areas
