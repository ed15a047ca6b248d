"""AppTest flows of the Plans page on a fresh SQLite store per test: save, reload, compare, conflict and merge,
activate, archive, restore, audit."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from territory import plan_from_dict
from territory.store import PlanStore
from tests.conftest import DEMO_PLAN, app_session, demo_state
from tests.pages.test_rebalance import assert_shows_saved_reps


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    return tmp_path


def session():
    return app_session()


def go(app, page):
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def plan_of(app):
    return plan_from_dict(json.loads(app.session_state["plan_json"]))


def move(app, regions, target):
    go(app, "pages/edit_map.py")
    app.multiselect(key="twin_regions").set_value(regions).run()
    app.selectbox(key="twin_target").set_value(target).run()
    app.button(key="twin_move").click().run()
    assert not app.exception


def load_accounts(app, name, data):
    """Load an accounts file on the Accounts page, as a manager does (upload, then "Load these accounts")."""
    go(app, "pages/accounts.py")
    app.file_uploader(key="accounts_upload").set_value((name, data, "text/csv")).run()
    next(b for b in app.button if b.label == "Load these accounts").click().run()
    assert not app.exception, [e.value for e in app.exception]


def save(app, message, author="ana"):
    go(app, "pages/plans.py")
    app.text_input(key="plan_author").input(author).run()
    app.text_input(key="save_message").input(message).run()
    app.button(key="save_plan").click().run()
    assert not app.exception, [e.value for e in app.exception]


def metrics(app):
    return {m.label: m.value for m in app.metric}


def texts(app):
    return " ".join(m.value for m in app.markdown)


def test_first_run_stores_the_demo_plan_as_a_draft(data_dir):
    app = go(session(), "pages/plans.py")
    assert (data_dir / "territory.sqlite").exists()
    plans = app.dataframe[0].value
    assert list(plans["Status"]) == ["draft"] and list(plans["Versions"]) == [1]
    assert "plan #1, from version 1 (draft) · **saved**" in texts(app)


def test_a_session_opened_on_the_plans_page_names_its_stored_plan(data_dir):
    go(session(), "pages/plans.py")  # stores the demo plan
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.switch_page("pages/plans.py").run()  # a new browser tab opened at /plans: its first run is this page
    assert not app.exception, [e.value for e in app.exception]
    assert "plan #1, from version 1 (draft) · **saved**" in texts(app)
    assert "not stored yet" not in texts(app)


def test_a_version_saved_without_its_assignment_compares_accounts_too(data_dir):
    # The demo plan is stored on first run without an assignment; compared with an edit of it, its accounts are
    # assigned by its rules (and said so), not counted as none changing hands.
    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    go(app, "pages/plans.py")
    assert app.selectbox(key="compare_from").value == (1, 1)
    figures = metrics(app)
    assert figures["Regions moved"] == "1"
    assert int(figures["Accounts changing"].replace(",", "")) > 0
    assert any("v1 of #1 was saved without its account assignment" in c.value for c in app.caption)


def test_saving_an_unchanged_plan_makes_no_new_version(data_dir):
    app = session()
    save(app, "nothing")
    assert any("Nothing changed since version 1 of plan #1" in i.value for i in app.info)
    assert list(app.dataframe[0].value["Versions"]) == [1]


def test_save_then_reload_the_app_and_the_plan_is_still_there(data_dir):
    app = session()
    move(app, ["US-NJ"], "NAE")
    go(app, "pages/plans.py")
    assert "unsaved changes" in texts(app)
    save(app, "NJ to the east")
    assert any("as version 2 of plan #1" in s.value for s in app.success)
    assert "**saved**" in texts(app)

    again = session()  # a new browser session: the app opens the stored plan
    assert "US-NJ" in plan_of(again).territory("NAE").region_ids
    go(again, "pages/plans.py")
    versions = again.dataframe[1].value
    assert list(versions["Version"]) == [2, 1]
    assert versions["Message"].iloc[0] == "NJ to the east" and versions["Author"].iloc[0] == "ana"


def test_compare_shows_regions_accounts_and_handoffs(data_dir):
    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    move(app, ["US-WA", "US-OR"], "CAW")
    save(app, "Pacific Northwest to Canada West")
    go(app, "pages/plans.py")
    # Defaults compare the chosen plan's two newest versions: 2 -> 3, also after leaving the page and coming back.
    assert app.selectbox(key="compare_from").value == (1, 2)
    assert app.selectbox(key="compare_to").value == (1, 3)
    go(app, "pages/overview.py")
    go(app, "pages/plans.py")
    assert app.selectbox(key="compare_from").value == (1, 2)
    assert app.selectbox(key="compare_to").value == (1, 3)
    figures = metrics(app)
    assert figures["Regions moved"] == "2"
    # US West gave both states to Canada West: two territories changed (it said 0: only names, quotas … counted)
    assert figures["Territories changed"] == "2"
    assert int(figures["Accounts changing"].replace(",", "")) > 0
    tables = [d.value for d in app.dataframe]
    regions = next(t for t in tables if "Region" in t.columns and "To" in t.columns)
    assert set(regions["Region"]) == {"US-WA", "US-OR"} and set(regions["To"]) == {"Canada West"}
    assert set(regions["Name"]) == {"Washington", "Oregon"}
    handoffs = next(t for t in tables if "accounts_gained" in t.columns)
    assert handoffs["accounts_gained"].sum() > 0
    assert {"Download regions moved (CSV)", "Download handoffs (CSV)"} <= {b.label for b in app.get("download_button")}


def test_the_compare_map_shows_the_moves_in_the_plan_they_make(data_dir, monkeypatch):
    # One state moved filled the map as a plain rectangle, no neighbour or territory in view (a review): the map
    # now draws the new version's territories faintly, at the level of the regions moved.
    import geo.coverage

    levels = []
    original = geo.coverage.changed_regions_map

    def recording(regions, old, new, **kwargs):
        levels.append(kwargs.get("level"))
        return original(regions, old, new, **kwargs)

    monkeypatch.setattr(geo.coverage, "changed_regions_map", recording)
    app = session()
    move(app, ["US-CO"], "USC")
    save(app, "Colorado to US Central")
    go(app, "pages/plans.py")
    assert metrics(app)["Regions moved"] == "1"
    assert levels and set(levels) == {"state"}, levels


def test_the_regions_moved_download_names_each_region(data_dir, monkeypatch):
    # The CSV had region ids alone ("US-WA"), where the table on screen names them (Washington).
    import territory.exports

    written = []
    original = territory.exports.spreadsheet_csv

    def recording(frame, *args, **kwargs):
        written.append(frame.copy())
        return original(frame, *args, **kwargs)

    monkeypatch.setattr(territory.exports, "spreadsheet_csv", recording)
    app = session()
    move(app, ["US-WA", "US-OR"], "CAW")
    save(app, "Pacific Northwest to Canada West")
    regions = next(f for f in written if "from_territory_id" in f.columns)
    assert list(regions.columns[:2]) == ["region_id", "region_name"]
    assert dict(zip(regions["region_id"], regions["region_name"], strict=True)) == {
        "US-OR": "Oregon", "US-WA": "Washington"
    }  # fmt: skip
    assert set(regions["to_name"]) == {"Canada West"}


def test_the_versions_table_counts_accounts_with_separators(data_dir):
    # "4998": version 1 (the demo, stored without its accounts) made the column one of decimals, shown bare.
    from pages.shared import COUNT_FORMAT
    from tests.pages.test_display_formats import column_formats

    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    versions = next(d for d in app.dataframe if "Message" in d.value.columns)
    assert versions.value["Accounts"].tolist()[0] > 999 and pd.isna(versions.value["Accounts"].tolist()[1])
    formats = column_formats(versions)
    assert formats["Accounts"].get("format") == formats["Territories"].get("format") == COUNT_FORMAT, formats


def test_the_versions_table_gives_a_long_message_the_page_s_width_and_wraps_it(data_dir):
    # The message had 280 px of the 818 px column and a long one (a proposal's description) was cut at the edge (the
    # seventh new user); it gets what the 916 px column leaves, and wraps onto up to four lines when it must.
    from pages.plans import AUDIT_LINES, AUDIT_WIDTHS, VERSION_WIDTHS
    from pages.shared import CELL_PADDING, CHARACTER_WIDTH, PAGE_COLUMN, WRAPPED_LINE
    from tests.pages.test_display_fit import _shown_widths

    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    versions = next(d for d in app.dataframe if "Message" in d.value.columns)
    widths = _shown_widths(versions)
    assert widths["Message"] == VERSION_WIDTHS["Message"] >= 360 and sum(widths.values()) <= PAGE_COLUMN - 16, widths
    assert not versions.proto.row_height  # (short messages: rows of one line)
    audit = next(d for d in app.dataframe if "detail" in d.value.columns)
    assert sum(_shown_widths(audit).values()) <= PAGE_COLUMN - 16 and AUDIT_WIDTHS["detail"] >= 400
    long = "Moved Kansas and Nebraska to US Central after the Q3 review with the regional directors; " * 2
    move(app, ["US-KS"], "USC")
    save(app, long.strip())
    versions = next(d for d in app.dataframe if "Message" in d.value.columns)
    per_line = int((VERSION_WIDTHS["Message"] - 2 * CELL_PADDING) / CHARACTER_WIDTH)
    lines = (versions.proto.row_height - 2 * CELL_PADDING) // WRAPPED_LINE
    assert 3 <= -(-len(long.strip()) // per_line) <= lines <= AUDIT_LINES, (len(long), per_line, lines)


def test_two_managers_save_the_same_draft_and_merge(data_dir):
    ana, bo = session(), session()
    move(ana, ["US-NJ"], "NAE")
    move(bo, ["US-WA"], "CAW")
    save(ana, "NJ east", author="ana")
    save(bo, "WA to Canada West", author="bo")
    assert any("Not saved" in e.value for e in bo.error)
    assert any("**ana** saved version 2" in w.value for w in bo.warning)
    before_merge = bo.session_state["edit_history"].current.result.set_index("account_id")
    bo.button(key="conflict_merge").click().run()
    assert not bo.exception
    assert any("Merged your edits into version 2 and saved version 3" in s.value for s in bo.success)
    merged = plan_of(bo)
    assert "US-NJ" in merged.territory("NAE").region_ids and "US-WA" in merged.territory("CAW").region_ids
    assert "US-WA" not in merged.territory("USW").region_ids
    reloaded = session()
    assert plan_of(reloaded) == merged
    # The merged version is saved with its assignment: bo's accounts keep their reps where the rules allow (all
    # but those of New Jersey's counties, which moved to North America East), and a session that reopens it shows
    # those reps.
    from territory.store import PlanStore, default_database_url

    saved = PlanStore(default_database_url()).assignments(1, 3).set_index("account_id")["rep_id"]
    assert len(saved) > 4000
    # (those New Jersey counties moved in Ana's version; reps freed in US West take some who waited for one)
    served = before_merge[before_merge["rep_id"].notna() & ~before_merge["region_id"].str.startswith("US-34")]
    assert len(served) > 1000
    assert saved[served.index].equals(served["rep_id"])
    assert (bo.session_state["edit_history"].current.result.set_index("account_id")["rep_id"].astype(object)
            .fillna("-").equals(saved.astype(object).fillna("-")))  # fmt: skip
    assert_shows_saved_reps(go(session(), "pages/accounts.py"), bo, saved)


def test_their_changes_count_regions_as_compare_does(data_dir):
    # Where a version hands out counties, a state that changed hands counts its counties, on Compare and here alike
    # (here "1 region moved", there "77 regions moved": Oklahoma, after a county was carved out elsewhere).
    from geo.editing import units_of_claims
    from territory import load_plan
    from territory.plan_diff import diff_plans, territories_reshaped

    ana, bo = session(), session()
    go(ana, "pages/edit_map.py")
    ana.radio(key="edit_level").set_value("county").run()
    move(ana, ["US-34013"], "NAE")  # (Essex County, New Jersey, carved out of its state's territory)
    ana.radio(key="edit_level").set_value("state").run()
    move(ana, ["US-OK"], "USW")
    move(bo, ["US-WA"], "CAW")
    save(ana, "Essex east, Oklahoma west", author="ana")
    save(bo, "WA to Canada West", author="bo")
    said = next(m.value for m in bo.markdown if m.value.startswith("Their changes: "))
    base, theirs = load_plan(DEMO_PLAN), plan_of(ana)
    compared = diff_plans(base, theirs, parents=units_of_claims(base, theirs))
    assert len(compared.regions) > 77  # Oklahoma's 77 counties and Essex County
    assert said.startswith(f"Their changes: {len(compared.regions):,} regions moved"), said
    # the territories that gained or lost them counted, as Compare counts them (it said "0 territory changes")
    assert territories_reshaped(compared.regions) == {"NAE", "USW"}
    assert "regions moved, 2 territories changed, " in said, said
    # Their table lists Oklahoma once, as the state moved whole it is (77 rows of counties, a review).
    table = next(d.value for d in bo.dataframe if "Region" in d.value.columns)
    assert table[["Name", "Region", "To"]].values.tolist() == [
        ["Essex, NJ", "US-34013", "North America East"],
        ["Oklahoma (all 77 counties)", "US-OK", "US West"],
    ]


def test_compare_lists_a_state_moved_whole_once_beside_a_carved_county(data_dir):
    # Once a county is carved out, Compare counts county by county (as the Rebalance page does): Arizona, moved
    # whole, was 15 rows of counties; one row now, its counties still counted in "Regions moved".
    app = session()
    go(app, "pages/edit_map.py")
    app.radio(key="edit_level").set_value("county").run()
    move(app, ["US-48453"], "USW")  # (Travis County, Texas, carved out of US South)
    app.radio(key="edit_level").set_value("state").run()
    move(app, ["US-AZ"], "USS")
    save(app, "Travis west, Arizona south")
    go(app, "pages/plans.py")
    assert metrics(app)["Regions moved"] == "16"
    table = next(d.value for d in app.dataframe if "Region" in d.value.columns and "To" in d.value.columns)
    assert sorted(table[["Name", "Region", "From", "To"]].values.tolist()) == [
        ["Arizona (all 15 counties)", "US-AZ", "US West", "US South"],
        ["Travis, TX", "US-48453", "US South", "US West"],
    ]


def test_a_merge_shows_what_both_changed_and_keeps_the_side_chosen(data_dir):
    ana, bo = session(), session()
    move(ana, ["US-WA", "US-NJ"], "CAW")
    move(bo, ["US-WA"], "USS")
    move(bo, ["US-NJ"], "NAE")
    save(ana, "WA and NJ to Canada West", author="ana")
    save(bo, "WA south, NJ east", author="bo")
    # (a table that wraps, read as Markdown: its texts are escaped)
    both = next(t.value for t in bo.table if "Theirs (version 2)" in t.value.columns)
    both = both.map(lambda text: re.sub(r"\\(.)", r"\1", text))
    both.index = [re.sub(r"\\(.)", r"\1", text) for text in both.index]
    assert list(both.columns) == ["Before (version 1)", "Yours", "Theirs (version 2)"]  # as it was, then each side
    assert both.loc["Region Washington (US-WA)", "Before (version 1)"] == "US West"
    assert both.loc["Region Washington (US-WA)", "Yours"] == "US South"
    assert both.loc["Region Washington (US-WA)", "Theirs (version 2)"] == "Canada West"
    assert both.loc["Region New Jersey (US-NJ)", "Yours"] == "North America East"
    assert bo.multiselect(key="merge_keep_theirs").value == []
    bo.multiselect(key="merge_keep_theirs").set_value(["region US-WA"]).run()
    bo.button(key="conflict_merge").click().run()
    assert not bo.exception
    message = next(s.value for s in bo.success if "Merged your edits" in s.value).replace("\\", "")
    assert "kept yours for Region New Jersey (US-NJ); theirs for Region Washington (US-WA)" in message
    merged = plan_of(bo)
    assert "US-WA" in merged.territory("CAW").region_ids and "US-WA" not in merged.territory("USS").region_ids
    assert "US-NJ" in merged.territory("NAE").region_ids and "US-NJ" not in merged.territory("CAW").region_ids


def test_conflict_can_be_saved_as_a_new_draft(data_dir):
    ana, bo = session(), session()
    move(ana, ["US-NJ"], "NAE")
    move(bo, ["US-WA"], "CAW")
    # an author's name is shown as written, never as Markdown (a link or red text in the conflict boxes)
    evil = "[Click to approve](http://evil.example/x) :red[**URGENT**]"
    save(ana, "NJ east", author=evil)
    save(bo, "WA", author="bo")
    shown = " ".join([e.value for e in bo.error] + [w.value for w in bo.warning])
    assert "\\[Click to approve\\]\\(http" in shown and "](http" not in shown and ":red[" not in shown
    bo.button(key="conflict_new_draft").click().run()
    assert any("Saved as a new draft, plan #2" in s.value for s in bo.success)
    plans = bo.dataframe[0].value
    assert sorted(plans["Plan"]) == [1, 2]


def test_a_new_draft_s_next_save_logs_only_the_edits_made_since(data_dir):
    app = session()
    move(app, ["US-KS"], "USW")
    go(app, "pages/plans.py")
    app.text_input(key="plan_author").input("ana").run()
    app.text_input(key="new_draft_name").input("FY28").run()
    app.button(key="save_new_draft").click().run()
    move(app, ["US-NE"], "USW")
    save(app, "Nebraska too")
    plan_id, version = app.session_state["store_plan"]
    assert (plan_id, version) == (2, 2)
    edits = PlanStore().audit(plan_id).query("action == 'edit'")["detail"].tolist()
    assert len(edits) == 1 and "Nebraska" in edits[0], edits  # (Kansas's move is in the draft's first version)


def test_an_edit_made_after_a_save_and_an_undo_is_logged_and_the_undo_too(data_dir):
    # A review: the log counted the session's steps; after a save, an undo and another edit, the edit fell below the
    # count, and the next save logged nothing (Montana out, Wyoming in, unsaid).
    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    move(app, ["US-MT"], "USW")
    save(app, "Montana west")
    go(app, "pages/edit_map.py")
    app.button(key="undo").click().run()
    move(app, ["US-WY"], "USW")
    save(app, "Wyoming west")
    plan_id, version = app.session_state["store_plan"]
    audit = PlanStore().audit(plan_id)
    last = audit[audit["version"] == version - 1].query("action == 'edit'")["detail"].tolist()
    assert last == ["Undone: Moved Montana (US-MT) to US West", "Moved Wyoming (US-WY) to US West"], audit
    assert (
        "US-MT" not in plan_of(app).territory("USW").region_ids and "US-WY" in plan_of(app).territory("USW").region_ids
    )
    # Other accounts begin the history again: none of its steps is logged yet, and nothing logged is "undone"
    load_accounts(app, "few.csv", b"id,name,lat,lon\nF1,One,40.7,-74.0\nF2,Two,34.05,-118.24\n")
    move(app, ["US-KS"], "USW")
    save(app, "Kansas west")
    audit = PlanStore().audit(plan_id)
    last = audit[audit["version"] == version].query("action == 'edit'")["detail"].tolist()
    assert last == ["Moved Kansas (US-KS) to US West"], last


def test_restored_drafts_and_new_drafts_each_get_a_name_of_their_own(data_dir):
    # Restoring a version three times made three plans named alike ("Demo FY27 plan (draft)" three times in the box).
    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    name = plan_of(app).name
    for _ in range(3):
        app.selectbox(key="plans_selected").set_value(1).run()
        app.selectbox(key="plans_version").set_value(1).run()
        app.button(key="version_restore").click().run()
        assert not app.exception
    restored = [f"{name} (v1 restored)", f"{name} (v1 restored 2)", f"{name} (v1 restored 3)"]
    from pages.shared import plain

    assert any(f"as the new draft plan #4, **{plain(restored[2])}**" in s.value for s in app.success)
    assert plan_of(app).name == restored[2] and "unsaved" not in texts(app)  # (the open plan is the draft as stored)
    names = app.dataframe[0].value.set_index("Plan")["Name"]
    assert [names[i] for i in (1, 2, 3, 4)] == [name, *restored]
    # The names get what the other columns leave of the page at 1280 px, every column a width of its own (a
    # rebalanced draft's name was cut at 383 px while Status, Versions and Updated took 480, the tenth new user's
    # test); "Restored from" now shows too.
    config = json.loads(app.dataframe[0].proto.columns or "{}")
    widths = {c: (config.get(f"col:{c}") or config.get(c) or {}).get("width") for c in app.dataframe[0].value.columns}
    assert None not in widths.values() and sum(widths.values()) <= 916 - 16, widths
    from pages.shared import CELL_PADDING, CHARACTER_WIDTH

    longest = "Demo FY27 plan — rebalanced (new territory Rockies) 2026-12-03 23:42:06"
    assert widths["Name"] >= CHARACTER_WIDTH * len(longest) + 2 * CELL_PADDING, widths
    # Save as new draft, twice with the name it suggests, then with a name typed that a plan has already.
    for _ in range(2):
        app.button(key="save_new_draft").click().run()
    app.text_input(key="new_draft_name").input(name).run()
    app.button(key="save_new_draft").click().run()
    said = f"**{plain(name + ' (2)')}** (**{plain(name)}** is another stored plan's name)"
    assert any(said in s.value for s in app.success), [s.value for s in app.success]
    names = app.dataframe[0].value["Name"]
    # (a copy of "… (copy)" is "… (copy 2)", not "… (copy) (copy)")
    assert names.is_unique and {f"{restored[2]} (copy)", f"{restored[2]} (copy 2)", f"{name} (2)"} <= set(names)
    assert app.session_state["store_plan"] == (7, 1) and plan_of(app).name == f"{name} (2)"


def use_plan_file(app, plan):
    """Use a plan file on the Data sources page ("Use this plan"), as a manager does."""
    go(app, "pages/data_sources.py")
    data = json.dumps(plan.to_dict()).encode()
    app.file_uploader(key="plan_upload").set_value(("mine.json", data, "application/json")).run()
    next(b for b in app.button if b.label == "Use this plan").click().run()
    assert not app.exception, [e.value for e in app.exception]


def undo(app, times=1):
    go(app, "pages/edit_map.py")
    for _ in range(times):
        app.button(key="undo").click().run()
        assert not app.exception, [e.value for e in app.exception]


def test_undo_takes_the_session_back_to_the_stored_plan_it_was_on(data_dir):
    # "Use this plan" then Undo: the plan was back, but the session stayed on a plan "not stored yet" (Save made a
    # new plan of it instead of a version of plan #1), a new user's test. Undo now brings back where it is stored.
    from dataclasses import replace

    app = session()
    stored = plan_of(app)
    use_plan_file(app, replace(stored, name="Finance's FY27"))
    go(app, "pages/plans.py")
    assert "Working on **Finance's FY27** — not stored yet" in texts(app)
    undo(app)
    go(app, "pages/plans.py")
    assert app.session_state["store_plan"] == (1, 1) and plan_of(app) == stored
    assert "plan #1, from version 1 (draft) · **saved**" in texts(app)
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    assert app.session_state["store_plan"] == (1, 2) and len(app.dataframe[0].value) == 1  # a version, not a plan
    # Redone, the file's plan is not stored again; saved, it is plan #2, and undo goes back to plan #1's version 2.
    use_plan_file(app, replace(stored, name="Finance's FY27"))
    save(app, "from finance")
    assert app.session_state["store_plan"] == (2, 1)
    undo(app)
    assert app.session_state["store_plan"] == (1, 2) and "US-NJ" in plan_of(app).territory("NAE").region_ids
    go(app, "pages/edit_map.py")
    app.button(key="redo").click().run()
    assert app.session_state["store_plan"] == (2, 1) and plan_of(app).name == "Finance's FY27"


def test_undo_after_a_save_is_a_change_to_the_version_saved(data_dir):
    # Edits undone after a save are changes to that version: saved, the next version (not a conflict with oneself).
    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    undo(app)
    go(app, "pages/plans.py")
    assert app.session_state["store_plan"] == (1, 2) and "from version 2 (draft) · **unsaved changes**" in texts(app)
    save(app, "NJ back")
    assert app.session_state["store_plan"] == (1, 3) and not app.session_state.get("save_conflict")


def test_undo_of_another_plan_s_folder_goes_back_to_the_plan_open_before(data_dir):
    from dataclasses import replace

    from pages.shared import plan_folder_zip

    app = go(session(), "pages/plans.py")
    other = replace(plan_of(app), name="FY28 draft from finance")
    app.file_uploader(key="upload_folder").set_value(("fy28.zip", plan_folder_zip(other), "application/zip")).run()
    assert "store_plan" not in app.session_state
    undo(app)
    assert app.session_state["store_plan"] == (1, 1)


def test_undo_to_a_plan_deleted_since_is_a_plan_not_stored(data_dir):
    from dataclasses import replace

    app = session()
    use_plan_file(app, replace(plan_of(app), name="Finance's FY27"))
    save(app, "from finance")  # plan #2
    app.selectbox(key="plans_selected").set_value(1).run()
    app.button(key="plan_delete").click().run()
    app.button(key="plan_delete_yes").click().run()
    assert not app.exception, [e.value for e in app.exception]
    undo(app)  # back to plan #1's plan: it is not stored any more
    go(app, "pages/plans.py")
    assert "store_plan" not in app.session_state and "— not stored yet" in texts(app)


def test_a_closed_tab_s_work_on_a_plan_not_stored_is_opened_as_not_stored(data_dir):
    # Taken over here, a closed tab's plan not stored yet stayed linked to the plan open here: "Working on Uploaded
    # plan — plan #1", and Save made it a version of plan #1.
    from dataclasses import replace

    app = session()
    store = PlanStore()
    store.keep_working_copy("3" * 32, replace(plan_of(app), name="Uploaded plan"), plan_id=None, version=None,
                            author="bo")  # fmt: skip
    go(app, "pages/plans.py")
    app.button(key="other_work_open").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert plan_of(app).name == "Uploaded plan" and "store_plan" not in app.session_state
    assert "Working on **Uploaded plan** — not stored yet" in texts(app)
    save(app, "from the closed tab")
    assert app.session_state["store_plan"] == (2, 1) and PlanStore().plan_record(1).current_version == 1


def test_activate_archive_restore_and_audit(data_dir):
    app = session()
    assert "Restored from" not in app.dataframe[0].value.columns
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    assert app.selectbox(key="plans_version").value == 2  # the version just saved
    app.button(key="plan_activate").click().run()
    assert app.dataframe[0].value.set_index("Plan").loc[1, "Status"] == "active"
    assert any(s.value == "Plan #1 is now the active plan." for s in app.success)  # (none was active before)
    app.selectbox(key="plans_version").set_value(1).run()
    app.button(key="version_restore").click().run()
    assert any("as the new draft plan #2" in s.value for s in app.success)
    assert "US-NJ" not in plan_of(app).territory("NAE").region_ids  # version 1 is open now
    # The plan box shows the restored draft, the plan now open (it stayed on plan #1).
    assert app.selectbox(key="plans_selected").value == 2 and app.selectbox(key="plans_version").value == 1
    # "Restored from" shows once a version was restored (before, the column said nothing and took the room)
    assert app.dataframe[0].value.set_index("Plan").loc[2, "Restored from"] == "#1 v1"
    app.selectbox(key="plans_selected").set_value(1).run()
    app.button(key="plan_archive").click().run()
    statuses = app.dataframe[0].value.set_index("Plan")["Status"]
    assert statuses[1] == "archived" and statuses[2] == "draft"
    audit = app.dataframe[-1].value
    assert list(audit["action"]) == ["create", "edit", "save", "activate", "archive"]
    assert "US-NJ" in audit["detail"].iloc[1]
    from tests.pages.test_display_formats import column_formats

    assert list(column_formats(app.dataframe[-1])) == ["When (UTC)", "Plan", "Version", "Who", "Action", "Detail"]
    # a detail wraps (it was cut at the table's edge), and the download has every detail whole
    assert app.dataframe[-1].proto.row_height >= 68
    downloaded = next(b for b in app.get("download_button") if b.proto.label == "Download the audit log (CSV)")
    assert downloaded is not None
    # A new session opens the newest plan (none is active any more): the restored draft.
    assert session().session_state["store_plan"] == (2, 1)


@pytest.fixture
def downloaded_zips(monkeypatch):
    """The plan folder zips the Plans page offers for download, in the order it made them."""
    import pages.shared

    written = []
    original = pages.shared.plan_folder_zip

    def recording(plan, assigned=None, **kwargs):
        data = original(plan, assigned, **kwargs)
        written.append(data)
        return data

    monkeypatch.setattr(pages.shared, "plan_folder_zip", recording)
    return written


def test_plan_folder_zip_round_trip_and_crm_downloads(data_dir, tmp_path, downloaded_zips):
    import io
    import zipfile

    # The download holds who has each account (assignments.csv: cli.py on the folder gives the page's reps).
    written = downloaded_zips
    app = go(session(), "pages/plans.py")
    kept = zipfile.ZipFile(io.BytesIO(written[-1]))
    lines = kept.read(next(n for n in kept.namelist() if n.endswith("assignments.csv"))).decode().splitlines()
    assert lines[0] == "account_id,territory_id,rep_id"
    served = demo_state().result.dropna(subset=["rep_id"])  # (the demo as this new session shows it)
    assert set(lines[1:]) == {f"{a},{t},{r}" for a, t, r in served[["account_id", "territory_id", "rep_id"]].values}
    buttons = {b.label: b for b in app.get("download_button")}
    assert "Download the plan as files for git" in buttons
    # The demo's reps have CRM users, but one (Luke Anderson) no Salesforce user: his accounts are left out, said so.
    salesforce = next(b for label, b in buttons.items() if label.startswith("Salesforce Data Loader update ("))
    assert not salesforce.disabled and re.match(
        r"Salesforce Data Loader update \([1-9][\d,]* accounts\)", salesforce.label
    )
    assert any(label.startswith("HubSpot import (") and not b.disabled for label, b in buttons.items())
    assert any("has no Salesforce user" in c.value and "Luke Anderson" in c.value for c in app.caption)
    # The demo file's two rows that could not be placed are listed as left out (they were in neither file)
    assert any("2 not placed on the map (rows of the accounts file skipped)" in c.value.replace("\\", "")
               for c in app.caption)  # fmt: skip
    # ... and said with the accounts the files are made from, so that the parts add up ("From the 4,998 accounts"
    # stood over 2,644 + 2,356, a review)
    assert any(c.value.replace("\\", "").startswith("From the 4,998 accounts of") and ", and its 2 rows that could "
               "not be placed (listed with the accounts left out of each file)." in c.value for c in app.caption)  # fmt: skip
    # The demo's account ids (ACC-00001) are no Salesforce or HubSpot ids: said, as Data Loader would refuse them
    said = [c.value.replace("\\", "") for c in app.caption]
    assert any("accounts of the file have an Id that is no Salesforce Account Id (ACC-" in c for c in said), said
    assert any("have an Id that is no HubSpot Record ID (ACC-" in c for c in said)
    # A folder edited outside (as in a pull request), zipped and opened here.
    from pages.shared import plan_folder_zip

    archive = zipfile.ZipFile(io.BytesIO(plan_folder_zip(plan_of(app))))
    names = archive.namelist()
    assert sorted(n.split("/")[1] for n in names) == [
        "alignment.csv",
        "overrides.csv",
        "plan.yaml",
        "territories.geojson",
    ]
    edited = io.BytesIO()
    with zipfile.ZipFile(edited, "w") as out:
        for name in names:
            text = archive.read(name).decode()
            if name.endswith("alignment.csv"):
                text += "US-NJ,NAE\n"
            out.writestr(name, text)
    app.file_uploader(key="upload_folder").set_value(("plan.zip", edited.getvalue(), "application/zip")).run()
    assert not app.exception
    assert "US-NJ" in plan_of(app).territory("NAE").region_ids
    assert any("unsaved changes" in m.value for m in app.markdown)


def test_a_zip_opened_here_keeps_the_reps_it_was_written_with(data_dir):
    # The zip the Plans page downloads holds who has each account; opened in another session, the accounts keep
    # those reps (as cli.py does), not a fresh shuffle in which accounts moved in later compete for the reps' room.
    from pages.shared import plan_folder_zip
    from territory.assignment import assign_accounts

    state = demo_state().move_regions(["US-NJ"], "NAE").move_regions(["US-CT", "US-DE"], "NAE")
    shown = dict(zip(state.result["account_id"], state.result["rep_id"], strict=True))
    fresh = assign_accounts(state.plan, state.accounts, state.regions).accounts
    assert sum(shown[a] != r for a, r in zip(fresh["account_id"], fresh["rep_id"], strict=True)) > 10
    app = go(session(), "pages/plans.py")
    data = plan_folder_zip(state.plan, state.result)
    app.file_uploader(key="upload_folder").set_value(("fy27.zip", data, "application/zip")).run()
    assert not app.exception
    opened = app.session_state["edit_history"].current.result
    assert dict(zip(opened["account_id"], opened["rep_id"], strict=True)) == shown


def test_a_zip_without_assignments_is_assigned_as_the_cli_assigns_it(data_dir):
    # Without assignments.csv the accounts kept the reps of the plan open before where the folder's rules allowed, so
    # the same folder gave other figures here than in cli.py (as a plan file on Data sources did, a new user's test).
    from pages.shared import plan_folder_zip
    from territory.assignment import assign_accounts

    state = demo_state().move_regions(["US-NJ"], "NAE").move_regions(["US-CT", "US-DE"], "NAE")
    fresh = assign_accounts(state.plan, state.accounts, state.regions).accounts
    kept = dict(zip(state.result["account_id"], state.result["rep_id"], strict=True))
    assert sum(kept[a] != r for a, r in zip(fresh["account_id"], fresh["rep_id"], strict=True)) > 10  # (they differ)
    app = go(session(), "pages/plans.py")
    app.file_uploader(key="upload_folder").set_value(("fy27.zip", plan_folder_zip(state.plan), "application/zip"))
    app.run()
    assert not app.exception
    opened = app.session_state["edit_history"].current.result
    assert dict(zip(opened["account_id"], opened["rep_id"], strict=True)) == dict(
        zip(fresh["account_id"], fresh["rep_id"], strict=True)
    )


def test_a_zip_of_another_plan_opens_as_a_new_plan(data_dir):
    # Opened while plan #1 was open, another plan's folder was saved as a version of plan #1, under its own name.
    import io
    import zipfile
    from dataclasses import replace

    from pages.shared import plan_folder_zip

    app = go(session(), "pages/plans.py")
    other = replace(plan_of(app), name="FY28 draft from finance")
    app.file_uploader(key="upload_folder").set_value(("fy28.zip", plan_folder_zip(other), "application/zip")).run()
    assert not app.exception
    assert any("as a new plan (the open plan was" in s.value for s in app.success)
    save(app, "from finance")
    assert sorted(app.dataframe[0].value["Plan"]) == [1, 2]
    assert app.session_state["store_plan"] == (2, 1)
    # the open plan's own folder, edited elsewhere, is a new version of it
    edited = io.BytesIO()
    archive = zipfile.ZipFile(io.BytesIO(plan_folder_zip(plan_of(app))))
    with zipfile.ZipFile(edited, "w") as out:
        for name in archive.namelist():
            text = archive.read(name).decode()
            out.writestr(name, text + ("US-NJ,NAE\n" if name.endswith("alignment.csv") else ""))
    app.file_uploader(key="upload_folder").set_value(("again.zip", edited.getvalue(), "application/zip")).run()
    save(app, "NJ to the east")
    assert app.session_state["store_plan"] == (2, 2)


def test_a_plan_folder_from_an_older_version_is_merged_into_what_was_saved_since(data_dir, downloaded_zips):
    # A zip downloaded at version 1, opened after someone saved version 2, said "save it here to keep it as a
    # version": saved, it quietly undid version 2. plan.yaml now names the version it came from; the session works
    # from that version, so a save asks to merge, as when someone saves while you edit.
    import io
    import zipfile

    app = session()
    move(app, ["US-NE"], "USW")  # unsaved, on version 1
    go(app, "pages/plans.py")
    mine = downloaded_zips[-1]
    folder = zipfile.ZipFile(io.BytesIO(mine))
    head = folder.read(next(n for n in folder.namelist() if n.endswith("plan.yaml"))).decode()
    assert "based_on:\n  plan: 1\n  version: 1\n  saved_at: '20" in head
    other = session()  # meanwhile, another manager saves version 2
    move(other, ["US-KS"], "USW")
    save(other, "Kansas to US West", author="bo")
    app.file_uploader(key="upload_folder").set_value(("ne.zip", mine, "application/zip")).run()
    app.button(key="plans_confirm_yes").click().run()  # (this session's own unsaved edit is in the folder)
    said = " ".join(w.value for w in app.warning)
    assert "written from version 1 of plan #1. Plan #1 is now at version 2" in said
    assert "so that version 2 is not undone" in said
    # … and what the folder changes from its version (it said nothing of it, a review)
    assert "Its changes from version 1: Moved 1 region\\: Nebraska \\(US\\-NE\\) to US West." in said, said
    assert app.session_state["store_plan"] == (1, 1) and "from version 1 (draft) · **unsaved changes**" in texts(app)
    app.text_input(key="plan_author").input("ana").run()
    app.text_input(key="save_message").input("Nebraska to US West").run()
    app.button(key="save_plan").click().run()
    assert PlanStore().plan_record(1).current_version == 2  # not saved over version 2: asked first
    assert any("**bo** saved version 2 of this plan while you were editing" in w.value for w in app.warning)
    app.button(key="conflict_merge").click().run()
    assert not app.exception, [e.value for e in app.exception]
    saved = PlanStore().load(1)
    assert saved.version == 3 and {"US-NE", "US-KS"} <= set(saved.plan.territory("USW").region_ids)
    # the audit log has the folder's opening with the save, not the edit dropped before it (which the folder holds)
    logged = PlanStore().audit(1).query("actor == 'ana' and action == 'edit'")["detail"].tolist()
    assert logged == ["Opened ne.zip"], logged
    # the same folder opened at version 3 again: a folder from this database's version 1, still merged
    app.file_uploader(key="upload_folder").set_value(None).run()
    app.file_uploader(key="upload_folder").set_value(("ne.zip", mine, "application/zip")).run()
    assert "versions 2–3 are not undone" in " ".join(w.value for w in app.warning)


def test_a_plan_folder_from_another_database_is_not_taken_for_this_one_s_plan(data_dir, tmp_path):
    from dataclasses import replace

    from territory.plan_files import plan_folder_texts

    app = go(session(), "pages/plans.py")
    plan = plan_of(app)
    texts_ = plan_folder_texts(replace(plan, name=plan.name), based_on=(1, 1, "2020-01-01T00:00:00+00:00"))
    data = io_zip(texts_)
    app.file_uploader(key="upload_folder").set_value(("elsewhere.zip", data, "application/zip")).run()
    assert not app.exception and app.session_state["store_plan"] == (1, 1)
    assert not app.warning and any("save it here to keep it as a version" in s.value for s in app.success)


def io_zip(texts_: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in texts_.items():
            archive.writestr(f"plan/{name}", text)
    return buffer.getvalue()


def test_a_bad_plan_zip_is_refused_with_the_reason(data_dir):
    app = go(session(), "pages/plans.py")
    before = app.session_state["plan_json"]
    app.file_uploader(key="upload_folder").set_value(("plan.zip", b"not a zip", "application/zip")).run()
    assert any("is not a zip file" in e.value for e in app.error)
    assert app.session_state["plan_json"] == before
    # … under the uploader, in its column (at the page's top it was 3,000 px away, unseen: a new user's test)
    column = next(c for c in app.columns if any(u.key == "upload_folder" for u in c.get("file_uploader")))
    assert [e.value for e in column.error if "is not a zip file" in e.value]
    assert not [e for e in app.main.children.values() if getattr(e, "type", "") == "error"]
    # With unsaved changes, the file's problem is said at once, and nothing is asked (it asked to drop the changes
    # first, and only then said the file was no zip: a new user's test)
    app = session()
    move(app, ["US-NE"], "USW")
    go(app, "pages/plans.py")
    edited = app.session_state["plan_json"]
    app.file_uploader(key="upload_folder").set_value(("bad.zip", b"not a zip", "application/zip")).run()
    assert any("is not a zip file" in e.value for e in app.error)
    assert not any(b.label == "Drop my changes and go on" for b in app.button)
    assert app.session_state["plan_json"] == edited


def test_a_plan_zip_s_problems_are_named_by_the_zip_not_a_temporary_folder(data_dir):
    # "tmpw_fn5zg4/plan.yaml, rep 1 (R01), field 'capacity' …" named a folder the manager never saw.
    from territory.plan_files import plan_folder_texts

    app = go(session(), "pages/plans.py")
    texts_ = plan_folder_texts(plan_of(app))
    good = dict(texts_)
    texts_["plan.yaml"] = re.sub(r"capacity: \d+", "capacity: lots", texts_["plan.yaml"], count=2)  # (two problems)
    app.file_uploader(key="upload_folder").set_value(("badrep.zip", io_zip(texts_), "application/zip")).run()
    assert not app.exception, [e.value for e in app.exception]
    (error,) = [e.value.replace("\\", "") for e in app.error]
    assert "badrep.zip/plan.yaml: 2 problems" in error and "- badrep.zip/plan.yaml, rep 1" in error, error
    assert "field 'capacity'" in error and "tmp" not in error
    # a single problem too, in another file of the folder
    texts_ = {**good, "alignment.csv": good["alignment.csv"].replace(",NAE", ",NOPE", 1)}
    app.file_uploader(key="upload_folder").set_value(("badalign.zip", io_zip(texts_), "application/zip")).run()
    (error,) = [e.value.replace("\\", "") for e in app.error]
    assert "badalign.zip/alignment.csv, line " in error and "unknown territory 'NOPE'" in error, error


def test_a_territory_name_in_markdown_is_compared_as_written(data_dir):
    # The Compare table (st.table reads Markdown) showed a territory named like a link as a link, stars as italics.
    app = session()
    go(app, "pages/edit_map.py")
    app.selectbox(key="settings_territory").set_value("CAW").run()
    app.text_input(key="settings_name").input("Europe <b>West</b> *x* [y](http://evil.example)").run()
    app.button(key="twin_settings").click().run()
    save(app, "renamed")
    go(app, "pages/plans.py")
    (territories,) = [t.value for t in app.table]
    assert list(territories.index) == ["Europe \\<b\\>West\\</b\\> \\*x\\* \\[y\\]\\(http\\:\u200b//evil.example\\)"]
    assert not territories["Detail"].str.contains("](http", regex=False).any()
    assert territories["Detail"].str.contains("\\*x\\*", regex=False).all()


def test_an_accepted_rebalance_is_compared_with_the_plan_it_came_from(data_dir):
    # A draft made from a proposal has one version: it is compared with the plan version it came from, not itself.
    app = go(session(), "pages/rebalance.py")
    app.button(key="reb_run").click().run()
    app.text_input(key="reb_author").input("Tess").run()
    app.button(key="reb_accept").click().run()
    assert app.session_state["store_plan"] == (2, 1)
    go(app, "pages/plans.py")
    assert app.selectbox(key="compare_from").value == (1, 1)
    assert app.selectbox(key="compare_to").value == (2, 1)
    # the version first: a long draft name cut "· v1" off at 1280 px
    assert app.selectbox(key="compare_to").format_func((2, 1)).startswith("v1 · #2 ")
    assert int(metrics(app)["Regions moved"]) > 0
    # The territories' changes in a table that wraps its text (a data grid cut the details off at 1280 px)
    (territories,) = [t.value for t in app.table]
    assert territories.index.name == "Territory" and list(territories.columns) == ["Id", "Change", "Detail"]
    details = territories["Detail"].str.replace("\\", "")  # (shown as written: escaped for Markdown)
    assert details.str.contains("annual quota: ").any()
    # and says what each gained and lost, not only its quota
    assert details.str.contains(r"; regions: \d+ (?:gained|lost)").any()
    # the accounts changing hands are listed by name (account, territories, reps), as the CSV has them too
    moves = next(d.value for d in app.dataframe if "to_rep" in d.value.columns)
    assert list(moves.columns) == [
        "account_id",
        "name",
        "from_territory",
        "to_territory",
        "from_rep",
        "to_rep",
        "value",
    ]
    reps = {r.name for r in plan_of(app).reps} | {"Waiting list (no rep)"}
    assert set(moves["to_rep"]) <= reps and moves["name"].notna().all()
    # Back on the plan it came from (one version): compared with the draft made from it, not with itself.
    app.selectbox(key="plans_selected").set_value(1).run()
    assert (app.selectbox(key="compare_from").value, app.selectbox(key="compare_to").value) == ((1, 1), (2, 1))
    # the two plans' names, each with its plan's version ("in v1 … in v1" read as one version, a new user's test)
    infos = [i.value.replace("\\", "") for i in app.info]
    assert any(i.startswith("The plan's name differs: “Demo FY27 plan” in #1 v1, “") and i.endswith("” in #2 v1.")
               for i in infos), infos  # fmt: skip


def test_the_overview_says_which_stored_plan_is_open_and_its_status(data_dir):
    # A new session opens the active plan, else the newest draft: the overview says which, and that it is a draft.
    app = session()
    assert "(draft #1 v1)" in app.caption[0].value
    go(app, "pages/plans.py")
    app.text_input(key="plan_author").input("ana").run()
    app.button(key="plan_activate").click().run()
    assert "(active #1 v1)" in go(session(), "pages/overview.py").caption[0].value


def test_the_sidebar_names_the_open_plan_and_its_unsaved_changes(data_dir):
    # A new tab opens the active plan, else the newest draft, which another tab may have made: only the Overview
    # said which (a new user's test). The sidebar says it on every page (app.py draws it; AppTest runs app.py on a
    # session's first run only, so the notice itself is run here as the app runs it).
    def said(app):
        return " ".join(c.value for c in app.sidebar.caption if "Open:" in c.value)

    app = session()
    assert said(app) == ":material/folder_open: Open: **Demo FY27 plan** (draft #1, version 1)"
    move(app, ["US-TX"], "USW")
    save(app, "Texas to the west")
    app.text_input(key="plan_author").input("ana").run()
    app.button(key="plan_activate").click().run()
    assert said(session()).endswith("(active #1, version 2)")  # another tab

    def notice():
        from pages.shared import open_plan_notice

        open_plan_notice()

    stored = app.session_state["plan_json"]
    for plan_json, expected in [
        (stored, "Open: **Demo FY27 plan** (active #1, version 2)"),
        (stored.replace("Demo FY27 plan", "FY27 <b>west</b>"), "FY27 \\<b\\>west\\</b\\>"),
    ]:
        alone = AppTest.from_function(notice)
        alone.session_state["plan_json"] = plan_json
        alone.session_state["store_plan"] = (1, 2)
        alone.session_state["store_plan_json"] = stored
        alone.run()
        assert not alone.exception
        assert expected in said(alone)
        assert ("unsaved changes" in said(alone)) == (plan_json != stored)


def test_a_plan_is_renamed_and_a_draft_deleted_after_asking(data_dir):
    # A new user's test: no way to rename or delete a plan; restored drafts piled up under the same name.
    app = go(session(), "pages/plans.py")
    app.text_input(key="plan_author").input("ana").run()
    app.text_input(key="plan_rename_to").input("  FY27   east ").run()
    app.button(key="plan_rename").click().run()
    assert plan_of(app).name == "FY27 east" and any("Renamed to" in s.value for s in app.success)
    assert any("unsaved changes" in m.value for m in app.markdown)
    save(app, "Renamed")
    assert app.dataframe[0].value.set_index("Plan").loc[1, "Name"] == "FY27 east"
    # Compared, the rename is said (it was "The two versions hold the same plan", a new user's test).
    assert any("the plan's name differs: “Demo FY27 plan” in v1, “FY27 east” in v2" in i.value for i in app.info), [
        i.value for i in app.info
    ]
    app.button(key="version_restore").click().run()  # (plan #2, a draft restored from #1)
    app.selectbox(key="plans_selected").set_value(1).run()
    app.button(key="plan_delete").click().run()
    assert any("for good?" in w.value for w in app.warning)
    app.button(key="plan_delete_no").click().run()
    assert not any("for good?" in w.value for w in app.warning)
    app.button(key="plan_delete").click().run()
    app.button(key="plan_delete_yes").click().run()
    assert not app.exception
    assert any("Deleted plan #1, **FY27 east**" in s.value for s in app.success)
    assert list(app.dataframe[0].value["Plan"]) == [2]
    # The active plan cannot be deleted.
    app.button(key="plan_activate").click().run()
    assert app.button(key="plan_delete").disabled


def test_a_name_typed_under_rename_is_saved_with_the_version(data_dir):
    # A name typed, Rename not clicked, then Save version: "Nothing changed since version 1", and the name was
    # dropped (the fourteenth new user). It is applied with the save, and the plan picker shows it.
    app = go(session(), "pages/plans.py")
    move(app, ["US-NJ"], "NAE")
    go(app, "pages/plans.py")
    app.text_input(key="plan_author").input("ana").run()
    app.text_input(key="plan_rename_to").input("FY27 North America + EMEA").run()
    save(app, "New name")
    assert not any("Nothing changed" in i.value for i in app.info)
    assert any("with the name typed under Rename" in s.value for s in app.success), [s.value for s in app.success]
    assert app.dataframe[0].value.set_index("Plan").loc[1, "Name"] == "FY27 North America + EMEA"
    assert app.text_input(key="plan_rename_to").value == ""
    assert app.selectbox(key="plans_selected").format_func(1).startswith("#1 FY27 North America + EMEA")
    # Compared, the rename is said beside the regions moved (it was said only when nothing else changed)
    infos = [i.value.replace("\\", "") for i in app.info]  # (as read: without Markdown's escapes)
    assert any(i.startswith("The plan's name differs: “Demo FY27 plan” in v1, “FY27 North America + EMEA” in v2")
               for i in infos), infos  # fmt: skip


def test_their_rename_is_said_when_a_save_meets_theirs(data_dir):
    # Alex renamed the plan while Ana moved New Jersey: "Their changes: 0 regions moved, 0 territory changes, 0 rep
    # changes", and the merge took Alex's name unsaid (the fourteenth new user).
    ana, alex = session(), session()
    move(ana, ["US-NJ"], "NAE")
    go(alex, "pages/plans.py")
    alex.text_input(key="plan_rename_to").input("FY27 Final").run()
    save(alex, "Renamed", author="alex")
    save(ana, "NJ east", author="ana")
    said = next(m.value for m in ana.markdown if m.value.startswith("Their changes: "))
    assert said == ("Their changes: 0 regions moved, 0 territories changed, 0 rep changes; the plan renamed from “Demo "
                    "FY27 plan” to “FY27 Final”"), said  # fmt: skip


def test_saving_needs_a_name_not_the_login(data_dir):
    # The name box started with the computer's login ("root" on a server), so versions were saved as "root".
    app = session()
    move(app, ["US-NJ"], "NAE")
    go(app, "pages/plans.py")
    assert app.text_input(key="plan_author").value == ""
    app.text_input(key="save_message").input("NJ east").run()
    app.button(key="save_plan").click().run()
    assert any("Type your name in **Your name** first" in e.value for e in app.error)
    assert app.session_state["store_plan"] == (1, 1)  # nothing saved
    app.button(key="plan_activate").click().run()  # nor activated
    assert app.dataframe[0].value.set_index("Plan").loc[1, "Status"] == "draft"
    app.text_input(key="plan_author").input("ana").run()
    app.button(key="save_plan").click().run()
    assert app.session_state["store_plan"] == (1, 2)
    assert PlanStore(f"sqlite:///{data_dir}/territory.sqlite").load(1, 2).author == "ana"


def test_opening_a_version_over_unsaved_changes_asks_first(data_dir):
    app = session()
    stored = plan_of(app)
    move(app, ["US-KS"], "USW")
    edited = plan_of(app)
    go(app, "pages/plans.py")
    app.button(key="plan_open").click().run()
    assert plan_of(app) == edited  # nothing dropped yet: the page asks
    question = " ".join(w.value for w in app.warning)
    assert "Opening the latest version of plan #1" in question and "unsaved changes would be lost" in question
    app.button(key="plans_confirm_no").click().run()  # Cancel
    assert plan_of(app) == edited and not app.warning
    app.button(key="plan_open").click().run()
    app.button(key="plans_confirm_yes").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert plan_of(app) == stored and not app.warning
    assert any("Your unsaved changes were dropped." in s.value for s in app.success)


def test_restoring_over_unsaved_changes_asks_first_and_saving_ends_the_question(data_dir):
    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    move(app, ["US-KS"], "USW")
    edited = plan_of(app)
    go(app, "pages/plans.py")
    app.selectbox(key="plans_version").set_value(1).run()
    app.button(key="version_restore").click().run()
    assert plan_of(app) == edited and "Restoring version 1 of plan #1" in " ".join(w.value for w in app.warning)
    assert len(app.dataframe[0].value) == 1  # no draft made yet
    # Saved meanwhile: nothing to lose any more, the question goes away
    app.text_input(key="save_message").input("Kansas west").run()
    app.button(key="save_plan").click().run()
    assert not app.warning and "plans_confirm" not in app.session_state
    app.selectbox(key="plans_version").set_value(1).run()
    app.button(key="version_restore").click().run()  # no unsaved changes: restores at once
    assert any("as the new draft plan #2" in s.value for s in app.success)
    assert "US-NJ" not in plan_of(app).territory("NAE").region_ids


def test_a_question_about_another_version_is_dropped_and_an_answer_checks_the_name(data_dir):
    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    move(app, ["US-KS"], "USW")
    go(app, "pages/plans.py")
    app.selectbox(key="plans_version").set_value(1).run()
    app.button(key="version_restore").click().run()
    assert "Restoring version 1" in " ".join(w.value for w in app.warning)
    app.selectbox(key="plans_version").set_value(2).run()  # another version picked: the question goes
    assert not app.warning and "plans_confirm" not in app.session_state
    app.selectbox(key="plans_version").set_value(1).run()
    app.button(key="version_restore").click().run()
    app.text_input(key="plan_author").input("").run()  # the name cleared before answering
    app.button(key="plans_confirm_yes").click().run()
    assert any("Type your name" in e.value for e in app.error) and len(app.dataframe[0].value) == 1


def test_a_question_is_dropped_when_another_page_is_shown(data_dir):
    from dataclasses import replace

    from pages.shared import plan_folder_zip

    app = session()
    move(app, ["US-KS"], "USW")
    edited = plan_of(app)
    go(app, "pages/plans.py")
    app.button(key="plan_open").click().run()
    assert "Opening the latest version of plan #1" in " ".join(w.value for w in app.warning)
    # to the Overview through app.py, as the browser runs it (AppTest alone would run the page by itself)
    app._page_hash = app._finished_page_script_hash = ""
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert "plans_confirm" not in app.session_state
    go(app, "pages/plans.py")
    assert not app.warning and plan_of(app) == edited  # back on Plans: no question about a click long past
    # a question about the plan folder's file also empties the uploader, so that choosing the file asks again
    folder = ("fy28.zip", plan_folder_zip(replace(edited, name="FY28")), "application/zip")
    app.file_uploader(key="upload_folder").set_value(folder).run()
    assert "Opening fy28.zip" in " ".join(w.value for w in app.warning)
    app._page_hash = app._finished_page_script_hash = ""
    app.run()
    go(app, "pages/plans.py")
    assert not app.warning and plan_of(app) == edited
    assert [u.key for u in app.file_uploader] == ["upload_folder_1"] and not app.file_uploader[0].value


def test_a_plan_folder_question_cancelled_empties_the_uploader_and_removing_a_file_asks_nothing(data_dir):
    from dataclasses import replace

    from pages.shared import plan_folder_zip

    app = session()
    move(app, ["US-KS"], "USW")
    edited = plan_of(app)
    go(app, "pages/plans.py")
    folder = ("fy28.zip", plan_folder_zip(replace(edited, name="FY28")), "application/zip")
    app.file_uploader(key="upload_folder").set_value(folder).run()
    assert "Opening fy28.zip" in " ".join(w.value for w in app.warning)
    app.button(key="plans_confirm_no").click().run()  # Cancel: the file leaves the uploader
    assert not app.warning and plan_of(app) == edited
    assert [u.key for u in app.file_uploader] == ["upload_folder_1"] and not app.file_uploader[0].value
    app.file_uploader(key="upload_folder_1").set_value(folder).run()
    app.file_uploader(key="upload_folder_1").set_value(None).run()  # removed before answering: nothing to ask
    assert not app.warning and plan_of(app) == edited
    app.file_uploader(key="upload_folder_1").set_value(folder).run()
    app.button(key="plans_confirm_yes").click().run()
    assert plan_of(app).name == "FY28"


def test_a_plan_folder_is_read_once_from_the_check_to_the_opening(data_dir, monkeypatch):
    # The zip was read (unpacked, every file parsed) to check it before asking about unsaved changes, and again when
    # the answer came (a review): read once, kept for the opening; chosen again after opening, it is read again.
    from dataclasses import replace

    import pages.shared
    from pages.shared import plan_folder_zip

    reads = []
    real = pages.shared.read_plan_zip
    monkeypatch.setattr(pages.shared, "read_plan_zip", lambda *a, **k: reads.append(a[1]) or real(*a, **k))
    app = session()
    move(app, ["US-KS"], "USW")
    go(app, "pages/plans.py")
    folder = ("fy28.zip", plan_folder_zip(replace(plan_of(app), name="FY28")), "application/zip")
    app.file_uploader(key="upload_folder").set_value(folder).run()
    assert "Opening fy28.zip" in " ".join(w.value for w in app.warning)
    app.button(key="plans_confirm_yes").click().run()
    assert not app.exception and plan_of(app).name == "FY28"
    assert reads == ["fy28.zip"] and "plan_zip_read" not in app.session_state
    app.file_uploader(key="upload_folder").set_value(("fy29.zip", folder[1], "application/zip")).run()
    assert reads == ["fy28.zip", "fy29.zip"]


def test_versions_saved_with_different_accounts_compare_only_the_accounts_both_hold(data_dir):
    # v1 saved with the demo's accounts, then a five-account file loaded, a territory moved and v2 saved: the
    # comparison counted the demo's accounts as 4,477 changing hands (a new user's test).
    app = session()
    move(app, ["US-NE"], "USW")
    save(app, "Nebraska to US West, with the demo's accounts")
    load_accounts(app, "few.csv", b"id,name,lat,lon\nF1,One,40.7,-74.0\nF2,Two,34.05,-118.24\nF3,Three,41.88,-87.63\n")
    move(app, ["US-KS"], "USW")
    save(app, "Kansas to US West")
    go(app, "pages/plans.py")
    said = " ".join(w.value for w in app.warning)
    assert "The two versions were saved with different accounts" in said, said
    assert "the 0 both hold" in said and "v3's 3" in said, said
    assert metrics(app)["Accounts changing"] == "0"
    assert metrics(app)["Regions moved"] == "1"


def test_the_picked_versions_message_is_shown_whole(data_dir):
    # A long message (a proposal's description) was cut at the versions table's edge (a new user's test): the
    # version picked below the table has it whole, escaped.
    app = session()
    move(app, ["US-KS"], "USW")
    long = (
        "Kansas to US West, " + "and a reason that goes on well past the table's edge at 1280 px, " * 3 + "*not bold*"
    )
    save(app, long)
    captions = [c.value for c in app.caption if c.value.startswith("Version 2:")]
    assert len(captions) == 1 and "well past the table's edge" in captions[0]
    assert captions[0].endswith("\\*not bold\\*")  # (Markdown escaped: shown as typed)


def test_crm_files_say_which_accounts_are_left_out_and_list_them(data_dir):
    # A rep who left (inactive, as a rep_leaves rebalance saves the plan): their accounts wait for a rep, so they are
    # not in the CRM files and keep that rep in the CRM. The page says so, and gives them as a file.
    app = session()
    raw = json.loads(app.session_state["plan_json"])
    next(r for r in raw["reps"] if r["rep_id"] == "R08")["active"] = False
    app.session_state["plan_json"] = json.dumps(plan_from_dict(raw).to_dict())
    go(app, "pages/plans.py")
    said = next(c.value for c in app.caption if "not in the HubSpot file" in c.value).replace("\\", "")  # (escaped)
    count = re.search(r"([\d,]+) accounts are not in the HubSpot file: ([\d,]+) waiting for a rep", said)
    assert count, said
    assert "in HubSpot they keep the owner they have now" in said
    salesforce = next(c.value for c in app.caption if "not in the Salesforce file" in c.value)
    assert "Luke Anderson" in salesforce and "has no Salesforce user" in salesforce
    labels = [b.label for b in app.get("download_button")]
    assert f"Accounts not in the HubSpot file ({count.group(1)}, CSV)" in labels
    assert any(label.startswith("Accounts not in the Salesforce file (") for label in labels)


def test_owners_of_a_crm_export_are_read_as_reps_and_the_others_named(data_dir):
    # Salesforce user ids (18 or 15 characters), HubSpot emails, names: the rep that owns the account keeps it. An
    # owner id no rep has is named, with how to fix it; given to a rep, that rep becomes the accounts' owner.
    app = session()
    rows = [("S1", "0058a0000000001AAA"), ("S2", "0058a0000000001"), ("S3", "MARCUS.JOHNSON@example.com"),
            ("S4", "sarah chen"), ("S5", "0058a0000000099AAA"), ("S6", "0058a0000000099AAA")]  # fmt: skip
    data = "Account ID,Billing State/Province,Billing Country,Industry,Owner ID\n" + "".join(
        f"{i},NY,US,fintech,{owner}\n" for i, owner in rows
    )
    load_accounts(app, "export.csv", data.encode())
    said = next(w.value for w in app.warning if "matches no rep" in w.value).replace("\\", "")
    assert said.startswith("export.csv: 2 accounts have an owner that matches no rep") and "(2)" in said
    assert "'0058a0000000099AAA'" in said and "to the rep on the Reps page" in said

    def kept_by_owner():
        """Accounts the Accounts page's results give to their owner (Rep by: owner)."""
        return int(next(d.value for d in app.dataframe if "rule" in d.value.columns)["rule"].eq("owner").sum())

    assert kept_by_owner() == 4
    # The Salesforce user id given to Marcus Johnson (R02, in the accounts' territory): no warning, his accounts.
    raw = plan_of(app).to_dict()
    next(r for r in raw["reps"] if r["rep_id"] == "R02")["salesforce_user_id"] = "0058a0000000099"
    go(app, "pages/data_sources.py")
    app.file_uploader(key="plan_upload").set_value(("plan.json", json.dumps(raw).encode(), "application/json")).run()
    next(b for b in app.button if b.label == "Use this plan").click().run()
    assert not app.exception and not any("matches no rep" in w.value for w in app.warning)
    go(app, "pages/accounts.py")
    assert kept_by_owner() == 6


def _folder_zip(plan, alignment_lines: str = "", prefix: bytes = b"") -> bytes:
    """The plan's folder zip with lines added to alignment.csv (as an edit outside would) and ``prefix`` before it."""
    import io
    import zipfile

    from pages.shared import plan_folder_zip

    archive, edited = zipfile.ZipFile(io.BytesIO(plan_folder_zip(plan))), io.BytesIO()
    with zipfile.ZipFile(edited, "w") as out:
        for name in archive.namelist():
            data = archive.read(name)
            out.writestr(name, prefix + data + alignment_lines.encode() if name.endswith("alignment.csv") else data)
    return edited.getvalue()


def test_a_plan_zip_with_a_byte_order_mark_opens(data_dir):
    # It was refused: "alignment.csv: missing column(s) region_id", though the header was right.
    app = go(session(), "pages/plans.py")
    data = _folder_zip(plan_of(app), "US-NJ,NAE\n", prefix=b"\xef\xbb\xbf")
    app.file_uploader(key="upload_folder").set_value(("fy_bom.zip", data, "application/zip")).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert "US-NJ" in plan_of(app).territory("NAE").region_ids


def _refused_zip(name: str, alignment: str) -> str:
    """The errors shown for a plan folder zip with these alignment.csv lines, which must leave the plan as it was."""
    app = go(session(), "pages/plans.py")
    before = app.session_state["plan_json"]
    data = _folder_zip(plan_of(app), alignment)
    app.file_uploader(key="upload_folder").set_value((name, data, "application/zip")).run()
    assert not app.exception
    assert app.session_state["plan_json"] == before
    return " ".join(e.value for e in app.error).replace("\\", "")


def test_a_plan_zip_with_a_region_for_two_territories_alike_is_opened_and_said(data_dir):
    # It was refused, while the plan file with the same claims loaded: a folder cli.py export-plan wrote could not be
    # opened (a review). Opened as the plan file is (the lower id takes the accounts, flagged), and said.
    app = go(session(), "pages/plans.py")
    data = _folder_zip(plan_of(app), "US-CA,USS\n")
    app.file_uploader(key="upload_folder").set_value(("fy_dupregion.zip", data, "application/zip")).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    warned = " ".join(w.value for w in app.warning).replace("\\", "")
    assert "fy_dupregion.zip: alignment.csv, line " in warned and "region US-CA is listed for two territories" in warned
    assert "US West (USW)" in warned and "US South (USS)" in warned and "delete one of the two lines" in warned
    assert "US-CA" in plan_of(app).territory("USS").region_ids and "US-CA" in plan_of(app).territory("USW").region_ids


def test_a_plan_zip_s_alignment_problems_are_said_all_at_once(data_dir):
    # alignment.csv's problems came one at a time: fix one, upload again, see the next.
    shown = _refused_zip("fy_align.zip", ",NAE\nUS-TX,NOPE\nUS-OR,\n")
    assert shown.startswith("**Could not use fy_align.zip.** fy_align.zip/alignment.csv: 3 problems; fix them")
    assert "tmp" not in shown
    assert shown.count("\n- fy_align.zip/alignment.csv, line ") == 3, shown
    for said in ("column 'region_id': empty region id", "column 'territory_id': unknown territory 'NOPE'",
                 "column 'territory_id': empty territory id"):  # fmt: skip
        assert said in shown, shown


def test_a_plan_zip_s_skipped_assignments_are_said(data_dir):
    # Lines of assignments.csv naming a rep the plan does not have, or an account again, were dropped unsaid.
    from territory.plan_files import plan_folder_texts

    app = go(session(), "pages/plans.py")
    texts_ = plan_folder_texts(plan_of(app))
    texts_["assignments.csv"] = (
        "account_id,territory_id,rep_id\nACC-00001,NAE,R99\nACC-00002,NAE,R01\nACC-00002,NAE,R01\nACC-99999,NAE,R01\n"
    )
    app.file_uploader(key="upload_folder").set_value(("fy_reps.zip", io_zip(texts_), "application/zip")).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    warned = [w.value.replace("\\", "") for w in app.warning]
    assert any(
        w.startswith("fy_reps.zip: assignments.csv, line 2, column 'rep_id': rep 'R99' is not a rep of plan.yaml")
        and "so 1 account (ACC-00001) was skipped and is assigned afresh" in w
        for w in warned
    ), warned
    assert any("ACC-00002 (lines 3 and 4); the first line of each was read" in w for w in warned), warned
    # An account not among those loaded was dropped unsaid too (a new user's test)
    assert any(w.startswith("fy_reps.zip: assignments.csv names 1 account that is not among the accounts loaded "
                            "(ACC-99999): its line is not used") for w in warned), warned  # fmt: skip
    # An account with two reps refuses the zip, said with both lines.
    texts_["assignments.csv"] = "account_id,territory_id,rep_id\nACC-00001,NAE,R01\nACC-00001,NAE,R02\n"
    app.file_uploader(key="upload_folder").set_value(("fy_two.zip", io_zip(texts_), "application/zip")).run()
    shown = " ".join(e.value for e in app.error).replace("\\", "")
    assert (
        "fy_two.zip/assignments.csv, line 3, column 'rep_id': account ACC-00001 is listed with different reps: R01 (line 2), R02 (line 3)"
        in shown
    ), shown


def test_a_plan_zip_whose_plan_yaml_has_several_problems_is_refused_saying_every_one(data_dir):
    import io
    import zipfile

    import yaml

    app = go(session(), "pages/plans.py")
    before = app.session_state["plan_json"]
    archive, edited = zipfile.ZipFile(io.BytesIO(_folder_zip(plan_of(app)))), io.BytesIO()
    with zipfile.ZipFile(edited, "w") as out:
        for name in archive.namelist():
            data = archive.read(name)
            if name.endswith("plan.yaml"):
                head = yaml.safe_load(data)
                head["reps"][0]["capacity"] = "forty"
                head["reps"][1]["active"] = "yes"
                head["territories"][0]["color"] = "blue"
                data = yaml.safe_dump(head).encode()
            out.writestr(name, data)
    app.file_uploader(key="upload_folder").set_value(("fy27.zip", edited.getvalue(), "application/zip")).run()
    assert not app.exception
    shown = " ".join(e.value for e in app.error).replace("\\", "")
    assert shown.startswith("**Could not use fy27.zip.** ") and "3 problems; fix them all" in shown
    assert shown.count("\n- ") == 3
    for said in ("territory 1 (NAE), field 'color'", "rep 1 (R01), field 'capacity'", "rep 2 (R02), field 'active'"):
        assert said in shown
    assert app.session_state["plan_json"] == before


def test_a_plan_zip_s_overlay_and_unknown_regions_are_said(data_dir):
    # Both opened without a word: New York's other accounts went to US West, US-ZZ's to no territory.
    app = go(session(), "pages/plans.py")
    data = _folder_zip(plan_of(app), "US-NY,USW\nUS-ZZ,USW\n")
    app.file_uploader(key="upload_folder").set_value(("fy.zip", data, "application/zip")).run()
    assert not app.exception
    assert any(s.value.replace("\\", "").startswith("Opened") for s in app.success)
    warned = [w.value.replace("\\", "") for w in app.warning]
    assert any(w.startswith("fy.zip: alignment.csv lists 1 region for both North America East (NAE)") for w in warned)
    assert any("fy.zip: the plan names regions the bundled boundaries do not have: US-ZZ" in w for w in warned)
    assert "US-NY" in plan_of(app).territory("USW").region_ids


def test_the_version_picked_stays_picked_after_another_page(data_dir):
    # (the box went back to the newest version after a visit to Reps, and "Restore as a new draft" then restored
    # another version than the one just opened: a new user's test)
    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    app.selectbox(key="plans_version").set_value(1).run()
    go(app, "pages/reps.py")
    go(app, "pages/plans.py")
    assert app.selectbox(key="plans_version").value == 1
    move(app, ["US-DE"], "NAE")
    save(app, "DE east")  # a version saved: the newest again
    assert app.selectbox(key="plans_version").value == 3


def test_compare_defaults_to_the_open_plans_previous_and_latest_versions(data_dir):
    # With a draft made from the plan (an accepted rebalance) picked in the Plan box, Compare defaulted to that
    # draft and where it came from ("#1 v2 → #2 v1"), though the open plan (#1) had two versions to compare.
    app = session()
    move(app, ["US-NJ"], "NAE")
    save(app, "NJ east")
    app = go(app, "pages/rebalance.py")
    app.button(key="reb_run").click().run()
    app.text_input(key="reb_author").input("Tess").run()
    app.button(key="reb_accept").click().run()
    go(app, "pages/plans.py")
    app.selectbox(key="plans_selected").set_value(1).run()
    app.button(key="plan_open").click().run()
    assert app.session_state["store_plan"] == (1, 2)
    app.selectbox(key="plans_selected").set_value(2).run()
    assert (app.selectbox(key="compare_from").value, app.selectbox(key="compare_to").value) == ((1, 1), (1, 2))


def test_downloads_are_named_with_the_version_open(monkeypatch):
    # The Salesforce files of v1 and v2 of one plan (2,150 and 2,322 rows) had one name, and the second overwrote
    # the first (the tenth new user's test).
    from pages import shared
    from territory import plan_from_dict

    plan = plan_from_dict({"name": "Demo FY27 plan — rebalanced (new territory Rockies) 2026-12-03 23:42:06",
                           "territories": [], "reps": []})  # fmt: skip
    monkeypatch.setattr(shared, "stored_plan", lambda: None)
    assert shared.download_stem(plan) == shared.plan_slug(plan)  # (a plan not saved: no version to name)
    monkeypatch.setattr(shared, "stored_plan", lambda: (3, 2))
    monkeypatch.setattr(shared, "unsaved_changes", lambda: False)
    assert shared.download_stem(plan) == "demo-fy27-plan-rebalanced-new-territory-rockies-2026-12-03-2342-v2"
    monkeypatch.setattr(shared, "unsaved_changes", lambda: True)
    assert shared.download_stem(plan).endswith("-2026-12-03-2342-v2-edited")


def test_the_last_edit_says_it_is_saved_once_it_is(data_dir):
    # After saving, the Edit page's "Balance after the last edit" still read the last step's words as if unsaved
    # ("Reopened the unsaved changes kept before the reload", the tenth new user's test): it says the version.
    app = session()
    move(app, ["US-OK"], "USC")
    said = [c.value for c in app.caption if "Oklahoma" in str(c.value)]
    assert said and not any("saved in version" in c for c in said), said
    save(app, "Oklahoma to US Central")
    go(app, "pages/edit_map.py")
    said = [c.value for c in app.caption if "Oklahoma" in str(c.value)]
    assert any(c.endswith(" · saved in version 2") for c in said), said
