"""The plan and its parts: territories, reps, account overrides and settings.

Everything here is immutable; an edit returns a new object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from territory.errors import PlanFileError
from territory.regions import is_region_id, normalize_region_id

__all__ = [
    "TIERS",
    "ACCOUNT_STATUSES",
    "Territory",
    "Rep",
    "Override",
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
DEFAULT_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939",
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
    if value is None:
        return None
    return _TIER_SYNONYMS.get(str(value).strip().lower())


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


@dataclass(frozen=True)
class Override:
    """An account pinned by hand to a territory and/or rep; ``locked`` overrides win over the rules."""

    account_id: str
    territory_id: str | None = None
    rep_id: str | None = None
    locked: bool = True


@dataclass(frozen=True)
class Settings:
    """Plan-wide knobs."""

    target_accounts_per_rep: float = 30.0
    tier_weights: tuple[tuple[str, float], ...] = (("enterprise", 3.0), ("mid-market", 2.0), ("smb", 1.0))
    potential: str = "prospect_value"

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

    def territory(self, territory_id: str) -> Territory:
        """Return the territory with this id (KeyError naming the known ids if absent)."""
        for territory in self.territories:
            if territory.territory_id == territory_id:
                return territory
        known = ", ".join(t.territory_id for t in self.territories)
        raise KeyError(f"no territory '{territory_id}' in plan '{self.name}'; known: {known}")

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
            "settings": {
                "target_accounts_per_rep": self.settings.target_accounts_per_rep,
                "tier_weights": dict(self.settings.tier_weights),
                "potential": self.settings.potential,
            },
            "territories": [_as_plain(t) for t in self.territories],
            "reps": [_as_plain(r) for r in self.reps],
            "overrides": [_as_plain(o) for o in self.overrides],
        }


def _as_plain(obj) -> dict[str, Any]:
    out = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def load_plan(path: str | Path) -> Plan:
    """Read a plan file (our JSON or YAML format).

    Parameters
    ----------
    path : str or Path
        A ``.json``, ``.yaml`` or ``.yml`` file.

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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError("file not found", source=str(path), hint="Check the path") from None
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    try:
        data = yaml.safe_load(text) if is_yaml else json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        kind = "YAML" if is_yaml else "JSON"
        raise PlanFileError(f"not valid {kind}: {exc}", source=source, hint=f"Fix the {kind} syntax") from exc
    return plan_from_dict(data, source=source)


def plan_from_dict(data: Any, *, source: str = "plan") -> Plan:
    """Validate plain data in our plan format and build a :class:`Plan`.

    Parameters
    ----------
    data : dict
        ``{"name", "territories": [...], "reps": [...], "overrides": [...], "settings": {...}}``.
    source : str
        Name used in error messages.

    Raises
    ------
    PlanFileError
        Naming the field (``territories[2].region_ids``) and how to fix it.
    """
    if not isinstance(data, Mapping):
        raise PlanFileError("expected an object with 'territories' and 'reps'", source=source)
    territories = tuple(_territory(item, i, source) for i, item in enumerate(_list(data, "territories", source)))
    ids = [t.territory_id for t in territories]
    _no_duplicates(ids, "territories", "territory_id", source)
    reps = tuple(_rep(item, i, source, set(ids)) for i, item in enumerate(_list(data, "reps", source)))
    _no_duplicates([r.rep_id for r in reps], "reps", "rep_id", source)
    for i, t in enumerate(territories):
        if t.parent_id is not None and t.parent_id not in ids:
            raise PlanFileError(
                f"parent '{t.parent_id}' is not a territory of this plan",
                source=source,
                column=f"territories[{i}].parent_id",
                hint=f"Use one of: {', '.join(ids)}",
            )
    overrides = tuple(
        _override(item, i, source, set(ids), {r.rep_id for r in reps})
        for i, item in enumerate(_list(data, "overrides", source, required=False))
    )
    settings = _settings(data.get("settings") or {}, source)
    return Plan(
        name=str(data.get("name") or "Untitled plan"),
        territories=territories,
        reps=reps,
        overrides=overrides,
        settings=settings,
    )


def _list(data: Mapping, key: str, source: str, *, required: bool = True) -> list:
    value = data.get(key)
    if value is None:
        if required:
            raise PlanFileError(f"missing '{key}'", source=source, hint=f"Add a '{key}' list (it may be empty)")
        return []
    if not isinstance(value, list):
        raise PlanFileError(f"'{key}' must be a list, got {type(value).__name__}", source=source, column=key)
    return value


def _no_duplicates(values: list[str], section: str, key: str, source: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise PlanFileError(
                f"duplicate {key} '{value}'", source=source, column=f"{section}[{i}].{key}", hint="Ids must be unique"
            )
        seen.add(value)


def _text(item: Mapping, key: str, where: str, source: str, *, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PlanFileError(f"missing '{key}'", source=source, column=f"{where}.{key}")
        return None
    return str(value).strip()


def _strings(item: Mapping, key: str, where: str, source: str) -> tuple[str, ...]:
    value = item.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise PlanFileError(f"'{key}' must be a list of strings", source=source, column=f"{where}.{key}")
    return tuple(str(v).strip() for v in value if str(v).strip())


def _number(item: Mapping, key: str, where: str, source: str, default: float, *, minimum: float = 0.0) -> float:
    value = item.get(key, default)
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PlanFileError(
            f"'{key}' must be a number, got {value!r}", source=source, column=f"{where}.{key}"
        ) from None
    if number != number or number < minimum:
        raise PlanFileError(
            f"'{key}' must be at least {minimum:g}, got {value!r}", source=source, column=f"{where}.{key}"
        )
    return number


def _territory(item: Any, i: int, source: str) -> Territory:
    where = f"territories[{i}]"
    if not isinstance(item, Mapping):
        raise PlanFileError("each territory must be an object", source=source, column=where)
    territory_id = _text(item, "territory_id", where, source)
    region_ids = []
    for rid in _strings(item, "region_ids", where, source):
        canonical = normalize_region_id(rid)
        if not is_region_id(canonical):
            raise PlanFileError(
                f"'{rid}' is not a region id",
                source=source,
                column=f"{where}.region_ids",
                hint="Use codes like US-NY (state), US-36061 (county FIPS), CA-ON (province) or DE (country)",
            )
        if canonical not in region_ids:
            region_ids.append(canonical)
    tiers = []
    for tier in _strings(item, "tiers", where, source):
        canonical = normalize_tier(tier)
        if canonical is None:
            raise PlanFileError(
                f"unknown tier '{tier}'", source=source, column=f"{where}.tiers", hint=f"Use one of {', '.join(TIERS)}"
            )
        tiers.append(canonical)
    color = _text(item, "color", where, source, required=False) or DEFAULT_COLORS[i % len(DEFAULT_COLORS)]
    if not _COLOR.match(color):
        raise PlanFileError(f"color '{color}' is not a #rrggbb hex color", source=source, column=f"{where}.color")
    return Territory(
        territory_id=territory_id,
        name=_text(item, "name", where, source, required=False) or territory_id,
        region_ids=tuple(region_ids),
        color=color.lower(),
        industries=tuple(s.lower() for s in _strings(item, "industries", where, source)),
        tiers=tuple(tiers),
        annual_quota=_number(item, "annual_quota", where, source, 0.0),
        parent_id=_text(item, "parent_id", where, source, required=False),
        priority=int(_number(item, "priority", where, source, 0.0, minimum=-1e9)),
    )


def _rep(item: Any, i: int, source: str, territory_ids: set[str]) -> Rep:
    where = f"reps[{i}]"
    if not isinstance(item, Mapping):
        raise PlanFileError("each rep must be an object", source=source, column=where)
    rep_territories = _strings(item, "territory_ids", where, source)
    unknown = [t for t in rep_territories if t not in territory_ids]
    if unknown:
        raise PlanFileError(
            f"unknown territory {', '.join(repr(t) for t in unknown)}",
            source=source,
            column=f"{where}.territory_ids",
            hint=f"Use one of: {', '.join(sorted(territory_ids))}",
        )
    capacity = _number(item, "capacity", where, source, 40.0)
    if capacity != int(capacity):
        raise PlanFileError(
            f"capacity must be a whole number of accounts, got {capacity:g}", source=source, column=f"{where}.capacity"
        )
    active = item.get("active", True)
    if not isinstance(active, bool):
        raise PlanFileError("'active' must be true or false", source=source, column=f"{where}.active")
    home = _text(item, "home_region", where, source, required=False)
    return Rep(
        rep_id=_text(item, "rep_id", where, source),
        name=_text(item, "name", where, source, required=False) or _text(item, "rep_id", where, source),
        home_region=normalize_region_id(home) if home else None,
        territory_ids=rep_territories,
        capacity=int(capacity),
        quota_attainment=_number(item, "quota_attainment", where, source, 0.0),
        specialties=tuple(s.lower() for s in _strings(item, "specialties", where, source)),
        active=active,
    )


def _override(item: Any, i: int, source: str, territory_ids: set[str], rep_ids: set[str]) -> Override:
    where = f"overrides[{i}]"
    if not isinstance(item, Mapping):
        raise PlanFileError("each override must be an object", source=source, column=where)
    territory_id = _text(item, "territory_id", where, source, required=False)
    rep_id = _text(item, "rep_id", where, source, required=False)
    if territory_id is not None and territory_id not in territory_ids:
        raise PlanFileError(f"unknown territory '{territory_id}'", source=source, column=f"{where}.territory_id")
    if rep_id is not None and rep_id not in rep_ids:
        raise PlanFileError(f"unknown rep '{rep_id}'", source=source, column=f"{where}.rep_id")
    return Override(
        account_id=_text(item, "account_id", where, source),
        territory_id=territory_id,
        rep_id=rep_id,
        locked=bool(item.get("locked", True)),
    )


def _settings(data: Any, source: str) -> Settings:
    if not isinstance(data, Mapping):
        raise PlanFileError("'settings' must be an object", source=source, column="settings")
    weights = dict(Settings().tier_weights)
    for tier, weight in (data.get("tier_weights") or {}).items():
        canonical = normalize_tier(tier)
        if canonical is None:
            raise PlanFileError(f"unknown tier '{tier}'", source=source, column="settings.tier_weights")
        weights[canonical] = _number({"w": weight}, "w", "settings.tier_weights", source, 1.0)
    return Settings(
        target_accounts_per_rep=_number(data, "target_accounts_per_rep", "settings", source, 30.0),
        tier_weights=tuple((tier, weights[tier]) for tier in TIERS),
        potential=str(data.get("potential") or "prospect_value"),
    )


def iter_region_claims(plan: Plan) -> Iterable[tuple[str, str, int]]:
    """Yield ``(region_id, territory_id, priority)`` for every region a territory claims."""
    for territory in plan.territories:
        for region_id in territory.region_ids:
            yield region_id, territory.territory_id, territory.priority
