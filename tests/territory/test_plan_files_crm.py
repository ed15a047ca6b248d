"""Plan folders for git (round trip, small diffs, clear errors) and CRM owner files (golden files, injection)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from territory import PlanFileError, load_plan, plan_from_dict
from territory.crm import (
    hubspot_import,
    id_problems,
    left_out_summary,
    match_owners,
    salesforce_id_key,
    salesforce_owner_update,
)
from territory.edits import plan_with_regions_moved
from territory.model import equal_claims
from territory.plan_files import (
    canonical_plan,
    plan_folder_texts,
    read_folder_assignments,
    read_folder_origin,
    read_plan_folder,
    write_plan_folder,
)
from tests.conftest import DEMO_PLAN, ROOT

GOLDEN = ROOT / "tests" / "fixtures" / "crm"


@pytest.fixture
def rich_plan():
    plan = load_plan(DEMO_PLAN)
    data = plan.to_dict()
    data["overrides"] = [
        {"account_id": "ACC-00002", "territory_id": "USW", "rep_id": None, "locked": True},
        {"account_id": "ACC-00001", "territory_id": "NAE", "rep_id": "R01", "locked": False},
    ]
    data["unclaimed_region_ids"] = ["US-36061"]
    data["accounts"] = [{"account_id": "S1", "region_id": "US-NY", "industry": "fintech", "tier": "smb", "value": 12.5,
                         "owner": "R01", "status": "customer", "name": "Seed, Inc."}]  # fmt: skip
    return plan_from_dict(data)


def test_a_plan_folder_reads_back_as_the_same_plan(tmp_path, rich_plan):
    written = write_plan_folder(rich_plan, tmp_path / "plan")
    assert sorted(p.name for p in written) == ["accounts.csv", "alignment.csv", "overrides.csv", "plan.yaml"]
    back = read_plan_folder(tmp_path / "plan")
    assert back == canonical_plan(rich_plan)
    # Writing what was read gives the same bytes.
    again = plan_folder_texts(back)
    for name, text in plan_folder_texts(rich_plan).items():
        assert again[name] == text, name


def test_a_folder_names_the_saved_version_it_came_from(tmp_path, rich_plan):
    written = write_plan_folder(rich_plan, tmp_path / "plan", based_on=(3, 5, "2026-11-30T09:15:02+00:00"))
    head = (tmp_path / "plan" / "plan.yaml").read_text()
    assert "based_on:\n  plan: 3\n  version: 5\n  saved_at: '2026-11-30T09:15:02+00:00'\n" in head
    assert read_folder_origin(tmp_path / "plan") == (3, 5, "2026-11-30T09:15:02+00:00")
    assert read_plan_folder(tmp_path / "plan") == canonical_plan(rich_plan)  # (the plan itself is the same)
    assert len(written) == 4
    write_plan_folder(rich_plan, tmp_path / "plan")  # written without one: none read back
    assert (
        read_folder_origin(tmp_path / "plan") is None
        and "based_on" not in (tmp_path / "plan" / "plan.yaml").read_text()
    )


@pytest.mark.parametrize(
    "origin, expected",
    [
        ("{plan: 3, version: 5}", (3, 5, "")),  # (hand-written: no time, so matched by no database's version)
        ("{plan: 3, version: 5, saved_at: 2026-11-30T09:15:02+00:00}", (3, 5, "2026-11-30T09:15:02+00:00")),
        ("{plan: three, version: 5}", None),
        ("{plan: 3}", None),
        ("{plan: 0, version: 1}", None),
        ("[3, 5]", None),
        ("{plan: true, version: 5}", None),
    ],
)
def test_a_folder_s_based_on_is_read_or_said_and_ignored(tmp_path, rich_plan, origin, expected):
    write_plan_folder(rich_plan, tmp_path)
    head = (tmp_path / "plan.yaml").read_text()
    (tmp_path / "plan.yaml").write_text(head.replace("name: ", f"based_on: {origin}\nname: ", 1))
    notes = []
    assert read_folder_origin(tmp_path, notes) == expected
    assert bool(notes) == (expected is None), notes
    assert all(n.startswith("plan.yaml: based_on should be") for n in notes)
    assert read_plan_folder(tmp_path) == canonical_plan(rich_plan)  # (the plan reads as before)


def test_a_folder_s_csv_saved_again_with_semicolons_reads_back(tmp_path, rich_plan):
    # European Excel saves a CSV with semicolons (a BOM and CRLF too): it was refused as "missing columns".
    write_plan_folder(rich_plan, tmp_path / "plan")
    alignment = tmp_path / "plan" / "alignment.csv"
    text = alignment.read_text().replace(",", ";").replace("\n", "\r\n")
    alignment.write_bytes(b"\xef\xbb\xbf" + text.encode())
    notes: list[str] = []
    assert read_plan_folder(tmp_path / "plan", notes) == canonical_plan(rich_plan)
    assert "alignment.csv: read with semicolons between its cells" in notes
    # … accounts.csv too, its values with decimal commas (they were refused as "value must be a number")
    accounts = tmp_path / "plan" / "accounts.csv"
    text = accounts.read_text().replace(",", ";").replace("12.5", "12,5")
    accounts.write_text(text)
    assert "12,5" in text
    assert read_plan_folder(tmp_path / "plan", notes).accounts[0].value == 12.5


def test_one_edit_is_a_one_line_diff(rich_plan):
    before = plan_folder_texts(rich_plan)
    after = plan_folder_texts(plan_with_regions_moved(rich_plan, ["US-NJ"], "NAE"))
    assert after["plan.yaml"] == before["plan.yaml"]
    old, new = before["alignment.csv"].splitlines(), after["alignment.csv"].splitlines()
    assert set(new) - set(old) == {"US-NJ,NAE"} and set(old) - set(new) == set()
    assert len(new) == len(old) + 1
    renamed = plan_folder_texts(replace(rich_plan, territories=(replace(rich_plan.territories[0], name="NA East"),
                                                                *rich_plan.territories[1:])))  # fmt: skip
    changed = [a for a, b in zip(before["plan.yaml"].splitlines(), renamed["plan.yaml"].splitlines(), strict=True)
               if a != b]  # fmt: skip
    assert changed == ["  name: North America East"]


def test_the_territory_shapes_are_written_one_feature_per_line(tmp_path, rich_plan):
    shapes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"territory_id": "B"}, "geometry": None},
        {"type": "Feature", "properties": {"territory_id": "A"}, "geometry": None},
    ]}  # fmt: skip
    write_plan_folder(rich_plan, tmp_path, territories_geojson=shapes)
    lines = (tmp_path / "territories.geojson").read_text().splitlines()
    assert len(lines) == 4 and '"territory_id":"A"' in lines[1] and '"territory_id":"B"' in lines[2]


def test_accounts_file_goes_when_the_plan_has_none(tmp_path, rich_plan):
    write_plan_folder(rich_plan, tmp_path)
    write_plan_folder(replace(rich_plan, accounts=()), tmp_path)
    assert not (tmp_path / "accounts.csv").exists()
    assert read_plan_folder(tmp_path).accounts == ()


def test_a_folder_keeps_who_has_each_account(tmp_path, rich_plan):
    assigned = pd.DataFrame(
        {"account_id": ["B2", "A1", "C3"], "territory_id": ["USW", "NAE", None], "rep_id": ["R05", "R01", None]}
    )
    written = write_plan_folder(rich_plan, tmp_path, assignments=assigned)
    assert "assignments.csv" in [p.name for p in written]
    # (sorted, one line per account with a rep: an account waiting for one has nothing to keep)
    assert (tmp_path / "assignments.csv").read_text() == "account_id,territory_id,rep_id\nA1,NAE,R01\nB2,USW,R05\n"
    assert read_folder_assignments(tmp_path).to_dict() == {"A1": "R01", "B2": "R05"}
    assert read_plan_folder(tmp_path) == canonical_plan(rich_plan)  # (the plan itself is the same)
    assert read_folder_assignments(tmp_path / "nowhere") is None
    (tmp_path / "assignments.csv").write_text("account_id,territory_id,rep_id\nA1,NAE,\n")
    with pytest.raises(PlanFileError) as caught:
        read_folder_assignments(tmp_path)
    assert "assignments.csv, line 2, column 'rep_id': empty rep id" in str(caught.value)


def test_assignments_lines_that_cannot_be_kept_are_said_not_dropped_silently(tmp_path, rich_plan):
    # A rep the plan does not have, or an account listed twice, were dropped without a word: the accounts were
    # assigned afresh and a sales-ops manager could not tell which lines had been read.
    write_plan_folder(rich_plan, tmp_path)
    (tmp_path / "assignments.csv").write_text(
        "account_id,territory_id,rep_id\nA1,NAE,R01\nA2,NAE,R99\nA3,USW,R99\nA4,USW,R05\nA4,USW,R05\nA5,USW,R77\n"
        "A6,NOPE,R01\n"
    )
    notes = []
    kept = read_folder_assignments(tmp_path, read_plan_folder(tmp_path), notes)
    assert kept.to_dict() == {"A1": "R01", "A4": "R05", "A6": "R01"}
    assert notes == [
        # (a territory the plan does not have was read without a word: a new user's test)
        "assignments.csv, line 8, column 'territory_id': territory 'NOPE' is not a territory of plan.yaml. The column "
        "is not read (each account goes to the territory its region gives it, and keeps its rep where the rules "
        "allow): correct the territory id",
        "assignments.csv, line 7, column 'rep_id': rep 'R77' is not a rep of plan.yaml, so 1 account (A5) was "
        "skipped and is assigned afresh. Add the rep to plan.yaml's reps, or correct the rep id",
        "assignments.csv, lines 3 and 4, column 'rep_id': rep 'R99' is not a rep of plan.yaml, so 2 accounts (A2, "
        "A3) were skipped and are assigned afresh. Add the rep to plan.yaml's reps, or correct the rep id",
        "assignments.csv, column 'account_id': 1 account listed more than once with the same rep: A4 (lines 5 "
        "and 6); the first line of each was read, the others skipped. Delete the repeated lines",
    ]
    # Without the plan, every rep is read (nothing to check them against).
    assert read_folder_assignments(tmp_path).to_dict() == {"A1": "R01", "A2": "R99", "A3": "R99", "A4": "R05",
                                                           "A5": "R77", "A6": "R01"}  # fmt: skip
    # An account with two reps, and empty ids, stop the load: all said at once, by line.
    (tmp_path / "assignments.csv").write_text(
        "account_id,territory_id,rep_id\nA1,NAE,R01\n,NAE,R02\nA1,NAE,R02\nA3,USW,\n"
    )
    with pytest.raises(PlanFileError) as caught:
        read_folder_assignments(tmp_path, rich_plan)
    assert [" ".join(str(p).split()) for p in caught.value.problems] == [
        "assignments.csv, line 3, column 'account_id': empty account id. Each line names an account and the rep it "
        "had; delete the line to let the account be assigned afresh",
        "assignments.csv, line 5, column 'rep_id': empty rep id. Each line names an account and the rep it had; "
        "delete the line to let the account be assigned afresh",
        "assignments.csv, line 4, column 'rep_id': account A1 is listed with different reps: R01 (line 2), R02 "
        "(line 4). An account has one rep: delete the lines that are wrong (or all of them, to let the account be "
        "assigned afresh)",
    ]
    assert str(caught.value).startswith("assignments.csv: 3 problems; fix them all")


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("alignment.csv", "region_id,territory_id\nUS-NY,NAE\nUS-NJ,NOPE\n",
         "alignment.csv, line 3, column 'territory_id': unknown territory 'NOPE'"),
        # (said of plan.yaml's territory, whose file has no region_ids: a new user's test)
        ("alignment.csv", "region_id,territory_id\nUS-NY,NAE\nnot-a-region,NAE\n",
         "alignment.csv, line 3, column 'region_id': 'not-a-region' is not a region id. Use codes like US-NY (state)"),
        ("alignment.csv", "region,territory\nUS-NY,NAE\n", "alignment.csv: missing columns region_id, territory_id"),
        ("alignment.csv", "region_id,territory\nUS-NY,NAE\n", "alignment.csv: missing column territory_id"),
        ("overrides.csv", "account_id,territory_id,rep_id,locked\nA1,NAE,,maybe\n",
         "overrides.csv, line 2, column 'locked': 'locked' must be true or false"),
        ("overrides.csv", "account_id,territory_id,rep_id,locked\nA1,NAE,R99,true\n", "unknown rep 'R99'"),
        # (a value with an unquoted comma shifted the cells after it, or was cut off without a word)
        ("alignment.csv", "region_id,territory_id\nUS-NY,NAE\nUS-NJ,NAE, East\nUS-CT,NAE,x\n",
         "alignment.csv, line 3: 3 fields where the header has 2 (and line 4). A name or other value holding a comma "
         'must be in double quotes ("Acme, West")'),
        ("plan.yaml", "name: x\nterritories: []\nreps: []\n",
         "alignment.csv, line 2, column 'territory_id': unknown territory 'CAW'. plan.yaml lists no territory: add the "
         "territories there first"),
        ("plan.yaml", "name: [unclosed\n", "plan.yaml: not valid YAML at line 2, column 1: expected ',' or ']'"),
        ("plan.yaml", "name: x\nterritories:\n  - territory_id: A\n   bad: [\n",
         "plan.yaml: not valid YAML at line 4, column 4: expected <block end>, but found '<block mapping start>'"),
    ],
)  # fmt: skip
def test_a_bad_folder_names_the_file_row_and_field(tmp_path, rich_plan, file, text, message):
    write_plan_folder(rich_plan, tmp_path)
    (tmp_path / file).write_text(text)
    with pytest.raises(PlanFileError) as caught:
        read_plan_folder(tmp_path)
    assert message in " ".join(str(caught.value).split())


def test_every_problem_of_a_folder_is_said_at_once(tmp_path, rich_plan):
    # alignment.csv's problems were raised one at a time (fix one, upload, see the next); now each is listed with
    # its file, line, field and value, beside those of plan.yaml and the other files.
    write_plan_folder(rich_plan, tmp_path)
    lines = (tmp_path / "alignment.csv").read_text().splitlines()
    usw = lines.index("US-CA,USW") + 1
    (tmp_path / "alignment.csv").write_text("\n".join([*lines, ",NAE", "US-TX,NOPE", "US-OR,", "US-CA,USS"]) + "\n")
    (tmp_path / "overrides.csv").write_text("account_id,territory_id,rep_id,locked\nA1,NAE,,maybe\nA2,NAE,R99,true\n")
    (tmp_path / "accounts.csv").write_text(
        "account_id,name,region_id,industry,tier,value,owner,status\nS1,Seed,US-NY,fintech,smb,lots,R01,customer\n"
    )
    n = len(lines)
    with pytest.raises(PlanFileError) as caught:
        read_plan_folder(tmp_path)
    said = [" ".join(str(p).split()) for p in caught.value.problems]
    assert said == [
        f"{tmp_path.name}/plan.yaml, override 1 (A2), field 'rep_id': unknown rep 'R99'",
        f"alignment.csv, line {n + 1}, column 'region_id': empty region id. Write the region's id (as the other "
        "lines do, e.g. US-NY), or delete the line",
        f"alignment.csv, line {n + 2}, column 'territory_id': unknown territory 'NOPE'. Use a territory_id of "
        "plan.yaml: " + ", ".join(sorted(t.territory_id for t in rich_plan.territories)),
        f"alignment.csv, line {n + 3}, column 'territory_id': empty territory id. Use a territory_id of plan.yaml: "
        + ", ".join(sorted(t.territory_id for t in rich_plan.territories)),
        "overrides.csv, line 2, column 'locked': 'locked' must be true or false, got 'maybe'. Write true (the "
        "account stays with this territory and rep) or false",
        "accounts.csv, line 2, column 'value': value must be a number, got 'lots'. Write the account's value as a "
        "plain number (12500.50), or leave it empty for 0",
    ]
    assert str(caught.value).startswith(f"{tmp_path}: 6 problems; fix them all, then load the file again:\n- ")
    # Fixed but for the regions listed twice, each of those is said, not the first alone (read: the lower id takes
    # their accounts, flagged as conflicts, as a plan file with such claims reads).
    (tmp_path / "overrides.csv").write_text("account_id,territory_id,rep_id,locked\n")
    (tmp_path / "accounts.csv").unlink()
    (tmp_path / "alignment.csv").write_text("\n".join([*lines, "US-CA,USS", "US-WA,USS"]) + "\n")
    notes = []
    read_plan_folder(tmp_path, notes)
    assert len(notes) == 2, notes
    assert notes[0].startswith(
        f"alignment.csv, line {n + 1}: region US-CA is listed for two territories, US West (USW) (line {usw})"
    )
    assert notes[1].startswith(f"alignment.csv, line {n + 2}: region US-WA is listed for two territories")


def test_a_file_that_cannot_be_read_is_said_with_the_other_files_problems(tmp_path, rich_plan):
    # A line with a field too many in alignment.csv was the only problem said (the others once it was fixed: a new
    # user's test); a missing column the same.
    write_plan_folder(rich_plan, tmp_path)
    lines = (tmp_path / "alignment.csv").read_text().splitlines()
    (tmp_path / "alignment.csv").write_text("\n".join([*lines[:2], "US-NJ,NAE, East", *lines[2:]]) + "\n")
    (tmp_path / "overrides.csv").write_text("account_id,territory,rep_id,locked\nA1,NAE,,true\n")
    (tmp_path / "accounts.csv").write_text(
        "account_id,name,region_id,industry,tier,value,owner,status\nS1,Seed,US-NY,fintech,smb,lots,R01,customer\n"
    )
    with pytest.raises(PlanFileError) as caught:
        read_plan_folder(tmp_path)
    said = [" ".join(str(p).split()) for p in caught.value.problems]
    assert [s.split(". ")[0] for s in said] == [
        "alignment.csv, line 3: 3 fields where the header has 2",
        "overrides.csv: missing column territory_id",
        "accounts.csv, line 2, column 'value': value must be a number, got 'lots'",
    ], said
    assert str(caught.value).startswith(f"{tmp_path}: 3 problems; fix them all")


def test_a_folder_without_plan_yaml(tmp_path):
    with pytest.raises(PlanFileError, match="no plan.yaml"):
        read_plan_folder(tmp_path)


# -- CRM files ---------------------------------------------------------------------------------------------------

CRM_PLAN = plan_from_dict(
    {
        "territories": [
            {"territory_id": "E", "name": "East", "region_ids": ["US-NY"]},
            {"territory_id": "W", "name": "=HYPERLINK(\"http://evil\",\"West\")", "region_ids": ["US-CA"]},
        ],
        "reps": [
            {"rep_id": "A", "name": "Ann", "territory_ids": ["E"], "salesforce_user_id": "0051x000001AbcD",
             "hubspot_owner": "ann@example.com"},
            {"rep_id": "B", "name": "Bo", "territory_ids": ["W"], "salesforce_user_id": "0051x000002XyzQ",
             "hubspot_owner": "@bo"},
            {"rep_id": "C", "name": "Cy", "territory_ids": ["E"]},
        ],
    }
)  # fmt: skip
CRM_ASSIGNMENTS = pd.DataFrame(
    {
        "account_id": ["0018c00002ZZZ3", "0018c00002ZZZ1", "+15551234", "0018c00002ZZZ2", "0018c00002ZZZ4"],
        "territory_id": ["W", "E", "E", "E", None],
        "rep_id": ["B", "A", "A", "C", None],
        "status": ["assigned", "assigned", "assigned", "assigned", "unassigned"],
        "value": [1.0, 2.0, 3.0, 4.0, 5.0],
    }
)


def test_salesforce_data_loader_file_matches_the_golden_file():
    export = salesforce_owner_update(CRM_PLAN, CRM_ASSIGNMENTS, on=date(2027, 1, 4))
    assert export.csv() == (GOLDEN / "salesforce_owner_update.csv").read_text()
    assert export.skipped.to_dict("records") == [
        {"account_id": "0018c00002ZZZ2", "rep_id": "C", "reason": "the rep has no Salesforce user in the plan"}
    ]


def test_hubspot_import_file_matches_the_golden_file():
    export = hubspot_import(CRM_PLAN, CRM_ASSIGNMENTS)
    assert export.csv() == (GOLDEN / "hubspot_import.csv").read_text()
    assert list(export.skipped["account_id"]) == ["0018c00002ZZZ2"]


def test_crm_files_neutralise_formulas():
    for export in (salesforce_owner_update(CRM_PLAN, CRM_ASSIGNMENTS), hubspot_import(CRM_PLAN, CRM_ASSIGNMENTS)):
        cells = [str(v) for v in export.table.to_numpy().ravel()]
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
        assert "'+15551234" in cells and '\'=HYPERLINK("http://evil","West")' in cells
    assert "'@bo" in hubspot_import(CRM_PLAN, CRM_ASSIGNMENTS).table["Company owner"].tolist()


def test_a_territory_name_written_with_the_formula_guard_is_said():
    # The guard's quote is kept by Data Loader and HubSpot ('=HYPERLINK… as the territory): said, with the fix.
    for export in (salesforce_owner_update(CRM_PLAN, CRM_ASSIGNMENTS), hubspot_import(CRM_PLAN, CRM_ASSIGNMENTS)):
        said = [s for s in id_problems(export, CRM_PLAN) if "territory name" in s]
        assert said == [
            '1 territory name starts with = + - or @ (=HYPERLINK("http://evil","West")): written with a \' before it, '
            f"so that a spreadsheet does not run it as a formula, and {export.system} keeps that ' in the "
            f"{'Territory__c' if export.system == 'Salesforce' else 'Territory'} field; rename the territory (Edit "
            "territories page) to start otherwise."
        ], said


def test_a_hubspot_owner_starting_as_a_formula_is_said():
    # "=priya@example.com" is an email in form, but the file carries it as "'=priya@…" (the guard), which HubSpot
    # keeps: no owner matches, and nothing said it (a new user's test)
    plan = plan_from_dict(
        {
            **CRM_PLAN.to_dict(),
            "reps": [
                {**CRM_PLAN.to_dict()["reps"][0], "hubspot_owner": "=priya@example.com"},
                *CRM_PLAN.to_dict()["reps"][1:],
            ],
        }
    )
    said = [s for s in id_problems(hubspot_import(plan, CRM_ASSIGNMENTS), plan) if "HubSpot owner" in s]
    assert len(said) == 1 and said[0].startswith("Ann and Bo have a HubSpot user id that is no HubSpot owner ("), said
    assert "=priya@example.com" in said[0] and "@bo" in said[0]
    assert not [s for s in id_problems(hubspot_import(CRM_PLAN, CRM_ASSIGNMENTS), CRM_PLAN) if "Ann" in s]


def test_crm_export_needs_the_engines_columns():
    with pytest.raises(ValueError, match="lack column"):
        hubspot_import(CRM_PLAN, CRM_ASSIGNMENTS.drop(columns=["status"]))


def test_accounts_left_out_of_a_crm_file_are_listed_with_why():
    # Waiting for a rep (reps full, or none left in the territory: a rep who left), in no territory, or with a rep
    # who has no user in this CRM: none is written, so each keeps its owner in the CRM; all are listed, and said.
    rows = pd.concat(
        [
            CRM_ASSIGNMENTS.assign(reason=[None, None, None, None, "no-matching-territory"], name="Acme"),
            pd.DataFrame({"account_id": ["W1", "W2"], "name": ["Full", "Gone"], "territory_id": ["E", "W"],
                          "rep_id": [None, None], "status": ["unassigned", "unassigned"],
                          "reason": ["at-capacity", "no-available-rep"], "value": [1.0, 1.0]}),
        ],
        ignore_index=True,
    )  # fmt: skip
    export = salesforce_owner_update(CRM_PLAN, rows)
    assert len(export.table) == 3
    left_out = export.left_out.set_index("account_id")
    assert list(export.left_out.columns)[:6] == ["account_id", "name", "territory_id", "territory", "rep_id", "reason"]
    assert left_out["reason"].to_dict() == {
        "0018c00002ZZZ2": "the rep has no Salesforce user in the plan",
        "0018c00002ZZZ4": "in no territory",
        "W1": "waiting for a rep with capacity",
        "W2": "waiting for a rep with capacity",
    }
    assert left_out.loc["W1", "territory"] == "East" and left_out.loc["W2", "name"] == "Gone"
    assert left_out.loc["0018c00002ZZZ4", "territory_id"] is None
    said = left_out_summary(export, CRM_PLAN)
    assert said.startswith("4 accounts are not in the Salesforce file: 2 waiting for a rep with capacity")
    assert "1 in no territory" in said and "1 whose rep (Cy) has no Salesforce user (add it on the Reps page)" in said
    assert "keep the owner they have now" in said
    # Every account written: nothing to say.
    assert left_out_summary(hubspot_import(CRM_PLAN, CRM_ASSIGNMENTS.iloc[:2]), CRM_PLAN) is None


def test_accounts_left_out_name_their_current_owner_and_flag_owners_who_left():
    # A rep left (inactive) or was removed: their waiting accounts keep them as owner in the CRM. The left-out file
    # said only "waiting" with an empty rep_id; it names the owner now, flags the ones to reassign, and says so.
    plan = plan_from_dict({
        "territories": [{"territory_id": "E", "name": "East"}],
        "reps": [{"rep_id": "A", "name": "Ann", "territory_ids": ["E"], "salesforce_user_id": "005A"},
                 {"rep_id": "L", "name": "Luke Anderson", "territory_ids": ["E"], "active": False}],
    })  # fmt: skip
    rows = pd.DataFrame({
        "account_id": ["1", "2", "3", "4", "5"], "name": ["a", "b", "c", "d", "e"],
        "territory_id": ["E", "E", "E", "E", None], "rep_id": ["A", None, None, None, None],
        "status": ["assigned", "unassigned", "unassigned", "unassigned", "unassigned"],
        "reason": [None, "no-available-rep", "at-capacity", "at-capacity", "no-matching-territory"],
        "owner": ["L", "L", "A", "Z9", None],
    })  # fmt: skip
    export = salesforce_owner_update(plan, rows)
    assert list(export.table["Id"]) == ["1"]
    left_out = export.left_out.set_index("account_id")
    assert list(export.left_out.columns) == [
        "account_id", "name", "territory_id", "territory", "rep_id", "reason",
        "current_owner", "current_owner_name", "owner_flag",
    ]  # fmt: skip
    assert left_out["current_owner"].to_dict() == {"2": "L", "3": "A", "4": "Z9", "5": None}
    assert left_out["current_owner_name"].to_dict() == {"2": "Luke Anderson", "3": "Ann", "4": None, "5": None}
    assert left_out["owner_flag"].to_dict() == {
        "2": "owner left: reassign", "3": None, "4": "owner is no rep in the plan: reassign if they left", "5": None
    }  # fmt: skip
    said = left_out_summary(export, plan)
    assert said.endswith(
        "in Salesforce they keep the owner they have now, 1 of them owned by reps who left (Luke Anderson) and 1 by "
        "owners who are no rep in the plan (Z9; reps removed?): reassign them in Salesforce, or give the territory "
        "a rep."
    )
    # Without an owner column (or no owner who left) the sentence is as before.
    plain = left_out_summary(salesforce_owner_update(plan, rows.drop(columns="owner")), plan)
    assert plain.endswith("in Salesforce they keep the owner they have now.")


def test_salesforce_ids_are_the_same_user_in_15_and_18_characters():
    assert salesforce_id_key("0051x000001AbcD") == salesforce_id_key("0051x000001AbcDAAS") == "0051x000001AbcD"
    # (the 18-character id says which letters are capitals: a lower-cased copy is the same user, not another)
    assert salesforce_id_key("0051X000001ABCDAAS".lower()) == "0051x000001AbcD"
    assert salesforce_id_key("0051x000001abcd") != "0051x000001AbcD"  # (15 characters: case counts)
    assert salesforce_id_key("ann@example.com") is None and salesforce_id_key(None) is None


def test_owners_match_reps_by_id_crm_user_or_name():
    plan = plan_from_dict(
        {**CRM_PLAN.to_dict(), "reps": [*CRM_PLAN.to_dict()["reps"],
                                        {"rep_id": "D", "name": "Cy", "territory_ids": ["W"]}]}
    )  # fmt: skip
    cells = pd.Series(
        ["A", "0051x000001AbcD", "0051X000001ABCDAAS", "ANN@Example.com ", "  bo ", "B o", "Cy", "Zed",
         "0051x000009ZzzZ", "Zed", None, ""],
        index=range(10, 22),
    )  # fmt: skip
    found = match_owners(plan, cells)
    assert found.rep_ids.index.tolist() == list(range(10, 22))
    assert found.rep_ids.tolist() == ["A", "A", "A", "A", "B", "B", "Cy", "Zed", "0051x000009ZzzZ", "Zed", None, None]
    assert found.unmatched.to_dict("records") == [
        {"owner": "Zed", "accounts": 2, "reason": "matches no rep"},
        {"owner": "0051x000009ZzzZ", "accounts": 1, "reason": "matches no rep"},
        {"owner": "Cy", "accounts": 1, "reason": "matches 2 reps"},
    ]
    message = found.message("accounts.csv")
    assert message.startswith("accounts.csv: 4 accounts have an owner that matches no rep")
    assert "'Zed' (2), '0051x000009ZzzZ' (1)" in message and "'Cy' name several reps: give the rep id" in message
    assert "to the rep on the Reps page" in message
    assert match_owners(plan, pd.Series(["A", None])).message("accounts.csv") is None
    # one account: "1 account has" ("1 account(s) have" before)
    one = match_owners(plan, pd.Series(["A", "Zed"])).message("accounts.csv")
    assert one.startswith("accounts.csv: 1 account has an owner that matches no rep, so no rep keeps it as owner: "
                          "'Zed' (1). ")  # fmt: skip


def test_crm_files_read_back_give_the_same_reps():
    # The owner columns the exports write (Salesforce user ids, HubSpot emails) name the same reps when read back.
    for export, column in ((salesforce_owner_update(CRM_PLAN, CRM_ASSIGNMENTS), "OwnerId"),
                           (hubspot_import(CRM_PLAN, CRM_ASSIGNMENTS), "Company owner")):  # fmt: skip
        written = export.table.set_index("Id" if column == "OwnerId" else "Record ID")[column]
        back = match_owners(CRM_PLAN, written.str.removeprefix("'"))  # (the formula guard's quote, as a CRM strips it)
        expected = CRM_ASSIGNMENTS.set_index("account_id")["rep_id"]
        expected.index = [("'" + i) if i.startswith("+") else i for i in expected.index]
        assert back.rep_ids.to_dict() == expected[back.rep_ids.index].to_dict()
        assert back.unmatched.empty


# --- encodings, line numbers and regions listed for two territories -------------------------------------------


def test_a_folder_with_byte_order_marks_reads_as_without(tmp_path, rich_plan):
    # alignment.csv with a BOM was refused: "missing column(s) region_id", though its header was right.
    write_plan_folder(rich_plan, tmp_path)
    for name in ("plan.yaml", "alignment.csv", "overrides.csv", "accounts.csv"):
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + (tmp_path / name).read_bytes())
    notes = []
    assert read_plan_folder(tmp_path, notes) == canonical_plan(rich_plan)
    assert notes == []


def test_a_folder_in_windows_1252_is_read_and_said_so_by_file(tmp_path, rich_plan):
    renamed = replace(rich_plan, territories=(replace(rich_plan.territories[0], name="Amérique du Nord Est"),
                                              *rich_plan.territories[1:]))  # fmt: skip
    write_plan_folder(renamed, tmp_path)
    (tmp_path / "plan.yaml").write_bytes((tmp_path / "plan.yaml").read_text(encoding="utf-8").encode("cp1252"))
    notes = []
    assert read_plan_folder(tmp_path, notes).territories[0].name == "Amérique du Nord Est"
    assert len(notes) == 1 and notes[0].startswith("plan.yaml is not UTF-8: read as Windows-1252")


def test_a_folder_s_csv_lines_are_numbered_as_an_editor_numbers_them(tmp_path, rich_plan):
    # Blank lines and rows of only commas are skipped; the line said is the file's line, not the count of rows.
    write_plan_folder(rich_plan, tmp_path)
    (tmp_path / "alignment.csv").write_text("region_id,territory_id\n\nUS-NY,NAE\n,\n\nUS-NJ,NOPE\n")
    with pytest.raises(PlanFileError, match=r"alignment\.csv, line 6, column 'territory_id': unknown territory"):
        read_plan_folder(tmp_path)


def test_a_region_two_territories_would_share_equally_is_read_and_said_naming_both(tmp_path, rich_plan):
    # US-CA listed for US South too: its accounts went to one of the two without a word; then it was refused, while
    # the plan file with the same claims loaded, so a folder cli.py export-plan wrote could not be read back (a
    # review). Read as the plan file reads: the lower id takes the accounts, each flagged as a conflict; said.
    write_plan_folder(rich_plan, tmp_path)
    lines = (tmp_path / "alignment.csv").read_text().splitlines()
    first = lines.index("US-CA,USW") + 1
    (tmp_path / "alignment.csv").write_text("\n".join(lines) + "\nUS-CA,USS\n")
    notes = []
    plan = read_plan_folder(tmp_path, notes)
    assert notes == [
        f"alignment.csv, line {len(lines) + 1}: region US-CA is listed for two territories, US West (USW) (line "
        f"{first}) and US South (USS), which take the same accounts at the same priority: US South (the lower id) "
        "takes them, each flagged as a conflict. A region belongs to one territory: delete one of the two lines (or "
        "give one territory an industry focus, tiers or a higher priority in plan.yaml)"
    ]
    assert equal_claims(plan) == [("US-CA", "USS", "USW")]
    # The folder of that plan reads back the same (export, then import)
    write_plan_folder(plan, tmp_path / "again")
    assert read_plan_folder(tmp_path / "again") == plan


def test_a_region_shared_by_an_overlay_is_read_and_said(tmp_path, rich_plan):
    # North America East (fintech and healthcare, priority 1) over US West: a plan file may hold it, and its folder
    # reads back the same, said with both lines (a line left over by an edit is found).
    overlay = replace(rich_plan, territories=tuple(
        replace(t, region_ids=(*t.region_ids, "US-NY")) if t.territory_id == "USW" else t
        for t in rich_plan.territories))  # fmt: skip
    write_plan_folder(overlay, tmp_path)
    notes = []
    assert read_plan_folder(tmp_path, notes) == canonical_plan(overlay)
    lines = (tmp_path / "alignment.csv").read_text().splitlines()
    nae, usw_line = lines.index("US-NY,NAE") + 1, lines.index("US-NY,USW") + 1
    assert notes == [
        f"alignment.csv lists 1 region for both North America East (NAE) and US West (USW): US-NY (lines {nae} "
        f"and {usw_line}). Each account there goes to the territory that admits it, the higher priority first (NAE: "
        "fintech, healthcare, priority 1; USW: every account, priority 0). If a region belongs to one territory, "
        "delete the other line"
    ]


def test_a_line_repeated_in_alignment_csv_is_read_once_and_said(tmp_path, rich_plan):
    # A region listed twice for the same territory (a line pasted twice) passed without a word.
    folder = tmp_path / "plan"
    write_plan_folder(rich_plan, folder)
    lines = (folder / "alignment.csv").read_text().splitlines()
    repeated = next(i for i, line in enumerate(lines) if line.startswith("US-NY,"))
    (folder / "alignment.csv").write_text("\n".join([*lines, lines[repeated], lines[repeated]]) + "\n")
    notes = []
    back = read_plan_folder(folder, notes)
    assert back == canonical_plan(rich_plan)
    territory = lines[repeated].split(",")[1]
    assert notes == [
        f"alignment.csv has 2 repeated lines for territory {territory} (line {len(lines) + 1} repeats line "
        f"{repeated + 1}; line {len(lines) + 2} repeats line {repeated + 1}): each region read once; delete the repeated lines"
    ]


def test_a_csv_cell_past_the_csv_module_s_limit_is_said_by_its_line(tmp_path, rich_plan):
    # A security review: a plan folder's alignment.csv with a cell over 131,072 characters ended in a traceback
    # (_csv.Error, which no page caught); an accounts file or a reps file alike.
    from geo.accounts import read_accounts
    from territory.errors import InputDataError, PlanFileError
    from territory.plan_files import read_plan_folder, write_plan_folder
    from territory.roster_files import read_roster_csv

    folder = tmp_path / "plan"
    write_plan_folder(rich_plan, folder)
    alignment = folder / "alignment.csv"
    alignment.write_text(alignment.read_text() + "US-TX," + "x" * 200_000 + "\n")
    with pytest.raises(PlanFileError, match=r"alignment\.csv, line \d+: cannot be read as CSV \(field larger"):
        read_plan_folder(folder)
    long = b"id,name,lat,lon\n1," + b"y" * 200_000 + b",40,-74\n"
    with pytest.raises(InputDataError, match=r"a\.csv, line 2: .*field larger than field limit"):
        read_accounts(long, filename="a.csv")
    with pytest.raises(InputDataError, match=r"r\.csv, line 2: .*field larger than field limit"):
        read_roster_csv(b"name,home\n" + b"z" * 200_000 + b",TX\n", "r.csv")
