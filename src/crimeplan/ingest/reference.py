"""Reference data for every force, derived from the ONS lookups: which districts (local
authorities) make up each police force area, which LSOAs make up each district, and the
comparison group of forces (the forces of the same ONS region).

:func:`derive` reads the ONS LSOA (2011) -> local authority -> police force lookup and the
ONS LAD16 -> CSP16 -> PFA16 lookup (official district and force names, Welsh districts
included) and :func:`write_derived` writes, small enough to commit:

- ``data/reference/force_districts.csv`` -- ``force, district_code, district, region_code,
  region``: every district of England and Wales with its force and ONS region;
- ``data/reference/lsoa_districts.csv`` -- ``lsoa_first, lsoa_last, district_code``: the
  LSOAs of each district as runs of consecutive LSOA codes (about 600 rows for the
  32,844 English LSOAs; the ONS LSOA lookup holds no Welsh LSOAs, so police.uk records in
  Wales are placed by the district name that starts their LSOA name).

Region names and comparison group names are read from the hand-written
``data/reference/regions.csv`` (``region_code, region, comparison_group``, ONS names).
``crimeplan reference LOOKUPS_DIR`` regenerates both files; :func:`project_reference`
gives a new project its own reference files (used by ``crimeplan init``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from crimeplan.errors import InputError
from crimeplan.ingest.common import (
    canonical_spelling,
    read_reference_table,
    write_atomically,
)

LSOA_LOOKUP = "lsoa11_to_lad_to_police_force.csv"
LAD_LOOKUP = "LAD16_CSP16_PFA16_lookup.csv"
REGIONS_FILE = "regions.csv"
FORCE_DISTRICTS_FILE = "force_districts.csv"
LSOA_DISTRICTS_FILE = "lsoa_districts.csv"
FORCES_FILE = "forces.csv"
AREAS_FILE = "areas.csv"
COMPARISON_GROUPS_FILE = "comparison_groups.yml"
FORCE_DISTRICT_COLUMNS = ["force", "district_code", "district", "region_code", "region"]
LSOA_RANGE_COLUMNS = ["lsoa_first", "lsoa_last", "district_code"]
REGION_COLUMNS = ["region_code", "region", "comparison_group"]
# ONS codes start with the country: E for England, W for Wales. The LSOA lookup gives
# English districts their region; a Welsh district's "region" is Wales itself.
WALES_CODE_PREFIX = "W"
LSOA_CODE = re.compile(r"([A-Z]\d{2})(\d{6})")


@dataclass(frozen=True)
class Derived:
    """Reference tables for all forces, as written to ``data/reference``."""

    force_districts: pd.DataFrame
    lsoa_ranges: pd.DataFrame


def _district_key(name: str) -> str:
    """A district name as compared across ONS files and police.uk LSOA names: lower case,
    without a leading "The", a trailing " UA" or ", City of"/", County of"."""
    key = re.sub(r"\s+", " ", str(name)).strip().lower().replace("&", "and")
    key = re.sub(r"^the ", "", key)
    key = re.sub(r" ua$", "", key)
    return re.sub(r", (city|county|borough) of$", "", key)


def derive(lookups_dir: Path, regions_csv: Path) -> Derived:
    """Every district with its force and region, and every English LSOA's district.

    An LSOA whose local authority code is not in the LAD16 lookup (a few authorities were
    recoded after the LSOA lookup was made) is matched by name. The force
    is the LAD16 lookup's; where the LSOA lookup also names one, they must agree.
    """
    lookups_dir = Path(lookups_dir)
    lads = read_reference_table(lookups_dir / LAD_LOOKUP, ["LAD16CD", "LAD16NM", "PFA16NM"])
    lsoas = read_reference_table(lookups_dir / LSOA_LOOKUP,
                  ["Region code", "Local authority code", "Local authority name", "LSOA Code", "Police_force"])
    regions = read_reference_table(regions_csv, REGION_COLUMNS)
    lads = lads.assign(force=lads["PFA16NM"].map(canonical_spelling))
    by_code = set(lads["LAD16CD"])
    by_name = dict(zip(lads["LAD16NM"].map(_district_key), lads["LAD16CD"]))
    recoded = ~lsoas["Local authority code"].isin(by_code)
    codes = lsoas["Local authority code"].where(
        ~recoded, lsoas["Local authority name"].map(lambda n: by_name.get(_district_key(n), "")))
    if (codes == "").any():
        bad = lsoas[codes == ""].iloc[0]
        raise InputError(f"{lookups_dir / LSOA_LOOKUP}: local authority {bad['Local authority code']} "
                         f"({bad['Local authority name']}) is not in {LAD_LOOKUP}, by code or by name")
    lsoas = lsoas.assign(district_code=codes)
    force_of = dict(zip(lads["LAD16CD"], lads["force"]))
    named = lsoas["Police_force"].str.strip() != ""
    disagree = named & (lsoas["Police_force"].map(canonical_spelling) != lsoas["district_code"].map(force_of))
    if disagree.any():
        bad = lsoas[disagree].iloc[0]
        raise InputError(f"{lookups_dir / LSOA_LOOKUP}: LSOA {bad['LSOA Code']} is assigned to force "
                         f"{bad['Police_force']!r} but its district {bad['district_code']} to "
                         f"{force_of[bad['district_code']]!r}")
    region_of = lsoas.groupby("district_code")["Region code"].agg(lambda r: sorted(set(r)))
    split = region_of[region_of.map(len) > 1]
    if not split.empty:
        raise InputError(f"{lookups_dir / LSOA_LOOKUP}: district {split.index[0]} lies in regions {split.iloc[0]}")
    wales = regions.loc[regions["region_code"].str.startswith(WALES_CODE_PREFIX), "region_code"]
    region_codes = lads["LAD16CD"].map(region_of.map(lambda r: r[0]))
    welsh = lads["LAD16CD"].str.startswith(WALES_CODE_PREFIX)
    if welsh.any() and len(wales) != 1:
        raise InputError(f"{regions_csv}: expected one region code starting {WALES_CODE_PREFIX!r} (Wales)")
    region_codes = region_codes.where(~welsh, wales.iloc[0] if len(wales) else "")
    if region_codes.isna().any():
        raise InputError(f"{lookups_dir / LSOA_LOOKUP}: district {lads['LAD16CD'][region_codes.isna()].iloc[0]} "
                         "has no LSOAs and so no region")
    names = dict(zip(regions["region_code"], regions["region"]))
    unknown = sorted(set(region_codes) - set(names))
    if unknown:
        raise InputError(f"{regions_csv}: no name for region code(s) {', '.join(unknown)}")
    force_districts = pd.DataFrame({
        "force": lads["force"], "district_code": lads["LAD16CD"], "district": lads["LAD16NM"],
        "region_code": region_codes, "region": region_codes.map(names),
    }).sort_values(["force", "district"], kind="stable").reset_index(drop=True)
    return Derived(force_districts, _ranges(lsoas[["LSOA Code", "district_code"]]))


def _ranges(lsoas: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive LSOA codes (in code order) that lie in the same district."""
    lsoas = lsoas.sort_values("LSOA Code").reset_index(drop=True)
    bad = ~lsoas["LSOA Code"].str.fullmatch(LSOA_CODE.pattern)
    if bad.any():
        raise InputError(f"{LSOA_LOOKUP}: {lsoas['LSOA Code'][bad].iloc[0]!r} is not an LSOA code")
    if lsoas["LSOA Code"].duplicated().any():
        raise InputError(f"{LSOA_LOOKUP}: LSOA {lsoas['LSOA Code'][lsoas['LSOA Code'].duplicated()].iloc[0]} "
                         "is listed more than once")
    prefix = lsoas["LSOA Code"].str[:3]
    run = ((lsoas["district_code"] != lsoas["district_code"].shift()) | (prefix != prefix.shift())).cumsum()
    grouped = lsoas.groupby(run)
    return pd.DataFrame({
        "lsoa_first": grouped["LSOA Code"].first(), "lsoa_last": grouped["LSOA Code"].last(),
        "district_code": grouped["district_code"].first(),
    }).reset_index(drop=True)


def write_derived(lookups_dir: Path, reference_dir: Path) -> list[Path]:
    """Derive from the ONS lookups in ``lookups_dir`` and write ``force_districts.csv`` and
    ``lsoa_districts.csv`` into ``reference_dir`` (which holds ``regions.csv``)."""
    reference_dir = Path(reference_dir)
    derived = derive(lookups_dir, reference_dir / REGIONS_FILE)
    files = {reference_dir / FORCE_DISTRICTS_FILE: derived.force_districts,
             reference_dir / LSOA_DISTRICTS_FILE: derived.lsoa_ranges}
    write_atomically(files)
    return list(files)


# --- reading: the districts of one force ------------------------------------------------------


def read_force_districts(reference_dir: Path) -> pd.DataFrame:
    return read_reference_table(Path(reference_dir) / FORCE_DISTRICTS_FILE, FORCE_DISTRICT_COLUMNS)


def read_regions(reference_dir: Path) -> pd.DataFrame:
    return read_reference_table(Path(reference_dir) / REGIONS_FILE, REGION_COLUMNS)


def every_district(reference_dir: Path) -> set[str]:
    """Every force's districts named in ``force_districts.csv`` (none when it is absent)."""
    path = Path(reference_dir) / FORCE_DISTRICTS_FILE
    return set(read_force_districts(reference_dir)["district"]) if path.is_file() else set()


def forces_of(force_districts: pd.DataFrame) -> list[str]:
    return sorted(force_districts["force"].unique())


def districts_of(force_districts: pd.DataFrame, force: str) -> pd.DataFrame:
    """The force's districts, less one that is the whole force area under the same name (a
    force of one district): its figures are the force-wide ones."""
    return force_districts[(force_districts["force"] == force) & (force_districts["district"] != force)]


@dataclass(frozen=True)
class DistrictLookup:
    """Where a police.uk record of one force lies: LSOA code -> district of the force."""

    force: str
    districts: list[str]
    ranges: pd.DataFrame  # lsoa_first, lsoa_last, district (of the force only)

    @classmethod
    def load(cls, reference_dir: Path, force: str) -> DistrictLookup:
        reference_dir = Path(reference_dir)
        districts = read_force_districts(reference_dir)
        if not (districts["force"] == force).any():
            raise InputError(f"{reference_dir / FORCE_DISTRICTS_FILE}: no districts for force {force!r}")
        own = districts_of(districts, force)
        ranges = read_reference_table(reference_dir / LSOA_DISTRICTS_FILE, LSOA_RANGE_COLUMNS)
        names = dict(zip(own["district_code"], own["district"]))
        ranges = ranges[ranges["district_code"].isin(names)]
        ranges = ranges.assign(district=ranges["district_code"].map(names))
        return cls(force, sorted(own["district"]), ranges.reset_index(drop=True))

    def districts_of(self, lsoa_codes: pd.Series, lsoa_names: pd.Series | None = None) -> pd.Series:
        """The district of each record (NaN where it lies in none of the force's districts)."""
        pairs = pd.DataFrame({"code": lsoa_codes.str.strip(),
                              "name": "" if lsoa_names is None else lsoa_names.str.strip()})
        found = {(code, name): self._district(code, name)
                 for code, name in pairs.drop_duplicates().itertuples(index=False)}
        return pd.Series([found[pair] for pair in zip(pairs["code"], pairs["name"])],
                         index=lsoa_codes.index, dtype=object)

    def _district(self, code: str, name: str) -> str | float:
        match = LSOA_CODE.fullmatch(code)
        if match:
            prefix, number = match.groups()
            same = self._by_prefix.get(prefix)
            if same is not None:
                firsts, lasts, districts = same
                at = int(np.searchsorted(firsts, int(number), side="right")) - 1
                if at >= 0 and int(number) <= lasts[at]:
                    return districts[at]
        if code and name:  # not in the ranges: police.uk names an LSOA "<district> 001A"
            by_name = self._by_name.get(_district_key(re.sub(r"\s+\d{3}[A-Z]$", "", name)))
            if by_name is not None:
                return by_name
        return np.nan

    @property
    def _by_prefix(self) -> dict[str, tuple[np.ndarray, np.ndarray, list[str]]]:
        cached = self.__dict__.get("_prefix_cache")
        if cached is None:
            cached = {}
            frame = self.ranges.assign(prefix=self.ranges["lsoa_first"].str[:3],
                                       first=self.ranges["lsoa_first"].str[3:].astype(int),
                                       last=self.ranges["lsoa_last"].str[3:].astype(int)).sort_values("first")
            for prefix, group in frame.groupby("prefix"):
                cached[prefix] = (group["first"].to_numpy(), group["last"].to_numpy(), list(group["district"]))
            object.__setattr__(self, "_prefix_cache", cached)
        return cached

    @property
    def _by_name(self) -> dict[str, str]:
        return {_district_key(d): d for d in self.districts}


# --- a project's reference files -------------------------------------------------------------


def comparison_group(force_districts: pd.DataFrame, regions: pd.DataFrame, force: str) -> tuple[str, list[str]]:
    """The forces of ``force``'s ONS region (Wales for the Welsh forces), and the group's name
    from ``regions.csv``."""
    own = force_districts[force_districts["force"] == force]
    if own.empty:
        raise InputError(f"no districts for force {force!r}")
    region_code = own["region_code"].mode().iloc[0]
    forces = sorted(force_districts.loc[force_districts["region_code"] == region_code, "force"].unique())
    name = regions.loc[regions["region_code"] == region_code, "comparison_group"]
    return (name.iloc[0] if len(name) else f"{own['region'].iloc[0]} forces"), forces


def forces_table(force_districts: pd.DataFrame, force: str) -> pd.DataFrame:
    """``forces.csv`` of a project: every force, then the project force's districts."""
    forces = pd.DataFrame({"area": forces_of(force_districts), "type": "force", "parent": ""})
    districts = sorted(districts_of(force_districts, force)["district"])
    return pd.concat([forces, pd.DataFrame({"area": districts, "type": "district", "parent": force})],
                     ignore_index=True)


def project_reference(source_dir: Path, force: str) -> dict[str, str]:
    """The text of each reference file a new project of ``force`` starts with, from the
    all-forces reference data in ``source_dir``: its areas (the force; local policing areas
    are the analyst's to add), every force and its own districts, its districts' LSOAs,
    the regions and its comparison group."""
    source_dir = Path(source_dir)
    districts = read_force_districts(source_dir)
    regions = read_regions(source_dir)
    ranges = read_reference_table(source_dir / LSOA_DISTRICTS_FILE, LSOA_RANGE_COLUMNS)
    own_codes = set(districts.loc[districts["force"] == force, "district_code"])
    group_name, group = comparison_group(districts, regions, force)

    def csv(frame: pd.DataFrame) -> str:
        return frame.to_csv(index=False, lineterminator="\n")

    groups = (
        "# Groups of police forces the update compares its force with. Membership is a matter of\n"
        "# fact (an official grouping), not a choice of flattering peers; each name must be a force\n"
        "# in data/reference/forces.csv. The update uses the first group that includes its force.\n"
        f"# {group_name}: the territorial police forces of the force's ONS region\n"
        "# (derived by crimeplan init from data/reference/force_districts.csv).\n"
        + yaml.safe_dump({"groups": [{"name": group_name, "forces": group}]}, sort_keys=False,
                         allow_unicode=True)
    )
    return {
        AREAS_FILE: csv(pd.DataFrame({"area": [force], "type": ["force"], "parent": [""]})),
        FORCES_FILE: csv(forces_table(districts, force)),
        FORCE_DISTRICTS_FILE: csv(districts),
        LSOA_DISTRICTS_FILE: csv(ranges[ranges["district_code"].isin(own_codes)]),
        REGIONS_FILE: csv(regions),
        COMPARISON_GROUPS_FILE: groups,
    }
