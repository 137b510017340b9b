"""Long public series in the update: trends since 2003 (recorded crime) and 2007 (workforce),
road casualties and borough crime by month, with control limits where the points are
discrete, and the force against its comparison group and England and Wales.

Each builder takes the section's context from :mod:`crimeplan.sections.public_data` and returns
Markdown and charts. Rules kept throughout:

- a rolling year is shown as the 12 months it covers, and compared with the rolling year
  ending 12 months earlier (as ONS bulletins do); rolling years overlap, so they never get
  control limits;
- XmR limits (:func:`crimeplan.stats.judgement.spc`) only on discrete, consecutive, equally long
  periods (:func:`discrete_history`), and only with 15 or more of them;
- when the latest published figure ends before the quarter does, the text says so;
- there is no population data in the project, so forces are compared by change, not by
  rates per head, and the text says that too.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import Markdown

from crimeplan import markup
from crimeplan.formatting import format_number, format_percent, format_value, long_date, month_year
from crimeplan.ingest.ons_recorded_crime import ROLLING_SUFFIX
from crimeplan.ingest.ons_recorded_crime import TOTAL as RECORDED_CRIME_TOTAL
from crimeplan.ingest.stats19 import KILLED, KSI, SERIOUSLY_INJURED
from crimeplan.inputs.measures import Better
from crimeplan.periods import months_between
from crimeplan.sections import charts
from crimeplan.stats import judgement
from crimeplan.text import wording

if TYPE_CHECKING:
    from crimeplan.sections.public_data import _Context

SPECIALS = "workforce_specials_headcount"
OFFICERS_FTE = "workforce_officers_fte"
BOROUGH_TOTAL = "borough_crime_total"
ONS = "ONS police recorded crime"
WORKFORCE = "Home Office workforce open data"
STATS19 = "STATS19 road casualty returns"
MET_BOROUGHS = "the borough level crime data the force publishes"
NO_POPULATION = ("The project holds no population figures, so forces are compared by their change, "
                 "not by rates per head of population.")
ENGLAND_AND_WALES = "England and Wales"


# --- series ---------------------------------------------------------------------------------


def discrete_history(rows: pd.DataFrame) -> pd.DataFrame:
    """The latest unbroken run of discrete periods in ``rows`` (one measure and area, typed
    dates): each period starts the day after the one before ends and is as long in months
    as the latest, so no two overlap (snapshots: one a year, on the same day). These are the
    points a control chart may use."""
    rows = rows.sort_values("period_end")
    if rows.empty:
        return rows
    latest = rows.iloc[-1]
    snapshot = latest.period_start == latest.period_end
    months = _months(latest.period_start, latest.period_end)
    kept = [len(rows) - 1]
    for position in range(len(rows) - 2, -1, -1):
        row, after = rows.iloc[position], rows.iloc[kept[-1]]
        if snapshot:
            follows = row.period_start == row.period_end and row.period_end == after.period_end - pd.DateOffset(years=1)
        else:
            follows = (row.period_end + timedelta(days=1) == after.period_start
                       and _months(row.period_start, row.period_end) == months)
        if not follows:
            break
        kept.append(position)
    return rows.iloc[sorted(kept)]


def _months(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """The calendar months a period touches (January to March: 3)."""
    return months_between(start, end) + 1


def year_ending(end: pd.Timestamp | date) -> str:
    """``the year ending December 2018``."""
    return f"the year ending {month_year(pd.Timestamp(end).date())}"


def change_words(current: float, previous: float, unit: str = "count") -> str:
    """``"12% more than"`` / ``"3 fewer than"`` / ``"the same as"``, the percentage when there is one."""
    if current == previous:
        return "the same as"
    more = wording.more(wording.direction_between(current, previous))
    if previous:
        return f"{wording.percent_of(current - previous, previous)} {more} than"
    return f"{format_value(abs(current - previous), unit)} {more} than"


def percent_change(current: float, previous: float) -> float | None:
    return None if not previous else (current - previous) / previous * 100


def signed_percent(value: float) -> str:
    return wording.signed(value, format_percent(abs(value), 1))


def older_than_quarter(latest_end: pd.Timestamp, context: _Context, what: str) -> str:
    """A sentence when the latest published figure ends before the quarter does."""
    if latest_end >= context.until:
        return ""
    return (f"This is the latest {what} published: it ends on {long_date(latest_end.date())}, before this "
            f"update's quarter ({context.quarter.label}, to {long_date(context.quarter.end)}).")


def control_chart(rows: pd.DataFrame, subject: str, better: judgement.Better, unit: str, period: str,
                  source: str, y_title: str, caption: str) -> charts.Chart:
    """A trend chart of discrete periods, with XmR limits when there are 15 or more; the
    title says what the latest point shows."""
    snapshot = rows["period_start"].iloc[-1] == rows["period_end"].iloc[-1]
    when = [month_year(e.date()) if snapshot or period == "month" else _quarter_words(s, e)
            for s, e in zip(rows["period_start"], rows["period_end"])]
    series = pd.DataFrame({"date": list(rows["period_end"] if snapshot else rows["period_start"]),
                           "value": rows["value"].to_list(), "source": source, "when": when})
    control = judgement.spc(series["value"].to_list(), better) if len(series) >= judgement.SPC_MIN_POINTS else None
    latest = series.iloc[-1]
    title = f"{subject}: {format_value(latest.value, unit)} in {latest.when}"
    if control is None:
        title += f", against {format_value(series['value'].iloc[0], unit)} in {series['when'].iloc[0]}"
        subtitle = (f"{len(series)} {'points' if len(series) != 1 else 'point'}, too few for control limits "
                    f"({judgement.SPC_MIN_POINTS} are needed).")
    else:
        title += ", " + _reading(control)
        subtitle = (f"{len(series)} {'months' if period == 'month' else 'points'}, {series['when'].iloc[0]} to "
                    f"{latest.when}; mean and process limits of an XmR control chart; diamonds mark special "
                    "cause variation.")
    points = "; ".join(f"{w} {format_value(v, unit)}" for w, v in zip(series["when"], series["value"]))
    alt_text = f"Line chart. {title}. {points}."
    if control is not None:
        alt_text += f" {control.reason}"  # its mean and limits included
    return charts.trend_chart(series, title, alt_text, y_title, period="date" if snapshot else period,
                              spc=control, subtitle=subtitle, caption=caption)


def _quarter_words(start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{start:%B} to {month_year(end.date())}" if start.year == end.year else \
        f"{month_year(start.date())} to {month_year(end.date())}"


def _reading(control: judgement.SpcResult) -> str:
    """What the latest point of a control chart shows, in words for a title."""
    if not control.special_cause:
        return "within the range of normal variation"
    side = "high" if control.signal > 0 else "low"
    verdict = control.verdict.replace(f" ({side})", f", {side}")
    if judgement.RULE_OUTSIDE in control.rules_triggered:
        return f"{'above the upper' if side == 'high' else 'below the lower'} control limit ({verdict})"
    if judgement.RULE_SHIFT in control.rules_triggered:
        return f"a run of points {'above' if side == 'high' else 'below'} the average ({verdict})"
    if judgement.RULE_TREND in control.rules_triggered:
        return f"a run of {'rises' if control.signal > 0 else 'falls'} ({verdict})"
    return f"unusually {side} ({verdict})"


def rolling_trend_chart(rows: pd.DataFrame, label: str, area: str, caption: str) -> charts.Chart:
    """Rolling years as a line, no control limits (they overlap); the title gives the
    latest against the first."""
    series = pd.DataFrame({"date": list(rows["period_end"]), "value": rows["value"].to_list(),
                           "source": f"{area}, 12 months to the date",
                           "when": [year_ending(e) for e in rows["period_end"]]})
    first, latest = series.iloc[0], series.iloc[-1]
    verb = "rose" if latest.value > first.value else "fell" if latest.value < first.value else "was unchanged"
    title = (f"{label} in {area} {verb} from {format_number(first.value)} in {first.when} to "
             f"{format_number(latest.value)} in {latest.when}")
    alt_text = f"Line chart. {title}. " + "; ".join(
        f"{w} {format_number(v)}" for w, v in zip(series["when"], series["value"])) + "."
    return charts.trend_chart(
        series, title, alt_text, "Offences in 12 months", period="date",
        subtitle=(f"Rolling 12-month totals, {len(series)} points; consecutive points share nine months, "
                  "so no control limits are drawn."), caption=caption)


# --- recorded crime: the long ONS series ----------------------------------------------------


def recorded_crime_trend(context: _Context) -> list[Markdown | charts.Chart]:
    """The year ending the latest published quarter against the year before for the total
    and the measures the section names, the trend since 2003, the quarters on a control
    chart, and the change against the comparison group and England and Wales."""
    area = context.force_area
    measures = [m for m in dict.fromkeys([RECORDED_CRIME_TOTAL, *context.section_measures])
                if not context.rows(m + ROLLING_SUFFIX, area).empty]
    if not measures:
        return []
    total_rows = context.rows(RECORDED_CRIME_TOTAL + ROLLING_SUFFIX, area)
    latest = total_rows.iloc[-1]
    lines = []
    for measure in measures:
        rows = context.rows(measure + ROLLING_SUFFIX, area)
        now = rows.iloc[-1]
        before = rows[rows["period_end"] == now.period_end - pd.DateOffset(years=1)]
        label = context.catalogue[measure].label if measure in context.catalogue else measure
        text = f"- **{markup.text(label)}**: {format_number(now.value)} in {year_ending(now.period_end)}"
        if not before.empty:
            text += (f", {change_words(now.value, before.iloc[-1].value)} in {year_ending(before.iloc[-1].period_end)} "
                     f"({format_number(before.iloc[-1].value)})")
        first = rows.iloc[0]
        text += f"; {format_number(first.value)} in {year_ending(first.period_end)}."
        lines.append(text)
    intro = (f"The longer view, from {ONS} (offences recorded in the 12 months to each date, excluding fraud), "
             f"up to {year_ending(latest.period_end)}:")
    stale = older_than_quarter(latest.period_end, context, "ONS year")
    made: list[Markdown | charts.Chart] = [Markdown("\n\n".join(p for p in (intro, "\n".join(lines), stale) if p))]
    shown = measures[1] if len(measures) > 1 else measures[0]
    label = context.catalogue[shown].label if shown in context.catalogue else shown
    made.append(rolling_trend_chart(
        context.rows(shown + ROLLING_SUFFIX, area), label, area,
        caption=f"{label}, rolling 12-month totals. Source: ONS, recorded crime by police force area."))
    quarters = discrete_history(context.rows(shown, area))
    if len(quarters) >= judgement.SPC_MIN_POINTS:
        definition = context.catalogue[shown]
        made.append(control_chart(
            quarters, f"{label} in {area} by quarter", definition.better, "count", "quarter", area,
            "Offences in the quarter",
            caption=("Quarters from 2018/19 and before 2017/18 are worked out exactly from the ONS rolling years "
                     "and the Home Office 2017/18 quarters. Sources: ONS; Home Office.")))
    made += similar_forces(context, shown, label)
    return made


def similar_forces(context: _Context, measure: str, label: str) -> list[Markdown]:
    """The force's change over the latest rolling year against the forces of its group, the
    group together and England and Wales, in one sentence (a chart each would cost the
    render more than it tells)."""
    rolling = measure + ROLLING_SUFFIX
    rows = context.rows(rolling)
    own = rows[rows["area"] == context.force_area]
    if own.empty:
        return []
    end = own["period_end"].max()
    now = rows[rows["period_end"] == end].set_index("area")["value"]
    before = rows[rows["period_end"] == end - pd.DateOffset(years=1)].set_index("area")["value"]
    both = now.index.intersection(before.index)
    if context.force_area not in both:
        return []
    group = [force for force in context.group.forces if force in both]
    changes = {force: percent_change(now[force], before[force]) for force in group}
    group_change = percent_change(now[group].sum(), before[group].sum())
    all_change = percent_change(now[both].sum(), before[both].sum())
    own_change = changes[context.force_area]
    ranked = sorted(group, key=lambda f: changes[f], reverse=True)
    rank = ranked.index(context.force_area) + 1
    all_label = f"{ENGLAND_AND_WALES} ({len(both)} forces)"
    sentence = (f"Against similar forces: {markup.text(_lower_first(label))} in {markup.text(context.force_area)} changed by {signed_percent(own_change)} between {year_ending(end - pd.DateOffset(years=1))} "
                f"and {year_ending(end)}, {_rank(rank, len(group))} of the {len(group)} {markup.text(context.group.name)}; the "
                f"{markup.text(context.group.name)} together changed by {signed_percent(group_change)} and {all_label} by "
                f"{signed_percent(all_change)}. {NO_POPULATION}")
    return [Markdown(sentence)]


def _lower_first(label: str) -> str:
    """``Recorded robbery`` -> ``recorded robbery`` (an acronym such as ``KSI`` is kept)."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _rank(position: int, count: int) -> str:
    if position == 1:
        return "the largest rise" if count > 1 else "the only force"
    suffix = "th" if 10 <= position % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(position % 10, "th")
    return f"{position}{suffix} largest rise"


# --- workforce since 2007 -------------------------------------------------------------------


def workforce_trend(context: _Context) -> list[Markdown | charts.Chart]:
    """Special Constables and officers on each 31 March since 2007, from the open data."""
    area = context.force_area
    specials = context.rows(SPECIALS, area)
    if specials.empty:
        return []
    officers = context.rows(OFFICERS_FTE, area)
    latest, first = specials.iloc[-1], specials.iloc[0]
    text = [f"The {WORKFORCE} count {format_number(latest.value)} Special Constables in {markup.text(area)} on "
            f"{long_date(latest.period_end.date())}, against {format_number(first.value)} on "
            f"{long_date(first.period_end.date())}."]
    year_before = specials[specials["period_end"] == latest.period_end - pd.DateOffset(years=1)]
    if not year_before.empty:
        text[0] = text[0].rstrip(".") + f" and {format_number(year_before.iloc[-1].value)} a year earlier."
    if not officers.empty:
        now, then = officers.iloc[-1], officers.iloc[0]
        text.append(f"Police officers (full-time equivalent) numbered {format_number(now.value, 0)} on "
                    f"{long_date(now.period_end.date())}, against {format_number(then.value, 0)} on "
                    f"{long_date(then.period_end.date())}.")
    stale = older_than_quarter(latest.period_end, context, "yearly count")
    made: list[Markdown | charts.Chart] = [Markdown(" ".join(p for p in (*text, stale) if p))]
    history = discrete_history(specials)
    definition = context.catalogue.get(SPECIALS)
    made.append(control_chart(
        history, f"Special Constables in {area}", definition.better if definition else Better.NEITHER, "people", "date",
        WORKFORCE, "Special Constables (headcount)",
        caption=f"Special Constables on 31 March each year. Source: {WORKFORCE}."))
    return made


# --- road casualties: STATS19 by month ------------------------------------------------------


def road_casualties_sections(context: _Context) -> list[Markdown | charts.Chart]:
    """KSI casualties in the quarter against the same quarter a year earlier, the districts,
    and the months on a control chart; nothing when the force has no STATS19 rows."""
    area, quarter = context.force_area, context.quarter
    monthly = context.rows(KSI, area)
    if monthly.empty:
        return []  # nothing to show: the section is left out
    in_quarter = _in_period(monthly, quarter.start, quarter.end)
    quarter_words = _quarter_words(pd.Timestamp(quarter.start), pd.Timestamp(quarter.end))
    paragraphs = []
    if len(in_quarter) < 3:
        latest = monthly.iloc[-1]
        paragraphs.append(f"The {STATS19} used here do not cover all of {quarter_words}: they run from "
                          f"{month_year(monthly.iloc[0].period_start.date())} to {month_year(latest.period_end.date())}.")
    else:
        same = quarter.same_quarter_last_year
        total = in_quarter["value"].sum()
        killed = _in_period(context.rows(KILLED, area), quarter.start, quarter.end)["value"].sum()
        seriously = _in_period(context.rows(SERIOUSLY_INJURED, area), quarter.start, quarter.end)["value"].sum()
        sentence = (f"{format_number(total)} people were killed or seriously injured on the roads of {markup.text(area)} in "
                    f"{quarter_words} ({format_number(killed)} killed, {format_number(seriously)} seriously injured)")
        before = _in_period(monthly, same.start, same.end)
        if len(before) == 3:
            previous = before["value"].sum()
            test = judgement.compare_counts(total, previous, Better.LOWER, _days(quarter.start, quarter.end),
                                            _days(same.start, same.end))
            sentence += (f", {change_words(total, previous)} in "
                         f"{_quarter_words(pd.Timestamp(same.start), pd.Timestamp(same.end))} "
                         f"({format_number(previous)}); judged by an {test.method}: {test.verdict}")
        paragraphs.append(sentence + ".")
        districts = context.measures[(context.measures["measure"] == KSI) & (context.measures["area"] != area)
                                     & (context.measures["period_start"] >= pd.Timestamp(quarter.start))
                                     & (context.measures["period_end"] <= context.until)]
        by_district = districts.groupby("area")["value"].sum().sort_values(ascending=False)
        if not by_district.empty:
            paragraphs.append(f"Of its {len(by_district)} districts, {markup.text(by_district.index[0])} had the most "
                              f"({format_number(by_district.iloc[0])}) and {markup.text(by_district.index[-1])} the fewest "
                              f"({format_number(by_district.iloc[-1])}).")
    made: list[Markdown | charts.Chart] = [Markdown(" ".join(paragraphs))]
    history = discrete_history(monthly)
    made.append(control_chart(
        history, f"People killed or seriously injured in {area}", Better.LOWER, "count", "month", area,
        "Killed or seriously injured",
        caption=f"Casualties killed or seriously injured in road collisions reported to the police, by month. "
                f"Source: {STATS19}."))
    return made


def _days(start: date, end: date) -> int:
    return (end - start).days + 1


def _in_period(rows: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    return rows[(rows["period_start"] >= pd.Timestamp(start)) & (rows["period_end"] <= pd.Timestamp(end))]


# --- borough crime: the Met by month --------------------------------------------------------


def borough_crime_sections(context: _Context) -> list[Markdown | charts.Chart]:
    """Crime in the quarter against the same quarter a year earlier, by borough, and the
    months on a control chart; nothing when the force has no borough rows."""
    area, quarter = context.force_area, context.quarter
    monthly = context.rows(BOROUGH_TOTAL, area)
    if monthly.empty:
        return []  # nothing to show: the section is left out
    quarter_words = _quarter_words(pd.Timestamp(quarter.start), pd.Timestamp(quarter.end))
    in_quarter = _in_period(monthly, quarter.start, quarter.end)
    made: list[Markdown | charts.Chart] = []
    if len(in_quarter) < 3:
        latest = monthly.iloc[-1]
        made.append(Markdown(
            f"The borough figures from {MET_BOROUGHS} used here do not cover all of {quarter_words}: they run "
            f"from {month_year(monthly.iloc[0].period_start.date())} to {month_year(latest.period_end.date())}."))
    else:
        same = quarter.same_quarter_last_year
        total = in_quarter["value"].sum()
        sentence = (f"{markup.text(context.plan.force)} recorded {format_number(total)} crimes in {quarter_words} "
                    f"({MET_BOROUGHS}, excluding fraud)")
        before = _in_period(monthly, same.start, same.end)
        if len(before) == 3:
            previous = before["value"].sum()
            sentence += (f", {change_words(total, previous)} in "
                         f"{_quarter_words(pd.Timestamp(same.start), pd.Timestamp(same.end))} ({format_number(previous)})")
        boroughs = context.measures[(context.measures["measure"] == BOROUGH_TOTAL) & (context.measures["area"] != area)
                                    & (context.measures["period_start"] >= pd.Timestamp(quarter.start))
                                    & (context.measures["period_end"] <= context.until)]
        by_borough = boroughs.groupby("area", as_index=False)["value"].sum().sort_values("value", ascending=False)
        text = sentence + "."
        if not by_borough.empty:
            most, fewest = by_borough.iloc[0], by_borough.iloc[-1]
            text += (f" Of the {len(by_borough)} boroughs, {markup.text(most.area)} recorded the most ({format_number(most.value)}) "
                     f"and {markup.text(fewest.area)} the fewest ({format_number(fewest.value)}); offences the force records at places "
                     f"that are not boroughs (the airports) count towards the whole of {markup.text(area)} only.")
        made.append(Markdown(text))
        if not by_borough.empty:
            title = (f"Crime recorded by borough, {quarter_words}: most in {most.area} ({format_number(most.value)}), "
                     f"fewest in {fewest.area} ({format_number(fewest.value)})")
            alt_text = f"Bar chart. {title}. " + "; ".join(
                f"{r.area} {format_number(r.value)}" for r in by_borough.itertuples()) + "."
            made.append(charts.by_area_chart(by_borough, title, alt_text, "Offences",
                                             caption=f"Offences in the quarter by borough. Source: {MET_BOROUGHS} "
                                                     "(the copy used states no licence)."))
    definition = context.catalogue.get(BOROUGH_TOTAL)
    made.append(control_chart(
        discrete_history(monthly), f"Crime recorded by {context.plan.force}",
        definition.better if definition else Better.NEITHER, "count",
        "month", area, "Offences in the month",
        caption=f"Offences recorded each month, all classes but historical fraud. Source: {MET_BOROUGHS} "
                "(the copy used states no licence)."))
    return made
