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


def test_a_yaml_plan_s_ids_are_read_as_written(tmp_path):
    # YAML 1.1 read 0123 as the octal number 83, Norway's NO as false and ON (Ontario) as true: a territory "0123"
    # became "83", and "'False' is not a region id" was said of a file that never says False (a review).
    path = tmp_path / "plan.yaml"
    path.write_text(
        "name: y\nterritories:\n  - territory_id: 0123\n    region_ids: [NO, US-NY]\n"
        "  - territory_id: ON\n    region_ids: [CA-ON]\n    annual_quota: 1500000\n"
        "reps:\n  - rep_id: 007\n    name: Bond\n    territory_ids: [0123, ON]\n    capacity: 40\n    active: yes\n"
    )  # fmt: skip
    plan = load_plan(path)
    assert [t.territory_id for t in plan.territories] == ["0123", "ON"]
    assert plan.territory("0123").region_ids == ("NO", "US-NY") and plan.territory("ON").annual_quota == 1_500_000
    (rep,) = plan.reps
    assert (rep.rep_id, rep.territory_ids, rep.capacity, rep.active) == ("007", ("0123", "ON"), 40, True)


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
        # (a boolean was read as 1: an annual quota of $1, a review)
        (minimal(annual_quota=True), r"annual_quota' must be a number, got True"),
        (minimal(parent_id="T1"), r"territory 1 \(T1\), field 'parent_id'.*its parent is itself.*Leave its parent_id"),
        (
            {
                "territories": [{"territory_id": "A", "parent_id": "B"}, {"territory_id": "B", "parent_id": "A"}],
                "reps": [],
            },
            r"territory 1 \(A\), field 'parent_id'.*its parents make a cycle: A → B → A",
        ),  # fmt: skip
        (
            {**minimal(), "reps": [{"rep_id": "R", "home_region": "New York"}]},
            r"rep 1 \(R\), field 'home_region'.*'New York' is not a region id",
        ),  # fmt: skip
        ({**minimal(), "settings": {"target_accounts_per_rep": -5}}, r"must be more than 0, got -5"),
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


# -- every problem of a plan file at once -------------------------------------------------------------------------
# A file with several problems was refused for the first alone: fixed and loaded again, it was refused for the next.


def three_problems():
    """Two reps with a capacity in words, a territory id twice and a rep in a territory the plan lacks."""
    return {
        "name": "FY27",
        "territories": [{"territory_id": "EAST", "region_ids": ["US-NY"]}, {"territory_id": "WEST"},
                        {"territory_id": "EAST", "region_ids": ["US-NJ"]}],
        "reps": [{"rep_id": "R01", "territory_ids": ["EAST"], "capacity": "forty"},
                 {"rep_id": "R02", "territory_ids": ["WEST"], "capacity": "ten"},
                 {"rep_id": "R03", "territory_ids": ["NORTH"]}],
    }  # fmt: skip


def test_every_problem_of_a_plan_is_said_at_once_naming_its_entry_and_field():
    with pytest.raises(PlanFileError) as caught:
        plan_from_dict(three_problems(), source="fy27.json")
    error = caught.value
    said = [str(problem) for problem in error.problems]
    assert said == [
        "fy27.json, territory 3, field 'territory_id': duplicate territory_id 'EAST'. Ids must be unique",
        "fy27.json, rep 1 (R01), field 'capacity': 'capacity' must be a number, got 'forty'",
        "fy27.json, rep 2 (R02), field 'capacity': 'capacity' must be a number, got 'ten'",
        "fy27.json, rep 3 (R03), field 'territory_ids': unknown territory 'NORTH'. Use one of: EAST, WEST",
    ]
    assert str(error) == "\n".join(["fy27.json: 4 problems; fix them all, then load the file again:",
                                    *(f"- {line}" for line in said)])  # fmt: skip
    assert error.headline == "fy27.json: 4 problems; fix them all, then load the file again:"
    assert isinstance(error, InputDataError) and all(isinstance(p, PlanFileError) for p in error.problems)


def test_a_single_problem_is_said_as_before():
    with pytest.raises(PlanFileError) as caught:
        plan_from_dict(minimal(color="blue"), source="p.json")
    assert caught.value.problems == (caught.value,)
    assert (
        str(caught.value)
        == caught.value.headline
        == ("p.json, territory 1 (T1), field 'color': color 'blue' is not a #rrggbb hex color")
    )


def test_problems_in_every_section_and_in_one_entry_are_all_said():
    data = {
        "territories": [{"territory_id": "T1", "region_ids": ["New York", "US-NY", "Boston"], "tiers": ["giant"],
                         "annual_quota": "lots", "parent_id": "NOPE"},
                        {"name": "no id"}, "not an object"],
        "reps": [{"rep_id": "R1", "territory_ids": ["T1"], "capacity": 2.5, "active": "yes"}],
        "overrides": [{"account_id": "A1", "territory_id": "X", "rep_id": "ghost"}],
        "settings": {"tier_weights": {"giant": 1, "smb": "heavy"}, "workload_basis": "hours",
                     "scoring": {"tier1_min": 30, "tier2_min": 50}},
        "accounts": [{"account_id": "A1", "tier": "huge", "owner": "R9"}, {"account_id": "A1", "status": "lost"}],
    }  # fmt: skip
    with pytest.raises(PlanFileError) as caught:
        plan_from_dict(data, source="all.yaml")
    said = [" ".join(str(p).split()) for p in caught.value.problems]
    expected = [
        "territory 1 (T1), field 'region_ids': 'New York', 'Boston' are not region ids",
        "territory 1 (T1), field 'tiers': unknown tier 'giant'",
        "territory 1 (T1), field 'annual_quota': 'annual_quota' must be a number, got 'lots'",
        "territory 2, field 'territory_id': missing 'territory_id'",
        "territory 3: each territory must be an object",
        "rep 1 (R1), field 'capacity': capacity must be a whole number of accounts, got 2.5",
        "rep 1 (R1), field 'active': 'active' must be true or false",
        "territory 1 (T1), field 'parent_id': parent 'NOPE' is not a territory of this plan",
        "override 1 (A1), field 'territory_id': unknown territory 'X'",
        "override 1 (A1), field 'rep_id': unknown rep 'ghost'",
        "field 'settings.tier_weights': unknown tier 'giant'",
        "field 'settings.tier_weights.smb': 'smb' must be a number, got 'heavy'",
        "field 'settings.workload_basis': 'workload_basis' was 'hours' but must be one of tier, activation",
        "field 'settings.scoring.tier2_min': tier2_min (50) is above tier1_min (30)",
        "account 1 (A1), field 'tier': unknown tier 'huge'",
        "account 2 (A1), field 'status': unknown status 'lost'",
        "account 2, field 'account_id': duplicate account_id 'A1'",
        "account 1 (A1), field 'owner': unknown rep 'R9'",
    ]
    assert len(said) == len(expected)
    for line, fragment in zip(said, expected, strict=True):
        assert line.startswith("all.yaml, ") and fragment in line, (line, fragment)


def test_an_entry_with_a_bad_field_still_counts_for_the_others():
    # (a territory with a bad colour is still one a rep may cover: no "unknown territory 'T1'" after it)
    data = {**minimal(color="blue"), "reps": [{"rep_id": "R1", "territory_ids": ["T1"], "capacity": "x"}],
            "accounts": [{"account_id": "A1", "owner": "R1"}]}  # fmt: skip
    with pytest.raises(PlanFileError) as caught:
        plan_from_dict(data)
    assert [p.column for p in caught.value.problems] == ["territories[0]{T1}.color", "reps[0]{R1}.capacity"]


def test_past_twenty_problems_the_rest_are_counted():
    data = {"territories": [], "reps": [{"rep_id": f"R{n:02d}", "capacity": "many"} for n in range(1, 26)]}
    with pytest.raises(PlanFileError) as caught:
        plan_from_dict(data, source="big.json")
    error = caught.value
    assert len(error.problems) == 25
    lines = str(error).splitlines()
    assert lines[0] == "big.json: 25 problems; fix them all, then load the file again:"
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "- and 5 more"
    assert lines[20] == "- big.json, rep 20 (R20), field 'capacity': 'capacity' must be a number, got 'many'"


def test_activation_weights_that_are_not_an_object_are_a_problem_not_a_crash():
    # (a list was an AttributeError: a traceback on the Data sources page)
    data = {**minimal(color="blue"), "settings": {"activation_weights": [3, 2, 1]}}
    with pytest.raises(PlanFileError) as caught:
        plan_from_dict(data)
    assert "field 'settings.activation_weights': must be an object of name: number" in str(caught.value)
    assert len(caught.value.problems) == 2


def test_load_plan_names_the_file_on_each_problem(tmp_path):
    path = tmp_path / "fy27.yaml"
    path.write_text(yaml.safe_dump(three_problems()))
    with pytest.raises(PlanFileError) as caught:
        load_plan(path)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("fy27.yaml: 4 problems") and all(line.startswith("- fy27.yaml, ") for line in lines[1:])


def test_a_seed_plan_s_problems_are_all_said_in_the_seed_s_words(tmp_path):
    from tests.conftest import ROOT

    data = json.loads((ROOT / "tests" / "fixtures" / "seed_plan.json").read_text())
    data["accountExecutives"][0]["territories"] = ["NOPE"]
    data["accountExecutives"][0]["capacity"] = "lots"
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(data))
    with pytest.raises(PlanFileError) as caught:
        load_plan(path)
    columns = [p.column for p in caught.value.problems]
    assert columns == ["accountExecutives[0]{AE-001}.territories", "accountExecutives[0]{AE-001}.capacity"]
    assert str(caught.value).startswith("seed.json: 2 problems")


def test_gather_needs_a_problem():
    with pytest.raises(ValueError, match="`problems` was empty"):
        PlanFileError.gather([])


def test_an_infinite_number_is_a_problem_not_a_crash(tmp_path):
    # (1e999 in a JSON file reads as infinity: int() of it raised OverflowError past the page's error handling)
    path = tmp_path / "plan.json"
    path.write_text('{"name": "p", "territories": [{"territory_id": "T1", "name": "One", "region_ids": ["US-NY"], '
                    '"priority": 1e999}], "reps": []}')  # fmt: skip
    with pytest.raises(PlanFileError) as caught:
        load_plan(path)
    assert str(caught.value) == (
        "plan.json, territory 1 (T1), field 'priority': 'priority' must be a finite number, got inf"
    )


def test_a_plan_built_with_lists_holds_tuples_and_hashes():
    from territory.model import Plan, Rep, Scoring, Settings, Territory

    plan = Plan(
        name="lists",
        territories=[Territory("E", "East", region_ids=["US-NY"], industries=["Retail"])],
        reps=[Rep("R0", "Ann", territory_ids=["E"], specialties=["Retail"])],
        settings=Settings(
            tier_weights=[["enterprise", 3.0]],
            activation_weights={1: 3.0},
            scoring=Scoring(fit_weights=[("industry", 1.0)]),
        ),
        unclaimed_region_ids=["US-36061"],
    )
    assert plan.territories[0].region_ids == ("US-NY",)
    assert plan.reps[0].territory_ids == ("E",)
    assert plan.settings.tier_weights == (("enterprise", 3.0),)
    assert plan.settings.activation_weights == ((1, 3.0),)
    assert plan.settings.scoring.fit_weights == (("industry", 1.0),)
    assert plan.unclaimed_region_ids == ("US-36061",)
    assert hash(plan) == hash(
        Plan(
            name="lists",
            territories=(Territory("E", "East", region_ids=("US-NY",), industries=("Retail",)),),
            reps=(Rep("R0", "Ann", territory_ids=("E",), specialties=("Retail",)),),
            settings=Settings(
                tier_weights=(("enterprise", 3.0),),
                activation_weights=((1, 3.0),),
                scoring=Scoring(fit_weights=(("industry", 1.0),)),
            ),
            unclaimed_region_ids=("US-36061",),
        )
    )


def test_a_plan_file_with_aliases_that_expand_past_reason_or_nested_too_deeply_is_refused(tmp_path):
    # A security review: 435 bytes of YAML aliases made a territory name of 312 million characters (one level more
    # took all the server's memory), and a JSON plan nested 100,000 deep ended in a traceback.
    from territory import load_plan
    from territory.errors import PlanFileError

    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)
    ]
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text("\n".join(levels) + "\nname: *i\nterritories: []\nreps: []\n")
    with pytest.raises(PlanFileError, match="aliases .* repeat more than 100,000 values"):
        load_plan(laughs)
    # (tuples (!!omap) counted too, and a plan's own name, a number's message, kept short: a review of the fix)
    omap = tmp_path / "omap.yaml"
    omap.write_text("a: &a !!omap [{k1: x}, {k2: x}, {k3: x}, {k4: x}, {k5: x}, {k6: x}, {k7: x}, {k8: x}, {k9: x}]\n"
                    + "\n".join(f"{chr(98 + i)}: &{chr(98 + i)} !!omap [" + ", ".join(f"{{k{j}: *{chr(97 + i)}}}"
                                 for j in range(9)) + "]" for i in range(7))
                    + "\nname: plan\nterritories: []\nreps: []\n")  # fmt: skip
    with pytest.raises(PlanFileError, match="aliases .* repeat more than 100,000 values"):
        load_plan(omap)
    named = tmp_path / "named.yaml"
    named.write_text("a: &a [x, y, z]\nname: *a\nterritories: []\nreps: []\n")
    with pytest.raises(PlanFileError, match="'name' must be text, got a list"):
        load_plan(named)
    small = tmp_path / "small.yaml"
    small.write_text("a: &a [x, y]\nname: demo\nterritories:\n- {territory_id: T, name: *a}\nreps: []\n")
    with pytest.raises(PlanFileError, match="'name' must be text, got a list"):
        load_plan(small)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(PlanFileError, match="nested too deeply"):
        load_plan(deep)
    shared = tmp_path / "shared.yaml"  # (aliases within reason are read)
    shared.write_text("regions: &r [US-TX, US-OK]\nterritories:\n- {territory_id: S, region_ids: *r}\n"
                      "- {territory_id: N, region_ids: [US-NY]}\nreps: []\n")  # fmt: skip
    assert load_plan(shared).territory("S").region_ids == ("US-TX", "US-OK")
