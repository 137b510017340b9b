"""Public data in the update: what each priority shows from the Home Office workforce
statistics, data.police.uk and Home Office police recorded crime.

:func:`open_data_sections` returns the Markdown and charts of a priority's "Public data"
section. Only rows up to the quarter's last day are used, every sentence is stated from
the rows, and a section with nothing to show for the quarter is left out (no heading, no
line saying the data are missing, never an empty chart). The force is compared with a named group of forces read by
:func:`crimeplan.inputs.measures.load_comparison_group` from ``data/reference/comparison_groups.yml``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from IPython.display import Markdown

from crimeplan.formatting import (
    format_number,
    format_percent,
    format_value,
    long_date,
    month_year,
)
from crimeplan.ingest.ons_recorded_crime import DERIVED_LABEL
from crimeplan.ingest.ons_recorded_crime import TOTAL as RECORDED_CRIME_TOTAL
from crimeplan.inputs.measures import Catalogue, ComparisonGroup
from crimeplan.inputs.params import Plan, Priority, PublicDataSection
from crimeplan.markup import text
from crimeplan.periods import Quarter, months_between, quarter_of
from crimeplan.sections import charts, trends
from crimeplan.text import wording
from crimeplan.text.narrative import describe_period

HEADING = "## Public data"
ENGLAND_AND_WALES = "England and Wales"
COMBINED = "All forces combined"
HOME_OFFICE_WORKFORCE = "Home Office workforce statistics"

SPECIALS_HOME_OFFICE = "specials_headcount_home_office"
SPECIALS_OWN = "specials_headcount"
OFFICERS_FTE = "officers_fte_home_office"
ANTI_SOCIAL_BEHAVIOUR = "police_uk_asb_incidents"


def open_data_sections(priority: Priority | int, quarter: Quarter, measures: pd.DataFrame,
                       catalogue: Catalogue, plan: Plan,
                       comparison_group: ComparisonGroup) -> list[Markdown | charts.Chart]:
    """The "Public data" section of ``priority`` (or the plan's priority of that number) for
    ``quarter``: the sections its ``public_data`` lists in ``params/plan.yml`` that have
    something to show, in order.

    The first item is Markdown starting with the heading; an empty list for priorities
    with no public data or none to show for the quarter.
    """
    made: list[Markdown | charts.Chart] = []
    for _, items, _ in _shown_sections(priority, quarter, measures, catalogue, plan, comparison_group):
        if made and isinstance(items[0], Markdown):  # one heading for the priority's sections
            items = [Markdown(items[0].data.removeprefix(HEADING).lstrip("\n")), *items[1:]]
        made += items
    return made


def measures_shown(quarter: Quarter, measures: pd.DataFrame, catalogue: Catalogue, plan: Plan,
                   comparison_group: ComparisonGroup) -> set[str]:
    """The public-data measures the update's "Public data" sections draw on for ``quarter``:
    of every section shown, its own measures and those of the plan's list for it that it
    read, that have rows up to the quarter's end (for the update's sources and definitions)."""
    shown = set()
    with charts.outlines_only():
        for priority in plan.priorities:
            for section, _, read in _shown_sections(priority, quarter, measures, catalogue, plan, comparison_group):
                own = set(SECTION_MEASURES[section.section])
                shown |= own | (set(_section_measures(section)) - own) & read
    rows = measures[measures["measure"].isin(shown)]
    return set(rows.loc[pd.to_datetime(rows["period_end"]) <= pd.Timestamp(quarter.end), "measure"])


def _shown_sections(priority: Priority | int, quarter: Quarter, measures: pd.DataFrame, catalogue: Catalogue,
                    plan: Plan, comparison_group: ComparisonGroup
                    ) -> list[tuple[PublicDataSection, list[Markdown | charts.Chart], set[str]]]:
    """Each public-data section of the priority that has something to show, with its items
    and the measures it read."""
    if isinstance(priority, int):
        priority = plan.priority(priority)
    typed, by_measure = _split(measures, quarter) if priority.public_data else (None, {})
    made = []
    for section in priority.public_data:
        context = _Context(list(section.measures), quarter, typed, catalogue, plan, comparison_group, by_measure)
        if items := _BUILDERS[section.section](context):
            made.append((section, items, context.read))
    return made


SECTION_MEASURES = {
    "specials": (SPECIALS_HOME_OFFICE, OFFICERS_FTE, trends.SPECIALS, trends.OFFICERS_FTE),
    "anti_social_behaviour": (ANTI_SOCIAL_BEHAVIOUR,),
    "recorded_crime": (RECORDED_CRIME_TOTAL, RECORDED_CRIME_TOTAL + trends.ROLLING_SUFFIX),
    "road_casualties": (trends.KSI, trends.KILLED, trends.SERIOUSLY_INJURED),
    "borough_crime": (trends.BOROUGH_TOTAL,),
}


def _section_measures(section: PublicDataSection) -> list[str]:
    """The measures a section can show: its own, the plan's list for it, and for recorded
    crime each listed offence's rolling year."""
    listed = list(section.measures)
    if section.section == "recorded_crime":
        listed += [measure + trends.ROLLING_SUFFIX for measure in section.measures]
    return list(dict.fromkeys([*SECTION_MEASURES[section.section], *listed]))


@dataclass(frozen=True)
class _Context:
    section_measures: list[str]  # the measure ids the plan lists for the section
    quarter: Quarter
    measures: pd.DataFrame
    catalogue: Catalogue
    plan: Plan
    group: ComparisonGroup
    by_measure: dict[str, pd.DataFrame]  # ``measures`` up to the quarter's end, split by measure once
    read: set[str] = field(default_factory=set)  # the measures :meth:`rows` found rows of, or a builder used

    @property
    def force_area(self) -> str:
        return self.plan.force_area

    @property
    def until(self) -> pd.Timestamp:
        return pd.Timestamp(self.quarter.end)

    def rows(self, measure_id: str, area: str | None = None) -> pd.DataFrame:
        """Rows of a measure (for one area, or all) ending on or before the quarter's end, oldest first."""
        frame = self.by_measure.get(measure_id, self.measures.iloc[0:0])
        if area is not None:
            frame = frame[frame["area"] == area]
        if not frame.empty:
            self.read.add(measure_id)
        return frame.sort_values(["period_end", "area"])


def _split(measures: pd.DataFrame, quarter: Quarter) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The measures with their periods as datetimes, and those ending on or before the
    quarter's end by measure; worked out once for the same measures and quarter (a
    kernel's priorities, and About, which learns from every priority's sections)."""
    if _last_split and _last_split[0] is measures and _last_split[1] == quarter:
        return _last_split[2], _last_split[3]
    columns = measures[["measure", "area", "period_start", "period_end", "value", "source"]]
    typed = columns.assign(period_start=pd.to_datetime(columns["period_start"]),
                           period_end=pd.to_datetime(columns["period_end"]))
    by_measure = dict(tuple(typed[typed["period_end"] <= pd.Timestamp(quarter.end)].groupby("measure", sort=False)))
    _last_split[:] = [measures, quarter, typed, by_measure]
    return typed, by_measure


_last_split: list = []  # the measures and quarter :func:`_split` was last given, and what it made


def _under_heading(markdown: Markdown | charts.Chart) -> Markdown:
    """Markdown already built (crimeplan.sections.trends) under the section's heading."""
    assert isinstance(markdown, Markdown)  # a trend section opens with its text
    return Markdown("\n\n".join([HEADING, markdown.data]))


def _section(*paragraphs: str, bullets: Sequence[str] = ()) -> Markdown:
    """The section's heading, its ``paragraphs`` (text) and a list of ``bullets`` (Markdown)."""
    blocks = [HEADING, *map(text, paragraphs)] + (["\n".join(bullets)] if bullets else [])
    return Markdown("\n\n".join(blocks))


def _change(current: float, previous: float, previous_when: str, unit: str = "count") -> str:
    """``"493 more than in April to June 2017 (5% higher)"``."""
    difference = current - previous
    if difference == 0:
        return f"the same as in {previous_when}"
    direction = wording.direction_between(current, previous)
    text = f"{format_value(abs(difference), unit)} {wording.more(direction)} than in {previous_when}"
    if previous:
        text += f" ({wording.percent_of(difference, previous)} {wording.higher(direction)})"
    return text


def _group_label(group: ComparisonGroup) -> str:
    return f"{group.name} together"


def _all_forces_label(forces: int) -> str:
    return f"{ENGLAND_AND_WALES} ({forces} forces)"


def _span(start: date, end: date) -> str:
    """``January to June 2018``, or ``December 2017 to June 2018`` across a year end."""
    if start.year == end.year:
        return f"{start:%B} to {month_year(end)}"
    return f"{month_year(start)} to {month_year(end)}"


def _rank(position: int) -> str:
    """``1`` -> ``the highest``, ``2`` -> ``2nd highest``."""
    if position == 1:
        return "the highest"
    suffix = "th" if 10 <= position % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(position % 10, "th")
    return f"{position}{suffix} highest"


def _rate(value: float) -> str:
    """A rate per 100, to one decimal."""
    return format_number(value, 1)


# --- specials: Special Constables -------------------------------------------------------------


def _specials_sections(context: _Context) -> list[Markdown | charts.Chart]:
    area, force = context.force_area, context.plan.force
    home_office = context.rows(SPECIALS_HOME_OFFICE, area)
    own = context.rows(SPECIALS_OWN, area)
    long_series = trends.workforce_trend(context)
    if home_office.empty:
        return [_under_heading(long_series[0]), *long_series[1:]] if long_series else []
    first, latest = home_office.iloc[0], home_office.iloc[-1]
    sentences = [
        f"The {HOME_OFFICE_WORKFORCE} count {format_number(latest.value)} Special Constables in {area} "
        f"on {long_date(latest.period_end)}, {wording.up_from(wording.direction_between(latest.value, first.value))} "
        f"{format_number(first.value)} on {long_date(first.period_end)}."
    ]
    if not own.empty:
        own_latest = own.iloc[-1]
        sentences.append(f"{force}'s own count was {format_number(own_latest.value)} "
                         f"on {long_date(own_latest.period_end)}.")
        both = home_office.merge(own, on="period_end", suffixes=("_home_office", "_own"))
        if not both.empty:
            sentences.append(_sources_difference(both.iloc[-1], force))
    trend = _specials_trend(context, home_office, own)
    return [_section(" ".join(sentences)), trend, *_specials_per_officer_sections(context), *long_series]


def _specials_trend(context: _Context, home_office: pd.DataFrame, own: pd.DataFrame) -> charts.Chart:
    """The Home Office series as a line, the force's own counts as labelled squares, and
    the force's target; the title states the latest count (the force's own when it has
    one) against a year earlier and the target."""
    area, force = context.force_area, context.plan.force

    def series(rows: pd.DataFrame, source: str) -> pd.DataFrame:
        return pd.DataFrame({"date": rows["period_end"].to_list(), "value": rows["value"].to_list(),
                             "source": source, "when": [long_date(d.date()) for d in rows["period_end"]]})

    line, points = series(home_office, HOME_OFFICE_WORKFORCE), series(own, force)
    headline = own if not own.empty else home_office
    latest = headline.iloc[-1]
    year_before = headline[headline["period_end"] == latest.period_end - pd.DateOffset(years=1)]
    earlier = year_before.iloc[-1] if not year_before.empty else headline.iloc[0]
    definition = context.catalogue.get(SPECIALS_OWN)
    due = None
    if definition is not None:
        upcoming = sorted((t for t in definition.targets if pd.Timestamp(t.by) >= latest.period_end), key=lambda t: t.by)
        due = upcoming[0] if upcoming else None
    same = earlier.period_end == latest.period_end
    title = charts.movement_title(
        "Special Constables", latest.value, "people", month_year(latest.period_end.date()),
        None if same else earlier.value, month_year(earlier.period_end.date()),
        None if due is None else (due.value, due.by))
    first, last = home_office.iloc[0], home_office.iloc[-1]
    own_text = "; ".join(f"{format_number(r.value)} on {r.when}" for r in points.itertuples())
    alt_text = (f"Line chart. {title}. The {HOME_OFFICE_WORKFORCE} count Special Constables in {area} from "
                f"{format_number(first.value)} on {long_date(first.period_end)} to {format_number(last.value)} "
                f"on {long_date(last.period_end)}: "
                + "; ".join(f"{format_number(r.value)} on {r.when}" for r in line.itertuples()) + "."
                + (f" {force}'s own counts are shown as squares: {own_text}." if own_text else "")
                + ("" if due is None else f" The target is {format_number(due.value)} by {long_date(due.by)}."))
    sources = f"the {HOME_OFFICE_WORKFORCE} (line) and {force} (squares)" if own_text else f"the {HOME_OFFICE_WORKFORCE}"
    target = None if due is None else (due.value, due.by, f"Target {format_number(due.value)} by {month_year(due.by)}")
    return charts.trend_chart(
        line, title, alt_text, "Special Constables (headcount)", period="date",
        points=points if own_text else None, target=target,
        subtitle=f"Headcount on the day, {_span(first.period_end, last.period_end)}, from {sources}.",
        caption=f"Special Constables in {area}. Sources: {HOME_OFFICE_WORKFORCE}"
                + (f"; {force}" if own_text else "") + ". The two sources count on different dates and definitions.")


def _sources_difference(row: pd.Series, force: str) -> str:
    when = long_date(row.period_end)
    if row.value_home_office == row.value_own:
        return f"On {when} the two sources agree."
    gap = format_number(abs(row.value_home_office - row.value_own))
    return (f"On {when} the Home Office figure ({format_number(row.value_home_office)}) and {force}'s "
            f"({format_number(row.value_own)}) differ by {gap}: the two are taken on different extract "
            "dates and definitions.")


def _specials_per_officer_sections(context: _Context) -> list[Markdown | charts.Chart]:
    specials = context.rows(SPECIALS_HOME_OFFICE)
    officers = context.rows(OFFICERS_FTE)
    paired = specials.merge(officers, on=["area", "period_end"], suffixes=("_specials", "_officers"))
    own_dates = paired.loc[paired["area"] == context.force_area, "period_end"]
    if own_dates.empty:
        return []
    when = own_dates.max()
    on_date = paired[paired["period_end"] == when]
    in_group = on_date[on_date["area"].isin(context.group.forces)].assign(
        rate=lambda f: f["value_specials"] / f["value_officers"] * 100).sort_values("rate", ascending=False)
    force_rate = in_group.loc[in_group["area"] == context.force_area, "rate"].iloc[0]
    group_rate = in_group["value_specials"].sum() / in_group["value_officers"].sum() * 100
    all_rate = on_date["value_specials"].sum() / on_date["value_officers"].sum() * 100
    all_label = _all_forces_label(on_date["area"].nunique())
    rank = list(in_group["area"]).index(context.force_area) + 1
    sentence = (
        f"On {long_date(when.date())} {context.force_area} had {_rate(force_rate)} Special Constables for every "
        f"100 full-time equivalent police officers, {_rank(rank)} of the {len(in_group)} {context.group.name}. "
        f"Across the {context.group.name} together the figure was {_rate(group_rate)}, and across "
        f"{all_label} {_rate(all_rate)}."
    )
    others = f"Other {context.group.name}"
    table = pd.DataFrame(
        [{"area": r.area, "value": r.rate,
          "group": context.force_area if r.area == context.force_area else others} for r in in_group.itertuples()]
        + [{"area": _group_label(context.group), "value": group_rate, "group": COMBINED},
           {"area": all_label, "value": all_rate, "group": COMBINED}]
    )
    title = (f"On {long_date(when.date())} {context.force_area} had {_rate(force_rate)} Special Constables per "
             f"100 police officers (FTE), {_rank(rank)} of the {len(in_group)} {context.group.name}")
    alt_text = f"Bar chart. {title}. " + "; ".join(f"{r.area} {_rate(r.value)}" for r in table.itertuples()) + "."
    chart = charts.highlighted_bar_chart(
        table, title, alt_text, "Special Constables per 100 officers (FTE)", highlight=context.force_area,
        subtitle=f"Against the {context.group.name} together and {all_label}.",
        caption=f"Special Constables (headcount) for every 100 full-time equivalent police officers. "
                f"Source: {HOME_OFFICE_WORKFORCE}.")
    return [Markdown(text(sentence)), chart]


# --- anti_social_behaviour: police.uk --------------------------------------------


def _anti_social_behaviour_sections(context: _Context) -> list[Markdown | charts.Chart]:
    area, quarter = context.force_area, context.quarter
    all_months = context.measures[(context.measures["measure"] == ANTI_SOCIAL_BEHAVIOUR)
                                  & (context.measures["area"] == area)].sort_values("period_start")
    quarter_name = describe_period(quarter.start, quarter.end)
    in_quarter = all_months[(all_months["period_start"] >= pd.Timestamp(quarter.start))
                            & (all_months["period_end"] <= context.until)]
    if len(in_quarter) < _months_in(quarter):  # police.uk does not cover the whole quarter
        return []
    monthly = context.rows(ANTI_SOCIAL_BEHAVIOUR, area)
    total = in_quarter["value"].sum()
    by_month = ", ".join(f"{format_number(r.value)} in {r.period_start:%B}" for r in in_quarter.itertuples())
    sentences = [f"{context.plan.force} published {format_number(total)} anti-social behaviour records on "
                 f"police.uk for {quarter_name} ({by_month})"]
    previous = quarter.previous
    before = monthly[(monthly["period_start"] >= pd.Timestamp(previous.start))
                     & (monthly["period_end"] <= pd.Timestamp(previous.end))]
    if len(before) == _months_in(previous):
        sentences[0] += f", {_change(total, before['value'].sum(), describe_period(previous.start, previous.end))}"
    sentences[0] += "."
    districts = (context.measures[(context.measures["measure"] == ANTI_SOCIAL_BEHAVIOUR)
                                  & (context.measures["area"] != area)
                                  & (context.measures["period_start"] >= pd.Timestamp(quarter.start))
                                  & (context.measures["period_end"] <= context.until)]
                 .groupby("area", as_index=False)["value"].sum().sort_values("value", ascending=False))
    charts_made = [_months_chart(monthly, area)] if len(monthly) >= charts.MIN_TREND_POINTS else []
    if not districts.empty:
        most, fewest = districts.iloc[0], districts.iloc[-1]
        unplaced = total - districts["value"].sum()
        sentences.append(
            f"Of the {len(districts)} districts, {most.area} had the most ({format_number(most.value)}) and "
            f"{fewest.area} the fewest ({format_number(fewest.value)}); {format_number(unplaced)} records "
            f"with no location in a district count towards {area} only.")
        title = (f"Anti-social behaviour records on police.uk by district, {quarter_name}: most in {most.area} "
                 f"({format_number(most.value)}), fewest in {fewest.area} ({format_number(fewest.value)})")
        alt_text = f"Bar chart. {title}. " + "; ".join(
            f"{r.area} {format_number(r.value)}" for r in districts.itertuples()) + "."
        charts_made.append(charts.by_area_chart(
            districts, title, alt_text, "Records",
            caption=f"Records placed in a district; {format_number(unplaced)} records with no location in a "
                    f"district are counted in {area} only. Source: police.uk."))
    return [_section(" ".join(sentences)), *charts_made]


def _months_in(quarter: Quarter) -> int:
    return months_between(quarter.start, quarter.end) + 1


def _months_chart(monthly: pd.DataFrame, area: str) -> charts.Chart:
    series = pd.DataFrame({"date": monthly["period_start"].to_list(), "value": monthly["value"].to_list(),
                           "source": f"{area} (police.uk)",
                           "when": [month_year(d) for d in monthly["period_start"]]})
    first, latest = series.iloc[0], series.iloc[-1]
    title = charts.movement_title(f"Anti-social behaviour records on police.uk in {area}", latest.value, "count",
                                  latest.when, first.value, first.when)
    alt_text = f"Line chart. {title}. " + "; ".join(
        f"{r.when} {format_number(r.value)}" for r in series.itertuples()) + "."
    return charts.trend_chart(series, title, alt_text, "Records", period="month",
                              subtitle=f"Records by month, {_span(first.date, latest.date)}.",
                              caption="Anti-social behaviour incidents published on police.uk, by the month they "
                                      "were recorded. Source: police.uk.")


# --- recorded_crime: Home Office recorded crime ---------------------------------------------


def _recorded_crime_sections(context: _Context) -> list[Markdown | charts.Chart]:
    """The quarter's recorded crime (where there are quarterly figures), then the long
    ONS series (:func:`crimeplan.sections.trends.recorded_crime_trend`)."""
    quarterly = _recorded_crime_quarter(context)
    long_series = trends.recorded_crime_trend(context)
    if quarterly is None:
        return [_under_heading(long_series[0]), *long_series[1:]] if long_series else []
    return [*quarterly, *long_series]


def _recorded_crime_quarter(context: _Context) -> list[Markdown | charts.Chart] | None:
    area, quarter = context.force_area, context.quarter
    totals = context.measures[(context.measures["measure"] == RECORDED_CRIME_TOTAL)
                              & (context.measures["area"] == area)]
    quarter_name = describe_period(quarter.start, quarter.end)
    current = _quarter_values(context, quarter)
    if RECORDED_CRIME_TOTAL not in current.index.get_level_values("measure"):
        if totals.empty:
            return None
        latest = quarter_of(totals["period_start"].max().date()).label
        return [_section(f"There are no quarterly recorded crime figures for {quarter_name}: the latest "
                         f"are for {latest}. The longer view follows.")]
    earlier = [(q, _quarter_values(context, q)) for q in (quarter.previous, quarter.same_quarter_last_year)]
    total = current[(RECORDED_CRIME_TOTAL, area)]
    intro = (f"Police recorded crime for {quarter_name}: {area} recorded "
             f"{format_number(total)} crimes (fraud is recorded nationally and is not included)")
    intro += "".join(f", {_change(total, values[(RECORDED_CRIME_TOTAL, area)], describe_period(q.start, q.end))}"
                     for q, values in earlier if (RECORDED_CRIME_TOTAL, area) in values.index) + "."
    derived = context.measures[(context.measures["measure"] == RECORDED_CRIME_TOTAL) & (context.measures["area"] == area)
                               & (context.measures["period_start"] == pd.Timestamp(quarter.start))]["source"]
    intro += (" The Home Office publishes these quarters for 2017/18; other quarters are worked out exactly from the "
              "ONS rolling-year totals." if (derived == DERIVED_LABEL).any() else
              " Source: Home Office police recorded crime.")
    shares = _shares(context, current)
    offences = [measure_id for measure_id in context.section_measures if (measure_id, area) in current.index]
    context.read.update(offences)
    bullets = [_offence_bullet(context, measure_id, current, earlier, shares) for measure_id in offences]
    made: list[Markdown | charts.Chart] = [_section(intro, bullets=bullets)]
    if not shares.empty:
        made.append(_shares_chart(context, shares, quarter_name))
    return made


def _quarter_values(context: _Context, quarter: Quarter) -> pd.Series:
    """Values of the quarter (recorded crime measures only) indexed by (measure, area)."""
    frame = context.measures
    chosen = (frame["measure"].str.startswith("recorded_crime_")
              & (frame["period_start"] == pd.Timestamp(quarter.start))
              & (frame["period_end"] == pd.Timestamp(quarter.end)))
    return frame[chosen].set_index(["measure", "area"])["value"]


def _shares(context: _Context, current: pd.Series) -> pd.DataFrame:
    """Each offence as a percentage of all recorded crime: per force of the group, the group
    together and every force together (columns measure, area, value, group)."""
    frame = current.rename("value").reset_index()
    totals = frame[frame["measure"] == RECORDED_CRIME_TOTAL].set_index("area")["value"]
    rows = []
    for measure_id in context.section_measures:
        offence = frame[(frame["measure"] == measure_id) & frame["area"].isin(totals.index)].set_index("area")["value"]
        if offence.empty:
            continue
        in_group = offence[offence.index.isin(context.group.forces)]
        per_force = (in_group / totals[in_group.index] * 100).sort_values(ascending=False)
        for force, share in per_force.items():
            group = context.force_area if force == context.force_area else f"Other {context.group.name}"
            rows.append({"measure": measure_id, "area": force, "value": share, "group": group})
        rows.append({"measure": measure_id, "area": _group_label(context.group), "group": COMBINED,
                     "value": in_group.sum() / totals[in_group.index].sum() * 100})
        rows.append({"measure": measure_id, "area": _all_forces_label(len(offence)),
                     "group": COMBINED, "value": offence.sum() / totals[offence.index].sum() * 100})
    return pd.DataFrame(rows, columns=["measure", "area", "value", "group"])


def _share_text(value: float) -> str:
    return format_percent(value, 1 if value >= 1 else 2)


def _offence_bullet(context: _Context, measure_id: str, current: pd.Series,
                    earlier: list[tuple[Quarter, pd.Series]], shares: pd.DataFrame) -> str:
    """One offence as a Markdown bullet: its label in bold, then its figures."""
    area = context.force_area
    value = current[(measure_id, area)]
    parts = [f": {format_number(value)}"]
    parts += [f", {_change(value, values[(measure_id, area)], describe_period(q.start, q.end))}"
              for q, values in earlier if (measure_id, area) in values.index]
    mine = shares[shares["measure"] == measure_id].set_index("area")["value"]
    if area in mine.index:
        group_label = _group_label(context.group)
        all_label = next(name for name in mine.index if name.startswith(ENGLAND_AND_WALES))
        parts.append(f"; {_share_text(mine[area])} of all crime recorded in {area}, against "
                     f"{_share_text(mine[group_label])} across the {group_label} and "
                     f"{_share_text(mine[all_label])} across {all_label}")
    return f"- **{text(context.catalogue[measure_id].label)}**{text(''.join(parts) + '.')}"


def _shares_chart(context: _Context, shares: pd.DataFrame, quarter_name: str) -> charts.Chart:
    """One row per offence group, each on its own scale from zero: a marker per force of
    the group (the force filled and on top), the group together and England and Wales."""
    area, group_label = context.force_area, _group_label(context.group)
    others = f"Other {context.group.name}"
    roles = [(others, "circle", charts.MID_BLUE, charts.BACKGROUND),
             (group_label, "square", charts.GREY, charts.GREY),
             (ENGLAND_AND_WALES, "triangle-up", charts.GREY, charts.BACKGROUND),
             (area, "diamond", charts.BLUE, charts.BLUE)]
    rows, described = [], []
    for measure_id in dict.fromkeys(shares["measure"]):
        mine = shares[shares["measure"] == measure_id]
        values = mine.set_index("area")["value"]
        all_label = next(name for name in values.index if name.startswith(ENGLAND_AND_WALES))
        offence = context.catalogue[measure_id].label
        if area not in values.index:
            continue
        markers = [(others, v) for name, v in values.items() if name in context.group.forces and name != area]
        markers += [(group_label, values[group_label]), (ENGLAND_AND_WALES, values[all_label]), (area, values[area])]
        forces = mine[mine["area"].isin(context.group.forces)].sort_values("value", ascending=False)
        rank = list(forces["area"]).index(area) + 1
        figures = (f"{area} {_share_text(values[area])}, {_rank(rank)} of {len(forces)}; "
                   f"group {_share_text(values[group_label])}; {ENGLAND_AND_WALES} {_share_text(values[all_label])}")
        rows.append({"label": offence, "figures": figures, "markers": markers,
                     "scale_max": float(mine["value"].max())})
        described.append(f"{offence}: {area} {_share_text(values[area])} ({_rank(rank)} of {len(forces)}), "
                         + ", ".join(f"{name} {_share_text(v)}" for name, v in values.items() if name != area) + ".")
    first = rows[0]
    first_values = shares[shares["measure"] == shares["measure"].iloc[0]].set_index("area")["value"]
    title = (f"{first['label']} made up {_share_text(first_values[area])} of crime recorded in {area} in "
             f"{quarter_name}, against {_share_text(first_values[group_label])} across the {context.group.name}")
    alt_text = f"Chart of each offence group's share of all recorded crime, one row per offence group. {title}. " \
               + " ".join(described)
    return charts.strip_chart(
        rows, roles, title, alt_text,
        subtitle="Share of all recorded crime; each offence group on its own scale, from zero at the left.",
        caption=f"{area} against the other {context.group.name}, the group together and {ENGLAND_AND_WALES}. "
                "Source: Home Office police recorded crime.")


# --- road_casualties and borough_crime: monthly series -------------------------------------


def _road_casualties_sections(context: _Context) -> list[Markdown | charts.Chart]:
    items = trends.road_casualties_sections(context)
    return [_under_heading(items[0]), *items[1:]] if items else []


def _borough_crime_sections(context: _Context) -> list[Markdown | charts.Chart]:
    items = trends.borough_crime_sections(context)
    return [_under_heading(items[0]), *items[1:]] if items else []


_BUILDERS: dict[str, Callable[[_Context], list[Markdown | charts.Chart]]] = {
    "specials": _specials_sections,
    "anti_social_behaviour": _anti_social_behaviour_sections,
    "recorded_crime": _recorded_crime_sections,
    "road_casualties": _road_casualties_sections,
    "borough_crime": _borough_crime_sections,
}
