"""The territory-planning domain: plans, rules, assignment and balance. UI-free and geometry-free."""

from territory.alignment import account_territories, coverage_summary, region_ancestors, resolve_region_territories
from territory.errors import AccountsFileError, BoundaryFileError, InputDataError, PlanFileError
from territory.model import TIERS, Override, Plan, Rep, Settings, Territory, load_plan, normalize_tier, plan_from_dict
from territory.regions import normalize_region_id

__all__ = [
    "TIERS",
    "account_territories",
    "coverage_summary",
    "AccountsFileError",
    "BoundaryFileError",
    "InputDataError",
    "Override",
    "Plan",
    "PlanFileError",
    "Rep",
    "Settings",
    "Territory",
    "load_plan",
    "normalize_region_id",
    "normalize_tier",
    "plan_from_dict",
    "region_ancestors",
    "resolve_region_territories",
]
