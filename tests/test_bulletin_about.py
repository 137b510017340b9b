"""Bulletin furniture (issue 17, item 5): a figure the source gave only as a bound or roughly
keeps its qualifier ("more than 200") in the text, the tables and the CSV, and is not tested
as if exact; "About these statistics" states the statistics' status, quality and method,
the revisions policy, the next release and the contact, all from the params."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, copy_project, run_in_process, shown, write_measures
from crimeplan.errors import InputError
from crimeplan.inputs.measures import read_measures
from crimeplan.inputs.params import REVISIONS_POLICY, QuarterParams
from crimeplan.periods import Quarter
from crimeplan.sections.about import About
from crimeplan.stats import judgement as judging
from crimeplan.stats.compare import Observation, change_between, judge_change, progress_note, target_progress
from crimeplan.text.narrative import judgement_cell, observed_value
from crimeplan.text.provenance import qualified
from loaders import load_measures
from pdf_text import html_text, pdf_body_text
from test_compare import definition

HEADER = "measure,area,period_start,period_end,value,source,note,status,period_assumed,qualifier\n"


def write_qualified(data_dir: Path, text: str) -> None:
    write_measures(data_dir, text, name="qualified.csv")


# --- qualifiers: the measures column ------------------------------------------------------


def test_a_qualifier_is_read_in_lower_case_and_an_empty_one_is_an_exact_figure(data_dir):
    write_qualified(
        data_dir,
        HEADER + "asb_incidents,Southend,2019-04-01,2019-06-30,200,,,,,More  than\n"
        "asb_incidents,Southend,2019-01-01,2019-03-31,180,,,,,\n",
    )
    measures = load_measures(data_dir)
    rows = measures[measures["file"].str.endswith("qualified.csv")].set_index("value")
    assert rows.loc[200.0, "qualifier"] == "more than"
    assert rows.loc[180.0, "qualifier"] == ""


def test_files_without_the_qualifier_column_still_load(data_dir):
    """The column is optional, as status and period_assumed are (ingested files leave them out)."""
    write_qualified(
        data_dir,
        "measure,area,period_start,period_end,value,source,note\nasb_incidents,Southend,2019-04-01,2019-06-30,200,,\n",
    )
    measures = load_measures(data_dir)
    assert set(measures["qualifier"]) == {""}


def test_an_unknown_qualifier_is_refused_with_file_row_and_the_words_allowed(data_dir):
    write_qualified(data_dir, HEADER + "asb_incidents,Southend,2019-04-01,2019-06-30,200,,,,,roughly\n")
    _, problems = read_measures(data_dir)
    (problem,) = [p for p in problems if p.rule == "known_qualifier"]
    assert (problem.file, problem.location, problem.column, problem.value) == (
        "data/measures/qualified.csv",
        "row 2",
        "qualifier",
        "roughly",
    )
    assert "'roughly' is not a qualifier" in problem.message and "more than, over" in problem.message


def test_a_short_row_is_still_an_error_with_the_qualifier_column(data_dir):
    write_qualified(data_dir, HEADER + "asb_incidents,Southend,2019-04-01,2019-06-30,200,,,,\n")
    with pytest.raises(InputError, match=r"qualified.csv, row 2: the row has 9 fields but the header has 10"):
        load_measures(data_dir)


# --- qualifiers: printed with the figure, never tested as exact ----------------------------


def observation(value: float, start: str, end: str, qualifier: str = "") -> Observation:
    return Observation(value, date.fromisoformat(start), date.fromisoformat(end), qualifier=qualifier)


def test_the_figure_is_printed_with_its_qualifier():
    assert qualified("200", "more than") == "more than 200"
    assert qualified("200", "") == "200"
    more_than = observation(200, "2019-07-01", "2019-09-30", "more than")
    assert observed_value(more_than, "count") == "more than 200"
    over = replace(observation(3000, "2019-09-30", "2019-09-30", "over"), status="estimated")
    assert observed_value(over, "people") == "over 3,000 [e]"


def test_a_qualified_figure_is_not_tested_as_if_exact():
    """Like a derived or estimated figure: a Poisson test of "more than 200" against 120
    would take the bound for the count."""
    counts = definition(
        label="Stop and searches", unit="count", kind="total", better="neither", targets=[], variation="poisson"
    )
    now, then = observation(200, "2019-07-01", "2019-09-30"), observation(120, "2018-07-01", "2018-09-30")
    assert judge_change(now, then, counts).tested, "exact figures this far apart are tested"
    for current, reference in ((replace(now, qualifier="more than"), then), (now, replace(then, qualifier="about"))):
        judged = judge_change(current, reference, counts)
        assert judged.verdict == judging.Verdict.NOT_TESTED and judged.not_tested_because is judging.NoTest.QUALIFIED
        assert judging.untested_group(judged) == judging.NOT_EXACT
        assert "not tested for chance variation" in judged.reason


def test_the_judgement_cell_says_why_a_qualified_figure_is_not_tested():
    counts = definition(label="Stop and searches", unit="count", kind="total", better="neither", targets=[])
    change = change_between(
        observation(200, "2019-07-01", "2019-09-30", "more than"), observation(120, "2018-07-01", "2018-09-30"), counts
    )
    assert judgement_cell(change) == "not tested (not an exact figure)"


def test_a_qualified_figure_is_not_judged_against_a_target():
    headcount = definition()  # a level, higher is better, target 600 by March 2020
    baseline = observation(464, "2018-09-30", "2018-09-30")
    exact = target_progress(observation(515, "2019-09-30", "2019-09-30"), headcount, baseline=baseline)
    assert exact is not None and exact.progress is not None and exact.gap == 85
    for current, earlier in (
        (observation(515, "2019-09-30", "2019-09-30", "over"), baseline),
        (observation(515, "2019-09-30", "2019-09-30"), replace(baseline, qualifier="about")),
    ):
        target = target_progress(current, headcount, baseline=earlier)
        assert target is not None and (target.progress, target.gap, target.met) == (None, None, None)
        assert target.verdict == "progress not assessed"
        assert progress_note(target, headcount, Quarter.parse("2019-20-Q2")) == (
            "the figure is not exact (the source gave it only as a bound or roughly)"
        )


@pytest.mark.render
def test_check_warns_of_a_qualifier_written_again_before_a_reference(tmp_path):
    """The commentary wrote "more than {{...}}" while the figure was stored bare; once the
    measures carry the qualifier, writing it again would print "more than more than 200"."""
    root = copy_project(tmp_path / "project")
    p4 = root / "data" / "commentary" / "2019-20-Q2" / "p4.md"
    p4.write_text(p4.read_text(encoding="utf-8").replace("saw {{section60", "saw More than {{section60"), "utf-8")
    result = run_in_process(root, "check", "2019-20-Q2")
    assert result.returncode == 0, result.stderr
    assert (
        "warning: data/commentary/2019-20-Q2/p4.md, line 27: {{section60_stop_searches@Harlow}} prints the figure "
        "with its qualifier ('more than ...', from the measures' qualifier column), so 'more than' before it "
        "repeats it: delete 'more than' (rule: commentary_qualifier)"
    ) in result.stderr
    shipped = run_in_process(copy_project(tmp_path / "shipped"), "check", "2019-20-Q2")
    assert shipped.returncode == 0 and "commentary_qualifier" not in shipped.stderr, "the shipped text is clean"


# --- About: status, quality, revisions policy, next release ---------------------------------


@pytest.fixture(scope="module")
def about() -> About:
    return About.load("2019-20-Q2", REPO)


def with_changes(about: About, plan: dict | None = None, params: dict | None = None) -> About:
    """``about`` for the same data with some plan or quarter params changed."""
    edition = about.edition
    return About(
        replace(
            edition,
            plan=edition.plan.model_copy(update=plan or {}),
            params=edition.params.model_copy(update=params or {}),
        )
    )


def test_the_status_is_management_information_unless_the_params_say_otherwise(about):
    statement = shown(about.status())
    assert "Essex Police's own figures in this update are management information" in statement
    assert "not official statistics" in statement
    assert "keep the status their publishers give them" in statement, "the update uses Home Office data too"
    official = shown(with_changes(about, plan={"statistics_status": "official_statistics"}).status())
    assert "are official statistics, produced under the Code of Practice for Statistics." in official
    assert "management information" not in official


def test_the_next_release_is_a_month_or_a_day_after_the_data():
    base = {
        "quarter": "2019-20-Q2",
        "data_to": "2019-09-30",
        "version": 1,
        "produced": "October 2019",
        "producing_unit": "Unit",
    }
    assert QuarterParams.model_validate({**base, "next_release": "2020-01"}).next_release_day == date(2020, 1, 1)
    on_day = QuarterParams.model_validate({**base, "next_release": date(2020, 1, 16)})  # YAML reads a day as a date
    assert (on_day.next_release, on_day.next_release_names_day) == ("2020-01-16", True)
    for bad, why in (
        ("January 2020", "not a month written YYYY-MM"),
        ("2020-13", "not a month written YYYY-MM"),
        ("2019-09", "is not after the data"),
    ):
        with pytest.raises(ValueError, match=why):
            QuarterParams.model_validate({**base, "next_release": bad})
    assert QuarterParams.model_validate(base).next_release is None


def test_the_next_release_is_said_as_the_params_give_it(about):
    assert shown(about.next_release()) == "## Next update\n\nThe next update, for 2019/20 Q3, is due in January 2020."
    assert "is due on 16 January 2020." in shown(
        with_changes(about, params={"next_release": "2020-01-16"}).next_release()
    )
    assert "has not been announced" in shown(with_changes(about, params={"next_release": None}).next_release())


def test_the_revisions_policy_comes_from_the_plan_and_is_escaped(about):
    assert REVISIONS_POLICY in shown(about.revisions())
    own = with_changes(about, plan={"revisions_policy": "Figures *never* change [ok]"}).revisions().data
    assert r"Figures \*never\* change \[ok\]" in own and REVISIONS_POLICY not in own


def test_quality_notes_come_from_the_catalogue_and_the_measures_columns(about):
    quality = shown(about.quality())
    assert "The 75 measures shown are 18 levels on one day" in quality  # with the public-data series drawn
    assert "- Stop and searches under Section 60 in Harlow, July to September 2019: more than 200." in quality
    assert "- Neighbourhood Watch coordinators, September 2019: over 3,000." in quality
    assert "£5.7m. Annual salary cost of the equivalent officers; published rounded as £5.7m." in quality
    assert "41,017" not in quality, "a derived figure (its note: 48810/1.19 rounded) is not one the source rounded"


def test_the_figures_not_published_as_shown_are_counted_by_why_and_each_listed(about):
    provenance = shown(about.provenance())
    assert (
        "20 figures shown are not published as shown: 14 derived and 6 published without a period "
        '(shown as "period assumed").'
    ) in provenance
    assert "- Hours worked by Special Constables, July to September 2018: 41,017 hours [d]. The update" in provenance
    assert provenance.count("\n- ") == 20


# --- the rendered update -----------------------------------------------------------------


def about_part(text: str) -> str:
    """The text of "About these statistics" (its heading's last appearance: after the contents)."""
    return text[text.rindex("About these statistics") :]


@pytest.mark.render
def test_status_next_release_and_contact_are_in_about_in_both_documents(rendered_default):
    for text in (pdf_body_text(rendered_default.pdf), html_text(rendered_default.html)):
        about = about_part(text)
        assert "Status of these statistics" in about
        assert "Essex Police's own figures in this update are management information" in about
        assert "not official statistics" in about
        assert "Quality and methodology" in about and "more than 200" in about
        assert "A figure is revised when its source revises it" in about
        assert "The next update, for 2019/20 Q3, is due in January 2020." in about
        assert "Performance Analysis Unit, Essex Police. Questions about these statistics" in about


@pytest.mark.render
def test_qualifiers_survive_into_both_documents(rendered_default):
    for text in (pdf_body_text(rendered_default.pdf), html_text(rendered_default.html)):
        assert "more than 200 people searched" in text, "the Harlow commentary"
        assert "over 3,000 coordinators" in text and "approximately 105,000 registered members" in text
        assert "more than more than" not in text and "about approximately" not in text
    table = pd.read_csv(
        rendered_default.output_dir / "tables" / "p4_serious_violence_performance.csv", keep_default_na=False
    )
    harlow = table[(table["measure"] == "section60_stop_searches") & (table["area"] == "Harlow")]
    assert harlow[["value", "qualifier"]].values.tolist() == [[200, "more than"]], "the download keeps it too"
