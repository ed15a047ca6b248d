"""The plan and its parts: territories, reps, account overrides and settings.

Everything here is immutable; an edit returns a new object.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

import yaml

from territory.errors import PlanFileError
from territory.regions import is_region_id, normalize_region_id
from territory.textfiles import read_text, read_yaml

__all__ = [
    "TIERS",
    "ACCOUNT_STATUSES",
    "Territory",
    "Rep",
    "Account",
    "Override",
    "Scoring",
    "Settings",
    "Plan",
    "normalize_tier",
    "load_plan",
    "plan_from_dict",
]

TIERS = ("enterprise", "mid-market", "smb")
ACCOUNT_STATUSES = ("customer", "prospect")
_TIER_SYNONYMS = {
    "enterprise": "enterprise",
    "ent": "enterprise",
    "large": "enterprise",
    "mid-market": "mid-market",
    "midmarket": "mid-market",
    "mid market": "mid-market",
    "mid_market": "mid-market",
    "mm": "mid-market",
    "commercial": "mid-market",
    "smb": "smb",
    "small business": "smb",
    "small-business": "smb",
    "small": "smb",
    "sb": "smb",
}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Territory colours: for a territory given none (by its place in the file) and for a new one (the first free,
# territory.edits.next_color). No reds: the map paints coverage gaps red (geo.coverage.GAP_COLOR, #d7191c), and a
# territory must never look like one.
# (no pink: a territory in #e377c2 read as a coverage gap's light red on the map, a review)
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#e7ba52", "#9467bd", "#8c564b", "#00876c", "#17becf", "#bcbd22",
    "#393b79", "#637939", "#8c6d31", "#5254a3", "#7b4173", "#3182bd", "#6baed6", "#31a354", "#756bb1",
)  # fmt: skip


def normalize_tier(value: object) -> str | None:
    """Return ``enterprise``, ``mid-market`` or ``smb`` for the usual ways of writing them, else None.

    Examples
    --------
    >>> normalize_tier("Mid Market")
    'mid-market'
    >>> normalize_tier("SMB")
    'smb'
    """
    if value is None or isinstance(value, (list, tuple, dict, set)):  # (no tier; str() of one could be huge)
        return None
    return _TIER_SYNONYMS.get(str(value).strip().lower())


def normalize_specialties(values) -> tuple[str, ...]:
    """A rep's specialties as accounts are matched: industries lower-cased, tiers as :func:`normalize_tier` writes them.

    A tier written as the accounts files may write it ("Mid Market", "MM") matched no account, whose tiers are
    normalised (a review); each specialty once, in the order given.

    Examples
    --------
    >>> normalize_specialties(["Fintech", "Mid Market", "MM", " small business "])
    ('fintech', 'mid-market', 'smb')
    """
    said = (normalize_tier(v) or str(v).strip().lower() for v in values)
    return tuple(dict.fromkeys(v for v in said if v))


def _as_tuples(item: object, *names: str, pairs: tuple[str, ...] = ()) -> None:
    """Make the sequence fields ``names`` (and the pair lists ``pairs``) of a frozen dataclass tuples.

    A plan built in code with lists (``Rep(territory_ids=["E"])``) then compares and hashes as one read from a file.
    """
    for name in names:
        value = getattr(item, name)
        if not isinstance(value, tuple) and value is not None and not isinstance(value, str):
            object.__setattr__(item, name, tuple(value))
    for name in pairs:
        value = getattr(item, name)
        if isinstance(value, Mapping):
            object.__setattr__(item, name, tuple(value.items()))
        elif not isinstance(value, tuple) or any(not isinstance(pair, tuple) for pair in value):
            object.__setattr__(item, name, tuple(tuple(pair) for pair in value))


@dataclass(frozen=True)
class Territory:
    """A named set of regions, optionally narrowed to industries and tiers."""

    territory_id: str
    name: str
    region_ids: tuple[str, ...] = ()
    color: str = "#1f77b4"
    industries: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    annual_quota: float = 0.0
    parent_id: str | None = None
    priority: int = 0

    def __post_init__(self) -> None:
        _as_tuples(self, "region_ids", "industries", "tiers")


@dataclass(frozen=True)
class Rep:
    """A sales rep; ``capacity`` is the maximum number of active accounts."""

    rep_id: str
    name: str
    home_region: str | None = None
    territory_ids: tuple[str, ...] = ()
    capacity: int = 40
    quota_attainment: float = 0.0
    specialties: tuple[str, ...] = ()
    active: bool = True
    current_accounts: int | None = None
    """Active accounts the rep already holds, counted against capacity (None: only those in the data).

    Accounts in the data whose owner is this rep are part of this count, not added to it.
    """
    salesforce_user_id: str | None = None
    """The rep's Salesforce User Id (``005…``), for owner updates in a Data Loader file."""
    hubspot_owner: str | None = None
    """The rep's HubSpot owner (the user's email, as HubSpot imports match owners), for a HubSpot import file."""

    def __post_init__(self) -> None:
        _as_tuples(self, "territory_ids", "specialties")
        if isinstance(self.specialties, tuple):  # (as accounts are matched: "Mid Market" is the tier mid-market)
            object.__setattr__(self, "specialties", normalize_specialties(self.specialties))


@dataclass(frozen=True)
class Account:
    """One account as the plan knows it (the seed's ``accountAssignments`` carry these)."""

    account_id: str
    region_id: str | None = None
    industry: str | None = None
    tier: str | None = None
    value: float = 0.0
    owner: str | None = None
    status: str = "prospect"
    name: str | None = None


@dataclass(frozen=True)
class Override:
    """An account pinned by hand to a territory and/or rep; ``locked`` overrides win over the rules."""

    account_id: str
    territory_id: str | None = None
    rep_id: str | None = None
    locked: bool = True


@dataclass(frozen=True)
class Scoring:
    """How an account's score (0..100) and activation tier (1..3) are computed.

    fit = weighted mean of industry fit, tier fit and value fit (value as a percentile among the accounts);
    timing = 1 for a funding round within ``funding_days`` (fading to 0 at twice that) or a hiring signal;
    score = 100 × ((1 − timing_weight) × fit + timing_weight × timing) when the data carry timing columns,
    else 100 × fit. Tier 1 (personal outreach) from ``tier1_min``, tier 2 (targeted) from ``tier2_min``,
    else tier 3 (nurture).
    """

    industry_weights: tuple[tuple[str, float], ...] = ()
    other_industry_fit: float = 0.3
    tier_fit: tuple[tuple[str, float], ...] = (("enterprise", 1.0), ("mid-market", 0.7), ("smb", 0.4))
    fit_weights: tuple[tuple[str, float], ...] = (("industry", 0.4), ("tier", 0.3), ("value", 0.3))
    timing_weight: float = 0.25
    funding_days: int = 180
    tier1_min: float = 70.0
    tier2_min: float = 40.0

    def __post_init__(self) -> None:
        _as_tuples(self, pairs=("industry_weights", "tier_fit", "fit_weights"))


@dataclass(frozen=True)
class Settings:
    """Plan-wide knobs.

    Balance uses ``target_accounts_per_rep`` (A) and ``target_value_per_rep`` (V; None means each
    territory's quota divided by its active reps). Workload weighs accounts by tier (``workload_basis =
    "tier"``) or by activation tier (``"activation"``).
    """

    target_accounts_per_rep: float = 30.0
    target_value_per_rep: float | None = None
    tier_weights: tuple[tuple[str, float], ...] = (("enterprise", 3.0), ("mid-market", 2.0), ("smb", 1.0))
    workload_basis: str = "tier"
    activation_weights: tuple[tuple[int, float], ...] = ((1, 3.0), (2, 2.0), (3, 1.0))
    potential: str = "prospect_value"
    scoring: Scoring = field(default_factory=Scoring)

    def __post_init__(self) -> None:
        _as_tuples(self, pairs=("tier_weights", "activation_weights"))

    def tier_weight(self, tier: str) -> float:
        """Workload weight of an account of ``tier`` (1.0 for an unknown tier)."""
        return dict(self.tier_weights).get(tier, 1.0)


@dataclass(frozen=True)
class Plan:
    """A territory plan: territories, reps, account overrides and settings."""

    name: str
    territories: tuple[Territory, ...] = ()
    reps: tuple[Rep, ...] = ()
    overrides: tuple[Override, ...] = ()
    settings: Settings = field(default_factory=Settings)
    accounts: tuple[Account, ...] = ()
    unclaimed_region_ids: tuple[str, ...] = ()
    """Regions carved out of every territory: a claim on an ancestor (a state) does not reach them (a county).

    A territory that lists the region itself, or a region inside it, still claims that.
    """

    def __post_init__(self) -> None:
        _as_tuples(self, "territories", "reps", "overrides", "accounts", "unclaimed_region_ids")

    def rep(self, rep_id: str) -> Rep:
        """Return the rep with this id (KeyError naming the known ids if absent)."""
        return self._find("rep", rep_id, {r.rep_id: r for r in self.reps})

    def usual_capacity(self) -> int:
        """The active reps' median capacity: a new rep's, where none is given (a rep's default, 40, with none).

        Examples
        --------
        >>> plan_from_dict({"territories": [], "reps": [{"rep_id": "A", "capacity": 300}, {"rep_id": "B",
        ...     "capacity": 260}, {"rep_id": "C", "capacity": 10, "active": False}]}).usual_capacity()
        280
        """
        capacities = [r.capacity for r in self.reps if r.active]
        return int(statistics.median(capacities)) if capacities else Rep(rep_id="", name="").capacity

    def territory(self, territory_id: str) -> Territory:
        """Return the territory with this id (KeyError naming the known ids if absent)."""
        return self._find("territory", territory_id, {t.territory_id: t for t in self.territories})

    def _find(self, kind: str, key: str, items: dict):
        if key in items:
            return items[key]
        raise KeyError(f"no {kind} '{key}' in plan '{self.name}'; known: {', '.join(items)}")

    def reps_of(self, territory_id: str, *, active_only: bool = True) -> tuple[Rep, ...]:
        """Reps that cover ``territory_id``."""
        return tuple(r for r in self.reps if territory_id in r.territory_ids and (r.active or not active_only))

    def claimed_region_ids(self) -> frozenset[str]:
        """Every region id that some territory claims."""
        return frozenset(rid for t in self.territories for rid in t.region_ids)

    def to_dict(self) -> dict[str, Any]:
        """Our own file format as plain data (the inverse of :func:`plan_from_dict`)."""
        return {
            "name": self.name,
            "settings": _settings_to_dict(self.settings),
            "territories": [_as_plain(t) for t in self.territories],
            "reps": [_as_plain(r) for r in self.reps],
            "overrides": [_as_plain(o) for o in self.overrides],
            "accounts": [_as_plain(a) for a in self.accounts],
            "unclaimed_region_ids": sorted(self.unclaimed_region_ids),
        }


def _settings_to_dict(settings: Settings) -> dict[str, Any]:
    scoring = settings.scoring
    return {
        "target_accounts_per_rep": settings.target_accounts_per_rep,
        "target_value_per_rep": settings.target_value_per_rep,
        "tier_weights": dict(settings.tier_weights),
        "workload_basis": settings.workload_basis,
        "activation_weights": {str(k): v for k, v in settings.activation_weights},
        "potential": settings.potential,
        "scoring": {
            "industry_weights": dict(scoring.industry_weights),
            "other_industry_fit": scoring.other_industry_fit,
            "tier_fit": dict(scoring.tier_fit),
            "fit_weights": dict(scoring.fit_weights),
            "timing_weight": scoring.timing_weight,
            "funding_days": scoring.funding_days,
            "tier1_min": scoring.tier1_min,
            "tier2_min": scoring.tier2_min,
        },
    }


def _as_plain(obj) -> dict[str, Any]:
    out = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


# The first line of a plan folder's plan.yaml (territory.plan_files.write_plan_folder).
FOLDER_HEADER = "# Territory plan. Regions per territory: alignment.csv"


def load_plan(path: str | Path, notes: list[str] | None = None) -> Plan:
    """Read a plan file: our JSON or YAML format, or the seed's JSON shape (see :mod:`territory.seed`).

    The file is read as UTF-8 (with or without a byte-order mark), else as Windows-1252 (see
    :mod:`territory.textfiles`).

    Parameters
    ----------
    path : str or Path
        A ``.json``, ``.yaml`` or ``.yml`` file.
    notes : list of str, optional
        Gets what was said on reading it without refusing it: a file not in UTF-8, named with the encoding used;
        regions two territories claim alike (:func:`equal_claims_said`).

    Returns
    -------
    Plan

    Raises
    ------
    PlanFileError
        When the file is missing, unreadable or does not validate; the message names the field.
    """
    path = Path(path)
    source = path.name
    try:
        text = read_text(path, source, notes)
    except FileNotFoundError:
        raise PlanFileError("file not found", source=str(path), hint="Check the path") from None
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    try:
        data = read_yaml(text) if is_yaml else json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        kind = "YAML" if is_yaml else "JSON"
        raise PlanFileError(f"not valid {kind}: {exc}", source=source, hint=f"Fix the {kind} syntax") from exc
    except RecursionError:  # (a traceback with the server's paths, a security review)
        raise PlanFileError("nested too deeply to read", source=source,
                            hint="A plan nests a few levels: territories, each with its regions") from None  # fmt: skip
    from territory.seed import is_seed_plan, plan_from_seed

    if is_yaml and text.startswith(FOLDER_HEADER):
        # (a plan folder's plan.yaml lists no regions: they are in alignment.csv beside it; alone, it loaded as a
        # plan in which no territory held anything)
        raise PlanFileError(
            "is the plan.yaml of a plan folder: its territories' regions are in alignment.csv beside it",
            source=source,
            hint="Open the whole folder (cli.py --plan FOLDER) or its zip (Plans page, 'Open a plan folder')",
        )
    plan = plan_from_seed(data, source=source) if is_seed_plan(data) else plan_from_dict(data, source=source)
    claimed_alike = equal_claims_said(plan)
    if claimed_alike and notes is not None:  # (loaded unsaid, while its plan folder was refused: a review)
        notes.append(f"{source}: {claimed_alike}")
    return plan


def plan_from_dict(data: Any, *, source: str = "plan") -> Plan:
    """Validate plain data in our plan format and build a :class:`Plan`.

    Every entry and field is checked in one pass, so that all the problems of a file are said at once (a file that
    is not an object at all is said alone: nothing else can be checked).

    Parameters
    ----------
    data : dict
        ``{"name", "territories": [...], "reps": [...], "overrides": [...], "settings": {...}}``.
    source : str
        Name used in error messages.

    Raises
    ------
    PlanFileError
        Naming the entry and field (``territories[2].region_ids`` reads "territory 3, field 'region_ids'") and how
        to fix it. With several problems, one error whose message lists them all (the first
        :data:`territory.errors.LISTED_PROBLEMS`) and whose ``problems`` holds each.

    Examples
    --------
    >>> plan_from_dict({"territories": [{"territory_id": "E", "color": "blue"}],
    ...                 "reps": [{"rep_id": "R1", "capacity": "ten"}, {"rep_id": "R2", "territory_ids": ["W"]}]})
    Traceback (most recent call last):
    ...
    territory.errors.PlanFileError: plan: 3 problems; fix them all, then load the file again:
    - plan, territory 1 (E), field 'color': color 'blue' is not a #rrggbb hex color
    - plan, rep 1 (R1), field 'capacity': 'capacity' must be a number, got 'ten'
    - plan, rep 2 (R2), field 'territory_ids': unknown territory 'W'. Use one of: E
    """
    if not isinstance(data, Mapping):
        raise PlanFileError("expected an object with 'territories' and 'reps'", source=source)
    problems = _Problems()
    territories = _read_entries(problems, data, "territories", source, _territory)
    _no_duplicates(problems, territories, "territories", "territory_id", source)
    ids = list(dict.fromkeys(t.territory_id for t in territories.values()))
    reps = _read_entries(problems, data, "reps", source, _rep, set(ids))
    _no_duplicates(problems, reps, "reps", "rep_id", source)
    rep_ids = {r.rep_id for r in reps.values()}
    parent = "parent '{}' is not a territory of this plan"
    _known_ids(problems, territories, "territories", "territory_id", "parent_id", ids, parent, source)
    _no_parent_cycles(problems, territories, source)
    overrides = _read_entries(problems, data, "overrides", source, _override, set(ids), rep_ids, required=False)
    settings = _settings(data.get("settings") or {}, source, problems)
    accounts = _read_entries(problems, data, "accounts", source, _account, required=False)
    _no_duplicates(problems, accounts, "accounts", "account_id", source)
    _known_ids(problems, accounts, "accounts", "account_id", "owner", sorted(rep_ids), "unknown rep '{}'", source)
    unclaimed = problems.check(_strings, data, "unclaimed_region_ids", "plan", source, default=())
    if problems.found:
        raise PlanFileError.gather(problems.found, source=source)
    return Plan(
        name=_text(data, "name", "plan", source, required=False) or "Untitled plan",
        territories=tuple(territories.values()),
        reps=tuple(reps.values()),
        overrides=tuple(overrides.values()),
        settings=settings,
        accounts=tuple(accounts.values()),
        unclaimed_region_ids=tuple(dict.fromkeys(normalize_region_id(r) for r in unclaimed)),
    )


_T = TypeVar("_T")


class _Problems:
    """The problems found in a plan so far: a check that fails is noted, and the reading goes on."""

    def __init__(self) -> None:
        self.found: list[PlanFileError] = []

    def note(self, problem: PlanFileError) -> None:
        self.found.append(problem)

    def check(self, read: Callable[..., _T], *args: Any, default: _T, **kwargs: Any) -> _T:
        """``read(*args, **kwargs)``; ``default`` when it raises a PlanFileError, which is noted."""
        try:
            return read(*args, **kwargs)
        except PlanFileError as problem:
            self.found.append(problem)
            return default


def _read_entries(
    problems: _Problems, data: Mapping, key: str, source: str, read: Callable, *context: Any, required: bool = True
) -> dict[int, Any]:
    """The entries of the list ``data[key]``, by their place in it.

    Each is read by ``read(item, i, source, problems, *context)``; an entry that cannot be read at all (``read``
    gave None) is left out, its problems noted.
    """
    items = problems.check(_list, data, key, source, required=required, default=[])
    entries = {i: read(item, i, source, problems, *context) for i, item in enumerate(items)}
    return {i: entry for i, entry in entries.items() if entry is not None}


def _list(data: Mapping, key: str, source: str, *, required: bool = True) -> list:
    value = data.get(key)
    if value is None:
        if required:
            raise PlanFileError(f"missing '{key}'", source=source, hint=f"Add a '{key}' list (it may be empty)")
        return []
    if not isinstance(value, list):
        raise PlanFileError(f"'{key}' must be a list, got {type(value).__name__}", source=source, column=key)
    return value


def _no_duplicates(problems: _Problems, entries: dict[int, Any], section: str, key: str, source: str) -> None:
    """Note each entry whose id (its attribute ``key``) an entry before it has."""
    seen: set[str] = set()
    for i, entry in entries.items():
        value = getattr(entry, key)
        if value in seen:
            problems.note(
                PlanFileError(
                    f"duplicate {key} '{value}'",
                    source=source,
                    column=f"{section}[{i}].{key}",
                    hint="Ids must be unique",
                )
            )
        seen.add(value)


def _no_parent_cycles(problems: _Problems, territories: dict[int, Any], source: str) -> None:
    """Note each cycle of parents once (a territory its own parent, or NAE → EUW → NAE), at its first territory.

    (Loaded and saved from a file, though the Edit page refuses "that makes a cycle", a review.)
    """
    parent_of = {t.territory_id: t.parent_id for t in territories.values() if t.parent_id}
    said: set[str] = set()
    for i, territory in territories.items():
        chain, at = [territory.territory_id], parent_of.get(territory.territory_id)
        while at is not None and at not in chain and at not in said:
            chain.append(at)
            at = parent_of.get(at)
        if at == territory.territory_id:
            said.update(chain)
            problems.note(PlanFileError(
                "its parent is itself" if len(chain) == 1 else f"its parents make a cycle: {' → '.join([*chain, at])}",
                source=source, column=f"{_place('territories', i, territory.territory_id)}.parent_id",
                hint="Leave its parent_id out, or name another territory" if len(chain) == 1
                else "Give one territory of the cycle no parent_id, or a parent outside it",
            ))  # fmt: skip


def _known_ids(
    problems: _Problems,
    entries: dict[int, Any],
    section: str,
    key: str,
    field_name: str,
    known: list[str],
    problem: str,
    source: str,
) -> None:
    """Note each entry whose ``field_name`` is an id not in ``known`` (``problem`` says it, with ``{}`` for the id)."""
    for i, entry in entries.items():
        value = getattr(entry, field_name)
        if value is not None and value not in known:
            problems.note(
                PlanFileError(
                    problem.format(value),
                    source=source,
                    column=f"{_place(section, i, getattr(entry, key))}.{field_name}",
                    hint=f"Use one of: {', '.join(known)}",
                )
            )


def _text(item: Mapping, key: str, where: str, source: str, *, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PlanFileError(f"missing '{key}'", source=source, column=f"{where}.{key}")
        return None
    if isinstance(value, (list, dict)):  # (str() of a list of aliases built a name of 312 million characters)
        raise PlanFileError(f"'{key}' must be text, got a {'list' if isinstance(value, list) else 'mapping'}",
                            source=source, column=f"{where}.{key}", hint="Write it as one line of text")  # fmt: skip
    return str(value).strip()


def _strings(item: Mapping, key: str, where: str, source: str) -> tuple[str, ...]:
    value = item.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise PlanFileError(f"'{key}' must be a list of strings", source=source, column=f"{where}.{key}")
    if any(isinstance(v, (list, dict)) for v in value):
        raise PlanFileError(f"'{key}' must be a list of strings, not of lists", source=source,
                            column=f"{where}.{key}", hint="Write one text a line: - US-TX")  # fmt: skip
    return tuple(str(v).strip() for v in value if str(v).strip())


def _said(value, how=str) -> str:
    """``str`` (or ``repr``) of a file's value for a message, a list or mapping kept short.

    (Aliases of aliases could make one of millions of values: a security review.)
    """
    import reprlib

    if isinstance(value, (list, tuple, dict, set)):
        return reprlib.repr(value)
    return how(value)


def _number(item: Mapping, key: str, where: str, source: str, default: float, *, minimum: float = 0.0) -> float:
    value = item.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool):  # (float(True) is 1: an annual quota of true read as $1, a review)
        raise PlanFileError(
            f"'{key}' must be a number, got {_said(value, repr)}", source=source, column=f"{where}.{key}"
        )
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PlanFileError(
            f"'{key}' must be a number, got {_said(value, repr)}", source=source, column=f"{where}.{key}"
        ) from None
    if number in (float("inf"), float("-inf")):  # (1e999 in a JSON file reads as infinity; int() of it crashed)
        raise PlanFileError(f"'{key}' must be a finite number, got {value!r}", source=source, column=f"{where}.{key}")
    if number != number or number < minimum:
        least = "more than 0" if 0 < minimum < 1e-6 else f"at least {minimum:g}"  # (it read "at least 1e-09")
        raise PlanFileError(f"'{key}' must be {least}, got {value!r}", source=source, column=f"{where}.{key}")
    return number


def _quoted(values: list[str], limit: int = 5) -> str:
    """``'a', 'b'``: the first ``limit`` values quoted, then how many more."""
    listed = ", ".join(repr(v) for v in values[:limit])
    return listed + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _entry(section: str, i: int, item: Any, key: str) -> str:
    """Where an entry of a plan's list is, with its id when it has one: ``reps[2]{R03}`` (read "rep 3 (R03)")."""
    return _place(section, i, item.get(key) if isinstance(item, Mapping) else None)


def _place(section: str, i: int, said: Any) -> str:
    """``reps[2]{R03}`` for the entry at ``i`` whose id is ``said`` (left out when it is no short id)."""
    said = str(said).strip() if isinstance(said, (str, int)) and not isinstance(said, bool) else ""
    return f"{section}[{i}]" + (f"{{{said}}}" if said and "}" not in said and len(said) <= 60 else "")


def _territory(item: Any, i: int, source: str, problems: _Problems) -> Territory | None:
    where = _entry("territories", i, item, "territory_id")
    if not isinstance(item, Mapping):
        problems.note(PlanFileError("each territory must be an object", source=source, column=where))
        return None
    territory_id = problems.check(_text, item, "territory_id", where, source, default=None)
    territory = Territory(
        territory_id=territory_id or "",
        name=_text(item, "name", where, source, required=False) or territory_id or "",
        region_ids=problems.check(_region_ids, item, where, source, default=()),
        color=problems.check(_color, item, where, source, PALETTE[i % len(PALETTE)], default=PALETTE[0]),
        industries=tuple(s.lower() for s in problems.check(_strings, item, "industries", where, source, default=())),
        tiers=problems.check(_tiers, item, where, source, default=()),
        annual_quota=problems.check(_number, item, "annual_quota", where, source, 0.0, default=0.0),
        parent_id=_text(item, "parent_id", where, source, required=False),
        priority=int(problems.check(_number, item, "priority", where, source, 0.0, minimum=-1e9, default=0.0)),
    )
    return territory if territory_id is not None else None


# How a region id is written, said with every region id refused.
REGION_ID_HINT = "Use codes like US-NY (state), US-36061 (county FIPS), CA-ON (province) or DE (country)"


def _region_ids(item: Mapping, where: str, source: str) -> tuple[str, ...]:
    region_ids, wrong = [], []
    for rid in _strings(item, "region_ids", where, source):
        canonical = normalize_region_id(rid)
        if not is_region_id(canonical):
            wrong.append(rid)
        elif canonical not in region_ids:
            region_ids.append(canonical)
    if wrong:
        raise PlanFileError(
            f"{_quoted(wrong)} {'is not a region id' if len(wrong) == 1 else 'are not region ids'}",
            source=source,
            column=f"{where}.region_ids",
            hint=REGION_ID_HINT,
        )
    return tuple(region_ids)


def _tiers(item: Mapping, where: str, source: str) -> tuple[str, ...]:
    given = _strings(item, "tiers", where, source)
    wrong = [tier for tier in given if normalize_tier(tier) is None]
    if wrong:
        raise PlanFileError(
            f"unknown tier{'s' if len(wrong) > 1 else ''} {_quoted(wrong)}",
            source=source,
            column=f"{where}.tiers",
            hint=f"Use one of {', '.join(TIERS)}",
        )
    return tuple(normalize_tier(tier) for tier in given)


def _color(item: Mapping, where: str, source: str, default: str) -> str:
    color = _text(item, "color", where, source, required=False) or default
    if not _COLOR.match(color):
        raise PlanFileError(f"color '{color}' is not a #rrggbb hex color", source=source, column=f"{where}.color")
    return color.lower()


def _rep(item: Any, i: int, source: str, problems: _Problems, territory_ids: set[str]) -> Rep | None:
    where = _entry("reps", i, item, "rep_id")
    if not isinstance(item, Mapping):
        problems.note(PlanFileError("each rep must be an object", source=source, column=where))
        return None
    rep_id = problems.check(_text, item, "rep_id", where, source, default=None)
    home = _text(item, "home_region", where, source, required=False)
    if home and not is_region_id(normalize_region_id(home)):  # (the Reps page refused it; the file did not)
        problems.note(PlanFileError(f"'{home}' is not a region id", source=source, column=f"{where}.home_region",
                                    hint=f"{REGION_ID_HINT}, or leave it out"))  # fmt: skip
        home = None
    current = item.get("current_accounts")
    rep = Rep(
        rep_id=rep_id or "",
        name=_text(item, "name", where, source, required=False) or rep_id or "",
        home_region=normalize_region_id(home) if home else None,
        territory_ids=problems.check(_rep_territories, item, where, source, territory_ids, default=()),
        capacity=problems.check(_capacity, item, where, source, default=40),
        quota_attainment=problems.check(_number, item, "quota_attainment", where, source, 0.0, default=0.0),
        specialties=normalize_specialties(problems.check(_strings, item, "specialties", where, source, default=())),
        active=problems.check(_active, item, where, source, default=True),
        current_accounts=None
        if current is None
        else int(problems.check(_number, item, "current_accounts", where, source, 0.0, default=0.0)),
        salesforce_user_id=_text(item, "salesforce_user_id", where, source, required=False),
        hubspot_owner=_text(item, "hubspot_owner", where, source, required=False),
    )
    return rep if rep_id is not None else None


def _rep_territories(item: Mapping, where: str, source: str, territory_ids: set[str]) -> tuple[str, ...]:
    rep_territories = _strings(item, "territory_ids", where, source)
    unknown = [t for t in rep_territories if t not in territory_ids]
    if unknown:
        raise PlanFileError(
            f"unknown territory {', '.join(repr(t) for t in unknown)}",
            source=source,
            column=f"{where}.territory_ids",
            hint=f"Use one of: {', '.join(sorted(territory_ids))}",
        )
    return rep_territories


def _capacity(item: Mapping, where: str, source: str) -> int:
    capacity = _number(item, "capacity", where, source, 40.0)
    if capacity != int(capacity):
        raise PlanFileError(
            f"capacity must be a whole number of accounts, got {capacity:g}", source=source, column=f"{where}.capacity"
        )
    return int(capacity)


def _active(item: Mapping, where: str, source: str) -> bool:
    active = item.get("active", True)
    if not isinstance(active, bool):
        raise PlanFileError("'active' must be true or false", source=source, column=f"{where}.active")
    return active


def _override(
    item: Any, i: int, source: str, problems: _Problems, territory_ids: set[str], rep_ids: set[str]
) -> Override | None:
    where = _entry("overrides", i, item, "account_id")
    if not isinstance(item, Mapping):
        problems.note(PlanFileError("each override must be an object", source=source, column=where))
        return None
    account_id = problems.check(_text, item, "account_id", where, source, default=None)
    territory_id = _text(item, "territory_id", where, source, required=False)
    rep_id = _text(item, "rep_id", where, source, required=False)
    if territory_id is not None and territory_id not in territory_ids:
        problems.note(
            PlanFileError(f"unknown territory '{territory_id}'", source=source, column=f"{where}.territory_id")
        )
    if rep_id is not None and rep_id not in rep_ids:
        problems.note(PlanFileError(f"unknown rep '{rep_id}'", source=source, column=f"{where}.rep_id"))
    if account_id is None:
        return None
    return Override(
        account_id=account_id, territory_id=territory_id, rep_id=rep_id, locked=bool(item.get("locked", True))
    )


def _weights(
    data: Any, where: str, source: str, problems: _Problems, keys: Iterable[str] | None = None
) -> dict[str, float]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        problems.note(PlanFileError("must be an object of name: number", source=source, column=where))
        return {}
    out = {}
    for key, weight in data.items():
        name = str(key).strip().lower()
        if keys is not None:
            canonical = normalize_tier(name) if set(keys) == set(TIERS) else (name if name in keys else None)
            if canonical is None:
                what = "tier" if set(keys) == set(TIERS) else "key"
                problems.note(
                    PlanFileError(
                        f"unknown {what} '{key}'", source=source, column=where, hint=f"Use one of {', '.join(keys)}"
                    )
                )
                continue
            name = canonical
        out[name] = problems.check(_number, {name: weight}, name, where, source, 1.0, default=1.0)
    return out


def _choice(data: Mapping, key: str, allowed: tuple[str, ...], default: str, source: str) -> str:
    value = _said(data.get(key) or default).strip().lower()
    if value not in allowed:
        raise PlanFileError(
            f"'{key}' was '{value}' but must be one of {', '.join(allowed)}", source=source, column=f"settings.{key}"
        )
    return value


def _settings(data: Any, source: str, problems: _Problems) -> Settings:
    defaults = Settings()
    if not isinstance(data, Mapping):
        problems.note(PlanFileError("'settings' must be an object", source=source, column="settings"))
        return defaults
    tiers = dict(defaults.tier_weights) | _weights(
        data.get("tier_weights"), "settings.tier_weights", source, problems, TIERS
    )
    activation = dict(defaults.activation_weights) | _activation_weights(
        data.get("activation_weights"), source, problems
    )
    target_value = data.get("target_value_per_rep")
    return Settings(
        target_accounts_per_rep=problems.check(
            _number, data, "target_accounts_per_rep", "settings", source, 30.0, minimum=1e-9, default=30.0
        ),
        target_value_per_rep=None
        if target_value is None
        else problems.check(_number, data, "target_value_per_rep", "settings", source, 0.0, minimum=1e-9, default=None),
        tier_weights=tuple((tier, tiers[tier]) for tier in TIERS),
        workload_basis=problems.check(
            _choice, data, "workload_basis", ("tier", "activation"), "tier", source, default="tier"
        ),
        activation_weights=tuple((k, activation[k]) for k in (1, 2, 3)),
        potential=problems.check(
            _choice,
            data,
            "potential",
            ("prospect_value", "population"),
            "prospect_value",
            source,
            default="prospect_value",
        ),  # fmt: skip
        scoring=_scoring(data.get("scoring") or {}, source, problems),
    )


def _activation_weights(data: Any, source: str, problems: _Problems) -> dict[int, float]:
    where = "settings.activation_weights"
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        problems.note(PlanFileError("must be an object of name: number", source=source, column=where))
        return {}
    out = {}
    for key, weight in data.items():
        if str(key) not in ("1", "2", "3"):
            problems.note(
                PlanFileError(f"unknown activation tier '{key}'", source=source, column=where, hint="Use 1, 2 or 3")
            )
            continue
        out[int(key)] = problems.check(_number, {str(key): weight}, str(key), where, source, 1.0, default=1.0)
    return out


def _scoring(data: Any, source: str, problems: _Problems) -> Scoring:
    defaults = Scoring()
    where = "settings.scoring"
    if not isinstance(data, Mapping):
        problems.note(PlanFileError("'scoring' must be an object", source=source, column=where))
        return defaults
    fit_weights = dict(defaults.fit_weights) | _weights(
        data.get("fit_weights"), f"{where}.fit_weights", source, problems, ("industry", "tier", "value")
    )
    tier_fit = dict(defaults.tier_fit) | _weights(data.get("tier_fit"), f"{where}.tier_fit", source, problems, TIERS)
    tier1 = problems.check(_number, data, "tier1_min", where, source, defaults.tier1_min, default=defaults.tier1_min)
    tier2 = problems.check(_number, data, "tier2_min", where, source, defaults.tier2_min, default=defaults.tier2_min)
    if tier2 > tier1:
        problems.note(
            PlanFileError(
                f"tier2_min ({tier2:g}) is above tier1_min ({tier1:g})", source=source, column=f"{where}.tier2_min"
            )
        )
    timing_weight = problems.check(
        _number, data, "timing_weight", where, source, defaults.timing_weight, default=defaults.timing_weight
    )
    if timing_weight > 1:
        problems.note(
            PlanFileError("timing_weight must be between 0 and 1", source=source, column=f"{where}.timing_weight")
        )
    industry_weights = _weights(data.get("industry_weights"), f"{where}.industry_weights", source, problems)
    return Scoring(
        industry_weights=tuple(sorted(industry_weights.items())),
        other_industry_fit=problems.check(
            _number,
            data,
            "other_industry_fit",
            where,
            source,
            defaults.other_industry_fit,
            default=defaults.other_industry_fit,
        ),  # fmt: skip
        tier_fit=tuple((tier, tier_fit[tier]) for tier in TIERS),
        fit_weights=tuple((k, fit_weights[k]) for k in ("industry", "tier", "value")),
        timing_weight=timing_weight,
        funding_days=int(
            problems.check(
                _number,
                data,
                "funding_days",
                where,
                source,
                defaults.funding_days,
                minimum=1,
                default=defaults.funding_days,
            )  # fmt: skip
        ),
        tier1_min=tier1,
        tier2_min=tier2,
    )


def _account(item: Any, i: int, source: str, problems: _Problems) -> Account | None:
    where = _entry("accounts", i, item, "account_id")
    if not isinstance(item, Mapping):
        problems.note(PlanFileError("each account must be an object", source=source, column=where))
        return None
    account_id = problems.check(_text, item, "account_id", where, source, default=None)
    region = _text(item, "region_id", where, source, required=False)
    industry = _text(item, "industry", where, source, required=False)
    account = Account(
        account_id=account_id or "",
        region_id=normalize_region_id(region) if region else None,
        industry=industry.lower() if industry else None,
        tier=problems.check(_account_tier, item, where, source, default=None),
        value=problems.check(_number, item, "value", where, source, 0.0, default=0.0),
        owner=_text(item, "owner", where, source, required=False),
        status=problems.check(_account_status, item, where, source, default="prospect"),
        name=_text(item, "name", where, source, required=False),
    )
    return account if account_id is not None else None


def _account_tier(item: Mapping, where: str, source: str) -> str | None:
    tier = _text(item, "tier", where, source, required=False)
    canonical = normalize_tier(tier) if tier else None
    if tier and canonical is None:
        raise PlanFileError(
            f"unknown tier '{tier}'", source=source, column=f"{where}.tier", hint=f"Use one of {', '.join(TIERS)}"
        )
    return canonical


def _account_status(item: Mapping, where: str, source: str) -> str:
    status = (_text(item, "status", where, source, required=False) or "prospect").lower()
    if status not in ACCOUNT_STATUSES:
        raise PlanFileError(
            f"unknown status '{status}'", source=source, column=f"{where}.status", hint="Use customer or prospect"
        )
    return status


def iter_region_claims(plan: Plan) -> Iterable[tuple[str, str, int]]:
    """Yield ``(region_id, territory_id, priority)`` for every region a territory claims."""
    for territory in plan.territories:
        for region_id in territory.region_ids:
            yield region_id, territory.territory_id, territory.priority


def equal_claims(plan: Plan) -> list[tuple[str, str, str]]:
    """``(region_id, territory_id, other_territory_id)`` for each region two territories claim alike.

    Alike: at the same priority, with industry focuses and tiers that admit a common account (an empty one admits
    all). The assignment gives such accounts to the lower territory id and flags each as a conflict; a pair of
    territories with different focuses (an overlay) or priorities is not listed. Pairs in territory id order.

    Examples
    --------
    >>> plan = plan_from_dict({"reps": [], "territories": [
    ...     {"territory_id": "OHB", "region_ids": ["US-OH"]}, {"territory_id": "OHA", "region_ids": ["US-OH", "US-IN"]},
    ...     {"territory_id": "FIN", "region_ids": ["US-OH"], "industries": ["fintech"], "priority": 1}]})
    >>> equal_claims(plan)
    [('US-OH', 'OHA', 'OHB')]
    """
    by_region: dict[str, list[Territory]] = {}
    for territory in plan.territories:
        for region_id in dict.fromkeys(territory.region_ids):
            by_region.setdefault(region_id, []).append(territory)
    found = []
    for region_id, claimants in sorted(by_region.items()):
        ordered = sorted(claimants, key=lambda t: t.territory_id)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if claims_alike(a, b):
                    found.append((region_id, a.territory_id, b.territory_id))
    return found


def claims_alike(a: Territory, b: Territory) -> bool:
    """Whether two territories claiming one region would take the same accounts there at the same priority.

    At the same priority, with industry focuses and tiers that admit a common account (an empty one admits all).

    Examples
    --------
    >>> claims_alike(Territory("A", "A"), Territory("B", "B", industries=("fintech",)))
    True
    >>> claims_alike(Territory("A", "A", tiers=("smb",)), Territory("B", "B", tiers=("enterprise",)))
    False
    """

    def overlap(first, second) -> bool:
        return not first or not second or bool(set(first) & set(second))

    return a.priority == b.priority and overlap(a.industries, b.industries) and overlap(a.tiers, b.tiers)


def equal_claims_said(plan: Plan, region_label=None) -> str | None:
    """One sentence naming the regions two territories claim alike (:func:`equal_claims`), and what to do; else None.

    ``region_label``: region id → a name to show, where the caller has them.

    Examples
    --------
    >>> plan = plan_from_dict({"reps": [], "territories": [
    ...     {"territory_id": "OHB", "name": "Ohio B", "region_ids": ["US-OH"]},
    ...     {"territory_id": "OHA", "name": "Ohio A", "region_ids": ["US-OH"]}]})
    >>> print(equal_claims_said(plan))
    Claimed alike by two territories (the same accounts, at the same priority): US-OH by Ohio A (OHA) and Ohio B (OHB), Ohio A taking its accounts. Each such account is flagged as a conflict; give one of the two a higher priority, an industry focus or tiers, or take the region out of one
    """
    found = equal_claims(plan)
    if not found:
        return None
    names = {t.territory_id: t.name or t.territory_id for t in plan.territories}
    label = region_label or (lambda region_id: region_id)
    listed = "; ".join(
        f"{label(r)} by {names[a]} ({a}) and {names[b]} ({b}), {names[a]} taking its accounts" for r, a, b in found[:5]
    )
    more = f"; and {len(found) - 5} more" if len(found) > 5 else ""
    return (
        f"Claimed alike by two territories (the same accounts, at the same priority): {listed}{more}. Each such "
        "account is flagged as a conflict; give one of the two a higher priority, an industry focus or tiers, or take "
        "the region out of one"
    )
