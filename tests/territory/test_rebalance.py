"""Rebalancing scenarios on a plan over a grid of regions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territory import plan_from_dict
from territory.optimizer import RegionGraph, components
from territory.rebalance import propose

W, H = 9, 6


def rid(y: int, x: int) -> str:
    return f"US-{10000 + 100 * y + x:05d}"  # county-like ids, as plans need real region codes


def grid(width, height, weights):
    links = {rid(y, x): [rid(y + dy, x + dx) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
                         if 0 <= x + dx < width and 0 <= y + dy < height]
             for y in range(height) for x in range(width)}  # fmt: skip
    metrics = pd.DataFrame(weights, index=[rid(y, x) for y in range(height) for x in range(width)], columns=["a", "b"])
    return RegionGraph.from_adjacency(metrics, links)


@pytest.fixture
def setup():
    weights = np.ones((W * H, 2))
    weights[:W, 0] = 3.0  # the top row is heavy on the first metric: the stripes are off balance
    graph = grid(W, H, weights)
    holders = {rid(y, x): f"T{x // 3}" for y in range(H) for x in range(W)}
    plan = plan_from_dict(
        {
            "name": "grid",
            "territories": [
                {"territory_id": f"T{i}", "name": f"Stripe {i}", "region_ids": sorted(r for r, t in holders.items()
                                                                                  if t == f"T{i}") + (["DE"] if i == 0 else [])}
                for i in range(3)
            ],
            "reps": [{"rep_id": f"R{i}", "territory_ids": [f"T{i}"]} for i in range(3)],
        }
    )  # fmt: skip
    return plan, graph, holders


def whole(plan, graph):
    position = {r: i for i, r in enumerate(graph.region_ids)}
    for t in plan.territories:
        inside = [position[r] for r in t.region_ids if r in position]
        assert len(components(inside, graph.neighbours)) <= 1, t.territory_id


def test_rebalance_keeps_every_region_once_and_claims_outside_the_units(setup):
    plan, graph, holders = setup
    proposal = propose(plan, graph, holders, rng=np.random.default_rng(0), max_seconds=1)
    claimed = [r for t in proposal.plan.territories for r in t.region_ids if r != "DE"]
    assert sorted(claimed) == sorted(graph.region_ids)
    assert "DE" in proposal.plan.territory("T0").region_ids  # a claim outside the balanced regions stays
    whole(proposal.plan, graph)
    assert proposal.report.contiguous
    assert proposal.plan is not plan and plan.territory("T0").region_ids[0] == rid(0, 0)  # input unchanged


def test_a_rep_leaves(setup):
    plan, graph, holders = setup
    proposal = propose(plan, graph, holders, scenario="rep_leaves", territory_id="T1", max_seconds=1)
    assert "T1" not in {t.territory_id for t in proposal.plan.territories}
    assert not proposal.plan.rep("R1").active and proposal.plan.rep("R1").territory_ids == ()
    assert set(proposal.labels) == {"T0", "T2"}
    whole(proposal.plan, graph)
    # The start gave T1's regions to neighbours: nothing else had to move to get there.
    assert (
        proposal.start[[r for r, t in holders.items() if t != "T1"]]
        == pd.Series(holders)[[r for r, t in holders.items() if t != "T1"]]
    ).all()  # noqa: E501


def test_a_rep_joins(setup):
    plan, graph, holders = setup
    proposal = propose(plan, graph, holders, scenario="rep_joins", new_name="Middle", home_region=rid(3, 4),
                       max_seconds=1)  # fmt: skip
    middle = proposal.plan.territory("MIDDLE")
    assert rid(3, 4) in middle.region_ids and len(middle.region_ids) > 1
    # the new rep joins with the territory: covering it, at home there, with the team's usual capacity
    new = [r for r in proposal.plan.reps if r.rep_id not in {x.rep_id for x in plan.reps}]
    assert len(new) == 1 and new[0].territory_ids == ("MIDDLE",) and new[0].active
    assert new[0].home_region == rid(3, 4) and new[0].name == "New rep (Middle)"
    assert new[0].capacity == int(np.median([r.capacity for r in plan.reps if r.active]))
    whole(proposal.plan, graph)
    with pytest.raises(ValueError, match="name the new territory"):
        propose(plan, graph, holders, scenario="rep_joins", home_region=rid(3, 4))


def test_another_number_of_territories_keeps_names_where_they_overlap(setup):
    plan, graph, holders = setup
    proposal = propose(plan, graph, holders, scenario="territories", n_territories=2, max_seconds=1)
    ids = {t.territory_id for t in proposal.plan.territories}
    assert len(ids) == 2 and ids <= {"T0", "T1", "T2"}
    gone = ({"T0", "T1", "T2"} - ids).pop()
    assert not proposal.plan.rep(f"R{gone[1]}").active
    whole(proposal.plan, graph)


def test_bad_scenarios(setup):
    plan, graph, holders = setup
    with pytest.raises(ValueError, match="scenario"):
        propose(plan, graph, holders, scenario="magic")
    with pytest.raises(ValueError, match="pick the territory"):
        propose(plan, graph, holders, scenario="rep_leaves", territory_id="NOPE")
    with pytest.raises(ValueError, match="have no territory"):
        propose(plan, graph, {}, scenario="rebalance")


def test_balance_metrics_floor_and_refusals():
    from territory.rebalance import balance_metrics

    table = pd.DataFrame({"workload": [0.0, 2.0, 4.0], "value": [0.0, 0.0, 0.0]}, index=["a", "b", "c"])
    floored = balance_metrics(table, ["workload"])
    assert floored["workload"].tolist() == pytest.approx([0.02, 2.02, 4.02])  # 1% of the mean (2.0)
    with pytest.raises(ValueError, match="nothing to balance: value is zero in every region"):
        balance_metrics(table, ["workload", "value"])
    with pytest.raises(ValueError, match="unknown: \\['potential'\\]"):
        balance_metrics(table, ["potential"])
    with pytest.raises(ValueError, match="pick metrics"):
        balance_metrics(table, [])


@pytest.mark.parametrize("k", [2, 4])
def test_a_plan_from_scratch_reports_its_territories_by_their_plan_ids(setup, k):
    plan, graph, holders = setup
    proposal = propose(plan, graph, holders, scenario="territories", n_territories=k, max_seconds=1)
    table = proposal.report.territories
    # the report's rows are the proposed plan's territories (old ids kept where they overlap, new ones named)
    assert set(table["territory_id"]) == set(proposal.labels)
    assert set(table["territory_id"]) <= {t.territory_id for t in proposal.plan.territories}
    counts = proposal.labels.value_counts()
    assert dict(zip(table["territory_id"], table["regions"], strict=True)) == counts.to_dict()


def test_nothing_left_to_trade_is_refused(setup):
    plan, graph, holders = setup
    with pytest.raises(ValueError, match="fewer than two territories can trade regions"):
        propose(plan, graph, holders, locked_territories=["T0", "T1"], max_seconds=1)
