from __future__ import annotations

import json

import pytest
import yaml

from territory import PlanFileError, load_plan, normalize_region_id, normalize_tier, plan_from_dict
from territory.errors import InputDataError, format_location
from territory.regions import is_region_id
from tests.conftest import DEMO_PLAN


def minimal(**territory):
    base = {"territory_id": "T1", "name": "One", "region_ids": ["US-NY"]}
    base.update(territory)
    return {"name": "p", "territories": [base], "reps": []}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" us-ny ", "US-NY"), ("UK", "GB"), ("uk", "GB"), ("us_36061", "US-36061"), ("DE", "DE"), ("", ""), (None, "")],
)
def test_normalize_region_id(raw, expected):
    assert normalize_region_id(raw) == expected


@pytest.mark.parametrize("value", ["US-NY", "US-36061", "CA-ON", "DE", "GB"])
def test_is_region_id_accepts_canonical_ids(value):
    assert is_region_id(value)


@pytest.mark.parametrize("value", ["", "USA-NY", "New York", "1"])
def test_is_region_id_rejects_others(value):
    assert not is_region_id(value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Enterprise", "enterprise"),
        ("Mid Market", "mid-market"),
        ("mid-market", "mid-market"),
        ("SMB", "smb"),
        ("small business", "smb"),
        ("giant", None),
        (None, None),
    ],
)
def test_normalize_tier(raw, expected):
    assert normalize_tier(raw) == expected


def test_demo_plan_loads_with_the_seed_territories():
    plan = load_plan(DEMO_PLAN)
    nae = plan.territory("NAE")
    assert nae.name == "North America East"
    assert set(nae.region_ids) == {"US-NY", "US-PA", "US-MA", "CA-ON", "CA-QC"}
    assert nae.industries == ("fintech", "healthcare")
    assert nae.annual_quota == 2_500_000
    euw = plan.territory("EUW")
    # The seed writes UK; it is read as GB.
    assert set(euw.region_ids) == {"GB", "DE", "FR", "NL"}
    assert euw.annual_quota == 2_000_000
    assert len(plan.reps) == 12
    assert plan.reps_of("NAE")[0].name == "Sarah Chen"


def test_plan_round_trips_through_dict():
    plan = load_plan(DEMO_PLAN)
    assert plan_from_dict(plan.to_dict()) == plan


def test_plan_is_immutable():
    plan = load_plan(DEMO_PLAN)
    with pytest.raises(AttributeError):
        plan.name = "x"  # type: ignore[misc]


def test_settings_default_tier_weights():
    plan = plan_from_dict(minimal())
    assert plan.settings.tier_weight("enterprise") == 3
    assert plan.settings.tier_weight("mid-market") == 2
    assert plan.settings.tier_weight("smb") == 1


def test_yaml_plan(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("name: y\nterritories:\n  - territory_id: A\n    region_ids: [US-NY]\nreps: []\n")
    assert load_plan(path).territory("A").region_ids == ("US-NY",)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"territories": []}, r"plan: missing 'reps'"),
        ({"territories": "x", "reps": []}, r"column 'territories': 'territories' must be a list"),
        (
            minimal(region_ids=["New York"]),
            r"territory 1 \(T1\), field 'region_ids'.*'New York' is not a region id.*US-NY",
        ),
        (
            minimal(tiers=["giant"]),
            r"territory 1 \(T1\), field 'tiers'.*unknown tier 'giant'.*enterprise, mid-market, smb",
        ),
        (minimal(color="blue"), r"territory 1 \(T1\), field 'color'.*not a #rrggbb"),
        (minimal(annual_quota="lots"), r"annual_quota' must be a number, got 'lots'"),
        (minimal(annual_quota=-5), r"annual_quota' must be at least 0"),
        (
            minimal(parent_id="NOPE"),
            r"territory 1 \(T1\), field 'parent_id'.*parent 'NOPE' is not a territory.*Use one of: T1",
        ),
        (
            {"territories": [{"territory_id": "A"}, {"territory_id": "A"}], "reps": []},
            r"territory 2, field 'territory_id'.*duplicate territory_id 'A'",
        ),
        (
            {**minimal(), "reps": [{"rep_id": "R", "territory_ids": ["X"]}]},
            r"rep 1 \(R\), field 'territory_ids'.*unknown territory 'X'.*Use one of: T1",
        ),
        ({**minimal(), "reps": [{"rep_id": "R", "capacity": 2.5}]}, r"capacity must be a whole number"),
        ({**minimal(), "reps": [{"rep_id": "R", "active": "yes"}]}, r"'active' must be true or false"),
        ({**minimal(), "reps": [{"name": "no id"}]}, r"rep 1, field 'rep_id'.*missing 'rep_id'"),
        ({**minimal(), "overrides": [{"account_id": "A", "rep_id": "ghost"}]}, r"unknown rep 'ghost'"),
        (
            {**minimal(), "settings": {"tier_weights": {"giant": 1}}},
            r"field 'settings\.tier_weights'.*unknown tier 'giant'",
        ),
    ],
)
def test_plan_errors_name_the_field(data, match):
    with pytest.raises(PlanFileError, match=match):
        plan_from_dict(data)


def test_load_plan_missing_file(tmp_path):
    with pytest.raises(PlanFileError, match=r"nope\.json: file not found\. Check the path"):
        load_plan(tmp_path / "nope.json")


def test_load_plan_bad_json(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text('{"territories": [')
    with pytest.raises(PlanFileError, match=r"plan\.json: not valid JSON: .*Fix the JSON syntax"):
        load_plan(path)


def test_load_plan_reports_field_with_file_name(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(minimal(tiers=["x"])))
    with pytest.raises(PlanFileError, match=r"^mine\.json, territory 1 \(T1\), field 'tiers'"):
        load_plan(path)


def test_error_message_format():
    error = InputDataError("bad", source="a.csv", row=3, column="lat", hint="Fix it")
    assert str(error) == "a.csv, line 3, column 'lat': bad. Fix it"
    assert format_location(None, 2, None) == "line 2"
    assert isinstance(error, ValueError)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_plan_saved_in_windows_1252_is_read_and_said_so(tmp_path, suffix):
    # It was a UnicodeDecodeError traceback (on the Data sources page and in cli.py).
    data = json.loads(DEMO_PLAN.read_text(encoding="utf-8"))
    data["territories"][0]["name"] = "Amérique du Nord Est"
    path = tmp_path / f"plan_latin1{suffix}"
    text = json.dumps(data, ensure_ascii=False) if suffix == ".json" else yaml.safe_dump(data, allow_unicode=True)
    path.write_bytes(text.encode("cp1252"))
    notes = []
    assert load_plan(path, notes).territories[0].name == "Amérique du Nord Est"
    assert len(notes) == 1 and notes[0].startswith(f"plan_latin1{suffix} is not UTF-8: read as Windows-1252")
    assert load_plan(path).territories[0].name == "Amérique du Nord Est"  # (notes are optional)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_plan_with_a_utf8_byte_order_mark_is_read(tmp_path, suffix):
    # It was refused: "Unexpected UTF-8 BOM (decode using utf-8-sig) … Fix the JSON syntax".
    data = json.loads(DEMO_PLAN.read_text(encoding="utf-8"))
    path = tmp_path / f"plan_bom{suffix}"
    text = json.dumps(data) if suffix == ".json" else yaml.safe_dump(data)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    notes = []
    assert load_plan(path, notes) == load_plan(DEMO_PLAN)
    assert notes == []
