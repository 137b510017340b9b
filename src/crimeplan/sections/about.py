""""About these statistics", the back matter of the update: the status of the statistics,
the sources of the figures shown (publisher, editions used, licence), each measure shown
with its definition and unit, notes on quality and method (how figures are recorded,
derived, qualified and rounded), the judgement methods this edition used
(:func:`crimeplan.stats.judgement.method_notes`), the revisions policy and this edition's
revisions, when the next update is due and whom to contact. Everything comes from
``data/sources.yml``, the catalogue, the measures rows and the params.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from crimeplan.findings.edition import Edition, notebook_edition
from crimeplan.formatting import long_date, month_year
from crimeplan.inputs.measures import Kind, Unit
from crimeplan.markup import link, raw_block, text
from crimeplan.sections import public_data
from crimeplan.sections.priority import ALSO_REPORTED, compared
from crimeplan.sections.summary import Summary
from crimeplan.stats import judgement as judging
from crimeplan.stats.compare import Comparison, Observation
from crimeplan.text.narrative import HOW_TO_READ_JUDGEMENTS, observed_period, observed_value, subject
from crimeplan.text.provenance import PERIOD_ASSUMED, legend
from crimeplan.text.wording import counted, listed

# A definition's unit and kind, left out for the usual ones (a number, a total over the period).
UNIT_WORDS = {"people": "people", "count": "", "hours": "hours", "minutes": "minutes", "percent": "percentage",
              "gbp": "pounds (£)"}
KIND_WORDS = {"snapshot": "on one day", "total": "", "rate": "average or rate over the period"}
BETTER_WORDS = {"higher": "higher is better", "lower": "lower is better", "neither": "neither direction is better"}
# What the status of the force's own figures (params ``statistics_status``) means, after
# "<force>'s own figures in this update are ...".
STATUS_WORDS = {
    "management_information": (
        "management information: figures the force keeps to run its services and to report on the plan. They are "
        "not official statistics and have not been produced or assessed under the Code of Practice for Statistics; "
        "they may change as the force's records are updated (see Revisions)."),
    "official_statistics_in_development": (
        "official statistics in development: official statistics, produced under the Code of Practice for "
        "Statistics, whose methods are still being developed and tested with their users."),
    "official_statistics": "official statistics, produced under the Code of Practice for Statistics.",
    "accredited_official_statistics": (
        "accredited official statistics: the Office for Statistics Regulation has found that they meet the "
        "standards of trustworthiness, quality and value of the Code of Practice for Statistics."),
}
ROUNDED_AT_SOURCE = re.compile(r"\bround", re.IGNORECASE)  # a measures note saying the source rounded the figure


@dataclass
class About:
    edition: Edition

    @classmethod
    def load(cls, quarter: str, project_dir: str | Path, edition_file: str | Path = "") -> About:
        """"About these statistics", from the notebook's parameters
        (:func:`~crimeplan.findings.edition.notebook_edition`)."""
        return cls(notebook_edition(quarter, project_dir, edition_file))

    @property
    def quarter(self):
        """The quarter the update is for."""
        return self.edition.quarter

    @cached_property
    def _comparisons(self) -> list[Comparison]:
        """Every priority's comparisons with a figure this quarter (the summary's), worked out once."""
        return Summary.of(self.edition).all_comparisons

    @cached_property
    def _public_measures(self) -> set[str]:
        """The measures the public-data sections shown draw on."""
        edition = self.edition
        return public_data.measures_shown(edition.quarter, edition.measures, edition.catalogue, edition.plan,
                                          edition.comparison_group)

    @cached_property
    def measures_shown(self) -> list[str]:
        """Measures with a figure in this update, in catalogue order: those compared in the
        priority sections, and those the public-data sections shown draw on."""
        compared_here = {c.measure for c in self._comparisons}
        return [m for m in self.edition.catalogue if m in compared_here | self._public_measures]

    @cached_property
    def measures_defined(self) -> list[str]:
        """The measures both documents define: those of the performance tables and of the
        public-data sections. The others shown (each "also reported" with its figure) are
        defined in the HTML only, which has room for a glossary of every figure."""
        tabled = {c.measure for c in self._comparisons if compared(c)}
        return [m for m in self.measures_shown if m in tabled | self._public_measures]

    def _rows_used(self, source: str) -> pd.DataFrame:
        measures = [m for m in self.measures_shown if self.edition.catalogue[m].source == source]
        rows = self.edition.measures
        return rows[rows["measure"].isin(measures) & (rows["period_end"] <= self.quarter.end)]

    def heading(self) -> Markdown:
        """The section's heading and what it holds."""
        return Markdown("# About these statistics\n\n"
                        + text(f"How the figures in this update for {self.quarter.label} were sourced, defined and "
                               "judged."))

    def sources(self) -> Markdown:
        """Each source of the figures shown: publisher, title, editions, licence."""
        blocks = ["## Sources of the figures"]
        used = dict.fromkeys(self.edition.catalogue[m].source for m in self.measures_shown)
        for name in used:
            source = self.edition.sources[name]
            rows = self._rows_used(name)
            editions = sorted({str(s).strip() for s in rows["source"] if str(s).strip()})
            # One paragraph per source, its parts labelled: a reference list, not a page of bullets.
            title, publisher, licence = (part.rstrip(".") for part in (source.title, source.publisher, source.licence))
            parts = [f"**{text(title)}.**", f"Publisher: {text(publisher)}."]
            if editions:
                parts.append(f"Edition or extract used: {text(compact_editions(editions))}.")
            if not rows.empty:
                parts.append(f"Periods used: {month_year(rows['period_start'].min())} to "
                             f"{month_year(rows['period_end'].max())}.")
            parts.append(f"Licence: {link(licence, source.licence_url) if source.licence_url else text(licence)}.")
            if source.url:
                parts.append(f"Published at: {link(source.url, source.url)}.")
            blocks.append(" ".join(parts))
        blocks.append("Figures from public sources are counted from the publishers' files as published, "
                      "without adjustment.")
        return Markdown("\n\n".join(blocks))

    def definitions(self) -> Markdown:
        """Each measure of the performance tables and public-data sections, with its unit and
        definition, by priority; in the HTML only, the other measures shown too."""
        force = self.edition.plan.force
        blocks = ["## Measures and their definitions",
                  text(f"Each measure of the performance tables and public-data sections, by priority: what it "
                       "counts, and which direction the plan wants. Each is a number counted over the period unless "
                       f"its unit, or \"on one day\", says otherwise. The source is {force} unless another is "
                       "named.")]
        others = []
        for priority in self.edition.plan.priorities:
            title = priority.name
            measures = [m for m in self.measures_shown if self.edition.catalogue[m].priority == priority.number]
            if not measures:
                blocks.append(f"**{text(title + '.')}** " + text(f"No measures have figures in {self.quarter.label}."))
                continue
            defined = [self._definition(m) for m in measures if m in self.measures_defined]
            if defined:
                blocks.append(f"**{text(title)}**\n\n"
                              + "\n".join(f"- **{text(label)}** {text(rest)}" for label, rest in defined))
            if undefined := [self._definition(m) for m in measures if m not in self.measures_defined]:
                others.append((title, undefined))
        if others:
            count = sum(len(items) for _, items in others)
            disclosure = f"Definitions of the other {count} measures"
            blocks.append(text(f"The definitions of the other {count} measures shown, each listed with its figure "
                               f"under “{ALSO_REPORTED}”, are in the HTML version of this update, under "
                               f"“{disclosure}”."))
            blocks.append(_html_only_definitions(disclosure, others))
        return Markdown("\n\n".join(blocks))

    def _definition(self, measure: str) -> tuple[str, str]:
        """A measure's label, and in brackets its unit and kind (unless a number over the
        period) and better direction, followed by its definition (and its publisher, when not
        the force)."""
        entry = self.edition.catalogue[measure]
        kind = KIND_WORDS[entry.kind]
        if entry.unit == Unit.PERCENT:
            kind = kind.replace("average or rate", "share")
        publisher = self.edition.sources[entry.source].publisher
        source = f" Source: {publisher}." if publisher != self.edition.plan.force else ""
        about = ", ".join(filter(None, (UNIT_WORDS[entry.unit], kind)))
        return entry.label, (f"({about + '; ' if about else ''}{BETTER_WORDS[entry.better]}). "
                             f"{entry.definition}{source}")

    def figures_shown(self) -> Iterator[tuple[Comparison, Observation]]:
        """Every figure of the comparisons shown (this period, a year earlier, the previous
        quarter), each once, with its comparison."""
        for c in self._comparisons:
            changes = (c.previous_year, c.previous_quarter)
            figures = [c.current, *(change.reference for change in changes if change is not None)]
            for figure in dict.fromkeys(f for f in figures if f is not None):
                yield c, figure

    def _figure_item(self, c: Comparison, figure: Observation, note: str = "") -> str:
        """A list item naming a figure: what, where and when, the figure, and ``note``."""
        note = note.strip().rstrip(".")
        return "- " + text(f"{subject(self.edition.catalogue[c.measure], c)}, {observed_period(figure)}: "
                           f"{observed_value(figure, c.unit)}." + (f" {note[0].upper()}{note[1:]}." if note else ""))

    def status(self) -> Markdown:
        """The status of the statistics: the force's own figures (params ``statistics_status``)
        and those taken from other publishers."""
        plan = self.edition.plan
        statement = text(f"{plan.force}'s own figures in this update are {STATUS_WORDS[plan.statistics_status]}")
        publishers = {self.edition.sources[self.edition.catalogue[m].source].publisher for m in self.measures_shown}
        if publishers - {plan.force}:
            statement += " " + text("Figures taken from other publishers' statistics (see Sources of the figures) "
                                    "keep the status their publishers give them.")
        return Markdown(f"## Status of these statistics\n\n{statement}")

    def quality(self) -> Markdown:
        """Quality and method: how the figures shown are recorded, which the source gave only
        as a bound or roughly, and how they are rounded; from the catalogue and the measures'
        notes and qualifier columns. (Derived figures and assumed periods: :meth:`provenance`.)"""
        catalogue = self.edition.catalogue
        kinds = [catalogue[m].kind for m in self.measures_shown]
        kind_counts = [f"{kinds.count(kind)} {one if kinds.count(kind) == 1 else many}" for kind, one, many in (
            (Kind.SNAPSHOT, "level on one day", "levels on one day (such as a headcount)"),
            (Kind.TOTAL, "total over a period", "totals over a period"),
            (Kind.RATE, "average, rate or share over a period", "averages, rates or shares over a period"))
            if kind in kinds]
        figures = list(self.figures_shown())
        recording = (f"Each figure is held with its measure, area, period, source and edition, and any note from the "
                     f"source. The {len(kinds)} measures shown are {listed(kind_counts)} (see Measures and their "
                     f"definitions). A figure is for the whole of {self.edition.plan.force_area} unless an area is "
                     "named; figures not published as shown are listed under Figures not published as such.")
        blocks = ["## Quality and methodology", f"**Recording.** {text(recording)}"]

        qualified = [self._figure_item(c, f) for c, f in figures if not f.exact]
        if qualified:
            blocks.append("**Figures given only as a bound or roughly.** " + text(
                "The source gave these with words such as \"more than\" or \"about\", which the update keeps; "
                "they are not tested for chance variation:")
                + "\n\n" + "\n".join(qualified))
        else:
            blocks.append("**Figures given only as a bound or roughly.** "
                          + text("None: every figure is given as an exact figure."))

        rounded = [self._figure_item(c, f, f.note) for c, f in figures
                   if f.published and ROUNDED_AT_SOURCE.search(f.note)]
        rounding = text("Figures are shown as held, to at most two decimal places, with commas between thousands. "
                        "Percentage changes are rounded half away from zero, to whole percentages unless the source "
                        "publishes more decimals, so a change worked out from the rounded figures shown can differ "
                        "slightly from the one printed.")
        if rounded:
            rounding += " " + text("The source published these figures already rounded:") + "\n\n" + "\n".join(rounded)
        blocks.append(f"**Rounding.** {rounding}")
        return Markdown("\n\n".join(blocks))

    def provenance(self) -> Markdown:
        """Every figure shown that is not published as such, or whose period is assumed, and
        how it was worked out (its note in the measures file)."""
        items, statuses = [], []
        for c, figure in self.figures_shown():
            if figure.published and not figure.period_assumed:
                continue
            if not figure.published:
                statuses.append(figure.status)
            items.append(self._figure_item(c, figure, figure.note.removeprefix(f"{figure.status}:")))
        heading = "## Figures not published as such"
        if not items:
            return Markdown(f"{heading}\n\nEvery figure in this update is published as shown, for the period shown.")
        made = [f"{statuses.count(status)} {status}" for status in ("derived", "estimated", "provisional")
                if status in statuses]
        assumed = len(items) - len(statuses)
        reasons = listed(made + ([f"{assumed} published without a period (shown as \"{PERIOD_ASSUMED}\")"]
                                 if assumed else []))
        intro = text(f"{counted(len(items), 'figure')} shown {'is' if len(items) == 1 else 'are'} not published as "
                     f"shown: {reasons}. Each is listed below with how it was worked out.")
        key = legend(set(statuses))
        return Markdown("\n\n".join(filter(None, [heading, intro, key, "\n".join(items)])))

    def method_notes(self) -> list[tuple[str, str]]:
        """The paragraphs on the methods this edition used (:func:`crimeplan.stats.judgement.method_notes`)."""
        comparisons = self._comparisons
        judged = [(subject(self.edition.catalogue[c.measure], c), c.previous_year.judgement)
                  for c in comparisons if c.previous_year is not None]
        return judging.method_notes(judged, targets=any(c.target is not None for c in comparisons))

    def method(self) -> Markdown:
        """How changes are judged: the stated methods, in words."""
        blocks = [
            "## How changes are judged",
            "Each figure is compared with the same period a year earlier (and, where the data have it, the "
            "previous quarter), and each change is judged by one of the methods below, in the same words "
            f"throughout. **Reading the tables.** {text(HOW_TO_READ_JUDGEMENTS)}",
        ]
        blocks += [f"**{title}.** {text}" for title, text in self.method_notes()]
        return Markdown("\n\n".join(blocks))

    def downloads(self) -> Markdown:
        """What the CSV downloads hold."""
        return Markdown(
            "## Data downloads\n\n"
            "The HTML version offers the scorecard and each performance table as a CSV file: the figures "
            "unrounded, with their status, qualifier and whether the period is assumed; each judgement with its "
            "method and, where tested, its p-value (also adjusted for the number of tests), 95% confidence interval "
            "(ci_lower, ci_upper, on the scale in ci_scale) and dispersion. Changes of a percentage are in "
            "percentage points; a cell a spreadsheet could read as a formula starts with an apostrophe.")

    def revisions(self) -> Markdown:
        """The revisions policy (plan ``revisions_policy``) and what changed in this version of the update."""
        params = self.edition.params
        lines = [text(self.edition.plan.revisions_policy),
                 text(f"This is version {params.version} of the update for {self.quarter.label}, produced "
                      f"{params.produced}.")]
        if params.revisions:
            lines.append("\n".join(f"- {text(f'Version {r.version}: {r.change}')}" for r in
                                   sorted(params.revisions, key=lambda r: r.version)))
        elif params.version == 1:
            lines.append("Revisions: none; this is the first version.")
        else:
            lines.append("Revisions: none recorded.")
        return Markdown("## Revisions\n\n" + "\n\n".join(lines))

    def next_release(self) -> Markdown:
        """When the next update is due (params ``next_release``), or that it is not announced."""
        params, following = self.edition.params, self.quarter.shifted(1)
        day = params.next_release_day
        if day is None:
            sentence = f"The date of the next update, for {following.label}, has not been announced."
        else:
            when = f"on {long_date(day)}" if params.next_release_names_day else f"in {month_year(day)}"
            sentence = f"The next update, for {following.label}, is due {when}."
        return Markdown(f"## Next update\n\n{text(sentence)}")

    def contact(self) -> Markdown:
        """Who answers questions about these statistics, and how to reach them."""
        contact = self.edition.plan.contact
        markdown = text(f"{contact.team}. {contact.how}")
        if contact.email:
            markdown += f" {text('E-mail:')} {link(contact.email, 'mailto:' + contact.email)}{text('.')}"
        return Markdown(f"## Contact\n\n{markdown}")

    def sections(self) -> list[Markdown]:
        """Every part of the section, in the order the update shows them."""
        return [self.heading(), self.status(), self.sources(), self.definitions(), self.quality(),
                self.provenance(), self.method(), self.downloads(), self.revisions(), self.next_release(),
                self.contact()]


def _html_only_definitions(summary: str, groups: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """A raw HTML block (which the PDF leaves out): a disclosure, ``summary``, over each group's
    title and its list of (label, definition) pairs."""
    parts = [f"<details class=\"crimeplan-definitions\"><summary>{html.escape(summary, quote=False)}</summary>"]
    for title, items in groups:
        parts.append(f"<p><strong>{html.escape(title, quote=False)}</strong></p><ul>")
        parts += [f"<li><strong>{html.escape(label, quote=False)}</strong> {html.escape(rest, quote=False)}</li>" for label, rest in items]
        parts.append("</ul>")
    parts.append("</details>")
    return raw_block("html", "\n".join(parts))


def compact_editions(editions: list[str]) -> str:
    """The editions used, those that differ in one word only said once: "Home Office police
    workforce tables, 30 September release (2015, 2016 and 2017)"; others joined by semicolons."""
    words = [edition.split(" ") for edition in editions]
    if len(editions) > 2 and len({len(w) for w in words}) == 1:
        differing = [i for i in range(len(words[0])) if len({w[i] for w in words}) > 1]
        if len(differing) == 1:
            (i,) = differing
            return f"{' '.join(words[0][:i] + words[0][i + 1:])} ({listed([w[i] for w in words])})"
    return "; ".join(editions)
