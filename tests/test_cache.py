"""The user's cache folder: what it keeps between commands, and that nothing it holds is
shown once what it was made from has changed."""

from __future__ import annotations

import os
import pickle

import pandas as pd
import pytest

from conftest import write_measures
from crimeplan.inputs import cache, measures
from crimeplan.inputs.measures import read_measures

UNITS = {"asb_incidents": "count", "officer_headcount": "people"}


def as_a_new_command() -> None:
    """Nothing remembered in this process, as in a command that just started."""
    measures._checked_file.cache_clear()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty cache folder of this test's own, and nothing remembered in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    as_a_new_command()
    yield tmp_path / "cache" / "crimeplan"
    as_a_new_command()


@pytest.fixture
def checks_made(monkeypatch) -> list[str]:
    """The measures files checked from here on (by the name they are shown as), not read from the cache."""
    made: list[str] = []
    real = measures._check_file

    def counted(raw, shown_as, *keys):
        made.append(shown_as)
        return real(raw, shown_as, *keys)

    monkeypatch.setattr(measures, "_check_file", counted)
    return made


def test_a_measures_file_checked_before_is_read_from_the_cache_and_any_change_checks_it_again(
    data_dir, cache_dir, checks_made, monkeypatch
):
    write_measures(
        data_dir,
        "measure,area,period_start,period_end,value\nasb_incidents,Basildon,2019-04-01,2019-06-30,many\n",
        name="zz_bad.csv",
    )
    first = read_measures(data_dir, units=UNITS, area_names={"Basildon"})
    assert any(p.file == "data/measures/zz_bad.csv" and p.column == "value" for p in first[1]), first[1]
    files = len(checks_made)
    assert files >= 2 and len(list((cache_dir / "checked").glob("*.pickle"))) == files

    as_a_new_command()
    again = read_measures(data_dir, units=UNITS, area_names={"Basildon"})
    assert len(checks_made) == files, "every file was read from the cache"
    pd.testing.assert_frame_equal(again[0], first[0])
    assert again[1] == first[1], "the same problems, in the same order"

    as_a_new_command()
    write_measures(
        data_dir,
        "measure,area,period_start,period_end,value\nasb_incidents,Basildon,2019-04-01,2019-06-30,12\n",
        name="zz_bad.csv",
    )
    fixed = read_measures(data_dir, units=UNITS, area_names={"Basildon"})
    assert checks_made[files:] == ["data/measures/zz_bad.csv"], "only the changed file is checked again"
    assert not any(p.file == "data/measures/zz_bad.csv" for p in fixed[1])

    for changed in ({"units": {**UNITS, "asb_incidents": "percent"}}, {"area_names": {"Basildon", "Castle Point"}}):
        as_a_new_command()
        before = len(checks_made)
        read_measures(data_dir, **({"units": UNITS, "area_names": {"Basildon"}} | changed))
        assert len(checks_made) == before + files, f"another catalogue or area list checks every file: {changed}"

    as_a_new_command()
    before = len(checks_made)
    monkeypatch.setattr(measures, "environment_digest", lambda: "another version of crimeplan or pandas")
    read_measures(data_dir, units=UNITS, area_names={"Basildon"})
    assert len(checks_made) == before + files, "other code checks every file again"


def test_a_cache_file_that_does_not_load_is_checked_again_and_replaced(data_dir, cache_dir, checks_made):
    first = read_measures(data_dir)
    for path in (cache_dir / "checked").glob("*.pickle"):
        path.write_bytes(path.read_bytes()[:100])  # cut short, as by a command killed while writing it
    as_a_new_command()
    again = read_measures(data_dir)
    pd.testing.assert_frame_equal(again[0], first[0])
    assert len(checks_made) == 2 * len(list((cache_dir / "checked").glob("*.pickle")))
    for path in (cache_dir / "checked").glob("*.pickle"):
        assert isinstance(pickle.loads(path.read_bytes()), measures._CheckedFile)


def test_measures_are_checked_where_the_cache_cannot_be_written(data_dir, tmp_path, monkeypatch):
    (tmp_path / "crimeplan").write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    as_a_new_command()
    frame, problems = read_measures(data_dir)
    assert len(frame) > 0 and not problems
    as_a_new_command()


def test_only_the_newest_files_of_a_cache_folder_stay_up_to_its_size(cache_dir):
    for number in range(5):
        made = cache.kept(
            f"things/{number}.txt",
            lambda number=number: str(number) * 10,
            dump=str.encode,
            load=bytes.decode,
            keep_bytes=35,
        )
        assert made == str(number) * 10
        os.utime(cache_dir / "things" / f"{number}.txt", (number, number))  # written in turn
    assert sorted(p.name for p in (cache_dir / "things").iterdir()) == ["2.txt", "3.txt", "4.txt"]
    assert cache.kept("things/4.txt", lambda: "made again", dump=str.encode, load=bytes.decode) == "4" * 10


def test_the_file_just_written_stays_even_when_larger_than_the_folder_may_hold(cache_dir):
    cache.kept("things/big.txt", lambda: "x" * 100, dump=str.encode, load=bytes.decode, keep_bytes=10)
    assert [p.name for p in (cache_dir / "things").iterdir()] == ["big.txt"]
