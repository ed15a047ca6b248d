"""The CLI contract: output shapes, exit codes and one-line errors naming file, row and field."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli
from tests.conftest import DEMO_ACCOUNTS, DEMO_PLAN, ROOT

SEED = ROOT / "tests" / "fixtures" / "seed_plan.json"


def run_cli(*args, capsys):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def new_account(tmp_path):
    path = tmp_path / "new.csv"
    path.write_text("id,region,industry,estimatedValue,tier\nNEW-1,US-NY,fintech,250000,enterprise\n")
    return path


def test_assign_json_contract_with_the_seed_new_account(new_account, capsys):
    code, out, err = run_cli("assign", "--plan", SEED, "--accounts", new_account, capsys=capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert isinstance(rows, list)
    by_id = {r["account_id"]: r for r in rows}
    assert set(by_id) == {"ACC-001", "NEW-1"}
    for row in rows:
        assert {"account_id", "status", "reason", "territory_id", "rep_id"} <= set(row)
    new = by_id["NEW-1"]
    assert (new["status"], new["reason"], new["territory_id"], new["rep_id"]) == (
        "assigned",
        None,
        "TERR-001",
        "AE-001",
    )


def test_assign_reports_reasons_and_nulls(tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_text("id,region,industry,estimatedValue\nX,US-TX,fintech,10\nY,DE,manufacturing,10\n")
    code, out, _ = run_cli("assign", "--plan", SEED, "--accounts", path, capsys=capsys)
    assert code == 0
    by_id = {r["account_id"]: r for r in json.loads(out)}
    assert by_id["X"]["status"] == "unassigned" and by_id["X"]["reason"] == "no-matching-territory"
    assert by_id["X"]["territory_id"] is None and by_id["X"]["rep_id"] is None
    assert by_id["Y"]["reason_detail"] == "industry"


def test_balance_json_contract(new_account, capsys):
    code, out, _ = run_cli("balance", "--plan", SEED, "--accounts", new_account, capsys=capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"territories", "reps", "team"}
    nae = next(t for t in data["territories"] if t["territory_id"] == "TERR-001")
    for key in [
        "territory_id",
        "accounts",
        "total_value",
        "reps",
        "accounts_per_rep",
        "value_per_rep",
        "workload",
        "balance_score",
    ]:
        assert key in nae
    # The plan's assignment plus the one --accounts adds.
    assert (nae["accounts"], nae["total_value"], nae["reps"]) == (2, 430_000, 1)
    expected = 1 - (abs(2 - 30) / 30 + abs(430_000 - 2_500_000) / 2_500_000) / 2
    assert nae["balance_score"] == pytest.approx(expected, abs=5e-5)  # (4 decimals)


def test_balance_without_accounts_counts_the_plan(capsys):
    code, out, _ = run_cli("balance", "--plan", SEED, capsys=capsys)
    assert code == 0
    nae = next(t for t in json.loads(out)["territories"] if t["territory_id"] == "TERR-001")
    assert (nae["accounts"], nae["total_value"], nae["reps"]) == (1, 180_000, 1)
    assert nae["balance_score"] == 0.05267  # (4 significant digits below 1)


def test_balance_csv_tables(capsys, tmp_path):
    out_file = tmp_path / "reps.csv"
    code, out, _ = run_cli(
        "balance", "--plan", SEED, "--format", "csv", "--table", "reps", "--out", out_file, capsys=capsys
    )
    assert code == 0 and out == ""
    assert out_file.read_text().splitlines()[0].startswith("rep_id,name,active")
    # the team's figures, one row, as the JSON's "team" (the score and the accounts waiting were in the JSON only)
    code, out, _ = run_cli("balance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                           "--format", "csv", "--table", "team", capsys=capsys)  # fmt: skip
    code_json, out_json, _ = run_cli("balance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                                     capsys=capsys)  # fmt: skip
    team = pd.read_csv(io.StringIO(out))
    expected = json.loads(out_json)["team"]
    assert code == code_json == 0 and len(team) == 1
    assert team.loc[0, "balance_score"] == pytest.approx(expected["balance_score"])
    assert team.loc[0, "accounts_waiting"] == expected["accounts_waiting"] > 0


def test_gaps_and_whitespace_on_the_demo(capsys):
    code, out, _ = run_cli("gaps", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", capsys=capsys)
    assert code == 0
    gaps = json.loads(out)
    assert set(gaps) == {
        "uncovered_regions",
        "territories_without_active_rep",
        "reps_over_capacity",
        "conflicts",
        "unassigned_by_reason",
    }
    assert gaps["uncovered_regions"][0]["accounts"] > 0
    assert {r["reason"] for r in gaps["unassigned_by_reason"]} >= {"no-matching-territory", "at-capacity"}
    code, out, _ = run_cli(
        "whitespace", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", capsys=capsys
    )
    assert code == 0
    regions = json.loads(out)
    assert regions[0]["white_space"] >= regions[-1]["white_space"]
    assert "US-NJ" in {r["region_id"] for r in regions}


def test_invalid_rows_exit_2_naming_file_row_and_field(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("id,lat,lon,industry\nA,40.7,-74.0,fintech\nB,123,-74.0,fintech\n")
    code, out, err = run_cli("assign", "--plan", SEED, "--accounts", path, capsys=capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: bad.csv, line 3, column 'lat': is not a latitude")
    assert "--skip-invalid" in lines[0]
    # (not "row skipped": nothing ran, a new user's test)
    assert "row skipped" not in lines[0] and lines[0].endswith(
        "(1 row cannot be used, so nothing ran; pass --skip-invalid to go on without it)"
    ), lines[0]
    code, out, err = run_cli("assign", "--plan", SEED, "--accounts", path, "--skip-invalid", capsys=capsys)
    assert code == 0
    assert [r["account_id"] for r in json.loads(out)] == ["ACC-001", "A"]
    assert "bad.csv, line 3, column 'lat'" in err
    # Several rows: every one named at once (the others were said only with --skip-invalid, the fourteenth new user)
    path.write_text("id,lat,lon,industry\nA,40.7,-74.0,fintech\nB,123,-74.0,fintech\nC,,,fintech\n")
    code, out, err = run_cli("assign", "--plan", SEED, "--accounts", path, capsys=capsys)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines[0] == ("error: bad.csv: 2 rows cannot be used, so nothing ran; pass --skip-invalid to go on without "
                        "them, or fix them:"), lines  # fmt: skip
    assert lines[1].strip().startswith("- bad.csv, line 3, column 'lat': is not a latitude")
    assert (
        lines[2].strip() == "- bad.csv, line 4, column 'address': no coordinates and no address (ZIP, city, region "
        "code) to place it"
    )


def test_a_file_of_many_problems_lists_some_counts_the_rest_and_writes_them_all(tmp_path, capsys):
    # A 50,000-row file of repeated rows gave 45,129 lines on stderr and no summary (a new user's test).
    path = tmp_path / "repeated.csv"
    path.write_text("id,name,zip\n" + "".join(f"A{i % 10},Acme {i},10001\n" for i in range(300)))
    code, out, err = run_cli("assign", "--plan", SEED, "--accounts", path, "--skip-invalid", capsys=capsys)
    assert code == 0
    said = [line for line in err.splitlines() if "repeated.csv" in line]
    assert len([line for line in said if ", line " in line]) == 50
    assert (
        "warning: repeated.csv: 240 more problems not listed (240 skipped rows); pass --problems FILE to write "
        "them all (CSV), or see them on the Accounts page" in said
    )
    problems = tmp_path / "problems.csv"
    code, out, err = run_cli("assign", "--plan", SEED, "--accounts", path, "--problems", problems, capsys=capsys)
    assert code == 2 and out == ""
    assert err.splitlines()[0] == ("wrote 290 problems of repeated.csv to " + str(problems))
    assert err.splitlines()[1].endswith(f"or fix them (all of them in {problems}):")
    assert err.splitlines()[-1] == "  - and 270 more"
    table = pd.read_csv(problems)
    assert list(table.columns) == ["line", "account_id", "column", "value", "problem", "severity"]
    assert len(table) == 290 and table["line"].tolist()[:2] == [12, 13]
    code, _, err = run_cli("assign", "--plan", SEED, "--accounts", path, "--problems", path.parent, capsys=capsys)
    assert code == 2 and "is a folder" in err and "--problems" in err
    # (naming the accounts file: it was written over with its problems, a new user's test)
    before = path.read_bytes()
    code, _, err = run_cli("assign", "--plan", SEED, "--accounts", path, "--problems", path, capsys=capsys)
    assert code == 2 and path.read_bytes() == before
    assert err.startswith(f"error: option --problems: --problems names the file --accounts reads ({path})")
    plan = tmp_path / "plan.json"
    plan.write_bytes(Path(SEED).read_bytes())
    code, _, err = run_cli("balance", "--plan", plan, "--out", plan, capsys=capsys)
    assert code == 2 and "--out names the file --plan reads" in err and plan.read_bytes() == Path(SEED).read_bytes()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("id,name\nA,x\n", "noplace.csv", r"error: noplace\.csv: has neither coordinates nor an address"),
        ("", "empty.csv", r"error: empty\.csv: the file is empty"),
    ],
)
def test_bad_accounts_file(tmp_path, capsys, content, name, message):
    path = tmp_path / name
    path.write_text(content)
    code, _, err = run_cli("assign", "--plan", SEED, "--accounts", path, capsys=capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert re.match(message, err)


def test_bad_plan_names_the_seed_field(tmp_path, capsys):
    data = json.loads(SEED.read_text())
    data["accountExecutives"][0]["territories"] = ["NOPE"]
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(data))
    code, _, err = run_cli("balance", "--plan", path, capsys=capsys)
    assert code == 2
    assert err.startswith(
        "error: seed.json, accountExecutives entry 1 (AE-001), field 'territories': unknown territory 'NOPE'"
    )


def test_a_plan_with_several_problems_says_each_on_a_line_of_its_own(tmp_path, capsys):
    # Only the first was said: run again after fixing it, the command stopped at the next one.
    path = tmp_path / "fy27.json"
    path.write_text(json.dumps({
        "territories": [{"territory_id": "E"}, {"territory_id": "E"}],
        "reps": [{"rep_id": "R1", "territory_ids": ["E"], "capacity": "forty"},
                 {"rep_id": "R2", "territory_ids": ["E"], "capacity": "ten"},
                 {"rep_id": "R3", "territory_ids": ["NOPE"]}],
    }))  # fmt: skip
    code, out, err = run_cli("balance", "--plan", path, capsys=capsys)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "error: fy27.json: 4 problems; fix them all, then load the file again:",
        "  - fy27.json, territory 2, field 'territory_id': duplicate territory_id 'E'. Ids must be unique",
        "  - fy27.json, rep 1 (R1), field 'capacity': 'capacity' must be a number, got 'forty'",
        "  - fy27.json, rep 2 (R2), field 'capacity': 'capacity' must be a number, got 'ten'",
        "  - fy27.json, rep 3 (R3), field 'territory_ids': unknown territory 'NOPE'. Use one of: E",
    ]


def test_missing_files(tmp_path, capsys):
    code, _, err = run_cli("balance", "--plan", tmp_path / "none.json", capsys=capsys)
    assert code == 2 and "none.json: file not found" in err
    code, _, err = run_cli("assign", "--plan", SEED, "--accounts", tmp_path / "none.csv", capsys=capsys)
    assert code == 2 and "none.csv: file not found" in err


def test_assign_without_accounts_on_a_plan_without_any(tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"territories": [], "reps": []}))
    code, _, err = run_cli("assign", "--plan", path, capsys=capsys)
    assert code == 2 and "assign needs accounts" in err


def test_csv_output_neutralises_formulas(tmp_path, capsys):
    path = tmp_path / "evil.csv"
    path.write_text('id,region,industry\n"=HYPERLINK(""http://x"")",US-NY,fintech\n')
    code, out, _ = run_cli("assign", "--plan", SEED, "--accounts", path, "--format", "csv", capsys=capsys)
    assert code == 0
    assert "'=HYPERLINK" in out
    assert "\n=HYPERLINK" not in out


def test_owner_given_by_rep_name_is_matched(tmp_path, capsys):
    path = tmp_path / "owned.csv"
    path.write_text("id,region,industry,Account Owner\nO1,US-PA,healthcare,sarah chen\n")
    code, out, _ = run_cli("assign", "--plan", SEED, "--accounts", path, capsys=capsys)
    row = next(r for r in json.loads(out) if r["account_id"] == "O1")
    assert (row["rep_id"], row["rule"]) == ("AE-001", "owner")


def test_as_a_subprocess():
    done = subprocess.run(
        [sys.executable, "cli.py", "balance", "--plan", str(SEED)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["team"]["active_reps"] == 2
    bad = subprocess.run(
        [sys.executable, "cli.py", "balance", "--plan", "nope.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0


def test_whitespace_by_population(tmp_path, capsys):
    plan = json.loads(DEMO_PLAN.read_text())
    plan["settings"]["potential"] = "population"
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan))
    code, _, err = run_cli("whitespace", "--plan", plan_path, capsys=capsys)
    assert code == 2 and "Pass --population" in err
    population = tmp_path / "pop.csv"
    population.write_text("region_id,population\nUS-NY,19500000\nUS-NJ,9300000\nus-ca,39000000\n")
    code, out, err = run_cli(
        "whitespace",
        "--plan",
        plan_path,
        "--accounts",
        DEMO_ACCOUNTS,
        "--skip-invalid",
        "--population",
        population,
        capsys=capsys,
    )
    assert code == 0, err
    rows = {r["region_id"]: r for r in json.loads(out)}
    assert rows["US-CA"]["potential"] == 39_000_000
    population.write_text("region_id,population\nUS-NY,lots\n")
    code, _, err = run_cli("whitespace", "--plan", plan_path, "--population", population, capsys=capsys)
    assert code == 2 and "pop.csv, line 2, column 'population': 'lots' is not a population" in err
    # (a figure written with a thousands comma, unquoted, shifted the row: its region read as the index)
    population.write_text("\nregion_id,population\nUS-NY,19,500,000\nUS-NJ,9300000\nUS-CA,39,000,000\n")
    code, _, err = run_cli("whitespace", "--plan", plan_path, "--population", population, capsys=capsys)
    assert code == 2 and "pop.csv, line 3: 4 fields where the header has 2 (and line 5)" in err, err
    assert 'double quotes ("19,500,000")' in err
    # (quoted after a space, as a spreadsheet may write it: read as the number)
    population.write_text('region_id,population\nUS-NY, "19,500,000"\n')
    code, _, err = run_cli("whitespace", "--plan", plan_path, "--population", population, capsys=capsys)
    assert code == 0 and "ParserWarning" not in err, err


def test_export_import_and_diff_plan_folders(tmp_path, capsys):
    folder = tmp_path / "plan"
    code, out, err = run_cli("export-plan", "--plan", DEMO_PLAN, "--out", folder, capsys=capsys)
    assert code == 0, err
    assert set(json.loads(out)["files"]) == {"plan.yaml", "alignment.csv", "overrides.csv", "territories.geojson"}
    shapes = json.loads((folder / "territories.geojson").read_text())
    assert {f["properties"]["territory_id"] for f in shapes["features"]} == {"NAE", "EUW", "USW", "USS", "USC", "CAW"}
    # Edit the folder as a pull request would: New Jersey joins North America East.
    with (folder / "alignment.csv").open("a") as handle:
        handle.write("US-NJ,NAE\n")
    code, out, err = run_cli("diff", "--plan", DEMO_PLAN, "--new", folder, capsys=capsys)
    assert code == 0, err
    assert json.loads(out)["regions"] == [
        {"region_id": "US-NJ", "region_name": "New Jersey", "from_territory_id": None, "to_territory_id": "NAE",
         "from_name": "No territory", "to_name": "North America East"}
    ]  # fmt: skip
    code, out, err = run_cli(
        "diff", "--plan", DEMO_PLAN, "--new", folder, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
        "--format", "csv", "--table", "handoffs", capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[0] == "rep_id,name,accounts_gained,value_gained,accounts_lost,value_lost,net_accounts"
    code, out, err = run_cli("import-plan", "--plan", folder, "--out", tmp_path / "plan.json", capsys=capsys)
    assert code == 0, err
    back = json.loads((tmp_path / "plan.json").read_text())
    assert "US-NJ" in next(t for t in back["territories"] if t["territory_id"] == "NAE")["region_ids"]


def test_diff_lists_the_reps_changed(tmp_path, capsys):
    # Three capacities changed and a rep made inactive printed empty tables.
    data = json.loads(DEMO_PLAN.read_text())
    for rep in data["reps"][:3]:
        rep["capacity"] -= 10
    data["reps"][0]["active"] = False
    new = tmp_path / "plan.json"
    new.write_text(json.dumps(data))
    code, out, err = run_cli("diff", "--plan", DEMO_PLAN, "--new", new, capsys=capsys)
    assert code == 0, err
    shown = json.loads(out)
    assert shown["regions"] == [] and shown["territories"] == []
    first, second, third = ({**r, "capacity": r["capacity"] + 10} for r in data["reps"][:3])
    assert shown["reps"] == [
        {"rep_id": first["rep_id"], "name": first["name"], "change": "changed",
         "detail": f"active yes → no; capacity {first['capacity']} → {first['capacity'] - 10}"},
        {"rep_id": second["rep_id"], "name": second["name"], "change": "changed",
         "detail": f"capacity {second['capacity']} → {second['capacity'] - 10}"},
        {"rep_id": third["rep_id"], "name": third["name"], "change": "changed",
         "detail": f"capacity {third['capacity']} → {third['capacity'] - 10}"},
    ]  # fmt: skip
    code, out, err = run_cli("diff", "--plan", DEMO_PLAN, "--new", new, "--format", "csv", "--table", "reps",
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "rep_id,name,change,detail" and len(lines) == 4
    assert lines[1] == f"{first['rep_id']},{first['name']},changed,active yes → no; capacity 180 → 170"


def test_a_bad_plan_folder_exits_2_naming_the_row(tmp_path, capsys):
    folder = tmp_path / "plan"
    run_cli("export-plan", "--plan", DEMO_PLAN, "--out", folder, capsys=capsys)
    with (folder / "alignment.csv").open("a") as handle:
        handle.write("US-NJ,NOPE\n")
    code, out, err = run_cli("import-plan", "--plan", folder, "--out", tmp_path / "p.yaml", capsys=capsys)
    assert code == 2 and out == ""
    assert "alignment.csv, line" in err and "unknown territory 'NOPE'" in err
    assert not (tmp_path / "p.yaml").exists()


def test_crm_export(tmp_path, capsys):
    data = json.loads(DEMO_PLAN.read_text())
    for i, rep in enumerate(data["reps"]):
        rep["salesforce_user_id"] = f"005{i:012d}"
    data["reps"][0].pop("hubspot_owner")  # (a rep without a HubSpot user: their accounts are left out, said so)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(data))
    code, out, err = run_cli(
        "crm-export", "--plan", plan, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--crm", "salesforce",
        "--date", "2027-01-04", capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Id,OwnerId,Territory__c,Assignment_Date__c"
    assert len(lines) > 100 and all(line.endswith(",2027-01-04") for line in lines[1:])
    code, out, err = run_cli(
        "crm-export", "--plan", plan, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--crm", "hubspot", capsys=capsys
    )
    lines = out.splitlines()
    assert code == 0 and lines[0] == "Record ID,Company owner,Territory" and len(lines) > 100
    assert all(line.split(",")[1].endswith("@example.com") for line in lines[1:])  # (the demo reps' HubSpot users)
    first = json.loads(DEMO_PLAN.read_text())["reps"][0]
    assert f"whose rep ({first['name']}) has no HubSpot user (add it to the rep in the plan" in err


def test_crm_export_says_which_ids_the_crm_will_not_take(tmp_path, capsys):
    # A rep's Salesforce user id "=0058a…" and accounts A001… were written without a word (a new user's test)
    plan = json.loads(DEMO_PLAN.read_text())
    next(r for r in plan["reps"] if r["rep_id"] == "R01")["salesforce_user_id"] = "=0058a00000000FXAAA"
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan))
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "id,name,lat,lon,industry\nA001,One,40.7,-74.0,fintech\n0018a00000Xyz12AAA,Two,40.8,-73.9,fintech\n"
    )
    code, out, err = run_cli("crm-export", "--plan", plan_path, "--accounts", accounts, "--crm", "salesforce",
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert "account of the file has an Id that is no Salesforce Account Id (A001" in err
    assert "Sarah Chen has a Salesforce user id that is no Salesforce id (=0058a00000000FXAAA)" in err
    assert "correct it in the plan's reps" in err
    assert "'=0058a00000000FXAAA" in out  # (written, with the formula guard)


def test_crm_export_says_and_lists_the_accounts_left_out(tmp_path, capsys):
    # A rep who left (inactive, as rebalance --scenario rep_leaves saves the plan): their accounts wait for a rep, so
    # they are not in the file and keep that rep in the CRM. Said on stderr, and listed with --left-out.
    data = json.loads(DEMO_PLAN.read_text())
    gone = next(r for r in data["reps"] if r["rep_id"] == "R08")
    gone["active"] = False
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(data))
    out, left_out = tmp_path / "hubspot.csv", tmp_path / "left-out.csv"
    code, _, err = run_cli(
        "crm-export", "--plan", plan, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--crm", "hubspot",
        "--out", out, "--left-out", left_out, capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    import pandas as pd

    listed = pd.read_csv(left_out, dtype=str, keep_default_na=False)
    assert list(listed.columns)[:6] == ["account_id", "name", "territory_id", "territory", "rep_id", "reason"]
    written = pd.read_csv(out, dtype=str)
    assert not set(listed["account_id"]) & set(written["Record ID"])
    waiting = listed[listed["reason"] == "waiting for a rep with capacity"]
    assert len(waiting) > 100 and set(waiting["territory_id"]) >= set(gone["territory_ids"])
    line = next(x for x in err.splitlines() if "not in the HubSpot file" in x)
    assert line.startswith(f"warning: {len(listed):,} accounts are not in the HubSpot file: {len(waiting):,} waiting")
    assert f"(listed in {left_out})" in line
    # Every account of the file is in one of the two, the rows that could not be placed too (they were in neither).
    assert len(listed) + len(written) == len(pd.read_csv(DEMO_ACCOUNTS, dtype=str))
    unplaced = listed[listed["reason"].str.startswith("not placed on the map: ")].set_index("account_id")["reason"]
    assert unplaced.to_dict() == {
        # (read the other way, 123 and -74 lie in Antarctica: not said to be swapped)
        "ACC-00635": "not placed on the map: is not a latitude (must be between -90 and 90) (line 636)",
        "ACC-00758": "not placed on the map: no coordinates and no address (ZIP, city, region code) to place it "
        "(line 759)",
    }
    assert "2 not placed on the map (rows of the accounts file skipped)" in line
    code, _, err = run_cli(
        "crm-export", "--plan", plan, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--crm", "hubspot", capsys=capsys
    )
    assert code == 0 and "(pass --left-out FILE to list them)" in err


def test_crm_export_lists_a_row_with_no_account_id_by_its_line(tmp_path, capsys):
    # A row skipped for having no id was in neither the CRM file nor the list left out (a review): listed by its line.
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,name,lat,lon\nA1,One,40.7,-74.0\n,Two,40.8,-73.9\nA3,Three,30.3,-97.7\n")
    out, left_out = tmp_path / "hubspot.csv", tmp_path / "left-out.csv"
    code, _, err = run_cli("crm-export", "--plan", DEMO_PLAN, "--accounts", accounts, "--skip-invalid", "--crm",
                           "hubspot", "--out", out, "--left-out", left_out, capsys=capsys)  # fmt: skip
    assert code == 0, err
    import pandas as pd

    listed = pd.read_csv(left_out, dtype=str, keep_default_na=False)
    written = pd.read_csv(out, dtype=str)
    assert len(listed) + len(written) == 3
    assert listed.loc[listed["account_id"] == "", "reason"].tolist() == [
        "not placed on the map: no account id (line 3)"
    ]


def test_crm_export_left_out_names_the_owner_now_and_flags_reps_who_left(tmp_path, capsys):
    # Luke Anderson (R10) leaves: his waiting accounts were listed with an empty rep_id and no owner, and kept him
    # in Salesforce unsaid. They name him as owner now, flagged "owner left: reassign", and the warning counts them;
    # removed from the plan instead, his id is flagged as an owner who is no rep in the plan.
    data = json.loads(DEMO_PLAN.read_text())
    next(r for r in data["reps"] if r["rep_id"] == "R10")["active"] = False
    plan, left_out = tmp_path / "plan.json", tmp_path / "left-out.csv"
    plan.write_text(json.dumps(data))
    args = ("crm-export", "--plan", plan, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--crm", "salesforce",
            "--out", tmp_path / "owners.csv", "--left-out", left_out)  # fmt: skip
    code, _, err = run_cli(*args, capsys=capsys)
    assert code == 0, err
    import pandas as pd

    listed = pd.read_csv(left_out, dtype=str, keep_default_na=False).set_index("account_id")
    assert list(listed.columns)[-3:] == ["current_owner", "current_owner_name", "owner_flag"]
    assert listed.loc["ACC-00005"].to_dict() == {
        "name": "Summit Forge Holdings", "territory_id": "USC", "territory": "US Central", "rep_id": "",
        "reason": "waiting for a rep with capacity", "current_owner": "R10", "current_owner_name": "Luke Anderson",
        "owner_flag": "owner left: reassign",
    }  # fmt: skip
    flagged = (listed["owner_flag"] == "owner left: reassign").sum()
    assert flagged > 100 and set(listed.loc[listed["owner_flag"] != "", "current_owner"]) == {"R10"}
    line = next(x for x in err.splitlines() if "not in the Salesforce file" in x)
    assert f"they keep the owner they have now, {flagged:,} of them owned by reps who left (Luke Anderson): " in line
    assert "reassign them in Salesforce, or give the territory a rep" in line
    data["reps"] = [r for r in data["reps"] if r["rep_id"] != "R10"]
    plan.write_text(json.dumps(data))
    code, _, err = run_cli(*args, capsys=capsys)
    assert code == 0, err
    listed = pd.read_csv(left_out, dtype=str, keep_default_na=False).set_index("account_id")
    assert listed.loc["ACC-00005", "owner_flag"] == "owner is no rep in the plan: reassign if they left"
    assert "by owners who are no rep in the plan (R10; reps removed?)" in err


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--format", "json"], "option --format: crm-export writes CSV only"),
        (["--table", "owners", "--format", "csv"], "option --table: --table is not read by crm-export"),
        (["--crm", "hubspot", "--date", "2027-01-04"], "option --date: --date is for --crm salesforce"),
        (["--explain", "--seconds", "5"], "option --explain: --explain, --seconds are not read by crm-export"),
    ],
)
def test_crm_export_refuses_options_it_does_not_read(extra, says, tmp_path, capsys):
    out = tmp_path / "out.csv"
    args = ["crm-export", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--out", out]
    code, _, err = run_cli(*args, *(extra if "--crm" in extra else ["--crm", "salesforce", *extra]), capsys=capsys)
    assert code == 2 and len(err.splitlines()) == 1 and not out.exists()
    assert err.startswith(f"error: {says}") and "crm-export reads --plan, --crm, --date, --left-out" in err
    assert "--format csv" in err and "--table" not in err.split("reads")[1]
    # (as for any command: assign does not read --crm)
    code, _, err = run_cli("assign", "--plan", DEMO_PLAN, "--crm", "hubspot", capsys=capsys)
    assert code == 2 and "--crm is not read by assign" in err and "assign reads --plan, --accounts" in err


def test_owners_are_read_by_rep_id_crm_user_or_name(tmp_path, capsys):
    # A CRM export's owner column: Salesforce user ids (18 or 15 characters), HubSpot emails in any case, names.
    path = tmp_path / "export.csv"
    path.write_text(
        "Account ID,Billing State/Province,Billing Country,Industry,Owner ID\n"
        "S1,NY,US,fintech,0058a0000000001AAA\nS2,NY,US,fintech,0058a0000000001\n"
        "S3,NY,US,fintech,SARAH.CHEN@example.com\nS4,NY,US,fintech, sarah  chen\nS5,NY,US,fintech,R01\n"
        "S6,NY,US,fintech,0058a0000000099AAA\nS7,NY,US,fintech,0058a0000000099AAA\n"
    )
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", path, capsys=capsys)
    assert code == 0, err
    by_id = {r["account_id"]: r for r in json.loads(out)}
    assert {by_id[f"S{i}"]["rep_id"] for i in range(1, 6)} == {"R01"}
    assert {by_id[f"S{i}"]["rule"] for i in range(1, 6)} == {"owner"}
    line = next(x for x in err.splitlines() if "matches no rep" in x)
    assert line.startswith("warning: export.csv: 2 accounts have an owner that matches no rep")
    assert "'0058a0000000099AAA' (2)" in line and "salesforce_user_id, hubspot_owner" in line


# -- rebalance ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_rebalance(tmp_path_factory):
    """One rebalance of the demo (state level), its JSON and the plan it saved."""
    out = tmp_path_factory.mktemp("rebalance") / "proposed.json"
    code = cli.main(["rebalance", "--plan", str(DEMO_PLAN), "--accounts", str(DEMO_ACCOUNTS), "--skip-invalid",
                     "--save-plan", str(out), "--out", str(out.with_name("summary.json"))])  # fmt: skip
    assert code == 0
    return json.loads(out.with_name("summary.json").read_text()), out


def test_rebalance_json_contract(demo_rebalance):
    from territory import load_plan

    summary, _ = demo_rebalance
    plan = load_plan(DEMO_PLAN)
    assert summary["scenario"] == "rebalance"
    assert (
        set(summary["deviation"])
        == set(summary["bound"])
        == set(summary["within_tolerance"])
        == set(summary["as_close_as_possible"])
        == {
            "workload",
            "value",
        }
    )
    # US South is in two pieces already: Texas and Louisiana lie apart from its other states, across Arkansas and
    # Mississippi, which no territory holds. It stays in two pieces; no territory is split.
    assert summary["contiguous"] is False and summary["split_at_start"] == ["USS"]
    assert list(summary["pieces"]) == ["USS"] and len(summary["pieces"]["USS"]) == 2
    assert set(summary["pieces"]["USS"][1]) <= {"US-TX", "US-LA", "US-AR", "US-OK", "US-NM", "US-MS"}
    assert all(m["region_name"] for m in summary["moves"])
    # Europe West cannot trade regions with the American territories: kept apart, and no move touches it.
    assert summary["kept_apart"] == ["EUW"]
    moves = summary["moves"]
    assert summary["regions_moved"] == len(moves) > 0
    assert all(m["from_territory_id"] != m["to_territory_id"] for m in moves)
    assert not any("EUW" in (m["from_territory_id"], m["to_territory_id"]) for m in moves)
    assert {t["territory_id"] for t in summary["territories"]} == {t.territory_id for t in plan.territories}
    assert summary["accounts_moved"] > 0 and summary["value_moved"] > 0
    # Territories trade regions only with touching territories that take the same accounts: North America East
    # (fintech, healthcare) and US Central (enterprise, mid-market) take other accounts than their neighbours, and
    # US South touches no other territory that takes every account. Sized by their reps' capacity, US West and
    # Canada West end without accounts waiting for a rep or falling out of the territories.
    assert summary["kept_own_focus"] == ["NAE", "USC", "USS"]
    assert not any({"NAE", "USC", "USS"} & {m["from_territory_id"], m["to_territory_id"]} for m in moves)
    assert summary["warnings"] == []
    # Each rep's handoff adds up.
    handoffs = summary["handoffs"]
    assert handoffs and {"rep_id", "accounts_gained", "accounts_lost", "net_accounts"} <= set(handoffs[0])
    assert all(h["net_accounts"] == h["accounts_gained"] - h["accounts_lost"] for h in handoffs)


def test_rebalance_saves_the_proposed_plan_with_the_moves(demo_rebalance):
    from geo.editing import region_holders
    from territory import load_plan

    summary, saved = demo_rebalance
    proposed = load_plan(saved)
    assert proposed.name == "Demo FY27 plan — rebalanced"
    holders = region_holders(proposed, "state")
    for move in summary["moves"]:
        assert holders[move["region_id"]] == move["to_territory_id"]


def test_rebalance_rep_leaves_as_csv(capsys):
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--territory", "USC", "--format", "csv",
                             "--table", "territories", capsys=capsys)  # fmt: skip
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("territory_id,name,judged,reps,regions,parts,locked,share,workload,workload_deviation")
    ids = {line.split(",")[0] for line in lines[1:]}
    assert "USC" not in ids and {"USS", "USW", "NAE"} <= ids
    # figures to the cent and deviations to a hundredth of a per cent (not 2784584.263157895)
    assert not re.search(r"\.\d{5,}", out), out


@pytest.mark.parametrize("level", ["state", "county"])
def test_rebalance_with_white_space_lets_a_territory_take_a_way_through_to_one_it_could_not_reach(level, capsys):
    # Without --white-space US South (Tom Becker gone, +41% workload) trades with no one (the test above); with it,
    # US West takes New Mexico (or a way through its counties), US South hands it regions, and the JSON lists the
    # white space taken among the moves, from no territory.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R08", "--white-space", "--level", level,
                             "--seconds", "1", capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert "white space taken (regions no territory held):" in summary["description"]
    assert "as a way through to US South" in summary["description"]
    taken = summary["white_space_taken"]
    from_none = sorted(m["region_id"] for m in summary["moves"] if m["from_territory_id"] is None)
    assert taken == from_none and taken, summary["moves"]
    assert any(r == "US-NM" or r.startswith("US-35") for r in taken)  # (New Mexico, or its counties)
    assert not any(m["to_territory_id"] is None for m in summary["moves"])  # (none given back to white space)
    south = next(t for t in summary["territories"] if t["territory_id"] == "USS")
    assert abs(south["workload_deviation"]) < 0.1 and not south["kept"]
    assert any(m["from_territory_id"] == "USS" and m["to_territory_id"] == "USW" for m in summary["moves"])


def test_rebalance_white_space_with_a_distance_from_home_gives_no_way_beyond_it(capsys):
    # A way through New Mexico would take US West beyond 500 km of its reps' homes: no way is given (it was, and the
    # search refused the start with an internal message, a review), and the proposal says no white space was taken.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R08", "--white-space", "--within-km", "500",
                             "--seconds", "0.5", capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert "US-NM" not in summary["white_space_taken"]
    assert "each territory takes no region over 500 km from its reps' homes" in summary["description"]


def test_rebalance_white_space_is_not_for_a_plan_from_scratch(capsys):
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "territories", "--territories", "4", "--white-space", capsys=capsys)  # fmt: skip
    assert code != 0 and "--white-space has no effect on a plan from scratch" in err, err


def test_rebalance_a_rep_leaves_a_team_that_stays(capsys):
    # Tom Becker leaves US South; Aisha Okafor and Noah Williams stay, and so does US South.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R08", "--seconds", "1", capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["description"].startswith("Tom Becker leaves (set inactive); US South stays with Aisha Okafor")
    # US South touches no territory that takes every account: it keeps its regions, and the description says so
    # (and nothing else moves: Idaho went from US West to Canada West, which the departure did not ask for, the
    # tenth new user's test)
    assert summary["description"].endswith(
        "US South cannot trade regions (no touching territory takes the same accounts), so the reps "
        "who remain take Tom Becker's accounts as far as their capacity allows; Canada West, US West trade no region "
        "with US South, so they stay as they are; nothing else moves"
    )
    assert summary["regions_moved"] == 0 and all(t["kept"] for t in summary["territories"])
    # No account changes territory, and Tom Becker's change rep: accounts_changing counts them, as the page's
    # "Accounts changing" (243 there beside accounts_moved 189 here, without a word, the twelfth new user)
    assert summary["accounts_moved"] == 0
    assert summary["accounts_changing"] == sum(row["accounts_lost"] for row in summary["handoffs"]) > 0
    assert "USS" in {row["territory_id"] for row in summary["territories"]}
    assert not any(m["from_territory_id"] == "USS" and m["to_territory_id"] is None for m in summary["moves"])
    # by name or id in any case
    for who in ("r08", "tom becker"):
        code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                                 "--scenario", "rep_leaves", "--rep", who, "--seconds", "0.5", capsys=capsys)  # fmt: skip
        assert code == 0 and json.loads(out)["description"].startswith("Tom Becker leaves"), err
    # Luke Anderson is US Central's only rep: it goes, to its neighbours, each state to the one whose reps live
    # nearest (US South's in Texas, Georgia and Florida; Canada West's in British Columbia)
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R10", "--seconds", "1", capsys=capsys)  # fmt: skip
    summary = json.loads(out)
    assert summary["description"].startswith(
        "Luke Anderson leaves (set inactive) and was the only rep of US Central, so it goes: its regions and accounts "
        "go to US South first, then the plan is rebalanced"
    )
    # Mei Tanaka is Canada West's only rep: every province goes to US West first (it said "shared among its
    # neighbours" there too)
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R11", "--seconds", "0.5", capsys=capsys)  # fmt: skip
    # (and no two territories left can trade: it says nothing else moves, not "then the plan is rebalanced")
    mei = json.loads(out)
    assert mei["description"].endswith(
        ": its regions and accounts go to US West; no two of the territories left can trade regions, so nothing else "
        "moves"
    )
    # US West's reps are at capacity: Canada West's accounts wait there, and the team's score falls with them (it
    # rose when only the accounts with a rep counted: Canada West, below the mean, left it).
    assert mei["accounts_waiting"]["after"] > mei["accounts_waiting"]["before"] + 100
    assert mei["balance_score"]["after"] < mei["balance_score"]["before"]
    assert "USC" not in {row["territory_id"] for row in summary["territories"]}
    assert summary["accounts_left_out"] == 0
    # All of US South goes: Texas and Louisiana touch no other territory, so their accounts are left out; said so.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--territory", "USS", "--seconds", "1", capsys=capsys)  # fmt: skip
    summary = json.loads(out)
    assert summary["accounts_left_out"] > 500 and summary["value_left_out"] > 1e6
    assert any(
        w.startswith(f"Coverage gap: {summary['accounts_left_out']:,} accounts worth ") for w in summary["warnings"]
    )


def test_rebalance_says_a_territory_taking_a_region_far_from_its_reps(capsys):
    # Luke Anderson leaves: Wisconsin goes to Canada West, whose one rep lives in British Columbia, 2,686 km away;
    # only a new rep's territory was ever said to lie far from home (the fifteenth new user).
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R10", "--jobs", "1", "--seconds", "1",
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    far = [w for w in summary["warnings"] if " km from its reps' homes (the farthest region it held lies " in w]
    assert any(w.startswith("Canada West takes Wisconsin, 2,686 km from its reps' homes") for w in far), far
    assert all(w.endswith("--within-km keeps every territory within a distance of its reps' homes.") for w in far)
    canada_west = next(t for t in summary["territories"] if t["territory_id"] == "CAW")
    assert canada_west["farthest_km"] == 2686 and canada_west["farthest_region"] == "Wisconsin"
    # (against its reach before, Manitoba at 1,782 km from British Columbia: the stretch is there to see)
    assert canada_west["farthest_km_before"] == 1782, canada_west
    kept = [t for t in summary["territories"] if t["kept"] and t["territory_id"] != "USC"]
    assert kept and all(t["farthest_km_before"] == t["farthest_km"] for t in kept), kept
    # Held within 2,000 km of their reps' homes, no territory takes such a region: nothing said.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R10", "--jobs", "1", "--seconds", "1",
                             "--within-km", "2000", capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert not [w for w in json.loads(out)["warnings"] if "Canada West takes Wisconsin" in w]


def test_rebalance_from_scratch_says_who_waits_for_a_rep_in_one_warning(capsys):
    # Ten territories drawn anew from the demo's twelve reps: many wait for a rep; one warning says where, largest
    # first, instead of one warning per territory.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "territories", "--territories", "10", "--seconds", "1", capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    waiting = [w for w in summary["warnings"] if "wait for a rep" in w]
    assert len(waiting) == 1, waiting
    # Most of those were in no territory before (states no territory held): the warning leads with the team's count
    assert re.match(
        r"Accounts with no rep across the team: [\d,]+, against [\d,]+ before \([\d,]+ of them then in no "
        r"territory, [\d,]+ now\)\. Where the reps are at capacity, [\d,]+ accounts that did not wait there "
        r"before now wait for a rep, in \d+ territories \(",
        waiting[0],
    ), waiting[0]
    # Europe, and Texas with Louisiana (no territory holds the states between), are out of reach of the rest
    assert sorted(map(sorted, summary["out_of_reach"])) == [["DE", "FR", "GB", "NL"], ["US-LA", "US-TX"]]
    # their territories are balanced around what they hold (Europe: one territory, so its centre is where it is)
    ids = {t["territory_id"] for t in summary["territories"]}
    deviation = {t["territory_id"]: t["workload_deviation"] for t in summary["territories"]}
    assert set(summary["centres"]) <= ids and all(abs(c["workload"]) >= 5e-4 for c in summary["centres"].values())
    assert any(c["workload"] == pytest.approx(deviation[t], abs=1e-3) for t, c in summary["centres"].items())
    # Texas with Louisiana, a share's part for a territory of its own, is far off its share: the plan is as close as
    # the land masses allow, not within the tolerance (`within_tolerance` read true here: the fifteenth new user)
    assert min(deviation.values()) < -0.2
    assert summary["within_tolerance"] == {"workload": False, "value": False}
    judged = {t["judged"] for t in summary["territories"] if not t["kept"]}
    assert all(summary["as_close_as_possible"].values()) is ("no" not in judged), (summary, judged)


def test_rebalance_from_scratch_on_counties_balances_the_mainland_around_its_mean(capsys):
    # Twelve territories on the demo's counties: Europe's four countries for two territories hold less than their
    # shares, so the mainland holds about 5% more on average. Aimed at the share it had 6 or 7 of 12 within; aimed at
    # its mean, and with Europe's best split judged best possible, (nearly) all are.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "territories", "--territories", "12", "--level", "county", "--seed", "0",
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    judged = {t["name"]: t["judged"] for t in summary["territories"]}
    assert judged["Germany & Netherlands"] == "best possible", judged
    assert sum(j != "no" for j in judged.values()) >= 10, judged
    # A mainland territory off its share by more than the tolerance is near its group's mean, not "best possible":
    # counties give the search fine control, so nothing forces it there (US South at +9.2% was "best possible").
    # (Texas with Louisiana, which no territory's states join to the rest, is a land mass of its own: its one
    # territory is where its counties put it, and its centre is its own.)
    centre = Counter(c["workload"] for c in summary["centres"].values()).most_common(1)[0][0]
    assert 0 < centre < 0.05
    for t in summary["territories"]:
        off = max(abs(t["workload_deviation"]), abs(t["value_deviation"]))
        if summary["centres"].get(t["territory_id"], {}).get("workload") == centre and off > 0.05:
            assert t["judged"] in {"near group mean", "no"}, t
        # (the mean a territory near it is judged against, beside it: the page's "near +2%")
        if t["judged"] == "near group mean":
            assert t["workload_group_mean"] == pytest.approx(
                summary["centres"][t["territory_id"]]["workload"], abs=1e-4
            )
        else:
            assert t["workload_group_mean"] is None and t["value_group_mean"] is None, t
    mainland = [c["workload"] for t, c in summary["centres"].items() if c["workload"] == centre]
    assert len(mainland) >= 8, summary["centres"]


def test_rebalance_with_a_tolerance_per_metric_and_locked_regions(capsys):
    base = ["rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--seconds", "1"]
    code, out, err = run_cli(*base, capsys=capsys)
    moved = [m["region_id"] for m in json.loads(out)["moves"]]
    assert moved
    code, out, err = run_cli(*base, "--tolerance", "workload=5", "value=20", "--lock-regions", moved[0],
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert moved[0] not in {m["region_id"] for m in summary["moves"]}
    # judged on each metric's own tolerance: value is allowed 20% here (the deviations are against the whole
    # team's mean; the rebalanced ones, judged against their group's, are all let in)
    assert summary["as_close_as_possible"]["value"] is True
    rebalanced = [t for t in summary["territories"] if not t["kept"]]
    assert rebalanced and all(t["judged"] != "no" for t in rebalanced)
    # `within_tolerance` means what it says: every territory the proposal could change within its tolerance of its
    # share (it held the judgment above, and read true for a plan 27-59% off: the fifteenth new user)
    for metric, limit in (("workload", 0.05), ("value", 0.20)):
        inside = all(abs(t[f"{metric}_deviation"]) <= limit + 1e-9 for t in rebalanced)
        assert summary["within_tolerance"][metric] is inside
    assert summary["deviation"]["value"] == pytest.approx(max(abs(t["value_deviation"]) for t in rebalanced), abs=1e-4)
    # what it was given, and every territory judged as the page judges it (kept ones on the tolerance itself)
    assert summary["tolerance"] == {"workload": 0.05, "value": 0.2} and summary["locked_regions"] == [moved[0]]
    judged = [t["judged"] for t in summary["territories"]]
    assert set(judged) <= {"yes", "best possible", "near group mean", "no"} and "no" in judged  # (US Central, kept)
    # the page's headline: the territory and metric farthest beyond its tolerance (US Central, kept, is 50 points
    # beyond ±20% on value; nothing is as far beyond ±5% on workload)
    largest = summary["largest_deviation"]
    assert (largest["territory_id"], largest["metric"]) == ("USC", "value") and largest["deviation"] > 0.6
    # a US state going to Canada West (Canadian provinces only) is listed as across a border
    assert all(c["country"] == "US" and c["to_territory_id"] == "CAW" for c in summary["across_borders"])
    assert {c["region_id"] for c in summary["across_borders"]} == {
        m["region_id"] for m in summary["moves"] if m["region_id"].startswith("US-") and m["to_territory_id"] == "CAW"
    }
    assert summary["territories_within"] == {
        "within": judged.count("yes"),
        "best_possible": judged.count("best possible"),
        "near_group_mean": judged.count("near group mean"),
        "of": len(judged),
    }


def test_rebalance_one_way(capsys):
    # US Central (enterprise and mid-market only) gives regions to territories beside it that take all its accounts.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--one-way", "--seconds", "1", capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["one_way"].startswith("US Central was over its share") and "Given one way" in summary["one_way"]
    assert {m["from_territory_id"] for m in summary["moves"]} >= {"USC"}
    # the territories that gave or took one way are not "kept" (they read so, beside Iowa moving: a new user's test)
    traded = {m["from_territory_id"] for m in summary["moves"]} | {m["to_territory_id"] for m in summary["moves"]}
    kept = {t["territory_id"] for t in summary["territories"] if t["kept"]}
    assert traded and not traded & kept, (traded, kept)
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--seconds", "1", capsys=capsys)  # fmt: skip
    assert json.loads(out)["one_way"] == ""  # (off by default)
    # Held to 1,000 km of the reps' homes, no territory takes a region one way beyond it (US South took Iowa,
    # 1,330 km away, and Canada West Minnesota, 2,312 km: the one-way pass ran before the distance was applied).
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--one-way", "--within-km", "1000", "--seconds", "1", capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    taken = {(m["to_territory_id"], m["region_id"]) for m in summary["moves"]}
    assert ("USS", "US-IA") not in taken and ("CAW", "US-MN") not in taken, taken
    assert "takes Iowa" not in err and "takes Minnesota" not in err, err
    # (said as the reason, since without the distance US Central gives: the note named it among others before)
    assert summary["one_way"] == (
        "No territory gave regions one way: the regions that could go lie over 1,000 km from the homes of the reps of "
        "the territories that could take them (a larger distance, or none, lets them go)."
    ), summary["one_way"]
    # With US Central (the one giver) locked, the distance is no reason and goes unsaid (it was named among the
    # reasons whatever they were, a review).
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--one-way", "--within-km", "1000", "--locked", "USC", "--seconds", "1", capsys=capsys)  # fmt: skip
    assert code == 0, err
    said = json.loads(out)["one_way"]
    assert said.startswith("No territory gave regions one way: none with a focus") and "km" not in said, said


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scenario", "rep_leaves", "--territory", "NOPE"], "option --territory: no territory 'NOPE'"),
        (["--scenario", "rep_leaves"], "option --rep: --scenario rep_leaves needs --rep or --territory"),
        (["--scenario", "rep_leaves", "--rep", "R99"], "option --rep: no active rep 'R99'"),
        (
            ["--scenario", "rep_leaves", "--rep", "R08", "--territory", "USS"],
            "option --rep: give --rep (a rep leaves) or --territory (a territory goes), not both",
        ),
        (["--rep", "R08"], "option --rep: --rep is for --scenario rep_leaves"),
        (["--tolerance", "0"], "--tolerance 0: give a percentage above 0 and at most 50"),
        (["--tolerance", "60"], "--tolerance 60: give a percentage above 0 and at most 50"),
        (
            ["--tolerance", "0.05"],
            "--tolerance 0.05 reads as ±0.05%, not ±5%: the figure is a percentage, from 1 to 50",
        ),
        (["--tolerance", "workload=x"], "--tolerance workload=x: give a percentage"),
        (["--tolerance", "workload=5", "workload=10"], "--tolerance gives workload more than once"),
        (["--tolerance", "population=5"], "--tolerance population=5: 'population' is not balanced"),
        (["--lock-regions", "US-ZZ"], "option --lock-regions: locked regions US-ZZ are not among the regions"),
        (
            ["--level", "county", "--lock-regions", "US-ID"],
            "locked regions Idaho are not among the regions being balanced at this level; pick regions some "
            "territory holds. At --level county, give regions of that level, e.g. US-01001",
        ),
        (
            ["--scenario", "territories", "--territories", "3", "--lock-regions", "US-TX"],
            "option --lock-regions: a plan from scratch draws every territory anew",
        ),
        (
            ["--scenario", "rep_leaves", "--territory", "USS", "--lock-regions", "US-TX"],
            "option --lock-regions: Texas is locked in US South, which goes",
        ),
        (["--scenario", "rep_joins"], "option --name: --scenario rep_joins needs --name"),
        (["--scenario", "rep_joins", "--name", "Rockies"], "option --home: --scenario rep_joins needs --home"),
        (["--scenario", "rep_joins", "--name", "Rockies", "--home", "ZZ"], "option --home: home region 'ZZ'"),
        (
            ["--scenario", "rep_joins", "--name", "Plains", "--home", "US-KS"],
            "no territory holds Kansas. Add --white-space to let the new territory start there",
        ),
        (
            ["--scenario", "rep_joins", "--name", "Maritimes", "--home", "CA-NS"],
            "no territory holds Nova Scotia. Add --white-space",
        ),
        (["--scenario", "rep_joins", "--name", "US West", "--home", "US-CO"], "named 'US West' exists already"),
        (["--scenario", "territories", "--territories", "0"], "option --territories"),
        (
            ["--scenario", "rep_joins", "--name", "Rockies", "--home", "US-CO", "--capacity", "0"],
            "option --capacity: --capacity 0: the new rep's capacity is a number of accounts, at least 1",
        ),
        (["--scenario", "territories", "--territories", "1"], "option --territories: the regions form 3 groups"),
        (["--capacity", "50"], "option --capacity: --capacity is for --scenario rep_joins, not rebalance"),
        (["--locked", "NOPE"], "option --locked: no territory 'NOPE'"),
        (["--keep", "nan"], "option --keep"),
        (["--locked", "USW", "USS", "USC", "NAE", "CAW"], "option --locked: fewer than two territories can trade"),
        (["--territories", "4"], "option --territories: --territories is for --scenario territories, not rebalance"),
        (["--territory", "USC"], "option --territory: --territory is for --scenario rep_leaves"),
        (["--scenario", "rep_leaves", "--territory", "USC", "--home", "US-CO"], "--home is for --scenario rep_joins"),
        (
            ["--scenario", "rep_joins", "--name", "X", "--level", "county"],
            "needs --home (the new rep's home region). e.g. --home US-",
        ),
        (["--scenario", "territories", "--territories", "500"], "option --territories: 500 territories: at most 38"),
        (["--scenario", "rep_joins", "--name", "us west", "--home", "US-CO"], "option --name: a territory named"),
        (
            ["--scenario", "territories", "--territories", "1", "--locked", "USW"],
            "option --territories: the regions outside the locked territories form 3 groups out of each other's reach",
        ),
        (["--scenario", "territories", "--territories", "4", "--keep", "2"], "option --keep: --keep has no effect"),
        (["--scenario", "territories", "--territories", "4", "--one-way"], "option --one-way: --one-way has no"),
        (["--scenario", "rep_leaves", "--territory", "USW", "--locked", "USW"], "'USW' is locked, so it cannot go"),
        (["--table", "moves"], "option --table: --table moves is for --format csv"),
        (["--jobs", "0"], "option --jobs: --jobs 0 is out of range"),
        # (these two named the plan file and --scenario, a new user's test)
        (["--seed", "-1"], "option --seed: --seed -1 is negative. Give a whole number 0 or more"),
        (
            ["--scenario", "rep_joins", "--name", "Rockies", "--home", "US-CO", "--rep-name", " sarah chen"],
            "option --rep-name: a rep named 'Sarah Chen' exists already (R01): give the new rep another name",
        ),
        (
            ["--scenario", "rep_joins", "--name", "NewCal", "--home", "US-CA"],
            "option --home: California is the home of Priya Patel (US West), and a rep's home region stays",
        ),  # fmt: skip
        (["--scenario", "rep_joins", "--name", "   ", "--home", "US-CO"], "option --name: --scenario rep_joins needs"),
        (["--tolerance", "5", "10"], "option --tolerance: --tolerance gives 2 percentages for every metric (5 10)"),
        (["--tolerance", "=5"], "option --tolerance: --tolerance =5: the metric before '=' is missing"),
        (
            ["--locked", "USW"],
            "(locked: US West; alone on their land mass: Europe West; no touching territory takes the same accounts (industries, tiers): North America East, US Central, US South)",
        ),
    ],
)
def test_rebalance_bad_requests_say_why(extra, message, capsys):
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", *extra,
                             capsys=capsys)  # fmt: skip
    assert code == 2 and out == ""
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0]


@pytest.mark.parametrize("given", [["workload=5", "10"], ["10", "workload=5"]])
def test_a_tolerance_per_metric_wins_over_the_bare_one_wherever_it_stands(given):
    # (in order, "workload=5 10" lost its workload=5: a new user's test)
    assert cli._tolerances(given, ["workload", "value"]) == {"workload": 0.05, "value": 0.10}
    assert cli._tolerances(["value=20"], ["workload", "value"]) == {"workload": 0.05, "value": 0.20}


def test_rebalance_jobs_and_seed_give_the_same_plan_again(capsys):
    base = ["rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--seconds", "20"]
    runs = []
    for _ in range(2):
        code, out, err = run_cli(*base, "--jobs", "2", "--seed", "4", capsys=capsys)
        assert code == 0, err
        runs.append(json.loads(out))
    assert runs[0]["searches"] == 2 and not runs[0]["cut_short"]  # (the states: it ends well before 20 s)
    assert runs[0]["moves"] == runs[1]["moves"]
    code, out, err = run_cli(*base, "--jobs", "1", capsys=capsys)
    assert code == 0 and json.loads(out)["searches"] == 1, err


def test_rebalance_on_accounts_without_value_has_nothing_to_balance(capsys, tmp_path):
    # (without any accounts, --accounts is what is missing: test_a_rebalance_without_accounts_names_…)
    rows = DEMO_ACCOUNTS.read_text().splitlines()[:3]
    zero = [rows[0]] + [",".join(v if i != 4 else "0" for i, v in enumerate(r.split(","))) for r in rows[1:]]
    (tmp_path / "accounts.csv").write_text("\n".join(zero) + "\n")
    code, _, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", tmp_path / "accounts.csv",
                           "--metrics", "value", capsys=capsys)  # fmt: skip
    assert code == 2
    assert "nothing to balance: value is zero in every region" in err and "option --metrics" in err, err


def test_rebalance_moves_are_against_the_plan_as_it_is(capsys, tmp_path):
    from territory import load_plan

    plan = load_plan(DEMO_PLAN)
    leaving = set(plan.territory("CAW").region_ids)
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--territory", "CAW", capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    moved = {m["region_id"]: m for m in summary["moves"]}
    assert leaving <= set(moved)  # every region of the territory that goes is a move, from it
    assert all(moved[r]["from_territory_id"] == "CAW" for r in leaving)
    assert summary["regions_moved"] == len(moved)
    saved = tmp_path / "rockies.json"
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_joins", "--name", "Rockies", "--home", "US-CO", "--save-plan",
                             str(saved), capsys=capsys)  # fmt: skip
    assert code == 0, err
    moves = {m["region_id"]: m for m in json.loads(out)["moves"]}
    assert moves["US-CO"]["to_name"] == "Rockies" and moves["US-CO"]["from_territory_id"] == "USW"
    # the saved plan's quotas follow the accounts: Rockies takes its share of US West's, and the total stays
    quotas = {t["territory_id"]: t.get("annual_quota", 0) for t in json.loads(saved.read_text())["territories"]}
    old = {t["territory_id"]: t.get("annual_quota", 0) for t in json.loads(Path(DEMO_PLAN).read_text())["territories"]}
    assert quotas["ROCKIES"] > 0 and quotas["USW"] < old["USW"]
    assert sum(quotas.values()) == pytest.approx(sum(old.values()), abs=0.05)


def test_a_new_rep_s_home_state_at_county_level_is_its_most_populous_county(capsys):
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_joins", "--name", "Rockies", "--home", "US-CO", "--level", "county",
                             "--seconds", "0.5", "--jobs", "1", capsys=capsys)  # fmt: skip
    assert code == 0, err  # (it asked for "a county, e.g. US-01001", Alabama's)
    assert "the new rep's home is El Paso, CO (US-08041), the most populous county of Colorado" in err
    moves = {m["region_id"]: m["to_name"] for m in json.loads(out)["moves"]}
    assert moves["US-08041"] == "Rockies"


def test_a_plan_from_scratch_over_the_accounts_countries_takes_in_every_account(capsys, tmp_path):
    saved = tmp_path / "fresh.json"
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "territories", "--territories", "8", "--cover", "countries", "--seconds",
                             "0.5", "--jobs", "1", "--save-plan", str(saved), capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert sum(t["regions"] for t in summary["territories"]) == 68  # (the 38 regions held and 30 held by none)
    code, out, err = run_cli("assign", "--plan", str(saved), "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--format", "csv", capsys=capsys)  # fmt: skip
    assert code == 0, err
    assigned = pd.read_csv(io.StringIO(out))
    assert not (assigned["reason"] == "no-matching-territory").any()  # (1,946 in no territory before)
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--cover", "countries", capsys=capsys)  # fmt: skip
    assert code == 2 and "--cover is for a plan from scratch (--scenario territories), not rebalance" in err


def test_rebalance_output_stays_clean_when_metis_complains(capfd):
    # 37 territories on the demo's 38 state-level regions: METIS prints complaints (from C, on file descriptor 1,
    # hence capfd), never on our standard output.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "territories", "--territories", "37", "--seconds", "0.5", capsys=capfd)  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["scenario"] == "territories"


def test_rebalance_sizes_by_capacity_unless_equal_shares_are_asked(capsys):
    shares = {}
    for extra in (["--equal-shares"], []):
        code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                                 "--seconds", "1", *extra, capsys=capsys)  # fmt: skip
        assert code == 0, err
        shares[bool(extra)] = {t["territory_id"]: t["share"] for t in json.loads(out)["territories"]}
    assert set(shares[True].values()) == {1.0}
    assert shares[False]["USW"] > 1.5 * shares[False]["CAW"]  # three reps against one


def test_rebalance_on_population_says_where_it_is_unknown(capsys, tmp_path):
    # The demo's provinces and countries have people on record (census, GeoNames): nothing to say.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--metrics", "workload", "population", "--seconds", "0.5", capsys=capsys)  # fmt: skip
    assert code == 0 and "No population on record" not in err
    # Antarctica has none: said on stderr, and the run goes on.
    plan = json.loads(Path(DEMO_PLAN).read_text())
    plan["territories"][1]["region_ids"].append("AQ")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    code, out, err = run_cli("rebalance", "--plan", path, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--metrics", "workload", "population", "--seconds", "0.5", capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert "warning: No population on record for 1 region (AQ): it counts as empty." in err


def test_a_leaving_territory_never_sends_regions_across_an_ocean(capsys):
    # US South's Texas and Louisiana touch no other territory (Arkansas, Mississippi, Oklahoma and New Mexico are
    # held by none): they are left without a territory, not given to Europe West or Canada West.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--territory", "USS", capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["left_out"] == ["US-LA", "US-TX"]
    moves = {m["region_id"]: m for m in summary["moves"]}
    assert moves["US-TX"]["to_territory_id"] is None and moves["US-TX"]["to_name"] == "(no territory)"
    assert not any(m["to_territory_id"] in ("EUW", "CAW") for r, m in moves.items() if r in ("US-TX", "US-LA"))
    # the eastern states go to US Central, the only territory they touch; what it does not take is said
    assert {moves[r]["to_territory_id"] for r in ("US-GA", "US-FL", "US-AL")} == {"USC"}
    assert any(w.startswith("Coverage gap:") and "Harris, TX" in w for w in summary["warnings"])
    # the handoffs name only reps whose accounts change: nobody in US West or Europe West
    assert {h["rep_id"] for h in summary["handoffs"]}.isdisjoint({"R03", "R04"})


def test_a_plan_with_nothing_to_trade_blames_the_plan_not_an_option(capsys, tmp_path):
    plan = json.loads(Path(DEMO_PLAN).read_text())
    for territory in plan["territories"]:
        if territory["territory_id"] in ("USW", "CAW"):
            territory["industries"] = ["saas"] if territory["territory_id"] == "USW" else ["media"]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    code, out, err = run_cli("rebalance", "--plan", path, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", capsys=capsys)
    assert code == 2
    error = [line for line in err.splitlines() if line.startswith("error:")][0]
    assert "option" not in error and "fewer than two territories can trade regions" in error
    assert "nothing to rebalance here" in error and "unlock" not in error


def test_a_table_with_json_is_refused_before_any_work(capsys, tmp_path):
    saved = tmp_path / "proposed.json"
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--table", "moves", "--save-plan", saved, capsys=capsys)  # fmt: skip
    assert code == 2 and "option --table: --table moves is for --format csv" in err
    assert not saved.exists()


def test_diff_of_a_saved_proposal_shows_the_same_handoffs_as_the_proposal(capsys, tmp_path):
    saved = tmp_path / "proposed.json"
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--save-plan", saved, capsys=capsys)  # fmt: skip
    assert code == 0, err
    proposed = json.loads(out)["handoffs"]
    code, out, err = run_cli("diff", "--plan", DEMO_PLAN, "--new", saved, "--accounts", DEMO_ACCOUNTS,
                             "--skip-invalid", capsys=capsys)  # fmt: skip
    assert code == 0, err
    # accounts keep their reps where the new plan allows: only the proposal's real handoffs, no reshuffle
    assert json.loads(out)["handoffs"] == proposed


def test_a_command_s_help_lists_only_the_options_it_reads(capsys):
    # `cli.py rebalance --help` printed every command's options (one parser); now each command shows its own.
    code, out, _ = run_cli("diff", "--help", capsys=capsys)
    assert code == 0 and out.startswith("usage: cli.py diff --plan PLAN [options]")
    assert "--new NEW" in out and "--plan PLAN" in out and "--skip-invalid" in out
    assert "--scenario" not in out and "--crm" not in out and "--population" not in out
    code, out, _ = run_cli("rebalance", "-h", capsys=capsys)
    assert code == 0 and "--scenario" in out and "--lock-regions" in out and "--new NEW" not in out
    code, out, _ = run_cli("whitespace", "--help", capsys=capsys)
    assert "--population POPULATION" in out and "--scenario" not in out
    # the whole list is still one `cli.py --help` away
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "--scenario" in out and "--new NEW" in out and "--crm" in out


def test_a_mistyped_command_line_is_one_line_and_an_option_the_command_does_not_read_is_refused(tmp_path, capsys):
    # A new user's test: argparse printed 16 lines of usage before its complaint, and `balance --rep R01` or
    # `assign --save-plan x.json` ran as if the option were not there.
    with pytest.raises(SystemExit) as caught:
        cli.main(["balance", "--plan", str(DEMO_PLAN), "--format", "xml"])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and err.count("\n") == 1
    assert err.startswith("error: argument --format: invalid choice: 'xml'") and "(cli.py balance --help lists" in err
    # … also with the options before the command (it pointed at cli.py --help, a reviewer's find)
    with pytest.raises(SystemExit) as caught:
        cli.main(["--plan", str(DEMO_PLAN), "balance", "--format", "xml"])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and "(cli.py balance --help lists" in err
    code, out, err = run_cli("balance", "--plan", DEMO_PLAN, "--rep", "R01", capsys=capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: option --rep: --rep is not read by balance. Leave --rep out; balance reads --plan,")
    code, _, err = run_cli("assign", "--plan", DEMO_PLAN, "--new=x.json", "--explain", capsys=capsys)
    assert code == 2 and "--new is not read by assign" in err
    # Options most commands read, refused by those that write a format of their own or read no accounts
    # (`export-plan --format csv` said "no table '' for export-plan").
    for command, extra, refused, reads in [
        (
            "export-plan",
            ["--format", "csv"],
            "--format",
            "--plan, --accounts, --problems, --column, --industry-map, --out, --skip-invalid, --swap-lat-lon",
        ),
        ("import-plan", ["--accounts", str(DEMO_ACCOUNTS)], "--accounts", "--plan, --out"),
        ("plans", ["--skip-invalid"], "--skip-invalid", "--plan, --format, --out, --table"),
    ]:
        plan = [] if command == "plans" else ["--plan", DEMO_PLAN]
        code, out, err = run_cli(command, *plan, "--out", tmp_path / "x.json", *extra, capsys=capsys)
        assert code == 2 and out == "" and not (tmp_path / "x.json").exists(), err
        assert (
            err
            == f"error: option {refused}: {refused} is not read by {command}. Leave {refused} out; {command} reads {reads}\n"
        )
    # What a run wrote, and where, when the output goes to a file.
    out_file = tmp_path / "territories.csv"
    code, out, err = run_cli("balance", "--plan", DEMO_PLAN, "--format", "csv", "--out", out_file, capsys=capsys)
    rows = len(out_file.read_text().splitlines()) - 1
    assert code == 0 and out == "" and err.endswith(f"\nwrote {rows:,} rows to {out_file}\n") and rows == 6
    # (the plan has no accounts of its own: said, as every account figure is 0; a new user's test)
    assert err.startswith("warning: no accounts: the plan carries none and no --accounts file was given, so every "
                          "account figure is 0 (give --accounts ACCOUNTS.csv)\n")  # fmt: skip


def test_a_bad_out_path_is_one_line_and_leaves_nothing_behind(tmp_path, capsys):
    # These gave tracebacks (FileExistsError, IsADirectoryError), and a temporary file was left beside the folder.
    a_file = tmp_path / "plan.txt"
    a_file.write_text("x")
    code, out, err = run_cli("export-plan", "--plan", DEMO_PLAN, "--out", a_file, capsys=capsys)
    assert (
        code == 2
        and out == ""
        and err == f"error: option --out: {a_file} is a file. Give a folder, e.g. --out plans/fy27\n"
    )
    folder = tmp_path / "results"
    folder.mkdir()
    code, out, err = run_cli("balance", "--plan", DEMO_PLAN, "--out", folder, capsys=capsys)
    assert code == 2 and "is a folder. Give a file name" in err and "Traceback" not in err
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["plan.txt", "results"]
    # A .csv file would have held JSON, and a .json file CSV (a review): refused, with the fix, nothing written
    code, out, err = run_cli("balance", "--plan", DEMO_PLAN, "--out", tmp_path / "x.csv", capsys=capsys)
    assert code == 2 and err == ("error: option --out: a .csv file, but the output is JSON (the default). Add "
                                 "--format csv, or name the file .json\n")  # fmt: skip
    code, out, err = run_cli("balance", "--plan", DEMO_PLAN, "--format", "csv", "--out", tmp_path / "x.json",
                             capsys=capsys)  # fmt: skip
    assert code == 2 and "a .json file, but the output is CSV (--format csv). Add --format json" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.txt", "results"]
    # A folder made for the file is said (a typo in the path made folders unsaid)
    code, out, err = run_cli("balance", "--plan", DEMO_PLAN, "--out", tmp_path / "new" / "b.json", capsys=capsys)
    assert code == 0 and err.rstrip().endswith(f"to {tmp_path / 'new' / 'b.json'} (made the folder {tmp_path / 'new'})")
    # a file written is readable as any new file (it was private: 0600, the temporary file's mode)
    written = tmp_path / "balance.json"
    assert run_cli("balance", "--plan", DEMO_PLAN, "--out", written, capsys=capsys)[0] == 0
    import os

    mask = os.umask(0)
    os.umask(mask)
    assert written.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_plan_folder_s_plan_yaml_alone_is_refused(tmp_path, capsys):
    # Alone it loaded as a plan in which no territory held a region (every account unassigned, exit 0).
    run_cli("export-plan", "--plan", DEMO_PLAN, "--out", tmp_path / "fy27", capsys=capsys)
    code, out, err = run_cli("balance", "--plan", tmp_path / "fy27" / "plan.yaml", capsys=capsys)
    assert code == 2 and out == ""
    assert "plan.yaml: is the plan.yaml of a plan folder: its territories' regions are in alignment.csv" in err
    assert run_cli("balance", "--plan", tmp_path / "fy27", capsys=capsys)[0] == 0  # the folder itself opens


def test_a_plan_folder_keeps_the_reps_the_dashboard_showed(tmp_path, capsys):
    # A new user's test: New Jersey, then Connecticut and Delaware moved to North America East in the dashboard. The
    # plan folder it downloaded, given to crm-export, gave 100 accounts other owners than the dashboard's own file:
    # assigned afresh, Connecticut's accounts competed with New Jersey's for the reps' room, while the dashboard
    # kept the reps New Jersey's accounts had taken. The folder now keeps who has each account (assignments.csv).
    import io

    import pandas as pd

    from territory.assignment import assign_accounts
    from territory.crm import hubspot_import
    from territory.plan_files import write_plan_folder
    from tests.conftest import demo_state

    state = demo_state().move_regions(["US-NJ"], "NAE").move_regions(["US-CT", "US-DE"], "NAE")
    shown = state.result.set_index("account_id")["rep_id"]
    fresh = assign_accounts(state.plan, state.accounts, state.regions).accounts.set_index("account_id")["rep_id"]
    assert (fresh.fillna("-") != shown.fillna("-")).sum() > 10  # (the edits' order decides who has these)
    folder = tmp_path / "fy27"
    write_plan_folder(state.plan, folder, assignments=state.result)
    assert (folder / "assignments.csv").read_text().splitlines()[0] == "account_id,territory_id,rep_id"
    code, out, err = run_cli("assign", "--plan", folder, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", capsys=capsys)
    assert code == 0, err
    got = pd.DataFrame(json.loads(out)).set_index("account_id")["rep_id"]
    assert got.reindex(shown.index).fillna("-").to_dict() == shown.fillna("-").to_dict()
    code, out, err = run_cli(
        "crm-export", "--plan", folder, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--crm", "hubspot", capsys=capsys
    )
    assert code == 0, err
    exported = pd.read_csv(io.StringIO(out), dtype=str).set_index("Record ID")["Company owner"]
    expected = hubspot_import(state.plan, state.result).table.astype(str).set_index("Record ID")["Company owner"]
    assert exported.to_dict() == expected.to_dict() and len(exported) > 100
    # Written again without an assignment, the folder drops the old one (it would keep reps of another plan).
    write_plan_folder(state.plan, folder)
    assert not (folder / "assignments.csv").exists()


def test_a_plan_folder_s_skipped_assignments_are_warned_of(tmp_path, capsys):
    # A line of assignments.csv naming a rep the plan does not have was dropped without a word.
    from territory import load_plan
    from territory.plan_files import write_plan_folder

    folder = tmp_path / "fy27"
    write_plan_folder(load_plan(DEMO_PLAN), folder)
    (folder / "assignments.csv").write_text("account_id,territory_id,rep_id\nACC-00001,NAE,R99\n")
    code, out, err = run_cli("assign", "--plan", folder, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", capsys=capsys)
    assert code == 0, err
    assert (
        "warning: fy27/assignments.csv, line 2, column 'rep_id': rep 'R99' is not a rep of plan.yaml, so 1 account "
        "(ACC-00001) was skipped and is assigned afresh" in err
    ), err
    # An account listed with two reps stops it, said with its lines.
    (folder / "assignments.csv").write_text("account_id,territory_id,rep_id\nACC-00001,NAE,R01\nACC-00001,NAE,R02\n")
    code, out, err = run_cli("assign", "--plan", folder, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", capsys=capsys)
    assert code == 2 and out == ""
    assert "assignments.csv, line 3, column 'rep_id': account ACC-00001 is listed with different reps" in err, err


def test_diff_of_two_saved_versions_compares_the_accounts_saved_with_them(tmp_path, monkeypatch, capsys):
    # Without --accounts the tables of accounts and handoffs were empty, exit 0, unsaid (a review): two saved versions
    # compare the assignments saved with them, as the Plans page does; plan files say the accounts are not compared.
    from territory import load_plan
    from territory.store import PlanStore
    from tests.conftest import demo_state

    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TERRITORY_DATABASE_URL", raising=False)
    before = demo_state()
    after = before.move_regions(["US-NJ"], "NAE")
    store = PlanStore()
    first = store.create_plan(load_plan(DEMO_PLAN), author="ana", assignments=before.result)
    store.save(first.plan_id, after.plan, base_version=1, author="ana", message="NJ east", assignments=after.result)
    code, out, err = run_cli("diff", "--plan", "store:1:1", "--new", "store:1:2", "--format", "csv", "--table",
                             "accounts", capsys=capsys)  # fmt: skip
    assert code == 0 and err == "", err
    moved = pd.read_csv(io.StringIO(out), dtype=str)
    changed = before.result.merge(after.result, on="account_id")
    changed = changed[(changed["territory_id_x"].fillna("") != changed["territory_id_y"].fillna(""))
                      | (changed["rep_id_x"].fillna("") != changed["rep_id_y"].fillna(""))]  # fmt: skip
    assert len(moved) == len(changed) > 0 and set(moved["to_territory_id"]) == {"NAE"}
    # Two plan files without --accounts: said, and the tables keep their columns (a quiet week's file is alike).
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(DEMO_PLAN.read_text())
    new.write_text(DEMO_PLAN.read_text())
    code, out, err = run_cli("diff", "--plan", old, "--new", new, "--format", "csv", "--table", "regions",
                             capsys=capsys)  # fmt: skip
    assert code == 0 and out.splitlines() == [
        "region_id,region_name,from_territory_id,to_territory_id,from_name,to_name"
    ]
    assert "warning: accounts are not compared (the tables of accounts and handoffs are empty): give --accounts" in err
    # --out - is standard output (it wrote a file named "-").
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("diff", "--plan", old, "--new", new, "--format", "csv", "--out", "-", capsys=capsys)
    assert code == 0 and out.startswith("region_id,") and not (tmp_path / "-").exists()
    code, out, err = run_cli("crm-export", "--plan", old, "--accounts", DEMO_ACCOUNTS, "--crm", "hubspot",
                             "--left-out", "-", capsys=capsys)  # fmt: skip
    assert (
        code == 2
        and err.startswith("error: option --left-out: --left-out - would mix")
        and not (tmp_path / "-").exists()
    )


def test_save_and_restore_keep_versions_from_a_batch_job(tmp_path, monkeypatch, capsys):
    # A batch job could read what the dashboard saved but not save a version or go back to one (a review).
    from territory.store import PlanStore

    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TERRITORY_DATABASE_URL", raising=False)
    code, out, err = run_cli("save", "--plan", DEMO_PLAN, "--author", "ana", "--message", "FY27 start",
                             "--accounts", DEMO_ACCOUNTS, "--skip-invalid", capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == {"plan_id": 1, "version": 1, "name": "Demo FY27 plan", "saved": True, "accounts": 4998}
    # Run again: nothing changed, no new version (a cron job run twice).
    code, out, err = run_cli("save", "--plan", DEMO_PLAN, "--into", "store:1", "--author", "ana", "--message",
                             "again", "--accounts", DEMO_ACCOUNTS, "--skip-invalid", capsys=capsys)  # fmt: skip
    assert code == 0 and json.loads(out)["saved"] is False
    assert "warning: nothing changed since version 1 of plan 1: no new version saved" in err
    # A folder edited by hand: the next version; then back to version 1, with its accounts.
    folder = tmp_path / "fy27"
    assert run_cli("export-plan", "--plan", DEMO_PLAN, "--out", folder, capsys=capsys)[0] == 0
    alignment = folder / "alignment.csv"
    alignment.write_text(alignment.read_text().replace("US-ID,CAW", "US-ID,USW"))
    code, out, err = run_cli("save", "--plan", folder, "--into", "store:1", "--author", "bo", "--message",
                             "Idaho west", capsys=capsys)  # fmt: skip
    assert code == 0 and json.loads(out)["version"] == 2, err
    code, out, err = run_cli("save", "--plan", "store:1:1", "--into", "store:1", "--author", "bo", "--message",
                             "Back to v1", capsys=capsys)  # fmt: skip
    assert code == 0 and json.loads(out)["version"] == 3, err
    store = PlanStore()
    assert store.load(1, 3).plan == store.load(1, 1).plan != store.load(1, 2).plan
    assert len(store.assignments(1, 3)) == len(store.assignments(1, 1)) == 4998
    assert [v.author for v in store.versions(1)] == ["ana", "bo", "bo"]
    # Restore: version 2 as a new draft, the old plan unchanged.
    code, out, err = run_cli("restore", "--plan", "store:1:2", "--author", "cy", capsys=capsys)
    assert code == 0, err
    assert json.loads(out) == {"plan_id": 2, "version": 1, "name": "Demo FY27 plan (v2 restored)",
                               "restored_from": {"plan_id": 1, "version": 2}}  # fmt: skip
    assert store.load(2).plan.territories == store.load(1, 2).plan.territories and len(store.versions(1)) == 3
    # Mistakes: said in one line, nothing saved.
    for args, said in [
        (["save", "--plan", DEMO_PLAN, "--author", "ana"], "error: option --message: save needs --message TEXT"),
        (["save", "--plan", DEMO_PLAN, "--message", "m"], "error: option --author: save needs --author NAME"),
        (["save", "--plan", DEMO_PLAN, "--into", "store:9", "--author", "a", "--message", "m"],
         "error: option --into: no plan 9 in the store"),
        (["save", "--plan", DEMO_PLAN, "--into", "plan.json", "--author", "a", "--message", "m"],
         "error: option --into: --into plan.json names no stored plan"),
        (["restore", "--plan", DEMO_PLAN, "--author", "a"], f"error: option --plan: {DEMO_PLAN} is no saved version"),
        (["restore", "--plan", "store:1:1", "--author", "a", "--accounts", DEMO_ACCOUNTS],
         "error: option --accounts: --accounts is not read by restore"),
    ]:  # fmt: skip
        code, out, err = run_cli(*args, capsys=capsys)
        assert code == 2 and out == "" and err.startswith(said), err
    assert [len(store.versions(p.plan_id)) for p in store.plans()] == [1, 3]


def test_save_refuses_a_folder_written_from_an_older_version(tmp_path, monkeypatch, capsys):
    # Saved as the next version, a folder exported before Bob's save undid his rename, exit 0, unsaid (a review).
    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TERRITORY_DATABASE_URL", raising=False)
    assert run_cli("save", "--plan", DEMO_PLAN, "--author", "ana", "--message", "v1", capsys=capsys)[0] == 0
    ours, bobs = tmp_path / "ours", tmp_path / "bobs"
    for folder in (ours, bobs):
        assert run_cli("export-plan", "--plan", "store:1", "--out", folder, capsys=capsys)[0] == 0
    (bobs / "plan.yaml").write_text((bobs / "plan.yaml").read_text().replace("name: Demo FY27 plan", "name: Bob's"))
    assert run_cli("save", "--plan", bobs, "--into", "store:1", "--author", "bob", "--message", "rename",
                   capsys=capsys)[0] == 0  # fmt: skip
    code, out, err = run_cli("save", "--plan", ours, "--into", "store:1", "--author", "ana", "--message", "mine",
                             capsys=capsys)  # fmt: skip
    assert (
        code == 2
        and out == ""
        and err.startswith(
            "error: option --plan: ours was written from version 1 of plan 1, and version 2 has been saved since (by "
            "bob): saved over it, their changes would be undone. Open the folder on the Plans page"
        )
    ), err
    # (a folder of the latest version saves)
    assert run_cli("export-plan", "--plan", "store:1", "--out", tmp_path / "latest", capsys=capsys)[0] == 0
    code, out, err = run_cli("save", "--plan", tmp_path / "latest", "--into", "store:1", "--author", "ana",
                             "--message", "same", capsys=capsys)  # fmt: skip
    assert code == 0 and json.loads(out)["saved"] is False, err


def test_the_plans_the_dashboard_saved_are_reached_by_number(tmp_path, monkeypatch, capsys):
    # A new user's test: a batch job could not reach what the dashboard saves (no plans, no versions).
    from territory import load_plan
    from territory.store import PlanStore
    from tests.conftest import demo_state

    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TERRITORY_DATABASE_URL", raising=False)
    code, out, err = run_cli("plans", capsys=capsys)
    assert code == 0 and json.loads(out) == [], err
    state = demo_state().move_regions(["US-NJ"], "NAE").move_regions(["US-CT", "US-DE"], "NAE")
    store = PlanStore()
    first = store.create_plan(load_plan(DEMO_PLAN), author="ana")
    store.save(first.plan_id, state.plan, base_version=1, author="ana", message="NJ, CT, DE east",
               assignments=state.result)  # fmt: skip
    code, out, _ = run_cli("plans", capsys=capsys)
    assert [(p["plan_id"], p["status"], p["versions"]) for p in json.loads(out)] == [(1, "draft", 2)]
    code, out, _ = run_cli("plans", "--plan", "store:1", "--format", "csv", capsys=capsys)
    assert out.splitlines()[0].startswith("plan_id,version,author,saved_at") and len(out.splitlines()) == 3
    # (a whole number of accounts saved with a version, none for one saved without: not 4998.0 beside null)
    code, out, _ = run_cli("plans", "--plan", "store:1", capsys=capsys)
    assert [v["accounts"] for v in json.loads(out)] == [None, len(state.result)]
    # The version's accounts keep the reps saved with it (the dashboard's), not a fresh shuffle.
    code, out, err = run_cli("assign", "--plan", "store:1", "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    got = {r["account_id"]: r["rep_id"] for r in json.loads(out)}
    assert got == dict(zip(state.result["account_id"], state.result["rep_id"], strict=True))
    code, out, _ = run_cli("balance", "--plan", "store:1:1", "--format", "csv", capsys=capsys)
    assert code == 0 and len(out.splitlines()) == 7
    for given, message in [
        ("store:9", "error: option --plan: store:9: no plan 9 in the store; known: [1]. cli.py plans lists"),
        ("store:1:5", "error: option --plan: store:1:5: "),
        ("store:active", "error: option --plan: no plan is active in the store. Activate one on the Plans page"),
        # (it was "store:abc: file not found. Check the path", a new user's test)
        ("store:abc", "error: option --plan: 'store:abc' names no saved version. Write store:active, store:N"),
    ]:
        code, out, err = run_cli("balance", "--plan", given, capsys=capsys)
        assert code == 2 and out == "" and err.startswith(message) and err.count("\n") == 1, err
    store.activate(1, author="ana")
    code, out, _ = run_cli("balance", "--plan", "store:active", capsys=capsys)
    assert code == 0 and json.loads(out)["territories"]
    code, _, err = run_cli("balance", capsys=capsys)
    assert code == 2 and err.startswith("error: option --plan: balance needs --plan PLAN")


# --- encodings, line numbers and plan folders' regions -------------------------------------------------------


def _latin1_plan(tmp_path):
    data = json.loads(DEMO_PLAN.read_text(encoding="utf-8"))
    data["territories"][0]["name"] = "Amérique du Nord Est"
    path = tmp_path / "plan_latin1.json"
    path.write_bytes(json.dumps(data, ensure_ascii=False).encode("cp1252"))
    return path


def test_a_plan_in_windows_1252_is_read_and_said_so_on_stderr(tmp_path, capsys):
    # It was a UnicodeDecodeError traceback, exit code 1 (for the file and for a folder's plan.yaml).
    path = _latin1_plan(tmp_path)
    code, out, err = run_cli("balance", "--plan", path, capsys=capsys)
    assert code == 0, err
    assert err.startswith("warning: plan_latin1.json is not UTF-8: read as Windows-1252")
    run_cli("export-plan", "--plan", path, "--out", tmp_path / "fy27", capsys=capsys)
    head = tmp_path / "fy27" / "plan.yaml"
    head.write_bytes(head.read_text(encoding="utf-8").encode("cp1252"))
    code, out, err = run_cli("import-plan", "--plan", tmp_path / "fy27", "--out", tmp_path / "back.json", capsys=capsys)
    assert code == 0, err
    assert "warning: fy27: plan.yaml is not UTF-8: read as Windows-1252" in err
    back = json.loads((tmp_path / "back.json").read_text(encoding="utf-8"))
    assert back["territories"][0]["name"] == "Amérique du Nord Est"


def test_a_plan_and_a_folder_with_byte_order_marks_are_read(tmp_path, capsys):
    path = tmp_path / "plan_bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + DEMO_PLAN.read_bytes())
    code, _, err = run_cli("export-plan", "--plan", path, "--out", tmp_path / "fy", capsys=capsys)
    assert code == 0 and err == ""
    alignment = tmp_path / "fy" / "alignment.csv"
    alignment.write_bytes(b"\xef\xbb\xbf" + alignment.read_bytes())
    code, _, err = run_cli("balance", "--plan", tmp_path / "fy", capsys=capsys)
    assert code == 0 and err.startswith("warning: no accounts") and err.count("\n") == 1  # (the demo has none)


def test_accounts_in_windows_1252_are_read_and_said_so(tmp_path, capsys):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "id,name,industry,city,state,country\nL1,Société Générale,fintech,Montréal,QC,CA\n".encode("cp1252")
    )
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", path, capsys=capsys)
    assert code == 0, err
    assert err.startswith("warning: latin1.csv is not UTF-8: read as Windows-1252")
    assert next(r for r in json.loads(out) if r["account_id"] == "L1")["status"] == "assigned"


def test_lines_after_blank_lines_and_rows_of_commas(tmp_path, capsys):
    # blank.csv failed ("no account id … pass --skip-invalid") on a row of commas, and blank2.csv named "row 3"
    # for the latitude on line 5.
    path = tmp_path / "blank.csv"
    path.write_text("id,lat,lon\n\nA,40.7,-74.0\n,,\nB,123,-74.0\n")
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", path, capsys=capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: blank.csv, line 5, column 'lat': is not a latitude")
    path.write_text("id,lat,lon\n\nA,40.7,-74.0\n,,\n")
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", path, capsys=capsys)
    assert code == 0, err
    # (the row of commas at the end is a blank line there, as blank lines at the end are: nothing came after it)
    assert "warning: blank.csv: 1 empty line skipped (line 2: blank, or only commas)" in err
    path.write_text("id,lat,lon\n\nA,40.7,-74.0\n,,\nB,41.7,-74.0\n")
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", path, capsys=capsys)
    assert code == 0, err
    assert "warning: blank.csv: 2 empty lines skipped (lines 2, 4: blank, or only commas)" in err


def _folder_with(tmp_path, capsys, line: str):
    folder = tmp_path / "fy"
    run_cli("export-plan", "--plan", DEMO_PLAN, "--out", folder, capsys=capsys)
    with (folder / "alignment.csv").open("a") as handle:
        handle.write(line)
    return folder


def test_a_folder_region_listed_for_two_territories_alike_is_read_and_said_naming_both(tmp_path, capsys):
    # It exited 2, while the plan file with the same claims loaded: export-plan wrote a folder import-plan refused
    # (a review). Read now as the plan file is (the lower id takes the accounts, flagged as conflicts), and said.
    folder = _folder_with(tmp_path, capsys, "US-CA,USS\n")
    code, out, err = run_cli("import-plan", "--plan", folder, "--out", tmp_path / "p.json", capsys=capsys)
    assert code == 0, err
    assert re.search(
        r"warning: fy: alignment\.csv, line \d+: region US-CA is listed for two territories, US West "
        r"\(USW\) \(line \d+\) and US South \(USS\), which take the same accounts at the same "
        r"priority: US South \(the lower id\) takes them, each flagged as a conflict",
        err,
    ), err
    # The plan file says it too, and its folder reads back
    code, out, err = run_cli("export-plan", "--plan", tmp_path / "p.json", "--out", tmp_path / "again", capsys=capsys)
    assert (
        code == 0
        and (
            "warning: p.json: Claimed alike by two territories (the same accounts, at the same "
            "priority): US-CA by US South (USS) and US West (USW), US South taking its accounts"
        )
        in err
    )
    code, out, err = run_cli("import-plan", "--plan", tmp_path / "again", "--out", tmp_path / "q.json", capsys=capsys)
    assert code == 0 and json.loads((tmp_path / "q.json").read_text()) == json.loads((tmp_path / "p.json").read_text())


def test_a_folder_overlay_and_unknown_regions_are_said_on_stderr(tmp_path, capsys):
    # New York listed for US West under North America East's focus, and a mistyped id: both were silent.
    folder = _folder_with(tmp_path, capsys, "US-NY,USW\nUS-ZZ,USW\n")
    code, out, err = run_cli("import-plan", "--plan", folder, "--out", tmp_path / "p.json", capsys=capsys)
    assert code == 0, err
    warnings = err.strip().splitlines()
    assert len(warnings) == 2
    assert warnings[0].startswith("warning: fy: alignment.csv lists 1 region for both North America East (NAE) "
                                  "and US West (USW): US-NY (lines ")  # fmt: skip
    assert warnings[1].startswith("warning: fy: the plan names regions the bundled boundaries do not have: US-ZZ.")


def test_a_folder_exported_from_the_store_says_which_version_it_came_from(tmp_path, monkeypatch, capsys):
    # Opened on the Plans page over a later version, such a folder is merged into it, not saved over it: plan.yaml
    # names the version (and when it was saved, which tells this database's plan 1 from another's).
    from territory import load_plan
    from territory.plan_files import read_folder_origin
    from territory.store import PlanStore

    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TERRITORY_DATABASE_URL", raising=False)
    first = PlanStore().create_plan(load_plan(DEMO_PLAN), author="ana")
    code, _, err = run_cli("export-plan", "--plan", "store:1:1", "--out", str(tmp_path / "v1"), capsys=capsys)
    assert code == 0, err
    saved_at = first.created_at.isoformat(timespec="seconds")
    assert read_folder_origin(tmp_path / "v1") == (1, 1, saved_at)
    assert "based_on:\n  plan: 1\n  version: 1\n" in (tmp_path / "v1" / "plan.yaml").read_text()
    # written again from that folder (a pull request's edit), it still names the version it came from
    code, _, err = run_cli("export-plan", "--plan", str(tmp_path / "v1"), "--out", str(tmp_path / "again"),
                           capsys=capsys)  # fmt: skip
    assert code == 0 and read_folder_origin(tmp_path / "again") == (1, 1, saved_at), err
    # a plan file has no version to name
    code, _, err = run_cli("export-plan", "--plan", DEMO_PLAN, "--out", str(tmp_path / "file"), capsys=capsys)
    assert code == 0 and read_folder_origin(tmp_path / "file") is None, err


def test_a_territory_whose_every_region_is_shared_has_its_own_accounts_row(tmp_path, capsys):
    # An SMB overlay listed before North America East on its three states holds no region in the search (a region
    # is held there by the last territory listing it): it had no row in the proposal. Its row counts the accounts
    # the assignment gives it there, as `balance` counts them (served and waiting), not every SMB account there
    # (North America East, priority 1, takes its fintech and healthcare ones): 259 and $573,100, not 371.
    raw = json.loads(Path(DEMO_PLAN).read_text())
    raw["territories"].insert(0, {"territory_id": "NAS", "name": "North America East SMB", "tiers": ["smb"],
                                  "region_ids": ["US-NY", "US-PA", "US-MA"]})  # fmt: skip
    raw["reps"].append({"rep_id": "R99", "name": "Sam SMB", "territory_ids": ["NAS"], "capacity": 120})
    plan = tmp_path / "overlay.json"
    plan.write_text(json.dumps(raw))
    code, out, err = run_cli("balance", "--plan", plan, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", capsys=capsys)
    assert code == 0, err
    (balance,) = [t for t in json.loads(out)["territories"] if t["territory_id"] == "NAS"]
    code, out, err = run_cli("rebalance", "--plan", plan, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--jobs", "1",
                             "--seconds", "1", capsys=capsys)  # fmt: skip
    assert code == 0, err
    (row,) = [t for t in json.loads(out)["territories"] if t["territory_id"] == "NAS"]
    assert row["kept"] and row["regions"] == 3
    assert row["value"] == balance["total_value"] + balance["unserved_value"] == 573_100
    assert row["workload"] == 259


def test_a_proposal_s_figures_are_the_accounts_own(capsys):
    # A new user's test: each region was given 1% of the mean as a floor, and the report's figures carried it (US
    # Central $4,331,245.53 against the accounts' $4,290,900; Canada West +6.0% on value, "no", where its accounts
    # made +4.95%). Territories locked as they are must read as the Balance page reads them.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--jobs", "1", "--locked", "NAE", "EUW", "USC", capsys=capsys)  # fmt: skip
    assert code == 0, err
    proposal = {t["territory_id"]: t for t in json.loads(out)["territories"]}
    # (locked: those given to --locked; kept: not rebalanced for any reason, Canada West and US West trading)
    assert {t for t, row in proposal.items() if row["locked"]} == {"NAE", "EUW", "USC"}
    assert {t for t, row in proposal.items() if row["kept"]} == {"NAE", "EUW", "USC", "USS"}
    code, out, err = run_cli("balance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             capsys=capsys)  # fmt: skip
    balance = {t["territory_id"]: t for t in json.loads(out)["territories"]}
    for territory in ("NAE", "EUW", "USC"):  # (a territory's figures count its accounts waiting for a rep too)
        mine, balanced = proposal[territory], balance[territory]
        assert mine["value"] == balanced["total_value"] + balanced["unserved_value"], territory
        if balanced["unserved"] == 0:  # (the Balance page's workload is its reps')
            assert mine["workload"] == pytest.approx(balanced["workload"]), territory
    assert balance["USC"]["unserved"] > 0


def test_a_rebalance_without_accounts_names_the_accounts_as_what_is_missing(capsys):
    # A new user's test: it blamed --metrics ("option --metrics: nothing to balance …").
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, capsys=capsys)
    assert code == 2 and out == ""
    assert err == (
        f"error: option --accounts: {DEMO_PLAN} has no accounts of its own, so there is no workload or value to "
        "balance. Give --accounts ACCOUNTS.csv (or --metrics population)\n"
    )
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--metrics", "population", "--jobs", "1", capsys=capsys)
    assert code == 0 and json.loads(out)["tolerance"] == {"population": 0.05}, err


def test_a_territory_alone_on_its_land_mass_can_go_and_leaves_its_regions_without_one(capsys):
    # A new user's test: "All of US South" could go (Texas and Louisiana left without a territory, said so) while
    # "All of Europe West" was refused ("alone on its land mass"): closing Europe could not be modelled.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--territory", "EUW", "--jobs", "1", capsys=capsys)  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["description"].startswith("Europe West goes, then the plan is rebalanced without it; ")
    assert result["description"].endswith("all 4 of its regions touch no territory free to take them and are left "
                                          "without one")  # fmt: skip
    assert result["left_out"] == ["DE", "FR", "GB", "NL"] and result["accounts_left_out"] == 200
    assert any(w.startswith("Coverage gap: 200 accounts worth ") for w in result["warnings"])
    # said on stderr too, as the other warnings are (it was in the JSON alone, and nowhere with --format csv)
    assert "Coverage gap: 200 accounts worth " in err, err
    assert "EUW" not in {t["territory_id"] for t in result["territories"]}
    # with every other territory locked, it still goes (none of them is next to it): only the handing out
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--territory", "EUW", "--jobs", "1",
                             "--locked", "USW", "USS", "USC", "NAE", "CAW", capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["description"].startswith("Europe West goes; ")


def test_a_rep_leaving_who_covers_no_territory_is_refused_by_the_rep_option(tmp_path, capsys):
    # It named --scenario, and sent the CLI's user to the dashboard's Reps page (a new user's test).
    data = json.loads(DEMO_PLAN.read_text(encoding="utf-8"))
    data["reps"].append({"rep_id": "R99", "name": "Floater Fay", "territory_ids": [], "capacity": 100})
    path = tmp_path / "floater.json"
    path.write_text(json.dumps(data))
    code, out, err = run_cli("rebalance", "--plan", path, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--scenario",
                             "rep_leaves", "--rep", "R99", "--jobs", "1", capsys=capsys)  # fmt: skip
    assert code == 2 and out == "", err
    assert err.splitlines()[-1].startswith(
        f"error: {path}, option --rep: Floater Fay covers no territory being rebalanced, so hands no accounts "
        'on: set them inactive instead (on the Reps page, or "active": false in a plan file)'
    ), err


def test_assign_explain_names_the_regions(capsys):
    # (it said "No territory claims US-20091": an id, where the Accounts page says the county by name)
    code, out, _ = run_cli(
        "assign", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--explain", capsys=capsys
    )
    assert code == 0
    sentences = {row["account_id"]: row["explanation"] for row in json.loads(out)}
    assert "No territory claims Johnson, KS (US-20091)" in sentences["ACC-00002"]
    assert "Territories claim France (FR)" in sentences["ACC-00004"]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_exported_files_get_the_permissions_of_any_new_file(tmp_path, capsys, umask):
    # A new user's test: export-plan wrote every file of the folder 0600 (tempfile's private mode, kept by the
    # rename into place), where cp gives 0644 under umask 022. Every file the CLI writes goes through one writer.
    import os

    folder, plan_file, owners, left_out = (
        tmp_path / "fy27",
        tmp_path / "fy27.json",
        tmp_path / "o.csv",
        tmp_path / "l.csv",
    )
    previous = os.umask(umask)
    try:
        assert run_cli("export-plan", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                       "--out", folder, capsys=capsys)[0] == 0  # fmt: skip
        assert run_cli("import-plan", "--plan", folder, "--out", plan_file, capsys=capsys)[0] == 0
        assert run_cli("crm-export", "--plan", folder, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--crm",
                       "salesforce", "--out", owners, "--left-out", left_out, capsys=capsys)[0] == 0  # fmt: skip
    finally:
        os.umask(previous)
    written = sorted(folder.iterdir()) + [plan_file, owners, left_out]
    assert {"plan.yaml", "alignment.csv", "assignments.csv", "territories.geojson"} <= {p.name for p in written}
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in written} == {p.name: oct(0o666 & ~umask) for p in written}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fy27", "fy27.json", "l.csv", "o.csv"]  # no .tmp left


def test_a_file_written_over_keeps_its_mode(tmp_path, capsys):
    # As with cp: an owners file the user made private stays private when exported again.
    owners = tmp_path / "owners.csv"
    owners.write_text("old\n")
    owners.chmod(0o600)
    code, _, err = run_cli("crm-export", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                           "--crm", "hubspot", "--out", owners, capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert owners.read_text().startswith("Record ID,Company owner,Territory") and owners.stat().st_mode & 0o777 == 0o600


@pytest.fixture
def two_claims(tmp_path):
    """A plan whose territories Alpha and Beta both claim New York, and accounts in Manhattan and Johnson, KS."""
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(
            {
                "name": "Two claims",
                "territories": [
                    {"territory_id": "A", "name": "Alpha", "region_ids": ["US-NY"]},
                    {"territory_id": "B", "name": "Beta", "region_ids": ["US-NY"]},
                ],
                "reps": [{"rep_id": "R1", "name": "Ana", "territory_ids": ["A", "B"]}],
            }
        )
    )
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,region,industry,estimatedValue\nX,US-36061,saas,10\nY,US-20091,saas,5\n")
    return plan, accounts


def test_gaps_and_whitespace_name_each_region_beside_its_id(two_claims, capsys):
    # A new user's test: gaps listed "US-20091" and nothing else (assign --explain said "Johnson, KS (US-20091)").
    # Names are added beside the ids; no field is renamed.
    plan, accounts = two_claims
    code, out, err = run_cli("gaps", "--plan", plan, "--accounts", accounts, capsys=capsys)
    assert code == 0, err
    gaps = json.loads(out)
    assert gaps["uncovered_regions"] == [
        {"region_id": "US-20091", "region_name": "Johnson, KS", "accounts": 1, "value": 5.0}
    ]
    assert gaps["conflicts"] == [
        {"claim_region_id": "US-NY", "claim_region_name": "New York", "territories": "A, B", "winner": "A",
         "winner_name": "Alpha", "accounts": 1}
    ]  # fmt: skip
    code, out, _ = run_cli("gaps", "--plan", plan, "--accounts", accounts, "--format", "csv", "--table",
                           "uncovered_regions", capsys=capsys)  # fmt: skip
    assert code == 0 and out.splitlines() == ["region_id,region_name,accounts,value", 'US-20091,"Johnson, KS",1,5']
    code, out, _ = run_cli("whitespace", "--plan", plan, "--accounts", accounts, capsys=capsys)
    named = {(r["region_id"], r["region_name"]) for r in json.loads(out)}
    assert code == 0 and named == {("US-NY", "New York"), ("US-KS", "Kansas")}


def test_gaps_as_csv_asks_which_table(two_claims, tmp_path, capsys):
    # A new user's test: `gaps --format csv` printed unassigned_by_reason alone, without a word, of five tables.
    # balance, diff and rebalance write their main (first) table; gaps has none, so it asks, naming them all.
    plan, accounts = two_claims
    out_file = tmp_path / "gaps.csv"
    code, out, err = run_cli("gaps", "--plan", plan, "--accounts", accounts, "--format", "csv", "--out", out_file,
                             capsys=capsys)  # fmt: skip
    assert code == 2 and out == "" and not out_file.exists()
    assert err == (
        "error: option --table: gaps has 5 tables and a CSV holds one. Pick one with --table: uncovered_regions, "
        "territories_without_active_rep, reps_over_capacity, conflicts, unassigned_by_reason (or leave --format csv "
        "out: the JSON holds every table)\n"
    )
    code, out, _ = run_cli("gaps", "--plan", plan, "--accounts", accounts, "--format", "csv", "--table",
                           "conflicts", capsys=capsys)  # fmt: skip
    assert (
        code == 0 and out.splitlines()[0] == "claim_region_id,claim_region_name,territories,winner,winner_name,accounts"
    )
    code, out, _ = run_cli("balance", "--plan", plan, "--accounts", accounts, "--format", "csv", capsys=capsys)
    assert code == 0 and out.startswith("territory_id,")  # (the main table, as before)


def test_an_unknown_table_is_refused_before_any_work(tmp_path, capsys):
    # rebalance searched for its seconds and wrote --save-plan before saying "no table 'moved' for rebalance".
    saved = tmp_path / "proposed.json"
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--save-plan", saved, "--format", "csv", "--table", "moved", capsys=capsys)  # fmt: skip
    assert code == 2 and out == "" and not saved.exists()
    assert err.endswith(
        "error: option --table: no table 'moved' for rebalance. Use one of: moves, territories, handoffs\n"
    )


def test_help_says_what_each_command_does_and_each_command_gives_an_example(capsys):
    # A new user's test: `cli.py --help` listed {assign,balance,…} with "what to compute" for them all, and
    # `cli.py gaps --help` said "Territory planner batch jobs: gaps." and nothing of what gaps does.
    with pytest.raises(SystemExit) as caught:
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert caught.value.code == 0 and out.startswith("usage: cli.py COMMAND --plan PLAN [options]")
    listed = dict(re.findall(r"^  ([a-z-]+) +(.+)$", out.split("commands:\n", 1)[1].split("\n\n", 1)[0], re.M))
    assert listed == {command: cli.COMMAND_HELP[command][0] for command in cli.COMMANDS}
    assert all(len(what) > 30 for what in listed.values())
    for command in cli.COMMANDS:
        code, out, _ = run_cli(command, "--help", capsys=capsys)
        what, example = cli.COMMAND_HELP[command]
        assert code == 0 and f"cli.py {command}: {what}.\n" in out
        shown = out.split("example:\n", 1)[1].split("\n\n", 1)[0]
        assert " ".join(shown.replace("\\\n", " ").split()) == f".venv/bin/python cli.py {example}"
        assert (
            example.startswith(
                {"plans": "plans ", "partition": "partition --boundaries "}.get(command, f"{command} --plan ")
            )
            and max(map(len, shown.splitlines())) <= 112
        )
        # the example reads only options its command reads (the files it names are the README's)
        args = cli.build_parser().parse_args(shlex.split(example))  # (a message in quotes: one word)
        cli.refuse_unread_options(args)
        args.format = args.format or ("csv" if command == "crm-export" else "json")
        cli.check_table(args)
    # … with the options first too ("cli.py --plan X balance --help" printed the whole list)
    code, out, _ = run_cli("--plan", DEMO_PLAN, "balance", "--help", capsys=capsys)
    assert code == 0 and out.startswith("usage: cli.py balance --plan PLAN [options]")
    # each option said for the command at hand
    out = run_cli("export-plan", "--help", capsys=capsys)[1]
    assert "--out FOLDER" in out and "the folder to write the plan's files into" in out
    out = run_cli("gaps", "--help", capsys=capsys)[1]
    assert "which table (needed): uncovered_regions," in out and "optional for balance, gaps and whitespace" not in out
    assert "regions (default), territories" in run_cli("diff", "--help", capsys=capsys)[1]
    assert "--table" not in run_cli("crm-export", "--help", capsys=capsys)[1]  # (refused there)
    assert run_cli("plans", "--help", capsys=capsys)[1].startswith("usage: cli.py plans [--plan store:N] [options]")


@pytest.mark.parametrize(
    "argv, said",
    [
        ([], "error: give a command (commands: assign, balance, gaps,"),
        (["balanse"], "error: no command 'balanse' (commands: assign,"),
    ],
)
def test_no_command_or_a_misspelt_one_lists_the_commands(argv, said, capsys):
    # It said "the following arguments are required: command (cli.py --help lists the options)", or the choices
    # twice over for a misspelt one.
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    err = capsys.readouterr().err
    assert caught.value.code == 2 and err.startswith(said) and err.endswith("; cli.py --help says what each does)\n")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "command, extra, said",
    [
        # a traceback (IsADirectoryError)
        ("whitespace", ["--population", "{tmp}"], "error: option --population: {tmp} is a folder. Give --population a CSV file"),
        # "file not found"
        ("balance", ["--accounts", "{tmp}"], "error: option --accounts: {tmp} is a folder. Give --accounts a CSV file"),
        # "warning: no accounts: …" first
        ("whitespace", ["--population", "{tmp}/none.csv"], "error: {tmp}/none.csv: file not found. Check the path"),
        # "option --out: … is a folder", after the CRM file was written
        ("crm-export", ["--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--crm", "hubspot", "--out", "{tmp}/o.csv",
                        "--left-out", "{tmp}"],
         "error: option --left-out: {tmp} is a folder. Give a file name, e.g. --left-out left-out.csv"),
        # "option --out: …", after the search
        ("rebalance", ["--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--save-plan", "{tmp}"],
         "error: option --save-plan: {tmp} is a folder. Give a file name, e.g. --save-plan proposed.json"),
        # "cannot write …/plan.txt/x.json: File exists"
        ("balance", ["--out", "{tmp}/plan.txt/x.json"],
         "error: option --out: {tmp}/plan.txt is a file, not a folder. Give --out a path in a folder"),
    ],
)  # fmt: skip
def test_a_path_that_cannot_be_used_is_refused_before_any_work_naming_its_option(command, extra, said, tmp_path,
                                                                                 capsys):  # fmt: skip
    (tmp_path / "plan.txt").write_text("x")
    extra = [str(e).replace("{tmp}", str(tmp_path)) for e in extra]
    code, out, err = run_cli(command, "--plan", DEMO_PLAN, *extra, capsys=capsys)
    assert code == 2 and out == "" and err == said.replace("{tmp}", str(tmp_path)) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.txt"]  # nothing written


def test_what_is_missing_is_named_with_how_to_give_it(tmp_path, monkeypatch, capsys):
    # `plans` on an empty store printed [] alone; `crm-export --crm hubspot` said it needed --crm (it had it) and
    # --accounts; `export-plan` and `import-plan` said what they needed without an example.
    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TERRITORY_DATABASE_URL", raising=False)
    code, out, err = run_cli("plans", capsys=capsys)
    assert code == 0 and out == "[]\n"
    assert err == (
        f"warning: no plans are saved in sqlite:///{tmp_path}/territory.sqlite: the dashboard saves them (Plans page); "
        "TERRITORY_DATA_DIR or TERRITORY_DATABASE_URL names another store\n"
    )
    for command, extra, said in [
        ("crm-export", ["--crm", "hubspot"], "option --accounts: crm-export needs --accounts ACCOUNTS.csv. The CRM"),
        ("crm-export", [], "option --crm: crm-export needs --crm salesforce|hubspot and --accounts ACCOUNTS.csv."),
        ("export-plan", [], "option --out: export-plan needs --out FOLDER. Give the folder to write the plan's files "
                            "into, e.g. --out plans/fy27"),
        ("import-plan", ["--out", tmp_path / "fy27.txt"], "option --out: import-plan needs --out PLAN.json or "
                                                          "PLAN.yaml. Give the plan file to write, e.g. --out fy27.json"),
    ]:  # fmt: skip
        code, out, err = run_cli(command, "--plan", DEMO_PLAN, *extra, capsys=capsys)
        assert code == 2 and out == "" and err.startswith(f"error: {said}"), err


def test_diff_says_each_unusable_row_once(tmp_path, capsys):
    # diff reads --accounts for each plan, and said each row that could not be placed twice.
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,region,industry,estimatedValue\nX,US-NY,saas,10\nY,,saas,5\n")
    code, out, err = run_cli("diff", "--plan", DEMO_PLAN, "--new", DEMO_PLAN, "--accounts", accounts,
                             "--skip-invalid", capsys=capsys)  # fmt: skip
    assert code == 0 and json.loads(out)["regions"] == []
    assert err.count("accounts.csv, line 3") == 1, err


def test_rebalance_a_rep_leaving_a_full_team_is_said_first(capsys):
    # A new user's test: Luke Anderson leaves; his states go to territories whose reps are at 100%; 281 accounts
    # wait for a rep and nothing said the team could not take his book. Said on stderr and first in the warnings,
    # as the page says it.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R10", "--seconds", "1", capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    headline = summary["warnings"][0]
    assert re.match(r"The team is full: [\d,]+ of Luke Anderson's accounts will wait for a rep; the team's capacity "
                    r"is short by [\d,]+ accounts", headline), headline  # fmt: skip
    assert "US South's reps are at 100%" in headline and "add a rep to US South" in headline
    assert summary["shortfall"][0] == headline and summary["shortfall"][1].startswith("US South: ")
    assert f"warning: {headline}" in err
    # The headline's count and the lines per territory agree: "raise by 281" above US South's "raise by 559" read as
    # a contradiction, since the lines also count the accounts that waited there before.
    his = int(re.search(r"full: ([\d,]+) of", headline).group(1).replace(",", ""))
    there, theirs, already = (int(n.replace(",", "")) for n in re.search(
        r"Raise capacities by ([\d,]+) in all to serve every account waiting in .+? after the change, ([\d,]+) of "
        r"Luke Anderson's accounts and ([\d,]+) others?", headline).groups())  # fmt: skip
    assert theirs == his
    lines = [
        int(re.match(r"[^:]+: ([\d,]+) account", line).group(1).replace(",", "")) for line in summary["shortfall"][1:]
    ]
    assert his + already == there == sum(lines), (headline, summary["shortfall"])
    # Hannah Kim leaves: 237 of her accounts wait, and 61 of the reps who stay lose theirs (Priya Patel, full,
    # keeps some of Hannah's instead). "237 will wait" stood beside the headline's "298 left without a rep" with no
    # word of the others (a new user's test); the headline now adds up to what Accounts changing counts.
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R07", "--seconds", "1", "--jobs", "1",
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    waiting = next(h for h in summary["handoffs"] if not h["rep_id"])["accounts_gained"]
    said = re.search(r"full: ([\d,]+) of Hannah Kim's accounts will wait.* Besides, ([\d,]+) accounts of the reps who "
                     r"stay lose their rep: .* ([\d,]+) in all are left without a rep\.", summary["warnings"][0])  # fmt: skip
    assert said, summary["warnings"][0]
    hers, others, lost = (int(n.replace(",", "")) for n in said.groups())
    assert hers + others == lost == waiting and others > 0, (said.groups(), waiting)


def test_rebalance_a_new_rep_joins_with_a_name_and_a_capacity(capsys, tmp_path):
    # (the page could name the new rep and give their capacity; the CLI could not)
    saved = tmp_path / "rockies.json"
    code, out, err = run_cli(
        "rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--scenario", "rep_joins",
        "--name", "Rockies", "--home", "US-CO", "--rep-name", "Ana Ruiz", "--capacity", "150", "--seconds", "1",
        "--save-plan", str(saved), capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "Ana Ruiz" in json.loads(out)["description"]
    rep = next(r for r in json.loads(saved.read_text())["reps"] if r["name"] == "Ana Ruiz")
    assert rep["capacity"] == 150 and rep["home_region"] == "US-CO"


def test_json_and_csv_floats_are_rounded_alike(capsys):
    # "deviation": 0.0010141987829614951 and a bound of 1.1102230246251565e-16 (float noise for 0) read as noise: every
    # float has at most 4 decimals (4 significant digits below 1: small shares keep theirs), in the JSON and the CSV alike.
    def floats(value):
        if isinstance(value, dict):
            return [f for v in value.values() for f in floats(v)]
        if isinstance(value, list):
            return [f for v in value for f in floats(v)]
        return [value] if isinstance(value, float) else []

    code, out, err = run_cli("balance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    numbers = floats(summary)

    def rounded(f):  # (4 decimals, below 1 four significant digits)
        return f == (round(f, 4) if abs(f) >= 1 else float(f"{f:.4g}"))

    assert numbers and all(map(rounded, numbers)), [f for f in numbers if not rounded(f)][:5]
    assert any(f != round(f, 2) for f in numbers)  # (shares and deviations keep their digits)
    code, out, err = run_cli("balance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--format", "csv", "--table", "territories", capsys=capsys)  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    by_id = {row["territory_id"]: row for row in summary["territories"]}
    for row in table.to_dict(orient="records"):
        for column, value in row.items():
            if isinstance(value, float) and column in by_id[row["territory_id"]] and not math.isnan(value):
                assert value == by_id[row["territory_id"]][column], (row["territory_id"], column)


def test_a_command_s_help_is_not_taken_from_an_option_s_value(capsys):
    # The first word that names a command chose the help, an option's value too: a plan file named like a command
    # ("--plan balance diff --help") gave balance's help, and "--plan gaps --help" (no command) gaps' help.
    code, out, _ = run_cli("--plan", "balance", "diff", "--help", capsys=capsys)
    assert code == 0 and out.startswith("usage: cli.py diff --plan PLAN [options]"), out[:80]
    code, out, _ = run_cli("--out", "plans", "--pl", "gaps", "--format", "csv", "rebalance", "-h", capsys=capsys)
    assert code == 0 and out.startswith("usage: cli.py rebalance --plan PLAN [options]"), out[:80]
    with pytest.raises(SystemExit) as exited:  # (no command: the whole list, as argparse prints it)
        cli.main(["--plan", "gaps", "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0 and out.startswith("usage: cli.py COMMAND --plan PLAN [options]"), out[:80]


def test_a_command_read_as_an_option_s_value_is_named_with_the_fix(capsys):
    # `--metrics workload value rebalance` gave argparse's "invalid choice: 'rebalance'" for --metrics (an option of
    # several values reads every word up to the next option), and `--tolerance 5 balance` "the following arguments
    # are required: COMMAND" (a reviewer's find).
    for argv, option, command in [
        (["--metrics", "workload", "value", "rebalance", "--plan", str(DEMO_PLAN)], "--metrics", "rebalance"),
        (["--plan", str(DEMO_PLAN), "--tol", "5", "balance"], "--tolerance", "balance"),
        (["--lock-regions", "US-TX", "US-CA", "rebalance", "--plan", str(DEMO_PLAN)], "--lock-regions", "rebalance"),
    ]:
        with pytest.raises(SystemExit) as caught:
            cli.main(argv)
        err = capsys.readouterr().err
        assert caught.value.code == 2 and err.count("\n") == 1, err
        assert err.startswith(f"error: {option} takes one or more values and read '{command}' as one of them; put "
                              f"the command first: cli.py {command} {option} … (cli.py {command} --help"), err  # fmt: skip
    # The command first, a value that names a command is the option's own mistake.
    with pytest.raises(SystemExit) as caught:
        cli.main(["rebalance", "--metrics", "workload", "balance", "--plan", str(DEMO_PLAN)])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and "invalid choice: 'balance'" in err and "(cli.py rebalance --help" in err


def test_rebalance_keep_countries_sends_no_region_across_a_border(capsys):
    # County level, the demo: 26 counties of Idaho and Washington went to Canada West (a new user's test). With
    # --keep-countries none crosses, and the description says why Canada West stays as it is.
    args = ["rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--level", "county",
            "--jobs", "1", "--seconds", "1"]  # fmt: skip
    code, out, err = run_cli(*args, "--keep-countries", capsys=capsys)
    # Kept in their country, Canada West has no territory to trade with, and US West none left: no proposal, and
    # why. (It was "rebalanced" with US West, with which it could not trade: "2 of 6 territories rebalanced" beside
    # "they stay as they are" and nothing moved, the tenth new user's test.)
    assert code == 2 and "fewer than two territories can trade regions" in err, err
    assert "no territory to trade with inside their countries (regions kept in their country): Canada West" in err
    assert "let regions cross a border" in err
    code, out, err = run_cli(*args, capsys=capsys)
    assert code == 0 and any(m["to_territory_id"] == "CAW" for m in json.loads(out)["moves"])  # (without: they cross)
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R08", "--keep-countries", "--jobs", "1",
                             capsys=capsys)  # fmt: skip
    summary = json.loads(out)
    assert summary["regions_moved"] == 0 and all(t["kept"] for t in summary["territories"])
    assert "rebalanced" not in summary["description"] and "so nothing else moves" in summary["description"]
    code, _, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                           "--scenario", "territories", "--territories", "4", "--keep-countries", capsys=capsys)  # fmt: skip
    assert code == 2 and "--keep-countries has no effect on a plan from scratch" in err


def test_a_plan_from_scratch_keeps_the_locked_territories(capsys, tmp_path):
    # Fewer territories in one area only: North America East and Europe West stay, the rest is drawn into three.
    saved = tmp_path / "five.json"
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "territories", "--territories", "5", "--locked", "NAE", "EUW", "--jobs", "1",
                             "--save-plan", str(saved), capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["description"].startswith("5 territories: North America East and Europe West are locked and kept")
    rows = {t["territory_id"]: t for t in summary["territories"]}
    assert len(rows) == 5 and rows["NAE"]["locked"] and rows["EUW"]["locked"]
    assert sum(bool(t["locked"]) for t in rows.values()) == 2
    assert not any(m["from_territory_id"] in ("NAE", "EUW") or m["to_territory_id"] in ("NAE", "EUW")
                   for m in summary["moves"])  # fmt: skip
    from territory import plan_from_dict

    before = plan_from_dict(json.loads(Path(DEMO_PLAN).read_text()))  # (as read: the demo's "UK" is GB)
    after = plan_from_dict(json.loads(saved.read_text()))
    assert after.territory("NAE") == before.territory("NAE") and after.territory("EUW") == before.territory("EUW")


def test_a_plan_from_scratch_sized_by_capacity_on_request(capsys):
    # Equal shares unless asked; with --by-capacity the territories drawn are resized to the reps placed in them
    args = ("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--scenario", "territories",
            "--territories", "8", "--locked", "NAE", "EUW", "CAW", "--jobs", "1", "--seconds", "1")  # fmt: skip
    code, out, err = run_cli(*args, capsys=capsys)
    assert code == 0, err
    equal = json.loads(out)
    assert all(t["share"] == 1.0 for t in equal["territories"]) and "sized by the capacity" not in equal["description"]
    code, out, err = run_cli(*args, "--by-capacity", capsys=capsys)
    assert code == 0, err
    sized = json.loads(out)
    drawn = [t for t in sized["territories"] if not t["locked"]]
    assert len(drawn) == 5 and len({t["share"] for t in drawn}) > 1
    assert all(t["share"] == 1.0 for t in sized["territories"] if t["locked"])
    assert "; sized by the capacity of the reps placed in them (" in sized["description"]


def _demo_plan_with(tmp_path, territory: dict, rep: dict) -> Path:
    data = json.loads(Path(DEMO_PLAN).read_text())
    data["territories"].append(territory)
    data["reps"].append(rep)
    path = tmp_path / f"{territory['territory_id'].lower()}.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(("level", "k"), [("state", "5"), ("county", "8")])
def test_a_plan_from_scratch_keeps_what_lies_under_a_locked_territory(level, k, capsys, tmp_path):
    from territory import plan_from_dict

    # Texas's metro counties carved out of US South's Texas: with US South locked, drawn anew at state level, the
    # carve-out stays (it was folded into Texas, and the locked US South took its accounts); at county level (US
    # South's regions cut the rest into 7 groups) it is drawn anew with the rest
    metros = ["US-48201", "US-48113", "US-48439", "US-48029", "US-48453"]
    plan = _demo_plan_with(tmp_path, {"territory_id": "TXM", "name": "Texas Metros", "region_ids": metros},
                           {"rep_id": "R13", "name": "Metro Rep", "home_region": "US-TX", "territory_ids": ["TXM"],
                            "capacity": 200})  # fmt: skip
    saved = tmp_path / "five.json"
    code, out, err = run_cli("rebalance", "--plan", str(plan), "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "territories", "--territories", k, "--locked", "USS", "--level", level,
                             "--jobs", "1", "--seconds", "0.5", "--save-plan", str(saved), capsys=capsys)  # fmt: skip
    assert code == 0, err
    before, after = plan_from_dict(json.loads(plan.read_text())), plan_from_dict(json.loads(saved.read_text()))
    assert after.territory("USS") == before.territory("USS")
    if level == "state":
        assert after.territory("TXM") == before.territory("TXM") and after.rep("R13") == before.rep("R13")
    # every account placed in Texas as a whole keeps a territory, and no claim is listed twice
    claims = [r for t in after.territories for r in t.region_ids]
    assert len(claims) == len(set(claims)) and json.loads(out)["accounts_left_out"] == 0


def test_a_locked_territory_of_counties_is_not_folded_into_its_state(capsys, tmp_path):
    from territory import plan_from_dict

    # Delaware's three counties listed one by one: locked in a plan drawn anew at county level, they stay so listed
    # (they were folded into "US-DE", as the territories drawn anew are)
    delaware = ["US-10001", "US-10003", "US-10005"]
    plan = _demo_plan_with(tmp_path, {"territory_id": "DEL", "name": "Delaware", "region_ids": delaware},
                           {"rep_id": "R13", "name": "Del Rep", "home_region": "US-DE", "territory_ids": ["DEL"],
                            "capacity": 100})  # fmt: skip
    saved = tmp_path / "six.json"
    code, out, err = run_cli("rebalance", "--plan", str(plan), "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "territories", "--territories", "6", "--locked", "DEL", "--level", "county",
                             "--jobs", "1", "--seconds", "0.5", "--save-plan", str(saved), capsys=capsys)  # fmt: skip
    assert code == 0, err
    after = plan_from_dict(json.loads(saved.read_text()))
    assert after.territory("DEL").region_ids == tuple(delaware) and after.rep("R13").territory_ids == ("DEL",)


def test_a_bad_crm_date_is_the_only_thing_said(capsys):
    # The accounts' warnings came first, and the date's mistake last, under them (a new user's test).
    code, out, err = run_cli("crm-export", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--crm", "salesforce",
                             "--date", "31/12/2026", capsys=capsys)  # fmt: skip
    assert code == 2 and out == ""
    assert err == "error: option --date: '31/12/2026' is not a date. Use YYYY-MM-DD\n", err


def test_a_zipped_plan_folder_is_named_as_such(tmp_path, capsys):
    # The zip the Plans page downloads, given as --plan, was "not valid JSON … Fix the JSON syntax" (a new user's
    # test): it is said to be a zip, with how to use it.
    zipped = tmp_path / "fy27.zip"
    zipped.write_bytes(b"PK\x03\x04 not read")
    code, out, err = run_cli("balance", "--plan", zipped, capsys=capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: fy27.zip: is a zip file (the Plans page's plan folder, zipped). Unzip it"), err
    assert "give the folder that holds its plan.yaml as --plan" in err


def test_a_crm_s_industries_are_read_as_the_plan_names_them(capsys, tmp_path):
    # HubSpot's FINANCIAL_SERVICES against the plan's fintech: North America East turned every account away.
    hub = tmp_path / "hubspot.csv"
    hub.write_text("id,name,industry,lat,lon\nA1,Acme,FINANCIAL_SERVICES,40.71,-74.0\n"
                   "A2,Beta,HOSPITAL_HEALTH_CARE,42.36,-71.06\n")  # fmt: skip
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", str(hub), "--format", "csv", capsys=capsys)
    assert code == 0 and set(pd.read_csv(io.StringIO(out))["reason_detail"]) == {"industry"}
    # … and says how to read them as the plan's (the fourteenth new user: no hint), and that no account has a tier
    assert (
        "warning: hubspot.csv: 2 industries of the file (2 accounts) are named by no territory or rep; read them as "
        "the plan's with --industry-map financial_services=fintech hospital_health_care=healthcare"
    ) in err, err
    assert (
        "warning: hubspot.csv: no account has a tier (no tier column, or an empty one), and US Central takes only "
        "enterprise and mid-market: it turns away every account there"
    ) in err, err
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", str(hub), "--industry-map",
                             "FINANCIAL_SERVICES=fintech", "hospital_health_care=healthcare", "MEDIA=media",
                             "--format", "csv", capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert set(pd.read_csv(io.StringIO(out))["territory_id"]) == {"NAE"}
    assert "warning: --industry-map: hubspot.csv has no industry 'MEDIA'" in err
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", str(hub), "--industry-map", "fintech",
                             capsys=capsys)  # fmt: skip
    assert code == 2 and "--industry-map 'fintech' is not FILE=PLAN" in err


def test_every_industry_no_territory_names_is_said_with_or_without_a_reading(capsys, tmp_path):
    # Only those with a likely reading were said: a typo's accounts were turned away unsaid (a review: 2 of the 3
    # the Accounts page counts).
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("id,name,industry,lat,lon\nA1,Acme,FINANCIAL_SERVICES,40.71,-74.0\n"
                     "A2,Beta,Widgets,42.36,-71.06\nA3,Gamma,Widgets,41.88,-87.63\n")  # fmt: skip
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", str(mixed), "--format", "csv", capsys=capsys)
    assert code == 0
    assert (
        "warning: mixed.csv: 2 industries of the file (3 accounts) are named by no territory or rep; map 'widgets' to "
        "one of the plan's ("
    ) in err, err
    assert "with --industry-map FILE_NAME=PLAN_NAME (and --industry-map financial_services=fintech)" in err, err


def test_rebalance_a_new_territory_far_from_its_rep_s_home_is_warned(capsys):
    # A Denver rep's Rockies reached Riverside, CA, for its share (the tenth new user's test) when any distance is
    # allowed: warned, and in the JSON; with a smaller capacity its share is smaller and it stays nearer home.
    args = ["rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--scenario", "rep_joins",
            "--name", "Rockies", "--home", "US-08031", "--level", "county", "--jobs", "1", "--seconds", "1"]  # fmt: skip
    code, out, err = run_cli(*args, capsys=capsys)
    assert code == 0, err
    # By default the new territory is held to 800 km of home (NEW_TERRITORY_WITHIN_KM), as on the page.
    held = json.loads(out)
    assert (
        held["home_within_km"] == 800
        and "Rockies takes only regions within 800 km of Denver, CO (" in held["description"]
    )
    assert all(entry["near_km"] == 800 for entry in held["far_from_home"])
    code, out, err = run_cli(*args, "--within-km", "800", capsys=capsys)
    assert code == 0 and json.loads(out)["moves"] == held["moves"]
    args = [*args, "--within-km", "any"]
    code, out, err = run_cli(*args, capsys=capsys)
    assert code == 0, err
    (far,) = json.loads(out)["far_from_home"]
    assert far["territory_id"] == "ROCKIES" and far["km"] > 1000 and far["share_beyond"] >= 0.25
    assert "warning: Rockies lies far from New rep (Rockies)'s home: " in err
    # (seed 1: with seed 0 the search's Rockies reaches Salt Lake County, 607 km away, and is warned, rightly, since
    # the graph's corners no longer link counties)
    code, out, err = run_cli(*args, "--capacity", "80", "--seed", "1", capsys=capsys)
    assert code == 0 and json.loads(out)["far_from_home"] == [] and "lies far from" not in err
    # Held within 400 km of Denver instead: no county of it beyond, sized to what lies there, not warned.
    code, out, err = run_cli(*args[:-2], "--within-km", "400", capsys=capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["home_within_km"] == 400 and result["far_from_home"] == [] and "lies far from" not in err
    assert "Rockies takes only regions within 400 km of Denver, CO (" in result["description"]
    from geo.editing import region_points
    from territory.rebalance import great_circle_km

    mine = [m["region_id"] for m in result["moves"] if m["to_territory_id"] == "ROCKIES"]
    points = region_points([*mine, "US-08031"])
    assert mine and great_circle_km([points[r] for r in mine], points["US-08031"]).max() <= 400
    # (each territory's farthest region from its reps' nearest home, in the table: Rockies's within the 400 km)
    rows = {t["territory_id"]: t for t in result["territories"]}
    assert rows["ROCKIES"]["farthest_km"] == round(great_circle_km([points[r] for r in mine], points["US-08031"]).max())
    assert 0 < rows["ROCKIES"]["farthest_km"] <= 400 and ", " in rows["ROCKIES"]["farthest_region"]
    assert rows["ROCKIES"]["farthest_km_before"] is None  # (a territory the proposal makes had no reach before)
    share = {t["territory_id"]: t["share"] for t in result["territories"]}["ROCKIES"]
    assert 0 < share < 0.62  # (its rep's capacity alone: 0.62× an average territory; what lies near home: less)
    # Held to a distance above the warning's 500 km, far is beyond that distance (the manager's own): at 2,500 km
    # Kings, CA (1,354 km) is near enough; what the warning measures is the accounts, not the regions' centres.
    code, out, err = run_cli(*args[:-2], "--within-km", "2500", capsys=capsys)
    assert code == 0 and json.loads(out)["far_from_home"] == [] and "lies far from" not in err


@pytest.mark.parametrize("extra, said", [
    (["--within-km", "0"], "--within-km 0.0 is not a distance"),
    (["--within-km", "-3"], "--within-km -3.0 is not a distance"),
    (["--scenario", "territories", "--territories", "4", "--within-km", "any"],
     "--within-km has no effect on a plan from scratch (--scenario territories)"),
    (["--scenario", "territories", "--territories", "4", "--within-km", "300"],
     "--within-km has no effect on a plan from scratch (--scenario territories)"),
])  # fmt: skip
def test_rebalance_within_km_is_checked(capsys, extra, said):
    args = ["rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--scenario", "rep_joins",
            "--name", "Rockies", "--home", "US-CO", "--seconds", "0.2"]  # fmt: skip
    if extra[0] == "--scenario":
        args = ["rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid"]
    code, out, err = run_cli(*args, *extra, capsys=capsys)
    assert code == 2 and said in err, err


def test_rebalance_within_km_reads_a_number_or_any(capsys):
    with pytest.raises(SystemExit) as caught:
        run_cli("rebalance", "--plan", DEMO_PLAN, "--within-km", "far", capsys=capsys)
    assert caught.value.code == 2
    assert "argument --within-km: 'far' is not a number of km: give e.g. 600, or 'any'" in capsys.readouterr().err


def test_rebalance_keeps_metis_s_complaints_out_of_the_terminal(capfd):
    # 20 territories over every county of the accounts' countries, four metrics: METIS cannot bisect some land masses
    # and printed "***Cannot bisect a graph with 0 vertices!" on stderr (the eleventh new user's test).
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "territories", "--territories", "20", "--level", "county", "--cover",
                             "countries", "--metrics", "workload", "accounts", "value", "population", "--tolerance", "1",
                             "--seconds", "1", "--jobs", "1", capsys=capfd)  # fmt: skip
    assert code == 0, err
    assert "***" not in err and "bisect" not in err and "***" not in out
    assert json.loads(out)["territories_within"]["of"] == 20


def test_rebalance_territories_say_how_each_is_judged_first_and_no_bare_within(capsys):
    # The eleventh new user read within=True beside +55% while the page said "0 of 4 within": the report's flag
    # counted "near group mean" and "best possible" too. The table says `judged` after the name, and why it is let
    # in (`within_by`), as the page does.
    args = ["rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--scenario",
            "territories", "--territories", "4", "--seconds", "0.5", "--jobs", "1"]  # fmt: skip
    code, out, err = run_cli(*args, "--format", "csv", "--table", "territories", capsys=capsys)
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns[:4]) == ["territory_id", "name", "judged", "reps"] and "within" not in table.columns
    # (who covers each territory: the plan's reps, by name, each territory staffed)
    plan = json.loads(DEMO_PLAN.read_text(encoding="utf-8"))
    named = [cell.split("; ") for cell in table["reps"].fillna("")]
    assert all(cell != [""] for cell in named)
    assert {n for cell in named for n in cell} <= {r["name"] for r in plan["reps"]}
    code, out, err = run_cli(*args, capsys=capsys)
    result = json.loads(out)
    judged = [t["judged"] for t in result["territories"]]
    assert result["territories_within"]["within"] == judged.count("yes")
    assert all("within" not in t for t in result["territories"])


def test_a_file_with_latitude_and_longitude_exchanged_is_read_with_swap_lat_lon(tmp_path, capsys):
    # The warning pointed the CLI at "swap_lat_lon=True, or the 'Swap' switch", neither of which it has (a new
    # user's test): it names the page's switch and --swap-lat-lon, which reads the two columns the other way.
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("id,lat,lon\nA,-73.9712,40.7831\nB,-87.6298,41.8781\nC,-84.388,33.749\n")
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", swapped, "--format", "csv", capsys=capsys)
    assert code == 0 and "latitude and longitude look swapped" in err
    assert ": pass --swap-lat-lon to read the two columns the other way" in err
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", swapped, "--format", "csv", "--swap-lat-lon",
                             capsys=capsys)  # fmt: skip
    assert code == 0 and "look swapped" not in err, err
    # … and a right file read with it is told to leave it out (it was told to pass it, a review)
    right = tmp_path / "right.csv"
    right.write_text("id,lat,lon\nA,40.7831,-73.9712\nB,41.8781,-87.6298\nC,33.749,-84.388\n")
    code, _, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", right, "--swap-lat-lon", capsys=capsys)
    assert code == 0 and "look swapped" in err and "it was read with --swap-lat-lon; leave it out" in err
    code, _, err = run_cli("balance", "--plan", DEMO_PLAN, "--swap-lat-lon", capsys=capsys)
    assert code == 2 and "--swap-lat-lon reads an accounts file's coordinates, and no --accounts is given" in err
    rows = {r["account_id"]: r for r in csv.DictReader(io.StringIO(out)) if r["account_id"] in "ABC"}
    # (New York, Chicago and Atlanta: in the regions of NAE, USC and USS; those with a focus turn away accounts with
    # no industry or tier, for that reason, not for lying in no region)
    assert rows["C"]["territory_id"] == "USS" and {r["reason_detail"] for r in rows.values()} <= {
        "",
        "industry",
        "tier",
    }


@pytest.fixture(scope="module")
def texas_file(tmp_path_factory):
    """Texas's 254 counties as a user's boundary file: fips, name, and a made-up POP per county."""
    from geo.boundaries import load_regions

    counties = load_regions("county", display=True)
    texas = counties[counties["region_id"].str.startswith("US-48")][["fips", "name", "geometry"]].copy()
    texas["POP"] = [1000 + 37 * (i % 11) for i in range(len(texas))]
    path = tmp_path_factory.mktemp("boundaries") / "texas.geojson"
    texas.to_file(path, driver="GeoJSON")
    return path


def test_partition_draws_territories_on_a_boundary_files_regions(texas_file, tmp_path, capsys):
    import geopandas as gpd

    shapes = tmp_path / "territories.geojson"
    code, out, err = run_cli("partition", "--boundaries", texas_file, "--id-column", "fips", "--name-column", "name",
                             "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--territories", 4, "--balance-on",
                             "accounts", "POP", "--jobs", 1, "--geojson", shapes, capsys=capsys)  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    report = data["report"]
    assert report["contiguous"] and report["within_tolerance"] == {"accounts": True, "POP": True}, report
    assert max(abs(d) for d in report["deviation"].values()) <= 0.05
    regions = pd.DataFrame(data["regions"])
    assert (
        len(regions) == 254
        and regions["region_id"].is_unique
        and set(regions["territory_id"]) == {"T1", "T2", "T3", "T4"}
    )
    assert regions.loc[regions["region_id"] == "48201", "name"].item() == "Harris"
    texas_accounts = int(regions["accounts"].sum())
    assert "of 4,998 lie in none of texas.geojson's regions" in err and f"{4998 - texas_accounts:,} accounts" in err
    assert "outside every region" not in err  # (the file covers Texas alone: no "check their coordinates")
    drawn = gpd.read_file(shapes)
    assert sorted(drawn["territory_id"]) == ["T1", "T2", "T3", "T4"] and drawn["regions"].sum() == 254
    assert drawn["POP"].sum() == regions["POP"].sum() and "wrote 4 territories to" in err
    # The same as a CSV table, territories only; the file's first numeric column when no --accounts.
    code, out, err = run_cli("partition", "--boundaries", texas_file, "--id-column", "fips", "--territories", 3,
                             "--jobs", 1, "--format", "csv", "--table", "territories", capsys=capsys)  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert table.columns.tolist() == ["territory_id", "judged", "largest_regions", "regions", "parts", "POP",
                                      "POP_deviation", "within_by"]  # fmt: skip
    assert len(table) == 3 and (table["judged"] == "yes").all()


def test_partition_balances_on_the_files_own_value_beside_the_accounts(texas_file, tmp_path, capsys):
    # The file's "value" was hidden behind the accounts' value (with --accounts, "value" meant the accounts'), and
    # listed twice in the error: it is "value (file)" beside it, and a territory code is not balanced on by default.
    import geopandas as gpd

    texas = gpd.read_file(texas_file, columns=["fips", "name", "POP"])
    texas["POP"] = [1000 + 13 * i for i in range(len(texas))]  # (a figure each, not codes shared by regions)
    texas["value"] = texas["POP"] * 2
    texas["terr_code"] = [1 + i % 4 for i in range(len(texas))]
    texas = texas[["fips", "name", "terr_code", "value", "POP", "geometry"]]
    path = tmp_path / "texas_value.geojson"
    texas.to_file(path, driver="GeoJSON")
    code, out, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--accounts", DEMO_ACCOUNTS,
                             "--skip-invalid", "--territories", 3, "--balance-on", "nope", "--jobs", 1,
                             capsys=capsys)  # fmt: skip
    assert code == 2 and "Balance on accounts, value, terr_code, value (file), POP" in err, err
    code, out, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--accounts", DEMO_ACCOUNTS,
                             "--skip-invalid", "--territories", 3, "--balance-on", "value (file)", "--jobs", 1,
                             "--format", "csv", capsys=capsys)  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out), dtype={"region_id": str}).set_index("region_id")
    assert [c for c in table.columns if "value" in c] == ["value (file)"]
    assert table["value (file)"].sum() == texas["value"].sum()
    # without accounts, the file's first figure that is no territory code
    code, out, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--territories", 3, "--jobs", 1,
                             "--format", "csv", "--table", "territories", capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert "value" in pd.read_csv(io.StringIO(out)).columns


def test_partition_refuses_a_figure_below_zero_naming_the_region(texas_file, tmp_path, capsys):
    # (it named the column alone: "households holds negative figures", a review)
    import geopandas as gpd

    texas = gpd.read_file(texas_file, columns=["fips", "name", "POP"])
    texas["HH"] = texas["POP"] // 3
    texas.loc[texas["fips"] == "48027", "HH"] = -5
    path = tmp_path / "texas_hh.geojson"
    texas.to_file(path, driver="GeoJSON")
    code, out, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--name-column", "name",
                             "--territories", 3, "--balance-on", "POP", "HH", "--jobs", 1, capsys=capsys)  # fmt: skip
    assert code == 2 and not out
    assert (
        "HH holds figures below 0 (Bell (48027) -5). A metric to balance counts up from 0: correct those figures "
        "in the file, or balance on another" in err
    ), err


def test_partition_leaves_a_blank_figure_blank_in_the_regions_table(texas_file, tmp_path, capsys):
    # (written 0: read back, the region seemed to have no people, a review)
    import geopandas as gpd

    texas = gpd.read_file(texas_file, columns=["fips", "name", "POP"])
    texas.loc[texas["fips"] == "48041", "POP"] = None
    path = tmp_path / "texas_blank.geojson"
    texas.to_file(path, driver="GeoJSON")
    code, out, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--name-column", "name",
                             "--territories", 3, "--jobs", 1, "--format", "csv", capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert "POP is blank for 1 of 254 regions (Brazos (48041)), counted as 0 (and left blank in the regions CSV)" in err
    table = pd.read_csv(io.StringIO(out), dtype={"region_id": str}).set_index("region_id")
    assert pd.isna(table.loc["48041", "POP"]) and table["POP"].notna().sum() == 253
    assert table.columns.tolist() == ["name", "territory_id", "POP"]  # (not again as the file's own column)


def test_partition_keeps_the_files_other_columns_beside_each_regions_territory(texas_file, tmp_path, capsys):
    # (an owner or a state kept by region in the file was left out of the regions table, a review: it joins back)
    import geopandas as gpd

    texas = gpd.read_file(texas_file, columns=["fips", "name", "POP"])
    texas["owner"] = ["Kim" if i % 3 else None for i in range(len(texas))]
    texas["HH"] = texas["POP"] // 3
    texas["territory_id"] = "old"  # (named as one of the table's own columns)
    texas["accounts"] = 7  # (the file's own, beside those counted from the accounts file)
    path = tmp_path / "texas_more.geojson"
    texas.to_file(path, driver="GeoJSON")
    code, out, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--name-column", "name",
                             "--territories", 3, "--balance-on", "accounts", "POP", "--accounts", DEMO_ACCOUNTS,
                             "--skip-invalid", "--jobs", 1, "--format", "csv", "--table", "regions",
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out), dtype={"region_id": str})
    # (the file's in its order: owner, HH, territory_id, accounts -- texts and figures mixed as it has them)
    assert table.columns.tolist() == ["region_id", "name", "territory_id", "accounts", "POP", "owner", "HH",
                                      "territory_id (file)", "accounts (file)"]  # fmt: skip
    assert (table["accounts (file)"] == 7).all() and table["accounts"].sum() > 0
    harris = table.set_index("region_id").loc["48201"]
    row = texas.set_index("fips").loc["48201"]
    assert (harris["name"], harris["HH"], harris["territory_id (file)"]) == ("Harris", row["HH"], "old")
    assert table["owner"].isna().sum() == texas["owner"].isna().sum() and set(table["territory_id"]) == {
        "T1",
        "T2",
        "T3",
    }


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ([], "option --boundaries: partition needs --boundaries FILE. Give your boundary file"),
        (["--boundaries", "{file}"], "option --id-column: partition needs --id-column"),
        (["--boundaries", "{file}", "--id-column", "fips"], "option --territories: partition needs --territories K"),
        (
            ["--boundaries", "{file}", "--id-column", "fips", "--territories", "3", "--balance-on", "value"],
            "--balance-on value: no such metric (accounts and value need --accounts). Balance on POP",
        ),
        (
            ["--boundaries", "{file}", "--id-column", "fips", "--territories", "300"],
            "option --territories: 300 territories on 254 regions: ask for 1 to 254",
        ),
        (
            ["--boundaries", "{file}", "--id-column", "fips", "--territories", "3", "--plan", "x.json"],
            "--plan is not read by partition",
        ),
        (["--boundaries", "{file}", "--id-column", "GEOID", "--territories", "3"], "no column 'GEOID'"),
    ],
)
def test_partition_says_what_is_missing_or_wrong(texas_file, extra, said, capsys):
    code, _, err = run_cli("partition", *[str(texas_file) if e == "{file}" else e for e in extra], capsys=capsys)
    assert code == 2 and said in err, err
    if "needs --id-column" in said:
        assert "Pick one of: fips, name, POP" in err


def test_the_partition_options_are_not_read_by_the_other_commands(capsys):
    code, _, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--boundaries", "x.geojson", capsys=capsys)
    assert code == 2 and "--boundaries is not read by rebalance" in err, err


def test_partition_says_each_geometry_it_repairs(tmp_path, capsys):
    # A county's outline crossing itself was repaired unsaid by the CLI, listed by the page (a review)
    import geopandas as gpd
    from shapely.geometry import Polygon

    counties = gpd.read_file(ROOT / "data" / "demo" / "texas_counties.geojson")
    x0, y0, x1, y1 = counties.geometry.iloc[0].bounds
    counties.loc[counties.index[0], "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])  # a bow tie
    path = tmp_path / "bowtie.geojson"
    counties.to_file(path, driver="GeoJSON")
    code, _, err = run_cli("partition", "--boundaries", path, "--id-column", "GEOID", "--territories", 4,
                           "--balance-on", "POP", "--jobs", 1, "--seconds", 0.5, capsys=capsys)  # fmt: skip
    first = counties["GEOID"].iloc[0]
    assert (
        code == 0
        and f"warning: bowtie.geojson, feature 1 (id '{first}'): invalid outline: its outline crosses itself near"
        in err
        and "; repaired" in err
    ), err


def test_partition_names_the_groups_of_regions_too_far_apart_for_the_territories_asked(tmp_path, capsys):
    # Every US state as a file: Hawaii, the Caribbean and the Pacific islands lie over 1,000 km from the rest. Four
    # territories were refused with "(e.g. Europe and North America)", naming none of them (a review).
    from geo.boundaries import load_regions

    states = load_regions("state", display=True)[["region_id", "name", "geometry"]].assign(POP=1.0)
    path = tmp_path / "states.geojson"
    states.to_file(path, driver="GeoJSON")
    code, _, err = run_cli("partition", "--boundaries", path, "--id-column", "region_id", "--name-column", "name",
                           "--territories", 4, "--jobs", 1, capsys=capsys)  # fmt: skip
    assert code == 2 and "the regions form 5 groups that no link joins" in err, err
    assert "Hawaii" in err and "Ask for at least 5 territories, or leave the far groups out of the file" in err
    code, out, err = run_cli("partition", "--boundaries", path, "--id-column", "region_id", "--territories", 8,
                             "--jobs", 1, "--seconds", 0.5, capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert "its regions form 8 groups that touch no other" in err and "may cross water" in err
    # The mainland's 50 for four territories of 7 are 13 | 13 | 12 | 12 at best: the 13s were judged out (+85.7%
    # beside islands at -85.7% within, a review); judged against what the regions allow, every territory is within.
    assert (
        "no plan comes closer than +86% on POP (50 regions cannot be shared out more evenly among 4 territories)" in err
    )
    report = json.loads(out)
    # (within the tolerance itself, no: as close as the regions allow, yes, each territory "best possible")
    assert report["report"]["within_tolerance"] == {"POP": False}
    assert report["report"]["as_close_as_possible"] == {"POP": True}
    assert report["report"]["territories_within"] == {"within": 0, "best_possible": 8, "near_group_mean": 0, "of": 8}
    # The four far groups named with the territory each takes (four of eight territories on islands, unsaid: a review).
    assert "4 groups of regions lie apart from the rest (beyond 1,000 km), no territory reaching across" in err
    held = {t["largest_regions"]: t["territory_id"] for t in report["territories"]}
    assert f"US-HI ({held['US-HI']})" in err
    # With the accounts too, New York and California are hemmed in by heavy states, 25% and 40% off at least: less than
    # the mainland's centre, +79%, keeps every territory there anyway, so the 13s are still as close as they can be.
    code, out, err = run_cli("partition", "--boundaries", path, "--id-column", "region_id", "--territories", 8,
                             "--accounts", DEMO_ACCOUNTS, "--skip-invalid", "--balance-on", "accounts", "POP",
                             "--jobs", 1, "--seconds", 0.5, capsys=capsys)  # fmt: skip
    assert code == 0, err
    rows = json.loads(out)["territories"]
    # (a 13 may still be out on accounts, more than 5% over the mainland's mean there; not on POP)
    thirteens = [t["judged"] for t in rows if t["POP"] == 13 and abs(t["accounts_deviation"] - 0.983) <= 0.05]
    assert thirteens and set(thirteens) == {"near group mean"}, rows
    assert sorted(t["POP"] for t in report["territories"]) == [1, 1, 2, 2, 12, 12, 13, 13]


def test_partition_rebalances_the_files_own_territories(tmp_path, capsys):
    # Texas's counties with a territory column (West of 100°W, the rest by 31.5°N and 96.5°W; four left blank): the
    # four are rebalanced on POP, named as in the file, and the regions table says what each was and whether it moved.
    import geopandas as gpd

    from geo.boundaries import load_regions

    counties = load_regions("county", display=True)
    texas = counties[counties["region_id"].str.startswith("US-48")][["fips", "name", "geometry"]].copy()
    texas["POP"] = [1000 + 37 * (i % 11) for i in range(len(texas))]
    point = texas.geometry.representative_point()
    texas["territory"] = np.where(point.x < -100, "West", np.where(point.y > 31.5, "North",
                                  np.where(point.x < -96.5, "Central", "Gulf")))  # fmt: skip
    texas.loc[texas.index[:4], "territory"] = None
    path = tmp_path / "owned.geojson"
    gpd.GeoDataFrame(texas, crs=counties.crs).to_file(path, driver="GeoJSON")
    code, out, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--name-column", "name",
                             "--start-column", "territory", "--jobs", 1, capsys=capsys)  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    report, regions = data["report"], pd.DataFrame(data["regions"])
    assert report["territories"] == 4 and report["within_tolerance"] == {"POP": True} and report["contiguous"]
    assert set(regions["territory_id"]) == {"West", "North", "Central", "Gulf"}
    assert len(report["filled"]) == 4 and "4 regions without a territory (" in err and "took their neighbours'" in err
    assert regions.loc[regions["region_id"].isin(report["filled"]), "territory_before"].isna().all()
    kept = regions["territory_before"].notna()
    assert (
        regions.loc[kept, "moved"].eq("yes")
        == (regions.loc[kept, "territory_before"] != regions.loc[kept, "territory_id"])
    ).all()
    assert set(regions["moved"]) == {"yes", "no"}  # (as the page's map says it: not True and False, a review)
    assert 0 < report["regions_moved"] < 127  # (fewer than half the regions: not drawn afresh)
    assert report["regions_moved"] == int(regions["moved"].eq("yes").sum())  # (the filled ones counted alike)
    territories = pd.DataFrame(data["territories"]).set_index("territory_id")
    assert territories["POP_deviation_before"].abs().max() > 0.2 >= territories["POP_deviation"].abs().max()
    # A number of territories other than the column's, or a column the file lacks: said, with the fix.
    code, _, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--start-column", "territory",
                           "--territories", 5, capsys=capsys)  # fmt: skip
    assert code == 2 and "the current territories are 4, not 5" in err and "Leave out --territories" in err, err
    code, _, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--start-column", "owner",
                           capsys=capsys)  # fmt: skip
    assert code == 2 and "owned.geojson" in err and "the file has no column owner" in err and "(territory" in err, err
    # A column naming a territory per region (the names) or one only: said, not 254 "territories" (a review).
    for column, said in (("name", "names a territory for every region"),
                         ("one", "names 1 territory: nothing to rebalance")):  # fmt: skip
        gpd.GeoDataFrame(texas.assign(one="All"), crs=counties.crs).to_file(path, driver="GeoJSON")
        code, _, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--start-column", column,
                               capsys=capsys)  # fmt: skip
        assert code == 2 and said in err and "option --start-column" in err, (column, err)
    # Territory codes as numbers, seven digits: kept as written, two territories (read as one "1.23457e+06").
    codes = np.where(point.x < -99, 1234567, 1234568)
    gpd.GeoDataFrame(texas.assign(code=codes), crs=counties.crs).to_file(path, driver="GeoJSON")
    code, out, err = run_cli("partition", "--boundaries", path, "--id-column", "fips", "--start-column", "code",
                             "--balance-on", "POP", "--jobs", 1, "--seconds", 0.5, capsys=capsys)  # fmt: skip
    assert code == 0, err
    assert sorted({r["territory_id"] for r in json.loads(out)["regions"]}) == ["1234567", "1234568"]


def test_rebalance_is_not_called_within_tolerance_when_no_territory_could_be_rebalanced(capsys):
    # US West goes and no touching territory can take its accounts' kind: every territory is kept as it is, Canada
    # West far off. within_tolerance was computed over the territories rebalanced, none, and read true (a review).
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--territory", "USW", "--seconds", 0.5, "--jobs", 1,
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    judged = pd.DataFrame(summary["territories"]).set_index("territory_id")["judged"]
    assert summary["within_tolerance"] == {"workload": False, "value": False}
    assert summary["territories_within"]["within"] == int((judged == "yes").sum())
    assert pd.DataFrame(summary["territories"])["kept"].all()
    assert summary["rebalanced_within_tolerance"] == {"workload": None, "value": None}


def test_a_rep_leaving_where_nothing_can_move_claims_no_split_tried_every_way(capsys):
    # Sarah Chen leaves; North America East can trade with no one, so nothing moves. Every region was locked to judge
    # the plan as it is, so "every way of dealing Canada West's and US West's regions out was tried" held only the
    # split as it is (moving Idaho brings both closer, a review).
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_leaves", "--rep", "R01", "--seconds", 0.5, "--jobs", 1,
                             capsys=capsys)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert "nothing else moves" in summary["description"] and summary["split_best"] == []


def test_assign_says_a_specialty_that_looks_misspelt(capsys, tmp_path):
    # A review: a rep's specialty "fintec" matched no account, unsaid; "Mid Market" is the tier mid-market.
    data = json.loads(Path(DEMO_PLAN).read_text())
    data["reps"][0]["specialties"] = ["fintec", "Mid Market", "mining"]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(data))
    code, out, err = run_cli("assign", "--plan", str(plan), "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--format", "csv", capsys=capsys)  # fmt: skip
    assert code == 0, err
    name = data["reps"][0]["name"]
    assert f"warning: the plan: {name}'s specialty 'fintec' matches no account: did you mean 'fintech'?" in err, err
    assert "'mid market'" not in err and "'mining'" not in err  # (a tier read as one; an industry these lack)


def test_an_accounts_file_s_columns_are_mapped_with_column(capsys, tmp_path):
    # A review: a file whose id column is "Kontonummer" could not be used from the CLI at all, whose errors said
    # "(or map one)" with nothing to map it with; the Accounts page maps columns.
    file = tmp_path / "de.csv"
    file.write_text("Kontonummer,Name,Stadt,Land,Segment_Code\nK1,Acme,Berlin,Germany,ENT\nK2,Beta,Munich,Germany,MM\n")
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", str(file), capsys=capsys)
    assert code == 2 and "or map one (the Accounts page's column mapping, or cli.py --column account_id=COLUMN)" in err
    code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", str(file), "--column",
                             "account_id=Kontonummer", "city=Stadt", "country = Land", "tier=Segment_Code",
                             "--format", "csv", "--explain", capsys=capsys)  # fmt: skip
    assert code == 0, err
    rows = pd.read_csv(io.StringIO(out))
    assert rows["account_id"].tolist() == ["K1", "K2"]
    assert "DE-BE" not in err and "Berlin" not in err  # (placed, by city and country)
    for bad, said in ((["acct=Kontonummer"], "'acct' is no field of an account. Use one of: account_id, name,"),
                      (["account_id"], "--column 'account_id' is not FIELD=HEADER"),
                      (["account_id=Konto"], "de.csv: no column 'Konto' (mapped to account_id)")):  # fmt: skip
        code, out, err = run_cli("assign", "--plan", DEMO_PLAN, "--accounts", str(file), "--column", *bad,
                                 capsys=capsys)  # fmt: skip
        assert code == 2 and said in err, err
    code, out, err = run_cli("balance", "--plan", DEMO_PLAN, "--column", "account_id=Kontonummer", capsys=capsys)
    assert code == 2 and "--column reads an accounts file's columns, and no --accounts is given" in err


def test_problems_are_written_when_no_row_can_be_used_and_two_outputs_cannot_share_a_file(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("id,zip\nA,99999\nB,99998\n")
    problems = tmp_path / "problems.csv"
    code, _, err = run_cli("assign", "--plan", SEED, "--accounts", path, "--problems", problems, capsys=capsys)
    assert code == 2 and "none of its 2 rows can be used" in err
    assert pd.read_csv(problems)["line"].tolist() == [2, 3]
    code, _, err = run_cli("assign", "--plan", SEED, "--accounts", path, "--problems", problems, "--out", problems,
                           capsys=capsys)  # fmt: skip
    assert code == 2 and "--out and --problems name the same file" in err
    new = tmp_path / "new.json"
    new.write_bytes(Path(SEED).read_bytes())
    code, _, err = run_cli("diff", "--plan", SEED, "--new", new, "--out", new, capsys=capsys)
    assert code == 2 and "--out names the file --new reads" in err and new.read_bytes() == Path(SEED).read_bytes()
