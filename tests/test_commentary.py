"""Commentary files: structure, measure references, errors; and the seed's figures in the
generated text for 2019/20 Q2."""

import re
from datetime import date
from pathlib import Path

import pytest

from conftest import shown
from crimeplan.errors import InputError
from crimeplan.inputs.params import load_plan
from crimeplan.periods import Quarter
from crimeplan.stats.compare import compare_all
from crimeplan.text.commentary import list_references, load_commentary
from crimeplan.text.narrative import beside_the_table, change_sentence, performance_table
from loaders import load_areas, load_catalogue, load_measures
from seed_figures import SEED_FIGURES, figure_pattern, missing_figures
from test_compare import definition, frame

ROOT = Path(__file__).resolve().parents[1]
PLAN = load_plan(ROOT / "params")
AREAS = ["Essex", "Southend", "Castle Point and Rochford", "South LPA"]

CATALOGUE = {
    "heads": definition(),
    "calls": definition(label="Calls", unit="count", kind="total", better="neither", targets=[]),
    "asb": definition(label="ASB", unit="count", kind="total", better="lower", targets=[]),
    "gos": definition(label="Grade of service", unit="percent", kind="rate", targets=[]),
}
MEASURES = frame(
    ("heads", "Essex", "2018-09-30", "2018-09-30", 464),
    ("heads", "Essex", "2019-09-30", "2019-09-30", 515),
    ("heads", "Southend", "2019-09-30", "2019-09-30", 22),
    ("calls", "Essex", "2018-04-01", "2018-06-30", 25650),
    ("calls", "Essex", "2018-07-01", "2018-09-30", 26933),
    ("calls", "Essex", "2019-04-01", "2019-06-30", 27156),
    ("calls", "Essex", "2019-07-01", "2019-09-30", 29357),
    ("asb", "Southend", "2017-10-01", "2018-09-30", 6931),
    ("asb", "Southend", "2018-10-01", "2019-09-30", 5926),
    ("gos", "Essex", "2018-08-01", "2018-08-31", 79.0),
    ("gos", "Essex", "2019-08-01", "2019-08-31", 84.7),
)


def write(tmp_path: Path, text: str, priority: int = 1, quarter: str = "2019-20-Q2") -> Path:
    folder = tmp_path / "commentary" / quarter
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"p{priority}.md"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, priority: int = 1, quarter: str = "2019-20-Q2"):
    return load_commentary(tmp_path, Quarter.parse(quarter), priority, PLAN, MEASURES, CATALOGUE, AREAS)


def one_line(tmp_path: Path, bullet: str) -> str:
    write(tmp_path, f"## p1_police_family\n\n### Essex\n{bullet}\n")
    return shown(load(tmp_path).by_commitment["p1_police_family"][0].markdown)


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("{{heads}}", "515"),
        ("{{ heads }}", "515"),
        ("{{heads.value}}", "515"),
        ("{{heads@Southend}}", "22"),
        ("{{heads.previous_year}}", "464"),
        ("{{heads.change}}", "51"),
        ("{{heads.change_pct}}", "11%"),
        ("{{heads.change_pct:1}}", "11.0%"),
        ("{{heads.up_or_down}}", "up"),
        ("{{heads.target}}", "600"),
        ("{{heads.target_by}}", "March 2020"),
        ("{{heads.period}}", "September 2019"),
        ("{{heads.last_year}}", "464"),
        ("{{calls.change_previous_quarter}}", "2,201"),
        ("{{calls.change_pct_previous_quarter}}", "8%"),
        ("{{calls.up_or_down_previous_quarter}}", "up"),
        ("{{calls.previous_quarter}}", "27,156"),
        ("{{calls.last_year.change_pct_previous_quarter}}", "5%"),
        ("{{asb@Southend.change_pct:1}}", "14.5%"),
        ("{{asb@Southend.change}}", "1,005"),
        ("{{asb@Southend.up_or_down}}", "down"),
        ("{{asb@Southend.period}}", "the 12 months to September 2019"),
        ("{{gos}}", "84.7%"),
        ("{{gos.change}}", "5.7 percentage points"),
    ],
)
def test_references_resolve_against_the_quarter(tmp_path, reference, expected):
    assert one_line(tmp_path, f"- x {reference} y") == f"- x {expected} y"


def test_sections_come_out_in_plan_order_with_nested_bullets_kept(tmp_path):
    write(
        tmp_path,
        "# Title\n\n## p1_contact\n\n### Southend\n- local\n  - nested {{heads@Southend}}\n\n"
        "### Essex\n- force-wide\n\n## p1_police_family\n### Castle Point and Rochford\n- cpr\n",
    )
    result = load(tmp_path)
    assert list(result.by_commitment) == ["p1_police_family", "p1_participation", "p1_contact"]
    assert [(a.area, shown(a.markdown)) for a in result.by_commitment["p1_contact"]] == [
        ("Essex", "- force-wide"),
        ("Southend", "- local\n  - nested 22"),
    ]
    assert result.by_commitment["p1_participation"] == []
    assert result.warnings == []


def test_missing_file_is_a_warning_not_an_error(tmp_path):
    result = load(tmp_path, priority=3)
    assert result.by_commitment == {"p3_victims_and_offenders": []}
    assert result.warnings == [
        f"no commentary for priority 3 in 2019/20 Q2: {tmp_path / 'commentary/2019-20-Q2/p3.md'} not found"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## p1_police_family\n### Essex\n- {{nope}}\n", r"p1.md:3: \{\{nope\}\}: unknown measure 'nope'"),
        ("## p1_police_family\n### Essex\n- {{heads.size}}\n", r"p1.md:3: \{\{heads.size\}\}: unknown field 'size'"),
        ("## p1_police_family\n### Essex\n- {{heads@Narnia}}\n", r"p1.md:3: .*unknown area 'Narnia'"),
        ("## p1_police_family\n### Essex\n- {{heads@Southend.change}}\n", r"p1.md:3: .*no value for the same period last year of heads for 2019/20 Q2"),
        ("## p1_police_family\n### Essex\n- {{calls.target}}\n", r"p1.md:3: .*no target for calls"),
        ("## p1_police_family\n### Essex\n- {{asb}}\n", r"p1.md:3: .*no value of asb in Essex for 2019/20 Q2"),
        ("## p1_police_family\n### Essex\n- {{Heads}}\n", r"p1.md:3: malformed reference '\{\{Heads\}\}'"),
        ("## p1_police_family\n### Essex\n- {{heads}\n", r"p1.md:3: malformed reference"),
        ("## p9_made_up\n### Essex\n- x\n", r"p1.md:1: unknown commitment 'p9_made_up' for priority 1"),
        ("## p1_police_family\n### Atlantis\n- x\n", r"p1.md:2: unknown area 'Atlantis'"),
        ("### Essex\n- x\n", r"p1.md:1: area heading 'Essex' comes before any"),
        ("## p1_police_family\n- x\n", r"p1.md:2: text outside an area section"),
        ("## p1_police_family\n### Essex\n- x\n### Essex\n- y\n", r"p1.md:4: area 'Essex' appears twice"),
    ],
)
def test_errors_name_file_and_line(tmp_path, text, message):
    write(tmp_path, text)
    with pytest.raises(InputError, match=message):
        load(tmp_path)


def test_list_references_for_check(tmp_path):
    path = write(tmp_path, "## p1_police_family\n### Essex\n- a {{heads}} b {{asb@Southend.change_pct:1}}\n")
    write(tmp_path, "## p2_repeat_high_harm\n### Southend\n\n- {{calls.last_year.change}}\n", priority=2)
    found = [(r.file, r.line, r.measure, r.area, r.last_year, r.field, r.decimals) for r in list_references(tmp_path, Quarter.parse("2019-20-Q2"), PLAN)]
    assert found == [
        (path, 3, "heads", None, False, "value", None),
        (path, 3, "asb", "Southend", False, "change_pct", 1),
        (path.with_name("p2.md"), 4, "calls", None, True, "change", None),
    ]


@pytest.fixture(scope="module")
def project():
    data_dir = ROOT / "data"
    return data_dir, load_measures(data_dir), load_catalogue(data_dir), list(load_areas(data_dir)["area"])


def generated_text(data_dir, measures, catalogue, areas, quarter):
    """Everything the library generates for a quarter: change sentences, table cells, commentary."""
    quarter = Quarter.parse(quarter)
    parts = []
    for priority in PLAN.priorities:
        comparisons = compare_all(
            measures, catalogue, quarter, force_area=PLAN.force_area, area_order=PLAN.areas, priority=priority.number
        )
        stated = [c for c in comparisons if c.current is not None]
        parts += [f(c, catalogue[c.measure]) for c in stated for f in (change_sentence, beside_the_table)]
        parts += performance_table(comparisons, catalogue).astype(str).to_numpy().ravel().tolist()
        commentary = load_commentary(data_dir, quarter, priority.number, PLAN, measures, catalogue, areas)
        parts += [shown(a.markdown) for sections in commentary.by_commitment.values() for a in sections]
    return "\n".join(parts)


def test_every_seed_figure_is_in_the_generated_2019_20_q2_text(project):
    text = generated_text(*project, "2019-20-Q2")
    assert missing_figures(text) == []


def test_figure_pattern_does_not_match_inside_longer_numbers():
    assert figure_pattern("13").search("in 2013 and 1,300 and 13%") is None
    assert figure_pattern("13").search("13 units")
    assert figure_pattern("44").search("£44,000") is None
    assert figure_pattern("5.7 percentage points").search("+5.7 percentage points")
    assert len(SEED_FIGURES) > 100


def test_2018_19_q2_renders_from_comparison_values_without_commentary(project):
    data_dir, measures, catalogue, areas = project
    text = generated_text(data_dir, measures, catalogue, areas, "2018-19-Q2")
    assert (
        "Special Constable headcount stood at 464 in September 2018; no comparison for the same period "
        "last year is available."
    ) in text
    assert "600 by March 2020: progress not assessed" in text  # the table's target cell
    assert "'101' calls to the Crime Bureau totalled 26,933 [d] in July to September 2018" in text
    assert "compared with April to June 2018, the figure rose by 1,283 (5%)." in text  # beside the table
    for priority in PLAN.priorities:
        result = load_commentary(data_dir, Quarter.parse("2018-19-Q2"), priority.number, PLAN, measures, catalogue, areas)
        assert all(sections == [] for sections in result.by_commitment.values())
        assert len(result.warnings) == 1


def test_changed_data_changes_sentences_and_commentary(project):
    data_dir, measures, catalogue, areas = project
    changed = measures.copy()
    heads = (changed["measure"] == "specials_headcount") & (changed["area"] == "Essex") & (changed["period_end"] == date(2019, 9, 30))
    drugs = (changed["measure"] == "drug_drive_arrests") & (changed["period_start"] == date(2019, 7, 1))
    hours = (changed["measure"] == "specials_hours") & (changed["period_start"] == date(2019, 7, 1))
    assert heads.sum() == drugs.sum() == hours.sum() == 1
    changed.loc[heads, "value"] = 430
    changed.loc[drugs, "value"] = 200
    changed.loc[hours, "value"] = 40000
    text = generated_text(data_dir, changed, catalogue, areas, "2019-20-Q2")
    assert "Special Constable headcount fell to 430 in September 2019, down from 464 in September 2018 (34 fewer, 7% lower)." in text
    assert "Arrests of drug drivers fell to 200 in July to September 2019, down from 224 in July to September 2018 (24 fewer, 11% lower)." in text
    assert "Special Constables gave 40,000 hours of duty in the quarter, 2% down on the same months of 2018." in text


def test_every_reference_example_in_the_docs_gives_what_the_docs_say(project):
    """docs/reference.md lists each commentary field with its 2019/20 Q2 result; they stay true."""
    from crimeplan.text.commentary import FIELDS, references_in, resolve

    data_dir, measures, catalogue, areas = project
    rows = re.findall(r"^\| `(\{\{[^`]+\}\})`[^|]*\| `([^`]+)`", (ROOT / "docs" / "reference.md").read_text(), re.M)
    assert len(rows) >= len(FIELDS) + 1
    documented = set()
    for text, expected in rows:
        [reference], _ = references_in(text, ROOT / "docs" / "reference.md", 1)
        documented.add(reference.field)
        got = resolve(reference, measures, catalogue, Quarter.parse("2019-20-Q2"), force_area=PLAN.force_area,
                      known_areas=areas)
        assert got == expected, text
    assert documented == set(FIELDS)
