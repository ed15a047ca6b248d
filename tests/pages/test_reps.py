"""Reps page: what a roster change leaves waiting for a rep, and the step it makes in the plan's history."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def _apply(app, name, change):
    app.run()
    app.switch_page("pages/reps.py").run()
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
    per_rep = app.dataframe[-1].value
    assert "Waiting for a rep" == per_rep.index[-1]
    assert per_rep.loc["Sarah Chen", "lost"] == moved
    assert per_rep["gained"].sum() == per_rep["lost"].sum() == moved
    assert per_rep.loc["Waiting for a rep", "gained"] == moved - per_rep.drop(index="Waiting for a rep")["gained"].sum()
    assert per_rep.loc["Waiting for a rep", "gained"] > 0


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
    app.switch_page("pages/edit_map.py").run()
    assert not app.exception
    shown = " ".join(str(m.value) for m in [*app.markdown, *app.caption]).replace("\\", "")
    assert "Reps: Sarah Chen capacity 180 → 50" in shown
