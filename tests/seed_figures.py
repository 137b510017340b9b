"""Every figure of the seed update (Essex Police, 2019/20 Q2) that a render of 2019-20-Q2
must show, in the seed's own formatting (48,810 / 84.7% / £5.7m / 218%); where our
formatting differs on purpose (the seed's "5.7% points" is written "5.7 percentage points"),
``where`` quotes the seed.

``SEED_FIGURES`` holds one ``(text, where)`` pair per occurrence in the seed, in the seed's
order. ``text`` is what to look for in the rendered text. Where the seed writes a number as
a word and our output gives it from data as digits ("Eight of these" -> ``8``), ``text`` is
the digits and ``where`` quotes the seed's word. Use :func:`figure_pattern` to search, so
that ``13`` is not found inside ``2013`` or ``1,300``.

Not listed (``NOT_FIGURES``): dates and years, the document's own metadata, and names
that contain digits; they are not quantities the update reports.
"""

from __future__ import annotations

import re

SEED_FIGURES: list[tuple[str, str]] = [
    # Priority 1 - growing the police family
    ("515", "Special Constable headcount, September 2019"),
    ("464", "Special Constable headcount, September 2018"),
    ("51", "51 additional officers"),
    ("210", "applications to the Special Constabulary in the quarter"),
    ("12%", "of applications BAME"),
    ("30%", "of applications female"),
    ("69", "candidates in pre-employment checks"),
    ("48,810", "Special Constable hours in the quarter"),
    ("19%", "increase in Special Constable hours"),
    ("36,301", "operational hours"),
    ("24%", "increase in operational hours"),
    ("19,871", "high visibility hours"),
    ("15%", "increase in high visibility hours"),
    ("110", "equivalent full time officers"),
    ("£5.7m", "annual salary cost of the equivalent officers"),
    ("93", "joined as Special Constables in six months"),
    ("88", "left in six months"),
    ("45", "applied to become Regular Constables"),
    ("132", "new Specials intending to apply to be Regulars"),
    ("44%", "share of new Specials intending to apply"),
    ("600", "target headcount of 600 Specials by March 2020"),
    ("384", "Volunteer Police Cadets"),
    ("13", "Cadet Units"),
    ("400", "cadet numbers to grow to over 400"),
    ("135", "Active Citizens / Police Support Volunteers"),
    ("two", "two different volunteer roles"),
    ("4-6", "4-6 hours a week"),
    ("24", "companies registered for Employer Supported Policing"),
    ("77", "Special Constables through Employer Supported Policing"),
    ("1,279", "hours through Employer Supported Policing"),
    ("40%", "increase in Employer Supported Policing hours"),
    ("48", "Parish/Town Councils signed up to Community Special Constables"),
    ("121", "Community Special Constable posts funded"),
    ("9", "'Nine' CSCs actively patrolling"),
    ("15", "15 active CSCs by March 2020"),
    ("382", "CSC hours in the quarter"),
    ("218%", "rise in CSC hours"),
    ("120", "CSC hours in the same period last year"),
    ("17", "councils at the recruitment masterclass"),
    ("22", "Special Constables in the Castle Point and Rochford team"),
    ("6", "'six' councils in the Castle Point and Rochford scheme"),
    ("2", "'Two' CSC officers in post in Castle Point and Rochford"),
    ("two", "two more CSCs in recruitment in Castle Point and Rochford"),
    # Priority 1 - participation
    ("105,000", "Neighbourhood Watch members"),
    ("3,000", "Neighbourhood Watch coordinators"),
    ("135", "Active Citizens (repeated)"),
    ("two", "two different volunteer roles (repeated)"),
    ("4-6", "4-6 hours a week (repeated)"),
    ("Three", "Three new Volunteer Police Cadet units"),
    ("38", "cadets in Castle Point and Rochford"),
    ("13 to 17", "cadet ages"),
    # Priority 1 - contact
    ("1,000", "in excess of 1,000 '999' calls a day"),
    ("1,030", "average '999' calls per day"),
    ("84.7%", "'101' grade of service, August 2019"),
    ("5.7 percentage points", "improvement on August 2018 (the seed writes '5.7% points')"),
    ("9%", "rise in '101' calls to the Crime Bureau on last year"),
    ("2,424", "additional calls on last year"),
    ("8%", "rise in calls on the previous quarter"),
    ("2,201", "additional calls on the previous quarter"),
    ("5%", "rise from April-June 2018 to July-September 2018"),
    ("11%", "Crime Bureau grade of service improvement, August"),
    ("18 minutes", "average wait in 2018"),
    ("11 minutes", "average wait in 2019"),
    ("7%", "increase in crime investigations processed, August"),
    ("1,100", "additional investigations"),
    ("588", "record crimes processed, July 2019"),
    ("72%", "of referred crimes resolved by the Resolution Centre"),
    ("182", "crimes needing action by officers"),
    ("645", "crimes referred to the Resolution Centre"),
    ("95%", "victims grading the service nine or ten"),
    ("nine or ten out of ten", "satisfaction scale"),
    # Priority 2
    ("14.5%", "reduction in ASB in Southend"),
    ("1,005", "fewer ASB incidents in Southend"),
    ("31", "Community Protection Warnings in Castle Point and Rochford"),
    ("4", "'four' Community Protection Notices"),
    ("1", "'one' Criminal Behaviour Order"),
    ("33.5%", "reduction in ASB in Basildon Town Centre"),
    # Priority 4 - violent offenders
    ("7", "'Seven' warrants executed (Operation ZEAL)"),
    ("25", "arrest packs attempted"),
    ("13", "Failure to Appear warrants executed"),
    ("13", "people arrested on the day of action"),
    ("10", "'Ten' people arrested (Operation CEDAR)"),
    ("9", "'nine' found guilty"),
    ("9.7%", "rise in solved violence against the person outcomes, Southend"),
    ("98", "additional offences solved"),
    ("five", "five instances of knife crime on Canvey Island"),
    ("48", "48 hour Section 60 authorisation"),
    ("132", "stop and searches in Castle Point and Rochford"),
    ("4", "'four' arrests for drug offences"),
    ("200", "more than 200 people searched in Harlow"),
    # Priority 4 - sexual violence
    ("6,000", "new students at the University of Essex"),
    ("24 hours", "ISVA contact within 24 hours"),
    ("5", "'five' crime calls to the CSE hotline"),
    ("12", "non-crime calls to the CSE hotline"),
    ("1%", "of withdrawals due to police delays"),
    ("60", "constables joining Public Protection"),
    # Priority 5
    ("2", "Detective Sergeants in the MSHT team"),
    ("3", "Detective Constables in the MSHT team"),
    ("2", "Investigating Officers in the MSHT team"),
    ("3", "additional Detective Constables"),
    ("two", "'Two' suspects arrested (Operation SPICE)"),
    ("two", "two persons arrested (Operation ZIP)"),
    ("£30,000", "cash seized (Operation ZIP)"),
    ("£3,500", "further cash seized (Operation ZIP)"),
    ("500", "grams of white powder (Operation KEYHOLE)"),
    ("£15,000", "cash (Operation KEYHOLE)"),
    ("23", "arrests by Operation RAPTOR, Basildon"),
    ("£44,000", "value of drugs seized by Operation RAPTOR"),
    ("£5,500", "cash seized by Operation RAPTOR"),
    ("44", "years of prison sentences"),
    # Priority 6
    ("80", "new Registered Sex Offenders"),
    ("two months", "'last 2 months' for the new Registered Sex Offenders"),
    ("1,500", "passengers spoken to (Operation LIMELIGHT)"),
    ("15%", "hate crime solved rate in Southend"),
    ("24", "24 hour security in the Canvey Island community centre"),
    ("4", "'four' Hate Incident Reporting Centres in Castle Point and Rochford"),
    # Priority 7
    ("204", "KSI casualties, July to September 2019"),
    ("199", "KSI casualties, July to September 2018"),
    ("8", "'Eight' fatalities, 2019"),
    ("14", "fatalities, 2018"),
    ("366", "drink drivers arrested, 2019"),
    ("414", "drug drivers arrested, 2019"),
    ("331", "drink drivers arrested, 2018"),
    ("224", "drug drivers arrested, 2018"),
    ("29", "static road checks"),
    ("130", "over 130 road checks planned"),
    ("121", "road safety deployments"),
    ("6,519", "vehicles stopped"),
    ("201", "arrests on deployments"),
    ("175", "vehicles seized"),
    ("14,112", "road safety educational courses"),
    ("1", "fully operational for 1 month"),
    ("12", "volunteer deployments"),
    ("43", "speeding vehicles detected"),
]

NOT_FIGURES: dict[str, str] = {
    "2016-2020, 2019/20, 2018 to 2021": "plan and financial-year names",
    "Version 2, Quarter 2, page ranges 3-7 ... 18": "document metadata",
    "5th October, 26th September 2019, 18th October 2019, 19th September 2019, "
    "12th to 19th October 2019, months and years": "dates",
    "'999', '101', C17, Dot.com": "names of services and groups",
}


def figure_pattern(text: str) -> re.Pattern[str]:
    """Find ``text`` as a whole figure: not inside a longer number, not followed by ``%``
    unless it ends with one, and words only as whole words."""
    escaped = re.escape(text)
    if text[0].isalpha():
        return re.compile(rf"\b{escaped}\b", re.IGNORECASE)
    after = r"(?![\d%]|[.,]\d)" if text[-1].isdigit() else r"(?!\d)"
    return re.compile(rf"(?<![\d.,£]){escaped}{after}")


def missing_figures(text: str) -> list[str]:
    """The seed figures (unique) that do not occur in ``text``."""
    unique = dict.fromkeys(figure for figure, _ in SEED_FIGURES)
    return [figure for figure in unique if not figure_pattern(figure).search(text)]
