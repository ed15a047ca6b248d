from __future__ import annotations

import pandas as pd

from territory import (
    account_territories,
    coverage_summary,
    plan_from_dict,
    region_ancestors,
    resolve_region_territories,
)

REGIONS = pd.DataFrame(
    {
        "region_id": ["US", "US-NY", "US-36061", "US-36047", "US-NJ", "US-34013", "CA", "CA-ON", "DE"],
        "parent_id": [None, "US", "US-NY", "US-NY", "US", "US-NJ", None, "CA", None],
    }
)


def plan(*territories):
    return plan_from_dict({"name": "t", "territories": list(territories), "reps": []})


def test_region_ancestors_depths():
    anc = region_ancestors(REGIONS)
    chain = anc[anc["region_id"] == "US-36061"].sort_values("depth")
    assert chain["ancestor_id"].tolist() == ["US-36061", "US-NY", "US"]
    assert chain["depth"].tolist() == [0, 1, 2]


def test_county_inside_state_territory():
    p = plan({"territory_id": "E", "region_ids": ["US-NY"]})
    out = resolve_region_territories(p, REGIONS).set_index("region_id")
    assert out.loc["US-36061", "territory_id"] == "E"
    assert out.loc["US-36061", "claim_region_id"] == "US-NY"
    assert "US-NJ" not in out.index


def test_most_specific_claim_wins_over_priority():
    p = plan(
        {"territory_id": "STATE", "region_ids": ["US-NY"], "priority": 10},
        {"territory_id": "NYC", "region_ids": ["US-36061"], "priority": 0},
    )
    out = resolve_region_territories(p, REGIONS).set_index("region_id")
    assert out.loc["US-36061", "territory_id"] == "NYC"
    assert out.loc["US-36047", "territory_id"] == "STATE"
    assert not out["conflict"].any()


def test_priority_breaks_equal_specificity():
    p = plan(
        {"territory_id": "A", "region_ids": ["US-NY"], "priority": 1},
        {"territory_id": "B", "region_ids": ["US-NY"], "priority": 5},
    )
    out = resolve_region_territories(p, REGIONS).set_index("region_id")
    assert out.loc["US-36061", "territory_id"] == "B"
    assert not out.loc["US-36061", "conflict"]


def test_equal_claims_are_a_conflict_resolved_deterministically():
    p = plan({"territory_id": "B", "region_ids": ["US-NY"]}, {"territory_id": "A", "region_ids": ["US-NY"]})
    out = resolve_region_territories(p, REGIONS).set_index("region_id")
    assert out.loc["US-NY", "territory_id"] == "A"
    assert out.loc["US-NY", "conflict"]


def test_claim_on_region_missing_from_table_still_counts_for_itself():
    p = plan({"territory_id": "A", "region_ids": ["FR"]})
    out = resolve_region_territories(p, REGIONS)
    assert out["region_id"].tolist() == ["FR"]


def test_empty_plan():
    assert resolve_region_territories(plan(), REGIONS).empty


def test_account_territories_and_summary():
    p = plan({"territory_id": "E", "region_ids": ["US-NY", "UK"]})
    accounts = pd.DataFrame({"region_id": ["US-36061", "US-34013", None, "GB"], "value": [10.0, 30.0, 5.0, 5.0]})
    regions = pd.concat([REGIONS, pd.DataFrame({"region_id": ["GB"], "parent_id": [None]})])
    out = accounts.join(account_territories(accounts, p, regions))
    assert out["territory_id"].tolist() == ["E", None, None, "E"]
    summary = coverage_summary(out)
    assert summary["accounts"] == 4
    assert summary["in_territory"] == 2
    assert summary["in_territory_share"] == 0.5
    assert summary["value_in_territory_share"] == 15 / 50
