"""Reps page: what a roster change leaves waiting for a rep, and the step it makes in the plan's history."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from territory import plan_from_dict
from territory.store import PlanStore
from tests.conftest import DEMO_ACCOUNTS, ROOT, app_session
from tests.pages.test_plans import move, save


@pytest.fixture
def app():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def _refused(app, name: str, data: bytes) -> str:
    """Give a reps file on the Reps page; what its errors say (Markdown's escapes taken out): it cannot be applied."""
    app.file_uploader(key="reps_upload").set_value((name, data, "text/csv")).run()
    assert app.button(key="reps_use_file").disabled
    return " ".join(e.value for e in app.error).replace("\\", "")


def _apply(app, name, change):
    app.run()
    app.switch_page("pages/reps.py").run()
    _change_roster(app, name, change)


def _change_roster(app, name, change):
    roster = app.data_editor[0].value
    row = int(roster.index[roster["name"] == name][0])
    app.session_state["roster_editor"] = {"edited_rows": {row: change}, "added_rows": [], "deleted_rows": []}
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception, [e.value for e in app.exception]


def test_accounts_left_without_a_rep_show_as_waiting_in_the_per_rep_summary(app):
    # Sarah Chen's 162 accounts: 19 to Marcus, the other 143 wait for a rep; they showed nowhere.
    _apply(app, "Sarah Chen", {"active": False})
    heading = next(h.value for h in app.subheader if h.value.startswith("What moved"))
    moved = int(heading.split(":")[1].split()[0].replace(",", ""))
    assert moved > 1 and heading == f"What moved: {moved:,} accounts"
    per_rep = app.dataframe[-1].value
    assert "Waiting for a rep" == per_rep.index[-1]
    assert per_rep.loc["Sarah Chen", "lost"] == moved
    assert per_rep["gained"].sum() == per_rep["lost"].sum() == moved
    assert per_rep.loc["Waiting for a rep", "gained"] == moved - per_rep.drop(index="Waiting for a rep")["gained"].sum()
    assert per_rep.loc["Waiting for a rep", "gained"] > 0
    # Each account that moved says its reps by name, and "Waiting for a rep" where it has none: From status and To
    # status columns said "assigned" and "unassigned" beside them.
    table = app.dataframe[-2].value
    # (and its name beside its id, a review)
    assert list(table.columns) == ["account_id", "name", "from_rep", "to_rep", "from_territory", "to_territory",
                                   "value"]  # fmt: skip
    names = pd.read_csv(DEMO_ACCOUNTS, dtype=str).set_index("id")["name"]
    assert table["name"].tolist() == names.reindex(table["account_id"]).tolist()
    assert len(table) == moved and set(table["from_rep"]) == {"Sarah Chen"}
    waiting = table[table["to_rep"] == "Waiting for a rep"]
    assert len(waiting) == per_rep.loc["Waiting for a rep", "gained"]
    assert set(table["to_rep"]) - {"Waiting for a rep"} <= set(per_rep.index)


def test_a_territory_left_without_an_active_rep_is_warned_of(app):
    # Luke Anderson is US Central's only rep: his 300 accounts wait unassigned, and nothing said why.
    _apply(app, "Luke Anderson", {"active": False})
    warnings = [w.value.replace("\\", "") for w in app.warning]
    assert "US Central has no active rep: its accounts wait unassigned until one covers it." in warnings
    per_rep = app.dataframe[-1].value
    assert per_rep.loc["Waiting for a rep", "gained"] == per_rep.loc["Luke Anderson", "lost"]


def test_a_roster_change_is_a_labelled_step_and_the_plans_page_compares_the_reps(app):
    _apply(app, "Sarah Chen", {"capacity": 50})
    history = app.session_state["edit_history"]
    assert history.entries[history.cursor].label == "Reps: Sarah Chen capacity 180 → 50"
    # … said under what moved too (Apply said only "What moved: 34 account(s)", a new user's test)
    assert "Applied: Sarah Chen capacity 180 → 50" in [c.value.replace("\\", "") for c in app.caption]
    app.switch_page("pages/edit_map.py").run()
    assert not app.exception
    shown = " ".join(str(m.value) for m in [*app.markdown, *app.caption]).replace("\\", "")
    assert "Reps: Sarah Chen capacity 180 → 50" in shown


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    return tmp_path


def test_a_saved_roster_change_is_in_the_audit_log_and_the_compare_section(data_dir):
    # The audit log read "Plan changed outside the editor" and v1 → v2 "Regions moved 0, Territories changed 0".
    app = app_session("pages/reps.py")
    _change_roster(app, "Sarah Chen", {"capacity": 50})
    save(app, "smaller")
    edits = PlanStore().audit(1).query("action == 'edit'")["detail"].tolist()
    assert any("Reps: Sarah Chen capacity 180 → 50" in e for e in edits), edits
    assert (app.selectbox(key="compare_from").value, app.selectbox(key="compare_to").value) == ((1, 1), (1, 2))
    assert not any("hold the same plan" in i.value for i in app.info)
    reps = next(d.value for d in app.dataframe if list(d.value.columns) == ["name", "change", "detail"])
    assert reps.values.tolist() == [["Sarah Chen", "changed", "capacity 180 → 50"]]


def test_a_save_conflict_counts_and_lists_their_rep_changes(data_dir):
    # "Their changes: 0 region(s) moved, 0 territory change(s)" when they had changed a capacity.
    ana, bo = app_session("pages/reps.py"), app_session()
    _change_roster(ana, "Sarah Chen", {"capacity": 50})
    move(bo, ["US-NJ"], "NAE")
    save(ana, "Sarah smaller", author="ana")
    save(bo, "NJ east", author="bo")
    assert any("**ana** saved version 2" in w.value for w in bo.warning)
    said = " ".join(m.value for m in bo.markdown).replace("\\", "")
    assert "Their changes: 0 regions moved, 0 territories changed, 1 rep change" in said
    reps = next(d.value for d in bo.dataframe if list(d.value.columns) == ["name", "change", "detail"])
    assert reps.values.tolist() == [["Sarah Chen", "changed", "capacity 180 → 50"]]


def test_a_new_rep_with_active_left_blank_joins_the_team_active(app):
    # The added row's Active box is ticked in the browser (tests/e2e/test_reps.py); a row sent without it is active
    # too, as the box shows it, and one unticked is not.
    app.run()
    app.switch_page("pages/reps.py").run()
    new = {"capacity": 40, "quota_attainment": 0.0, "territories": "US West"}
    app.session_state["roster_editor"] = {
        "edited_rows": {},
        "added_rows": [{"name": "Zoe Park", **new}, {"name": "Ian Ross", "active": False, **new}],
        "deleted_rows": [],
    }
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    reps = {r.name: r for r in plan_from_dict(json.loads(app.session_state["plan_json"])).reps}
    assert reps["Zoe Park"].active and reps["Zoe Park"].territory_ids == ("USW",)
    assert not reps["Ian Ross"].active


def test_rows_added_and_left_empty_are_not_reps(app):
    # A new user pasted 35 reps and clicked "+" a few times: 21 empty rows refused Apply ("Name is empty").
    app.run()
    app.switch_page("pages/reps.py").run()
    before = len(plan_from_dict(json.loads(app.session_state["plan_json"])).reps)
    app.session_state["roster_editor"] = {
        "edited_rows": {},
        "added_rows": [{"name": "Zoe Park", "capacity": 40, "territories": "US West"}, {"active": True}, {}],
        "deleted_rows": [],
    }
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.error, [e.value for e in app.error]
    reps = plan_from_dict(json.loads(app.session_state["plan_json"])).reps
    assert len(reps) == before + 1 and reps[-1].name == "Zoe Park"
    # Only empty rows: nothing to apply
    app.session_state["roster_editor"] = {"edited_rows": {}, "added_rows": [{}], "deleted_rows": []}
    app.run()
    assert next(b for b in app.button if b.label.startswith("Apply changes")).disabled


def test_a_rep_renamed_is_told_the_crm_users_stay(app):
    # A new user typed their team over the demo's rows: the CRM files gave Ann Rep's accounts to Sarah Chen's users.
    _apply(app, "Sarah Chen", {"name": "Ann Rep"})
    (said,) = [w.value.replace("\\", "") for w in app.warning if "CRM users" in w.value]
    assert "Ann Rep (was Sarah Chen) keeps Sarah Chen's Salesforce user 0058a0000000001AAA and HubSpot owner " in said
    assert "`sarah.chen@example.com`" in said  # (no mailto: link, and copied as written: code)
    # her own users typed as well: nothing to say
    _change_roster(app, "Marcus Johnson", {"name": "Bo Lund", "salesforce_user_id": "0058a0000000099AAA",
                                        "hubspot_owner": "bo@example.com"})  # fmt: skip
    assert not [w.value for w in app.warning if "CRM users" in w.value]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            {"capacity": -5},
            "Capacity is -5, below 0; enter the most accounts the rep can hold, a whole number, 0 or more",
        ),
        ({"capacity": None}, "Capacity is empty; enter the most accounts the rep can hold"),
        (
            {"quota_attainment": -0.3},
            "Quota % is -30% (-0.3), below 0; enter the rep's quota attainment as a fraction, 0 "
            "or more: 1 is on quota, 1.12 is 112%",
        ),  # fmt: skip
        ({"quota_attainment": None}, "Quota % is empty; enter the rep's quota attainment as a fraction, 0 or more"),
        (  # (112 typed for 112% read 11200%)
            {"quota_attainment": 112},
            "Quota % is 11200% (112), more than 1000%: was 112% meant? Enter the rep's quota attainment as a "
            "fraction, 0 or more: 1 is on quota, 1.12 is 112% (type 1.12).",
        ),
    ],
)
def test_a_capacity_or_quota_that_makes_no_sense_is_refused_naming_the_rep(app, change, said):
    # A capacity typed as -5 became 5 (the cell dropped the minus sign) and an emptied Quota % was applied as 0%,
    # without a word.
    app.run()
    app.switch_page("pages/reps.py").run()
    before = app.session_state["plan_json"]
    _change_roster(app, "Hannah Kim", change)
    shown = " ".join(e.value for e in app.error).replace("\\", "")
    assert "Cannot be applied: fix these in the table" in shown
    assert f"Hannah Kim (R07): {said}" in shown
    assert app.session_state["plan_json"] == before
    assert not any(h.value.startswith("What moved") for h in app.subheader)


def test_a_new_rep_starts_on_zero_quota_attainment(app):
    # (an existing rep's emptied Quota % is refused; the added row's cell starts at 0%, as a new rep's empty one reads)
    app.run()
    app.switch_page("pages/reps.py").run()
    columns = json.loads(app.data_editor[0].proto.columns)
    assert columns["quota_attainment"]["default"] == 0.0


def test_a_change_that_leaves_accounts_waiting_says_what_to_do(app):
    # "46 more account(s) in North America East wait for a rep: its reps are at capacity", and no more.
    _apply(app, "Sarah Chen", {"capacity": 100})
    warned = " ".join(w.value for w in app.warning).replace("\\", "")
    assert "North America East wait for a rep" in warned
    said = [i.value.replace("\\", "") for i in app.info if "What to do" in i.value]
    assert len(said) == 1
    assert said[0].split("\n- ")[1:] == [
        "North America East: 46 accounts wait behind Sarah Chen and Marcus Johnson, at capacity. To serve them, "
        "raise their capacities by 46 in all in the roster above, add a rep to North America East there (in the "
        "Territories column), or move regions to a territory with room (Edit territories, or Rebalance)."
    ]  # (only where more wait than before: not US South, US West or US Central)


def test_a_territory_left_without_an_active_rep_says_whom_to_make_active(app):
    _apply(app, "Luke Anderson", {"active": False})
    said = next(i.value for i in app.info if "What to do" in i.value).replace("\\", "")
    assert "US Central: 320 accounts wait; it has no active rep. In the roster above, tick Active for Luke " in said


def test_a_new_roster_row_starts_active_at_the_team_s_capacity_with_no_quota_attained(app):
    # The row added in the roster's last line started with Capacity empty, which Apply refuses ("Capacity is
    # empty"), so every new rep needed a number typed before anything else; Active started unticked. Then at 40,
    # beside a team whose median is 290 (a review).
    app.run()
    app.switch_page("pages/reps.py").run()
    columns = json.loads(app.data_editor[0].proto.columns)
    defaults = {name: column.get("default") for name, column in columns.items()}
    assert defaults["capacity"] == 290 and defaults["active"] is True and defaults["quota_attainment"] == 0.0


def test_the_page_shows_no_note_meant_for_the_code(app):
    # A string under QUOTA_TYPO (a note for the code) was shown on the page under the roster as body text: Streamlit
    # writes a page's bare strings ("magic"). "A Quota % typed above this share (1,000%) is refused unless ..."
    app.run()
    app.switch_page("pages/reps.py").run()
    assert not app.exception, [e.value for e in app.exception]
    shown = [m.value for m in app.markdown]
    assert not [text for text in shown if "refused unless the rep had it" in text], shown


def test_a_team_is_loaded_from_a_csv(app):
    # 35 reps typed row by row into the table was fiddly, and typed over the demo's rows they kept the demo's CRM
    # users (a new user's test): a CSV of the team, matched to the roster by id or name.
    app.run()
    app.switch_page("pages/reps.py").run()
    team = (
        "Rep Name,Home State,Capacity,Quota,Territories,Email\n"
        "Sarah Chen,NY,200,95%,North America East,sarah@acme.com\n"
        "Ann Rep,MA,45,1.1,North America East,ann@acme.com\n"
        "\n"
        "Bo Rep,TX,50,,US South,bo@acme.com\n"
    )
    before = app.session_state["plan_json"]
    app.file_uploader(key="reps_upload").set_value(("team.csv", team.encode(), "text/csv")).run()
    app.checkbox(key="reps_only_listed").check().run()
    # What the file changes, before it is applied (it was applied at once): nothing changed yet.
    said = next(m.value for m in app.markdown if m.value.startswith("**What team.csv changes:**")).replace("\\", "")
    assert said.startswith("**What team.csv changes:** 2 reps join, 1 rep changes and 11 reps leave; "), said
    moving = re.search(r"; ([1-9][\d,]*) accounts would move", said)
    assert moving, said
    preview = next(d.value for d in app.dataframe if "detail" in d.value.columns)
    assert sorted(preview["change"].value_counts().items()) == [("added", 2), ("changed", 1), ("removed", 11)]
    assert app.session_state["plan_json"] == before and not app.button(key="reps_use_file").disabled
    app.button(key="reps_use_file").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert f"What moved: {moving[1]} accounts" in [h.value for h in app.subheader]  # (as the preview said)
    # Applied, the file changes nothing more: said, nothing to apply.
    assert any("team.csv\\*\\* changes nothing" in i.value or "team.csv** changes nothing" in i.value for i in app.info)
    assert app.button(key="reps_use_file").disabled
    reps = {r.name: r for r in plan_from_dict(json.loads(app.session_state["plan_json"])).reps}
    assert set(reps) == {"Sarah Chen", "Ann Rep", "Bo Rep"}
    assert reps["Sarah Chen"].rep_id == "R01" and reps["Sarah Chen"].capacity == 200
    assert reps["Sarah Chen"].hubspot_owner == "sarah@acme.com" and reps["Sarah Chen"].quota_attainment == 0.95
    assert reps["Ann Rep"].home_region == "US-MA" and reps["Ann Rep"].territory_ids == ("NAE",)
    assert reps["Bo Rep"].quota_attainment == 0.0 and reps["Bo Rep"].salesforce_user_id is None
    # A row that cannot be used is named with the file's line, and nothing is applied
    before = app.session_state["plan_json"]
    bad = "name,home,capacity\nCy Rep,Atlantis,40\nDi Rep,TX,-3\n"
    said = _refused(app, "bad.csv", bad.encode())
    assert "Cannot be applied: fix these in bad.csv" in said
    assert "bad.csv, line 2, Cy Rep (new rep): Home 'Atlantis' is not a region" in said
    assert "bad.csv, line 3, Di Rep (new rep): Capacity is -3, below 0" in said
    assert app.session_state["plan_json"] == before
    # A rep with no name is said by its line too ("Row 13 (new rep): Name is empty" named no file: a new user's test)
    said = _refused(app, "nameless.csv", b"name,capacity\nNoah Williams,400\n,100\n\n,120\n")
    assert re.search(r"nameless\.csv, line 3, Row \d+ \(new rep\): Name is empty", said), said
    assert re.search(r"nameless\.csv, line 5, Row \d+ \(new rep\): Name is empty", said), said
    assert "listed on line" not in said  # (two reps without a name are not one rep listed twice)
    # A file without a name column says which column to add
    app.file_uploader(key="reps_upload").set_value(("x.csv", b"who,cap\nA,1\n", "text/csv")).run()
    assert any("x.csv, line 1: no column holds the reps' names" in e.value.replace("\\", "") for e in app.error)
    # A name with an unquoted comma shifts its line ("'saas' is not yes or no" said nothing of why), and a capacity
    # that is no number read "Capacity is empty": each said as it is, all at once (the fourteenth new user)
    shifted = "name,home,capacity,active\nLee, Kim,CA,40,yes\nMo Rep,TX,abc,yes\nNo Rep,TX,30,maybe\n"
    said = _refused(app, "shifted.csv", shifted.encode())
    assert "Cannot be applied: fix these in shifted.csv" in said
    assert (
        "shifted.csv, line 2: 5 fields where the header has 4. A name or other value holding a comma must be in "
        'double quotes ("Chen, Sarah")' in said
    )
    assert "shifted.csv, line 3, column 'capacity': 'abc' is not a number" in said
    assert "shifted.csv, line 4, column 'active': 'maybe' is not yes or no" in said
    assert app.session_state["plan_json"] == before
    # … and when the cells after the comma are empty: one field too many, not "'US-NY' is not a number" (a new user)
    blank_tail = "name,home,capacity,note\nAna,ES,4,\nComma, Unquoted,US-NY,5,\nBo,DE,3,\n"
    said = _refused(app, "tail.csv", blank_tail.encode())
    assert "tail.csv, line 3: 5 fields where the header has 4" in said and "is not a number" not in said
    assert app.session_state["plan_json"] == before
    # The lines that cannot be read and the reps that cannot be used, in one round, in the file's order (the lines'
    # were said first, and once fixed the reps' unknown territory and capacity below 0: a new user's test)
    both = ("name,home,capacity,territories\nBad Capacity,US-NY,ten,North America East\n"
            "Ghost,US-NY,5,Narnia\nNegative,US-NY,-3,North America East\nLee, Kim,CA,40,US West\n")  # fmt: skip
    said = _refused(app, "both.csv", both.encode())
    order = [said.find(f"both.csv, line {n}") for n in (2, 3, 4, 5)]
    assert -1 not in order and order == sorted(order), said
    assert "both.csv, line 2, column 'capacity': 'ten' is not a number" in said
    assert "both.csv, line 3, Ghost (new rep): Territories names 'Narnia'" in said
    assert "both.csv, line 4, Negative (new rep): Capacity is -3, below 0" in said
    assert "both.csv, line 5: 5 fields where the header has 4" in said
    assert "Bad Capacity (new rep): Capacity" not in said  # (its line said once, as it is)
    # A shifted line whose first cell is another rep's name is not said as that rep (a review)
    twice = "name,home,capacity,territories\nAnn,US-NY,5,North America East\nAnn, Smith,US-CA,4,US West\n"
    said = _refused(app, "dup.csv", twice.encode())
    assert "dup.csv, line 3: 5 fields where the header has 4" in said and "line 2" not in said, said
    assert app.session_state["plan_json"] == before


def test_a_reps_file_s_empty_cells_keep_the_roster_s_values_and_a_rep_listed_twice_is_refused(app):
    # An HR export with empty cells: they took Sarah Chen's territory (her 180 accounts), specialties and CRM ids
    # away, at once (a review). An empty cell keeps what the roster has; a cell with a value changes it.
    app.run()
    app.switch_page("pages/reps.py").run()
    before = {r.rep_id: r for r in plan_from_dict(json.loads(app.session_state["plan_json"])).reps}
    team = "name,capacity,territories,specialties,salesforce user id,email,active\nSarah Chen,200,,,,,\n"
    app.file_uploader(key="reps_upload").set_value(("hr.csv", team.encode(), "text/csv")).run()
    app.button(key="reps_use_file").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    sarah = {r.rep_id: r for r in plan_from_dict(json.loads(app.session_state["plan_json"])).reps}["R01"]
    assert sarah.capacity == 200
    kept = before["R01"]
    assert (sarah.territory_ids, sarah.specialties, sarah.salesforce_user_id, sarah.hubspot_owner, sarah.active) == (
        kept.territory_ids, kept.specialties, kept.salesforce_user_id, kept.hubspot_owner, kept.active)  # fmt: skip
    # A rep listed twice (the roster's by name, and a new one twice) is refused naming both lines; nothing applied
    # (the second line joined as another "Sarah Chen", unsaid).
    applied = app.session_state["plan_json"]
    twice = ("name,home,capacity\nSarah Chen,NY,180\nNew Person,TX,20\nsarah chen,NY,190\n"
             "New Person,TX,25\n")  # fmt: skip
    said = _refused(app, "twice.csv", twice.encode())
    assert "Cannot be applied: fix these in twice.csv" in said
    assert "twice.csv, line 4: the rep 'sarah chen' is listed on line 2 too" in said, said
    assert "twice.csv, line 5: the rep 'New Person' is listed on line 3 too" in said, said
    assert app.session_state["plan_json"] == applied
    # A bare "quota" column of amounts (a quota in dollars) was read as 150000000% attained, "was 1500000% meant?"
    amounts = "name,home,capacity,quota\nSarah Chen,NY,180,1500000\nMarcus Johnson,TX,170,1200000\n"
    said = _refused(app, "amounts.csv", amounts.encode())
    assert ("amounts.csv, line 1, column 'quota': read as quota attainment (1.12 or 112%: 12% over quota), but it "
            "holds amounts such as 1500000") in said, said  # fmt: skip
    assert "meant" not in said and "1000%" not in said, said
    assert app.session_state["plan_json"] == applied
    # A cell that is no number no longer hides the other problems of its line (they came a round later, a review)
    mixed = "name,home,capacity,quota attainment,territories\nDup Name,CA,-5,abc,Nowhere\n"
    said = _refused(app, "mixed.csv", mixed.encode())
    assert "mixed.csv, line 2, column 'quota attainment': 'abc' is not a number" in said, said
    assert "mixed.csv, line 2, Dup Name (new rep): Capacity is -5, below 0" in said, said
    assert "mixed.csv, line 2, Dup Name (new rep): Territories names 'Nowhere'" in said, said
    assert "Quota" not in said.replace("column 'quota attainment'", ""), said  # (not said again as empty)
    assert app.session_state["plan_json"] == applied


def test_a_territory_named_as_its_own_id_shows_by_name():
    # A new rep's territory "Rockies" gets the id ROCKIES: the Territories column read "ROCKIES" among names (the
    # tenth new user's test), as if the name could be another territory's id. Another territory's id still forces
    # the id ("US West" for a territory whose id is another's name would read back as that one).
    app = app_session()
    plan = json.loads(app.session_state["plan_json"])
    plan["territories"].append({"territory_id": "ROCKIES", "name": "Rockies", "region_ids": ["US-CO"]})
    plan["territories"].append({"territory_id": "T9", "name": "usw", "region_ids": ["US-WY"]})
    plan["reps"][0]["territory_ids"] = ["ROCKIES", "T9"]
    # (and one whose id is another's name in another case: "Peaks" read back as id "peaks", the other one)
    plan["territories"].append({"territory_id": "PEAKS", "name": "Peaks", "region_ids": ["US-UT"]})
    plan["territories"].append({"territory_id": "peaks", "name": "Summits", "region_ids": ["US-NV"]})
    plan["reps"][1]["territory_ids"] = ["PEAKS"]
    app.session_state["plan_json"] = json.dumps(plan)
    app.run()
    app.switch_page("pages/reps.py").run()
    assert not app.exception, [e.value for e in app.exception]
    roster = app.data_editor[0].value
    first = plan["reps"][0]["name"]
    assert roster.loc[roster["name"] == first, "territories"].iloc[0] == "Rockies, T9"
    assert roster.loc[roster["name"] == plan["reps"][1]["name"], "territories"].iloc[0] == "PEAKS"


def test_edits_not_applied_are_kept_across_pages_until_applied_or_discarded(app):
    # A Salesforce user id typed for a rep, then another page and back: the cell was empty again, the ids toggle
    # off, and nothing said the edit was gone (the tenth new user's test).
    app.run()
    app.switch_page("pages/reps.py").run()
    app.toggle(key="reps_show_ids").set_value(True).run()
    roster = app.data_editor[0].value
    row = int(roster.index[roster["name"] == "Sarah Chen"][0])
    app.session_state["roster_editor"] = {
        "edited_rows": {row: {"salesforce_user_id": "005NEW", "capacity": 190}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    app.switch_page("pages/balance.py").run()
    app.switch_page("pages/reps.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.toggle(key="reps_show_ids").value
    shown = app.data_editor[0].value.set_index("name")
    assert shown.loc["Sarah Chen", "salesforce_user_id"] == "005NEW" and shown.loc["Sarah Chen", "capacity"] == 190
    assert any(i.value.startswith("Changes to the team not applied yet") for i in app.info)
    apply = next(b for b in app.button if b.label.startswith("Apply changes"))
    assert not apply.disabled
    # Discarded: the plan's team again, nothing to apply.
    app.button(key="roster_discard").click().run()
    shown = app.data_editor[0].value.set_index("name")
    assert shown.loc["Sarah Chen", "capacity"] == 180
    assert not any(i.value.startswith("Changes to the team not applied yet") for i in app.info)
    assert next(b for b in app.button if b.label.startswith("Apply changes")).disabled
    # Kept again, then applied: the plan has them, and nothing is kept.
    roster = app.data_editor[0].value
    app.session_state["roster_editor"] = {"edited_rows": {row: {"capacity": 190}}, "added_rows": [],
                                          "deleted_rows": []}  # fmt: skip
    app.run()
    app.switch_page("pages/overview.py").run()
    app.switch_page("pages/reps.py").run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception, [e.value for e in app.exception]
    reps = {r.name: r for r in plan_from_dict(json.loads(app.session_state["plan_json"])).reps}
    assert reps["Sarah Chen"].capacity == 190
    app.switch_page("pages/overview.py").run()
    app.switch_page("pages/reps.py").run()
    assert not any(i.value.startswith("Changes to the team not applied yet") for i in app.info)
    assert not any("were dropped" in w.value for w in app.warning)
    assert next(b for b in app.button if b.label.startswith("Apply changes")).disabled


def _pending_edit(app, name, change):
    """An edit of ``name``'s row typed in the roster and not applied."""
    roster = app.data_editor[0].value
    row = int(roster.index[roster["name"] == name][0])
    app.session_state["roster_editor"] = {"edited_rows": {row: change}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not next(b for b in app.button if b.label.startswith("Apply changes")).disabled


def test_edits_not_applied_survive_the_ids_toggle_and_are_dropped_with_a_word_when_territories_change(app):
    # (a review: showing or hiding the ids draws the table anew, and Streamlit forgot its edits; a territory renamed
    # on another page came back under its old name, which Apply then refused for reps nobody had touched)
    app.run()
    app.switch_page("pages/reps.py").run()
    _pending_edit(app, "Sarah Chen", {"capacity": 190})
    app.toggle(key="reps_show_ids").set_value(True).run()
    assert app.data_editor[0].value.set_index("name").loc["Sarah Chen", "capacity"] == 190
    assert not next(b for b in app.button if b.label.startswith("Apply changes")).disabled
    app.switch_page("pages/edit_map.py").run()
    app.selectbox(key="settings_territory").set_value("CAW").run()
    app.text_input(key="settings_name").input("Canada West & Prairies").run()
    app.button(key="twin_settings").click().run()
    app.switch_page("pages/reps.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("were dropped" in w.value for w in app.warning)
    shown = app.data_editor[0].value.set_index("name")
    assert (
        shown.loc["Sarah Chen", "capacity"] == 180
        and shown.loc["Mei Tanaka", "territories"] == "Canada West & Prairies"
    )
    assert next(b for b in app.button if b.label.startswith("Apply changes")).disabled


def test_edits_typed_back_as_the_plan_has_them_are_not_said_to_be_kept(app):
    app.run()
    app.switch_page("pages/reps.py").run()
    _pending_edit(app, "Sarah Chen", {"capacity": 190})
    app.switch_page("pages/balance.py").run()
    app.switch_page("pages/reps.py").run()
    assert any(i.value.startswith("Changes to the team not applied yet") for i in app.info)
    roster = app.data_editor[0].value
    row = int(roster.index[roster["name"] == "Sarah Chen"][0])
    app.session_state["roster_editor"] = {"edited_rows": {row: {"capacity": 180}}, "added_rows": [],
                                          "deleted_rows": []}  # fmt: skip
    app.run()
    assert not any(i.value.startswith("Changes to the team not applied yet") for i in app.info)
    assert next(b for b in app.button if b.label.startswith("Apply changes")).disabled


def test_a_reps_file_s_tier_specialty_is_read_as_the_tier_and_a_misspelt_one_is_said(app):
    # A review: "Mid Market" was kept as typed and matched no mid-market account; "fintec" matched nothing, unsaid.
    app.run()
    app.switch_page("pages/reps.py").run()
    team = 'name,specialties\nSarah Chen,"Mid Market, fintec"\n'
    app.file_uploader(key="reps_upload").set_value(("team.csv", team.encode(), "text/csv")).run()
    app.button(key="reps_use_file").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    sarah = {r.rep_id: r for r in plan_from_dict(json.loads(app.session_state["plan_json"])).reps}["R01"]
    assert sarah.specialties == ("mid-market", "fintec")
    said = " ".join(w.value for w in app.warning).replace("\\", "")
    assert "Sarah Chen's specialty 'fintec' matches no account: did you mean 'fintech'?" in said, said


def test_the_load_counts_what_a_rep_holds_outside_these_accounts(app):
    # A review: a rep declaring accounts held outside the file (current_accounts) read "1 (50%)" here while its
    # accounts waited "at capacity"; the Balance page's "Reps at capacity" left it out.
    raw = json.loads((ROOT / "data" / "demo" / "plan.json").read_text())
    rep = next(r for r in raw["reps"] if r["name"] == "Sarah Chen")
    rep["current_accounts"] = 10_000
    app.session_state["plan_json"] = json.dumps(plan_from_dict(raw).to_dict())
    app.run()
    app.switch_page("pages/reps.py").run()
    roster = app.data_editor[0].value.set_index("name")
    # (the accounts the demo gives her as owner are part of the 10,000: 9,821 outside them, 0 served, all waiting)
    assert roster.loc["Sarah Chen", "load"] == f"0 + 9,821 outside ({9_821 / rep['capacity']:.0%})"
    assert roster.loc["Marcus Johnson", "load"].count("outside") == 0
    app.switch_page("pages/balance.py").run()
    assert not app.exception
    full = next(m for m in app.metric if m.label == "Reps at capacity")
    assert "Sarah Chen" in full.proto.help


def test_a_fractional_capacity_in_a_reps_file_is_said_by_its_line_with_the_others(app):
    # A review: 2.5 was left out of the list of the file's problems, and said once the others were fixed, as "rep
    # roster, rep 8 (R8)": no file, no line.
    app.run()
    app.switch_page("pages/reps.py").run()
    before = app.session_state["plan_json"]
    team = "name,capacity\nManny Hattan,2.5\nNegative,-3\n"
    said = _refused(app, "frac.csv", team.encode())
    assert "frac.csv, line 2, Manny Hattan (new rep): Capacity is 2.5, not a whole number" in said, said
    assert "frac.csv, line 3, Negative (new rep): Capacity is -3, below 0" in said, said
    assert app.session_state["plan_json"] == before


def test_a_reps_file_s_misspelt_column_is_said_with_the_field_it_may_mean(app):
    # "capcity" was dropped unsaid: "changes nothing" (a review). Said, with the column a file of its own has.
    app.run()
    app.switch_page("pages/reps.py").run()
    team = "name,capcity,territories,Manager\nSarah Chen,200,North America East,Ann\n"
    app.file_uploader(key="reps_upload").set_value(("typo.csv", team.encode(), "text/csv")).run()
    said = " ".join(w.value for w in app.warning).replace("\\", "")
    assert "typo.csv: 2 columns not read: 'capcity' (did you mean capacity?), 'Manager'" in said, said
    team = "name,capacity,Manager\nSarah Chen,200,Ann\n"
    app.file_uploader(key="reps_upload").set_value(("own.csv", team.encode(), "text/csv")).run()
    assert not any("not read" in w.value for w in app.warning)
    assert any("own.csv: 1 column not read: 'Manager'" in c.value.replace("\\", "") for c in app.caption)


def test_a_new_rep_with_no_capacity_gets_the_team_s_median_in_a_file_and_in_a_new_row(app):
    # Refused as "Capacity is empty" though the file's hint said it could be left empty; a row added to the table
    # started at 40 beside a team of 280 (a review).
    from territory import plan_from_dict

    app.run()
    app.switch_page("pages/reps.py").run()
    median = plan_from_dict(json.loads(app.session_state["plan_json"])).usual_capacity()
    assert median > 40
    app.file_uploader(key="reps_upload").set_value(("new.csv", b"name,home,capacity\nNew Rep,TX,\n", "text/csv")).run()
    assert not app.error, [e.value for e in app.error]
    app.button(key="reps_use_file").click().run()
    plan = plan_from_dict(json.loads(app.session_state["plan_json"]))
    assert next(r for r in plan.reps if r.name == "New Rep").capacity == median
