"""``crimeplan init DIR --force NAME``: a working project for any territorial force.

Everything force-specific comes from the reference data of the crimeplan checkout the
project is created from (``data/reference/``: every force's districts and LSOAs, the ONS
regions): the plan names the force, its force area and its districts, the comparison group
is the forces of its ONS region, and a generic starter set of priorities places each
public-data section. The new project installs crimeplan from that checkout.
"""

from __future__ import annotations

import difflib
import json
import shutil
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path

import yaml

from crimeplan.errors import InputError
from crimeplan.formatting import month_year
from crimeplan.ingest.common import ForceNames
from crimeplan.ingest.reference import (
    FORCE_DISTRICTS_FILE,
    comparison_group,
    districts_of,
    forces_of,
    project_reference,
    read_force_districts,
    read_regions,
)
from crimeplan.inputs.files import read_yaml
from crimeplan.inputs.measures import MEASURE_COLUMNS
from crimeplan.periods import Quarter, quarter_of, shift_months

TEMPLATES = files("crimeplan") / "templates" / "project"
NOTEBOOK_PLACEHOLDER = "{{notebook}}"
# The Quarto project (`crimeplan init` then adds the extension and the quarter's profile:
# crimeplan.build.quarto_project.install) and the nbstripout filter that keeps notebook
# outputs out of git.
COPIED_FROM_SOURCE = ("_quarto.yml", "_quarto-lab.yml", ".gitattributes", "requirements.txt")
GITIGNORE = """.venv/
outputs/
__pycache__/
.ipynb_checkpoints/
# Quarto's own entries, and the combined notebook crimeplan's pre-render step writes for it
/.quarto/
**/*.quarto_ipynb
/update.ipynb
/_crimeplan/
"""
OWN_MEASURES = "data/measures/own_figures.csv"


@dataclass(frozen=True)
class StarterPriority:
    title: str
    notebook: str
    lead_in: str
    commitments: tuple[tuple[str, str], ...]  # (id suffix, text)
    public_data: tuple[object, ...] = ()


# A generic starting point, in our own words, for the analyst to replace with the plan's.
STARTER_PRIORITIES: tuple[StarterPriority, ...] = (
    StarterPriority(
        "Local, visible and accessible policing", "local_policing", "We will:",
        (("volunteers", "Grow the Special Constabulary and the wider volunteer police family, so "
                        "that communities see and know their local police."),
         ("contact", "Make the force easy to reach, online and by phone, and answer the public "
                     "quickly.")),
        ("specials",)),
    StarterPriority(
        "Tackling anti-social behaviour", "anti_social_behaviour", "Working with partners we will:",
        (("repeat_and_harm", "Focus on repeat and high-harm anti-social behaviour, protecting the "
                             "people and places most affected."),),
        ("anti_social_behaviour",)),
    StarterPriority(
        "Reducing serious violence", "serious_violence", "Working with partners we will:",
        (("violence", "Bring violent offenders to justice and take weapons off the streets."),
         ("sexual_violence", "Support victims of rape and sexual violence, and work with the "
                             "criminal justice system to convict offenders.")),
        ({"recorded_crime": ["recorded_crime_violence_against_the_person",
                             "recorded_crime_possession_of_weapons_offences",
                             "recorded_crime_sexual_offences", "recorded_crime_rape"]},)),
    StarterPriority(
        "Disrupting drugs, exploitation and organised crime", "organised_crime",
        "Working with regional and national partners we will:",
        (("drug_supply", "Disrupt the supply of drugs and the organised groups behind it."),
         ("exploitation", "Find and support victims of modern slavery and exploitation, and bring "
                          "offenders to justice.")),
        ({"recorded_crime": ["recorded_crime_drug_offences", "recorded_crime_drug_trafficking",
                             "recorded_crime_modern_slavery"]},)),
    StarterPriority(
        "Safer neighbourhoods", "safer_neighbourhoods", "We will:",
        (("neighbourhood_crime", "Reduce robbery, criminal damage and disorder in neighbourhoods."),),
        ({"recorded_crime": ["recorded_crime_robbery", "recorded_crime_criminal_damage_and_arson",
                             "recorded_crime_public_order_offences"]}, "borough_crime")),
    StarterPriority(
        "Protecting vulnerable people", "vulnerable_people", "With safeguarding partners we will:",
        (("safeguarding", "Protect children and vulnerable adults from harm, and help victims of "
                          "domestic abuse cope and recover."),)),
    StarterPriority(
        "Safer roads", "road_safety", "With road safety partners we will:",
        (("killed_seriously_injured", "Reduce the number of people killed or seriously injured on the roads, "
                                      "through enforcement, education and safer streets."),),
        ("road_casualties",)),
)
# Sections shown only where the checkout's committed public series cover the force (the
# Met's borough data, STATS19 returns), by the ingest output holding them; a starter
# priority left with no section and no other purpose is dropped with them.
LOCAL_SECTIONS = {"road_casualties": "stats19.csv", "borough_crime": "mps_borough.csv"}
ONLY_FOR_ITS_SECTION = frozenset({"road_safety"})


def find_checkout() -> Path | None:
    """The crimeplan checkout this code runs from (an editable install or ``PYTHONPATH=src``)."""
    import crimeplan

    root = Path(crimeplan.__file__).resolve().parents[2]
    return root if is_checkout(root) else None


def is_checkout(root: Path) -> bool:
    return ((root / "pyproject.toml").is_file() and (root / "src" / "crimeplan").is_dir()
            and (root / "data" / "reference" / FORCE_DISTRICTS_FILE).is_file())


def resolve_force(name: str, forces: list[str]) -> str:
    """The force ``name`` stands for (as the Home Office writes it, with "Police",
    "Constabulary", "&" and case forgiven); otherwise an error naming the closest matches."""
    found = ForceNames(tuple(forces)).canonical(name)
    if found:
        return found
    by_lower = {force.lower(): force for force in forces}
    close = difflib.get_close_matches(name.strip().lower(), list(by_lower), n=3, cutoff=0.6)
    hint = (f"did you mean {' or '.join(repr(by_lower[c]) for c in close)}?" if close
            else "the 43 forces are: " + ", ".join(forces))
    raise InputError(f"{name!r} is not a territorial police force of England and Wales: {hint}",
                     rule="known_force")


def default_quarter(today: date | None = None) -> Quarter:
    """The last financial quarter that has ended."""
    return quarter_of(today or date.today()).previous


def _month_after(day: date) -> str:
    return month_year(shift_months(day, 1))


def _matter(source: Path) -> dict[str, list[str]]:
    """The checkout's front and back matter notebooks (e.g. a summary, sources and method)
    that exist, to be shown around the new project's priorities too."""
    plan = read_yaml(source / "params" / "plan.yml", root=source) if (source / "params" / "plan.yml").is_file() else {}
    return {key: [name for name in (plan or {}).get(key) or []
                  if (source / "notebooks" / f"{name}.ipynb").is_file()]
            for key in ("front_matter", "back_matter")}


def _local_series(source: Path, force: str) -> set[str]:
    """The local sections whose series the checkout holds for ``force`` (its committed
    ``data/measures/`` has rows for the force): the new project ingests the same files."""
    held = set()
    for section, name in LOCAL_SECTIONS.items():
        path = source / "data" / "measures" / name
        if path.is_file() and f",{force}," in path.read_text(encoding="utf-8"):
            held.add(section)
    return held


def _starters(held: set[str]) -> list[StarterPriority]:
    """The starter priorities, each with the sections the public series can fill."""
    kept = []
    for starter in STARTER_PRIORITIES:
        sections = tuple(s for s in starter.public_data if not isinstance(s, str) or s not in LOCAL_SECTIONS
                         or s in held)
        if starter.notebook in ONLY_FOR_ITS_SECTION and not sections:
            continue
        kept.append(StarterPriority(starter.title, starter.notebook, starter.lead_in, starter.commitments, sections))
    return kept


def _plan(force: str, districts: list[str], matter: dict[str, list[str]],
          starters: list[StarterPriority]) -> tuple[str, list[dict]]:
    priorities = []
    for number, starter in enumerate(starters, start=1):
        priority = {
            "number": number, "title": starter.title, "notebook": f"p{number}_{starter.notebook}",
            "lead_in": starter.lead_in,
            "commitments": [{"id": f"p{number}_{suffix}", "text": text} for suffix, text in starter.commitments],
        }
        if starter.public_data:
            priority["public_data"] = list(starter.public_data)
        priorities.append(priority)
    name = force if force.endswith("Police") else f"{force} Police"
    plan = {"force": name, "force_area": force, "plan_title": "Police and Crime Plan",
            "areas": [force, *districts], "priorities": priorities,
            "contact": {"team": f"Performance team, {name}",
                        "how": "Replace this with how readers reach the team that produced the update."}}
    plan |= {key: names for key, names in matter.items() if names}
    header = (
        f"# The Police and Crime Plan of {force}: started by `crimeplan init` with a generic set of\n"
        "# priorities. Replace the titles, lead-ins and commitments with your plan's (commitments in\n"
        "# your own words), and check `force` (the force's own name). `areas` are those the update\n"
        "# reports on (each must be listed in data/reference/). A priority's `public_data` lists the\n"
        "# open-data sections it shows: specials (Home Office workforce), anti_social_behaviour\n"
        "# (police.uk), recorded_crime: [measure ids] (Home Office and ONS), road_casualties (STATS19),\n"
        "# borough_crime (Met borough data); they move with the priority.\n"
    )
    return header + yaml.safe_dump(plan, sort_keys=False, allow_unicode=True, width=100), priorities


def _public_measure_ids() -> dict[str, list[str]]:
    """The measure ids each ingest writes, by the plan section that shows them."""
    from crimeplan.ingest import (
        mps_borough,
        ons_recorded_crime,
        recorded_crime,
        stats19,
        workforce,
        workforce_open_data,
    )
    from crimeplan.ingest.police_uk import MEASURE_BY_CRIME_TYPE

    return {
        "specials": [kind.measure for kind in workforce.TABLE_KINDS] + list(workforce_open_data.MEASURES),
        "anti_social_behaviour": list(MEASURE_BY_CRIME_TYPE.values()),
        "recorded_crime": ["recorded_crime_total"]
        + [recorded_crime.group_measure(g) for g in recorded_crime.REPORTED_GROUPS]
        + list(recorded_crime.REPORTED_SUBSETS.values())
        + [ons_recorded_crime.rolling_measure(m) for m in ons_recorded_crime.MEASURES],
        "road_casualties": list(stats19.MEASURES),
        "borough_crime": [mps_borough.TOTAL] + [mps_borough.major_measure(m) for m in mps_borough.MAJOR_CLASSES],
    }


def _catalogue(source_catalogue: Path, priorities: list[dict]) -> str:
    """The source's catalogue entries of the public-data measures, placed under the starter
    priorities: a measure a section lists goes to that priority, the rest of a source's
    measures to the first priority showing that source. Targets are the force's own, so
    they are left out."""
    entries = (read_yaml(source_catalogue, root=source_catalogue.parent.parent) or {}).get("measures") or {}
    placed: dict[str, tuple[int, str]] = {}
    first_of_section: dict[str, tuple[int, str]] = {}
    for priority in priorities:
        home = (priority["number"], priority["commitments"][0]["id"])
        for section in priority.get("public_data", []):
            name, ids = (section, []) if isinstance(section, str) else next(iter(section.items()))
            first_of_section.setdefault(name, home)
            for measure_id in ids:
                placed.setdefault(measure_id, home)
    measures = {}
    for section, ids in _public_measure_ids().items():
        if section not in first_of_section:  # no priority shows it
            continue
        for measure_id in ids:
            if measure_id not in entries:
                raise InputError(f"{source_catalogue}: no entry for public-data measure {measure_id!r}")
            number, commitment = placed.get(measure_id) or first_of_section[section]
            entry = {key: value for key, value in entries[measure_id].items() if key != "targets"}
            measures[measure_id] = {**entry, "priority": number, "commitment": commitment}
    measures = dict(sorted(measures.items(), key=lambda item: (item[1]["priority"], list(measures).index(item[0]))))
    header = (
        "# Measures the quarterly update reports on: to start, the public-data measures `crimeplan\n"
        "# ingest` writes. Each entry: label, priority and commitment (ids from params/plan.yml),\n"
        "# unit, kind, which direction is better, optional targets, source and definition. Add the\n"
        "# force's own measures here.\n"
    )
    return header + yaml.safe_dump({"measures": measures}, sort_keys=False, allow_unicode=True, width=100)


def _sources(source_sources: Path, catalogue_text: str) -> str:
    """The source's ``sources.yml`` entries for the sources the new catalogue names."""
    used = {entry["source"] for entry in yaml.safe_load(catalogue_text)["measures"].values()}
    entries = (read_yaml(source_sources, root=source_sources.parent.parent) or {}).get("sources") or {}
    missing = sorted(used - set(entries))
    if missing:
        raise InputError(f"no entry for the source(s) {', '.join(map(repr, missing))}", file=source_sources,
                         rule="source_known")
    return ("# Where the public figures come from: publisher, title and licence of each catalogue source.\n"
            + yaml.safe_dump({"sources": {name: entries[name] for name in sorted(used)}}, sort_keys=False,
                             allow_unicode=True, width=100))


def _notebook(name: str) -> str:
    text = (TEMPLATES / "priority.ipynb").read_text(encoding="utf-8")
    json.loads(text.replace(NOTEBOOK_PLACEHOLDER, name))  # the template stays valid JSON
    return text.replace(NOTEBOOK_PLACEHOLDER, name)


def _fill(template: str, **values: str) -> str:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def init_project(target: Path, force_name: str, source: Path | None = None,
                 quarter: Quarter | None = None) -> tuple[str, list[Path]]:
    """Create a project for ``force_name`` in ``target`` (absent or empty) from the crimeplan
    checkout ``source``; returns the force and the files written."""
    source = Path(source).resolve() if source else find_checkout()
    if source is None or not is_checkout(source):
        raise InputError(f"{source or 'this crimeplan'} is not a crimeplan checkout with reference data for every "
                         "force: name one with --from", rule="checkout")
    reference = source / "data" / "reference"
    force_districts = read_force_districts(reference)
    force = resolve_force(force_name, forces_of(force_districts))
    target = Path(target).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target} already exists and is not empty: crimeplan init only creates a new project "
                         "in an empty or new folder", rule="init_target_empty")
    quarter = quarter or default_quarter()
    districts = sorted(districts_of(force_districts, force)["district"])
    matter = _matter(source)
    plan_text, priorities = _plan(force, districts, matter, _starters(_local_series(source, force)))
    plan = yaml.safe_load(plan_text)
    _group, _ = comparison_group(force_districts, read_regions(reference), force)
    texts: dict[str, str] = {
        "params/plan.yml": plan_text,
        f"params/{quarter.id}.yml": yaml.safe_dump({
            "quarter": quarter.id, "data_to": quarter.end, "version": 1,
            "produced": _month_after(quarter.end), "producing_unit": f"Performance team, {plan['force']}",
        }, sort_keys=False),
        "data/catalogue.yml": (catalogue := _catalogue(source / "data" / "catalogue.yml", priorities)),
        "data/sources.yml": _sources(source / "data" / "sources.yml", catalogue),
        # No public data yet: a header-only file for the force's own figures (check wants a CSV here).
        OWN_MEASURES: ",".join(MEASURE_COLUMNS) + "\n",
        "Makefile": _fill("Makefile", force=plan["force"], source=str(source)),
        "README.md": _fill("README.md", force=plan["force"], source=str(source), quarter=quarter.id,
                           area=force, group=_group),
        ".gitignore": GITIGNORE,
    }
    texts |= {f"data/reference/{name}": text for name, text in project_reference(reference, force).items()}
    texts |= {f"notebooks/{p['notebook']}.ipynb": _notebook(p["notebook"]) for p in priorities}
    texts |= {f"notebooks/{name}.ipynb": (source / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8")
              for names in matter.values() for name in names}
    written = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in COPIED_FROM_SOURCE:
            if (source / name).is_file():
                shutil.copyfile(source / name, target / name)
                written.append(target / name)
        for name, text in texts.items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return force, sorted(written)

