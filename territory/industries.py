"""A plan's industry and tier focus against an accounts file: the CRM's industry names read as the plan's.

HubSpot exports its industry picklist as codes (``FINANCIAL_SERVICES``, ``COMPUTER_SOFTWARE``), Salesforce as
words (``Banking``, ``Technology``); a plan's territories and reps name a few industries of their own (``fintech``,
``saas``). A focus turns away every account whose industry it does not name, so each of the file's industries is
read as one of the plan's: these suggestions fill in what the user then checks and applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from territory.model import TIERS, Plan, Territory

__all__ = ["plan_industries", "suggest_industries", "tiers_missing"]

# A plan's common industry names → the CRM industries that usually fall under it (HubSpot's codes and Salesforce's
# standard picklist, folded as :func:`_fold` folds them).
_FAMILIES = {
    "fintech": ("financialservices", "banking", "finance", "insurance", "capitalmarkets", "investmentbanking",
                "investmentmanagement", "accounting", "venturecapitalprivateequity", "financial", "payments"),
    "saas": ("computersoftware", "software", "informationtechnologyandservices", "internet", "technology",
             "computernetworking", "computerandnetworksecurity", "cloud"),
    "healthcare": ("hospitalhealthcare", "healthcare", "medicaldevices", "medicalpractice", "pharmaceuticals",
                   "biotechnology", "healthwellnessandfitness", "mentalhealthcare", "health"),
    "ecommerce": ("retail", "consumergoods", "ecommerce", "apparelfashion", "onlineretail"),
    "logistics": ("logisticsandsupplychain", "transportationtruckingrailroad", "packagefreightdelivery",
                  "warehousing", "transportation", "shipping", "maritime", "airlinesaviation"),
    "manufacturing": ("mechanicalorindustrialengineering", "machinery", "industrialautomation", "manufacturing",
                      "electricalelectronicmanufacturing", "automotive", "engineering", "plasticsandchemicals",
                      "chemicals"),
}  # fmt: skip
# (other spellings of the plan's own names)
_ALIASES = {"fintech": ("fintech", "financialtechnology"), "saas": ("saas", "softwareasaservice"),
            "ecommerce": ("ecommerce", "ecom"), "healthcare": ("healthcare", "healthtech")}  # fmt: skip


def _fold(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).casefold())


def suggest_industries(file_industries: Iterable[str], plan_industries: Iterable[str]) -> dict[str, str]:
    """The plan's industry each of the file's could be read as, where one stands out.

    Parameters
    ----------
    file_industries : iterable of str
        The industries in the accounts file, as written there.
    plan_industries : iterable of str
        The industries the plan's territories and reps name.

    Returns
    -------
    dict
        File industry → plan industry, for those the plan does not name as written and that match one of the plan's
        by spelling (``E-Commerce`` → ``ecommerce``) or by a common CRM name (``FINANCIAL_SERVICES`` → ``fintech``,
        where the plan names ``fintech``). The others are left out: read as they are.

    Examples
    --------
    >>> suggest_industries(["FINANCIAL_SERVICES", "E-Commerce", "saas", "EDUCATION_MANAGEMENT", "Banking"],
    ...                    ["fintech", "saas", "ecommerce"])
    {'FINANCIAL_SERVICES': 'fintech', 'E-Commerce': 'ecommerce', 'Banking': 'fintech'}
    """
    plan = {_fold(name): name for name in plan_industries}
    named = set(plan.values())
    by_fold = dict(plan)
    for family, members in (*_FAMILIES.items(), *_ALIASES.items()):
        target = plan.get(_fold(family))
        for member in members if target is not None else ():
            by_fold.setdefault(member, target)
    out = {}
    for industry in file_industries:
        if industry in named:
            continue
        target = by_fold.get(_fold(industry))
        if target is not None:
            out[industry] = target
    return out


def plan_industries(plan: Plan) -> list[str]:
    """The industries a plan names: its territories' industry focus and its reps' specialties (tiers aside), sorted."""
    return sorted(
        {i for t in plan.territories for i in t.industries}
        | {s for r in plan.reps for s in r.specialties if s not in TIERS}
    )


def tiers_missing(plan: Plan, accounts: pd.DataFrame) -> list[Territory]:
    """The territories that take only some tiers, when no account has a tier: each turns away every account there."""
    if "tier" in accounts and accounts["tier"].notna().any():
        return []
    return [t for t in plan.territories if t.tiers]
