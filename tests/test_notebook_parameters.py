"""What a notebook's ``parameters`` cell gives it: the quarter, the project folder, and the
edition a render has already loaded (``edition_file``)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from conftest import REPO, copy_project
from crimeplan.errors import InputError
from crimeplan.findings import edition as editions
from crimeplan.project import Project
from crimeplan.sections.priority import PriorityReport

QUARTER = "2019-20-Q2"


def test_the_defaults_read_the_project_and_a_missing_edition_file_is_ignored(tmp_path):
    report = PriorityReport.load("p7_road_safety", "latest", REPO, tmp_path / "gone" / "edition.pickle")
    assert report.edition.quarter.id == QUARTER and report.priority.notebook == "p7_road_safety"


def test_a_saved_edition_is_taken_without_reading_the_project_again(tmp_path, monkeypatch):
    root = copy_project(tmp_path / "project")
    loaded = editions.load_edition(Project(root), editions.Quarter.parse(QUARTER))
    saved = tmp_path / "edition.pickle"
    editions.save_for_kernels(loaded, saved)
    editions._EDITIONS.clear()
    editions._PRIMED_FROM.clear()

    def no_reading(*args, **kwargs):
        raise AssertionError("the project was read again")

    monkeypatch.setattr(editions, "read_edition", no_reading)
    taken = editions.notebook_edition(QUARTER, root, saved)
    assert (
        taken.quarter.id == QUARTER
        and taken.catalogue["specials_hours"].label == loaded.catalogue["specials_hours"].label
    )
    # the measures come back as they were, their periods dates (pickled as datetime64)
    pd.testing.assert_frame_equal(taken.measures, loaded.measures)
    assert isinstance(taken.measures["period_end"].iloc[0], date)
    assert [c.current for c in taken.comparisons(1)] == [c.current for c in loaded.comparisons(1)]


def test_the_rows_of_a_measure_and_area_are_every_period_s_and_none_for_a_pair_without_data():
    edition = PriorityReport.load("p1_local_policing", QUARTER, REPO).edition
    measures = edition.measures
    expected = measures[(measures["measure"] == "specials_headcount_home_office") & (measures["area"] == "Essex")]
    pd.testing.assert_frame_equal(edition.rows_of("specials_headcount_home_office", "Essex"), expected)
    assert len(expected) > 6 and edition.rows_of("specials_headcount_home_office", "Harlow").empty
    assert list(edition.rows_of("no_such_measure", "Essex").columns) == list(measures.columns)


def test_a_folder_that_is_not_a_project_is_named(tmp_path):
    with pytest.raises(InputError, match="is not a crimeplan project root"):
        editions.notebook_edition(QUARTER, tmp_path)


def test_going_back_and_forth_between_quarters_reads_each_once(monkeypatch):
    """The last few editions are remembered (an analyst switching quarters, ``render --all``)."""
    editions._EDITIONS.clear()
    reads = []
    read_edition = editions.read_edition

    def counted(project, quarter, shared=None):
        reads.append(quarter.id)
        return read_edition(project, quarter, shared)

    monkeypatch.setattr(editions, "read_edition", counted)
    for quarter in (QUARTER, "2018-19-Q2", QUARTER, "2018-19-Q2"):
        assert editions.load_edition(Project(REPO), editions.Quarter.parse(quarter)).quarter.id == quarter
    assert reads == [QUARTER, "2018-19-Q2"]
