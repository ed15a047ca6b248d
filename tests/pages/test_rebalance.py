"""AppTest flow of the Rebalance page: propose, read the diff, accept as a new draft."""

from __future__ import annotations

import json
import math
import re
from collections import Counter

import pandas as pd
import pytest

from territory import load_plan
from tests.conftest import DEMO_PLAN, app_session

# The name of an accepted proposal: the plan's, then when it was accepted (two drafts are told apart).
REBALANCED = r"Demo FY27 plan — (rebalanced|.+ leaves), \d{1,2} [A-Z][a-z]{2} \d{2}:\d{2} UTC"


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    app = app_session("pages/rebalance.py")
    app.session_state["author_name"] = "Tess"  # (who accepts: required, as on the Plans page)
    return app


def assert_shows_saved_reps(session, app, saved) -> None:
    """The Accounts page of ``session`` shows each account with the rep saved for it (``saved``: account → rep)."""
    table = session.dataframe[0].value.set_index("account_id")
    reps = {r.name: r.rep_id for r in app.session_state["edit_history"].current.plan.reps}
    shown = table["rep"].map(lambda name: reps.get(name) if isinstance(name, str) else None)
    both = saved.index.intersection(shown.index)
    assert len(both) > 4000
    assert (shown[both].astype(object).fillna("-") == saved[both].astype(object).fillna("-")).all()


def figures_moved(figures: dict) -> int:
    return int(figures["Accounts changing"].replace(",", ""))


def proposal_table(app):
    """The proposal's territories table (before and after), wherever the page puts it."""
    return next(d for d in app.dataframe if "within" in d.value.columns)


def moves_shown(app):
    """The proposal's table of regions moved."""
    return next(d for d in app.dataframe if {"region", "from_name", "to_name"} <= set(d.value.columns))


def new_rep_joins(app, name: str, home: str) -> None:
    """Propose a new rep's territory ``name`` grown from ``home``, with no exception."""
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    app.text_input(key="reb_new_name").set_value(name).run()
    app.selectbox(key="reb_home").set_value(home).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]


def propose_and_stop(app, monkeypatch) -> list[float]:
    """Propose, and stop the search at its first look at the clock: how far it was each time it looked.

    A click on "Stop the search" reaches the search as Streamlit's stop of the run, raised by the progress bar
    (simulated: AppTest cannot click during a run).
    """
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    shown = DeltaGenerator.progress
    looks = []

    def progress(self, value, text=None):
        if text == "Searching…" and value > 0:
            looks.append(value)
            raise StopException()
        return shown(self, value, text=text)

    monkeypatch.setattr(DeltaGenerator, "progress", progress)
    app.button(key="reb_run").click().run()
    monkeypatch.undo()
    return looks


def drawn_anew_on_counties(app, k: int) -> None:
    """Propose ``k`` territories drawn anew on the counties, and check the page ran."""
    app.radio(key="reb_scenario").set_value("territories").run()
    app.radio(key="reb_level").set_value("county").run()
    app.number_input(key="reb_k").set_value(k).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]


def test_propose_then_accept_as_a_new_draft(app):
    assert app.checkbox(key="reb_capacity").value  # sized by the reps' capacity by default
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    # (said in view wherever the page is scrolled: the bar and the stop button come below the Propose button)
    # Once the search ends, the same toast says so ("Searching for up to 10 s" stayed over a short search's result)
    (toast,) = app.toast
    assert re.fullmatch(r"Searched for \d\.\d s: the proposal follows under the Propose button\.", toast.value)
    assert toast.proto.duration == 2  # (gone with the search: it stayed over the result, the twelfth new user)
    figures = {m.label: m.value for m in app.metric}
    # US South starts in two pieces (Texas and Louisiana, apart across unheld Arkansas and Mississippi): kept so,
    # said so, and no territory is split further.
    assert figures["In one piece"] == "as before"
    assert any(i.value.startswith("US South is in 2 pieces") for i in app.info)
    assert int(figures["Regions moved"]) > 0
    # The headline counts every territory, kept ones too: the largest deviation is US Central's value (+70%, kept:
    # it takes other accounts than its neighbours), named with its metric under the figure. It read 5.1% (the
    # rebalanced territories only) while US Central was at +70% on the same page.
    largest = next(m for m in app.metric if m.label == "Largest deviation")
    rows = app.session_state["reb_proposal"][0].report.territories
    assert largest.value == f"{rows['value_deviation'].max():+.1%}" and largest.value.startswith("+68")
    assert largest.delta == "US Central, value, kept as it is"
    assert "Of the territories this proposal could change, the farthest is " in largest.help
    assert "It is kept as it is (the notes below say which and why)" in largest.help  # (it takes no region here)
    # Within tolerance counts only territories within it; those off only by what their regions force are said apart
    within = next(m for m in app.metric if m.label == "Within tolerance")
    verdicts = proposal_table(app).value["within"]
    assert within.value == f"{int(verdicts.eq('yes').sum())} of {len(verdicts)}"
    counted = {word: int(n) for n, word in re.findall(r"\+(\d+) (near|best)", within.delta or "")}
    assert counted.get("best", 0) == verdicts.eq("best possible").sum(), within.delta
    assert counted.get("near", 0) == verdicts.str.startswith("near ").sum(), within.delta
    # Europe West cannot trade regions with the American territories: kept as it is, and said so.
    assert any(i.value.startswith("Europe West: no border within reach") and "cannot change it; it is kept as it is"
               in i.value for i in app.info)  # fmt: skip
    # North America East (fintech, healthcare) and US Central (enterprise, mid-market) take other accounts than
    # the territories they touch; US South touches no territory that takes every account: all kept, and said so.
    assert any(
        i.value.startswith("North America East, US Central, US South: no touching territory takes the same accounts")
        for i in app.info
    )
    # Nobody is left waiting for a rep, and no account falls out of the territories; US Central, far over its
    # share, cannot come down in this proposal: said, with what would help.
    assert [w.value for w in app.warning] == [
        "This proposal cannot bring US Central (value +68.2%) down to its share. To change that: tick “One-way trades” to "
        "let a territory with a focus give regions to touching territories that take every account it takes; or "
        "widen its focus (Edit page, Territory settings); or give it reps (Reps page), so that its share grows."
    ]
    moves = moves_shown(app).value
    american = ~moves["region"].isin(["United Kingdom", "Germany", "France", "Netherlands"])
    assert not (american & moves["to_name"].eq("Europe West")).any()
    assert not (~american & moves["to_name"].ne("Europe West")).any()
    # The handoffs add up: reps in US West take accounts from the waiting list with the capacity Idaho freed, shown
    # as the row without a rep, and explained.
    handoffs = next(d.value for d in app.dataframe if "accounts_gained" in d.value.columns)
    # (every account changing hands here changes rep: the headline count is the handoffs' total)
    assert handoffs["accounts_gained"].sum() == handoffs["accounts_lost"].sum() == figures_moved(figures)
    assert handoffs["rep_id"].iloc[-1] == "—" and handoffs["accounts_lost"].iloc[-1] > 0
    # Account by account, before accepting (only the Plans page's Compare had the list, once accepted: the
    # fifteenth new user), with the accounts' names, as Compare writes it
    from pages.shared import named_account_moves

    diff = app.session_state["reb_proposal"][3]
    labels = [b.label for b in app.get("download_button")]
    assert f"Download the {len(diff.accounts):,} accounts changing (CSV)" in labels, labels
    from tests.conftest import demo_state

    named = named_account_moves(diff.accounts, demo_state().accounts)
    assert list(named.columns[:2]) == ["account_id", "name"] and named["name"].notna().all()
    assert named["account_id"].is_unique and len(named) == len(diff.accounts)
    assert any(c.value.startswith("The row without a rep is the waiting list") for c in app.caption)
    assert any("2 of 6 territories rebalanced; the other 4 are kept" in m.value for m in app.markdown)
    # how it was searched: the searches run side by side (one per core) and whether proposing again repeats it
    report = app.session_state["reb_proposal"][0].report
    said = [c.value for c in app.caption if "proposing again" in c.value]
    start = (
        f"{report.searches} searches ran side by side (the best plan is shown) and"
        if report.searches > 1
        else ("The search")
    )
    assert len(said) == 1 and said[0].startswith(start)
    assert ("may give a different plan (the clock, not the settings, ended it)" in said[0]) == report.cut_short
    proposed = app.session_state["reb_proposal"][1].result.set_index("account_id")["rep_id"]
    app.button(key="reb_accept").click().run()
    assert any("Saved as the new draft plan #2" in s.value for s in app.success)
    assert app.session_state["store_plan"] == (2, 1)
    # the dashboard goes on from the proposal as assigned (each account with the rep it kept), not a fresh run
    opened = app.session_state["edit_history"].current
    assert re.fullmatch(REBALANCED, opened.plan.name)
    assert opened.result.set_index("account_id")["rep_id"].equals(proposed)
    app.switch_page("pages/plans.py").run()
    plans = app.dataframe[0].value
    assert any(re.fullmatch(REBALANCED, name) for name in plans["Name"])


def test_after_accepting_the_previous_plan_is_one_click_away(app):
    app.button(key="reb_run").click().run()
    app.button(key="reb_accept").click().run()
    assert app.session_state["store_plan"] == (2, 1)
    # The way back stays while the accepted draft is open, also after a visit to another page.
    app.switch_page("pages/overview.py").run()
    app.switch_page("pages/rebalance.py").run()
    assert not app.exception, [e.value for e in app.exception]
    app.button(key="reb_back").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state["store_plan"] == (1, 1)
    assert any(s.value == "Reopened plan #1 v1." for s in app.success)
    assert json.loads(app.session_state["plan_json"])["name"] == "Demo FY27 plan"
    assert not [b for b in app.button if b.key == "reb_back"]  # back where it came from: no way back to offer


def test_a_proposal_far_out_of_tolerance_says_who_and_what_to_do(app):
    # US West goes: only Canada West (one rep) touches it and takes the same accounts, so it takes all of it.
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("territory:USW").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    # Every territory counts in the headline, kept ones too: none is within here.
    assert {m.label: m.value for m in app.metric}["Within tolerance"] == "0 of 5"
    assert any(w.value.startswith("Canada West would carry 3.8× its share") and "Reps page" in w.value
               for w in app.warning)  # fmt: skip
    # No territory left can trade (Canada West touches none that takes the same accounts): every one is kept, as
    # the notes say, and the table marks them so.
    table = proposal_table(app).value.set_index("territory")
    # (kept, each judged on the tolerance itself, as the headline counts them: none within)
    # ("took, kept" for Canada West, which took all of US West: "kept" alone stood beside a territory that grew, a
    # review)
    assert table.loc["Canada West", "locked"] == "took, kept", table["locked"].to_dict()
    assert table["locked"].drop(index="Canada West").eq("kept").all() and table["within"].eq("no").all()
    assert any("No territory could be rebalanced" in m.value for m in app.markdown)
    # US West has no row: what it holds now is said under the table (every row's "now" read under its share, and
    # where the excess sat was not said: the thirteenth new user)
    assert "US West" not in table.index
    impact = app.session_state["reb_proposal"][2]
    held, waiting = impact.territories.set_index("territory_id").loc["USW", ["accounts_before", "unserved_before"]]
    (said,) = [c.value for c in app.caption if c.value.startswith("US West goes, so it has no row")]
    assert held > 0 and said.startswith(f"US West goes, so it has no row: now its reps carry {int(held):,} accounts, ")
    # (and those waiting there, which moved too: "it holds 300 accounts" while 319 moved, the fifteenth new user)
    assert waiting > 0 and f", and {int(waiting):,} more accounts wait for a rep there: " in said, said
    # Only Canada West took regions of US West: the note says so of it alone (it said so of all four).
    assert any(i.value.startswith("Canada West, North America East, US Central, US South: no touching territory")
               and "kept as they are (Canada West after taking regions of the territory that goes)" in i.value
               for i in app.info)  # fmt: skip


def test_a_rep_leaves_and_a_bad_request_says_why(app):
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    box = app.selectbox(key="reb_leaving")
    # The manager picks who leaves: a rep (named with their territory), or a whole territory with its reps.
    assert box.format_func("R10") == "Luke Anderson — US Central (only rep)"
    assert box.format_func("R08") == "Tom Becker — US South"
    assert box.format_func("territory:USS") == "All of US South (3 reps: the territory goes)"
    # by territory, then by name; whole territories last
    assert box.options[:3] == ["Mei Tanaka — Canada West (only rep)", "Elena Rossi — Europe West",
                               "Jonas Weber — Europe West"]  # fmt: skip
    assert box.options[-1] == "All of US West (3 reps: the territory goes)"
    box.set_value("R10").run()
    # said in full under the box too (the box cut it at 1280 px)
    assert "Luke Anderson is the only rep of US Central: it goes to its neighbours." in [
        c.value.replace("\\", "")
        for c in app.caption  # (markdown escapes taken out: names are escaped)
    ]
    app.button(key="reb_run").click().run()
    text = " ".join(m.value for m in app.markdown).replace("\\", "")  # (markdown escapes taken out)
    assert "Luke Anderson leaves (set inactive) and was the only rep of US Central, so it goes" in text
    figures = {m.label: m.value for m in app.metric}
    # US Central's regions go to the territories that take all its accounts; Canada West (one rep) gets far more
    # than its share and none can trade it away (US South is kept: no territory like it touches it): not within.
    within, total = map(int, figures["Within tolerance"].split(" of "))
    assert total == 5 and within < total and abs(float(figures["Largest deviation"].strip("+%"))) > 5
    table = proposal_table(app).value
    assert any(c.endswith("_before") for c in table.columns)
    assert not app.error  # no account falls out of every territory
    app.selectbox(key="reb_leaving").set_value("territory:USS").run()
    app.button(key="reb_run").click().run()
    # Texas and Louisiana touch no other territory: left without one, and the page says where to fix it; the
    # accounts that fall out of every territory are said first, before any balance figure.
    lost = app.session_state["reb_proposal"][2].team["accounts_lost"]
    assert lost > 500 and app.error[0].value.startswith(f"{lost:,} accounts worth $")
    assert "\n\nLeft without a territory: Louisiana, Texas." in app.error[0].value  # (in the same box)
    assert "do not count them" in app.error[0].value
    # and where: in the two states no territory takes over, and in states handed to US Central, which refuses
    # small-business accounts
    found = re.search(r": ([\d,]+) in Louisiana, Texas, which no territory takes over; ([\d,]+) in regions now held by "
                      r"US Central, which does not take them", app.error[0].value)  # fmt: skip
    assert found and sum(int(g.replace(",", "")) for g in found.groups()) == lost
    # US Central, kept and far over its share, is the largest deviation (it was left out of it, in a caption)
    largest = next(m for m in app.metric if m.label == "Largest deviation")
    assert largest.delta.startswith("US Central, ")
    # its help says it took the regions and is kept, not that "a better plan could bring it closer" (the warning
    # says none can here)
    assert "It took regions of the territory that goes" in largest.help and "A better plan" not in largest.help
    # a new rep's territory needs a name: the button waits for it, and says so
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    button = app.button(key="reb_run")
    assert button.disabled and button.proto.help == "Name the new territory first"
    app.text_input(key="reb_new_name").set_value("Rockies").run()
    assert not app.button(key="reb_run").disabled


def test_balance_on_population_at_county_level(app):
    app.radio(key="reb_level").set_value("county").run()
    app.pills(key="reb_metrics").set_value(["workload", "population"]).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    table = proposal_table(app).value
    assert "population_deviation" in table.columns, list(table.columns)
    # every demo region has people on record (US counties, Canadian provinces, European countries)
    assert not any("No population on record" in i.value for i in app.info)
    # Europe West's four whole countries beside counties and provinces: every North American territory far under
    # the team's mean, said with how they are judged (read as a broken plan, a review)
    (said,) = [i.value.replace("\\", "") for i in app.info if "Whole countries" in i.value]
    assert said.startswith("Whole countries (Germany, ") and "of the population balanced here" in said, said
    assert table.loc[table["territory"].eq("Canada West"), "population_deviation"].abs().lt(0.99).all()
    # the headline names a metric by its first word: "population (potential), …" hid the territory at 1280 px
    largest = next(m for m in app.metric if m.label == "Largest deviation")
    metric = re.sub(r", kept (as it is|after taking regions)$", "", largest.delta).split(", ")[-1]
    assert "(" not in largest.delta and metric in {"workload", "value", "population"}
    # At county level US South starts in pieces (Texas and Louisiana lie apart from the rest across unheld
    # Arkansas and Mississippi); the page says which regions, and no territory ends in more pieces than that.
    # (US South is kept as it is, and the only one in pieces: the note says so, and the table has no Pieces column.)
    assert "parts" not in table.columns
    pieces = app.session_state["reb_proposal"][0].report.territories.set_index("territory_id")["parts"]
    assert pieces[pieces > 1].index.tolist() == ["USS"]
    shown = [i.value.replace("\\", "") for i in app.info]  # (markdown escapes taken out)
    assert any(s.startswith("US South is in 2 pieces: 318 counties of Louisiana and Texas apart from") for s in shown)


def test_advice_fits_the_level(app):
    # Three territories drawn anew: Europe and Texas with Louisiana (apart from the rest) take one each, so the
    # third carries 2.4 shares, at either level. The advice offers smaller regions only at state level (it told a
    # manager on counties to "work with US counties").
    app.radio(key="reb_scenario").set_value("territories").run()
    app.number_input(key="reb_k").set_value(3).run()
    for level, offered in (("state", True), ("county", False)):
        app.radio(key="reb_level").set_value(level).run()
        app.button(key="reb_run").click().run()
        assert not app.exception, [e.value for e in app.exception]
        heavy = [w.value for w in app.warning if "its share: this is the best these territories can do" in w.value]
        assert len(heavy) == 1, [w.value for w in app.warning]
        assert ("work with US counties" in heavy[0]) is offered, heavy[0]


def test_a_new_rep_s_territory_takes_the_quota_of_what_it_takes(app):
    from tests.conftest import demo_state

    engine = demo_state()  # (the page's plan and accounts)
    quotas = {t.territory_id: t.annual_quota for t in engine.plan.territories}
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    app.text_input(key="reb_new_name").set_value("Rockies").run()
    app.selectbox(key="reb_home").set_value("US-CO").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    # Only Canada West, Rockies and US West trade (the others are kept): they are said to be aimed at what they hold,
    # not "on average at" it (a new user's test: their figures in the table did not average to it)
    assert any("Canada West, Rockies and US West are aimed at " in i.value for i in app.info), [
        i.value for i in app.info
    ]
    proposal, new_state = app.session_state["reb_proposal"][:2]
    after = {t.territory_id: t.annual_quota for t in proposal.plan.territories}
    # The new territory gets the quota of the value it takes; those that gave it value give that share of theirs
    # (Rockies had $0 while US West kept all of its $10,000,000). Quotas add up as before.
    assert after["ROCKIES"] > 0 and after["USW"] < quotas["USW"]
    assert sum(after.values()) == pytest.approx(sum(quotas.values()), abs=0.05)
    value = new_state.result.groupby("territory_id")["value"].sum()
    before_value = engine.result.groupby("territory_id")["value"].sum()
    assert after["ROCKIES"] / quotas["USW"] == pytest.approx(value["ROCKIES"] / before_value["USW"], rel=0.05)
    assert new_state.plan == proposal.plan  # the balance figures read the carried quotas
    assert new_state.balance.territories.set_index("territory_id").loc["ROCKIES", "annual_quota"] == after["ROCKIES"]
    # Said before accepting (the Plans page showed "annual quota: $10,000,000 → $8,408,384" as news)
    (shown,) = [e for e in app.expander if e.label.startswith("Annual quotas follow the accounts")]
    table = shown.dataframe[0].value.set_index("territory")
    assert table.loc["Rockies", "after"] == pytest.approx(after["ROCKIES"]) and pd.isna(table.loc["Rockies", "now"])
    assert table.loc["US West", "now"] == quotas["USW"] and table.loc["US West", "after"] == pytest.approx(after["USW"])
    assert any(c.value.startswith("A territory that gives a share") and "total stays" in c.value for c in shown.caption)


def test_a_proposal_that_changes_nothing_cannot_be_accepted(app):
    app.button(key="reb_run").click().run()
    app.button(key="reb_accept").click().run()
    app.button(key="reb_run").click().run()  # the accepted plan rebalanced again: nothing left to move
    assert {m.label: m.value for m in app.metric}["Regions moved"] == "0"
    assert app.session_state["reb_proposal"][3].empty
    accept = app.button(key="reb_accept")
    assert accept.disabled and "Nothing would change" in accept.proto.help
    # said on the page, not only on hovering the button; and not "The current territories rebalanced"
    assert any(i.value.startswith("**No change: the plan is already as balanced") for i in app.info)
    assert not any("The current territories rebalanced" in m.value for m in app.markdown)


def test_a_region_crossing_a_border_is_said_and_can_be_kept(app):
    from geo.boundaries import region_labels

    # The demo's only trading pair is US West and Canada West: a US state goes to a territory of Canadian provinces.
    app.button(key="reb_run").click().run()
    moves = app.session_state["reb_proposal"][4]
    crossing = moves[moves["region_id"].str.startswith("US-") & moves["to_territory_id"].eq("CAW")]
    assert len(crossing)
    note = next(i.value for i in app.info if i.value.startswith("Across a border: ")).replace("\\", "")
    assert all(name in note for name in region_labels(crossing["region_id"]))
    assert "(United States of America) to Canada West, which held no region of that country before" in note
    # locked, they stay where they are
    app.multiselect(key="reb_locked_regions").set_value(list(crossing["region_id"])).run()
    app.button(key="reb_run").click().run()
    assert not set(crossing["region_id"]) & set(app.session_state["reb_proposal"][4]["region_id"])
    assert "tick “Keep regions in their country”" in note


def test_keep_regions_in_their_country_sends_no_region_across_a_border(app):
    # A new user's test: every rebalance gave US regions to Canada West (Canadian provinces), and stopping it took
    # locking every US region by hand. One box keeps regions in their country; a territory with no neighbour it may
    # trade with there stays as it is, and the proposal says so.
    from territory.rebalance import into_new_countries
    from tests.conftest import demo_state

    app.checkbox(key="reb_keep_countries").check().run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    # On the demo's states Canada West then has no territory to trade with, and US West none left (the others keep
    # their focus): no proposal, and why. (It was "2 of 6 territories rebalanced", nothing moved, beside "Canada
    # West, US West … stay as they are": the tenth new user's test.)
    (error,) = [e.value.replace("\\", "") for e in app.error]
    assert error.startswith("No proposal: fewer than two territories can trade regions"), error
    assert "(regions kept in their country): Canada West" in error and "let regions cross a border" in error
    assert not app.toast  # (no "Searching for up to 2 s" above a refusal that came at once, a review)
    # A rep leaving US South: the proposal says who stays as they are, and nothing crosses.
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R08").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    proposal = app.session_state["reb_proposal"]
    assert len(into_new_countries(demo_state().plan, proposal[4])) == 0
    assert not [i for i in app.info if i.value.startswith("Across a border: ")]
    said = " ".join(m.value for m in [*app.markdown, *app.info]).replace("\\", "")
    assert "Canada West" in said and "may trade with inside" in said and "(regions kept in their country)" in said
    assert "territories rebalanced" not in said and "No territory could be rebalanced" in said


def test_territories_sized_by_their_reps_capacity(app):
    app.checkbox(key="reb_capacity").check().run()  # opt-in
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    table = proposal_table(app).value.set_index("territory")
    # US West and US South have two reps each, Canada West one: they carry about twice its workload.
    assert "share" in table.columns
    assert table.loc["US West", "share"] > 1.5 * table.loc["Canada West", "share"]
    # the current plan's deviations sit beside the proposal's, so the gain shows
    assert {"workload_before", "workload_deviation"} <= set(table.columns)
    active = table["locked"].ne("kept")
    assert table.loc["Europe West", "locked"] == "kept"  # alone on its continent: kept as it is
    assert table.loc[active, "workload_deviation"].abs().max() < table.loc[active, "workload_before"].abs().max()


def test_county_proposal_claims_each_county_once_and_counts_real_moves(app):
    app.radio(key="reb_level").set_value("county").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    proposal = app.session_state["reb_proposal"][0]
    claims = [r for t in proposal.plan.territories for r in t.region_ids]
    assert len(claims) == len(set(claims))
    # The counties stand for their states; each state stays claimed once, by the territory with most of it, for
    # accounts placed in the state as a whole (the demo's one in Louisiana, whose city was not found), under the
    # counties' own claims. (Without it that account fell out of every territory.)
    holder = {r: t.territory_id for t in proposal.plan.territories for r in t.region_ids}
    louisiana = [c for c in proposal.labels.index if c.startswith("US-22")]
    assert set(proposal.labels[louisiana]) == {holder["US-LA"]} == {"USS"}  # (apart from the rest: US South's)
    assert "US-TX" in proposal.plan.territory("USS").region_ids
    assert app.session_state["reb_proposal"][2].team["accounts_lost"] == 0
    moved = int((proposal.labels != proposal.start).sum())
    figures = {m.label: m.value for m in app.metric}
    assert figures["Regions moved"] == f"{moved:,}"
    assert len(moves_shown(app).value) == moved  # the moves table lists exactly the regions that move
    assert moved < len(proposal.labels) / 2
    # Counties across the border are said by their states, not listed by the dozen ("Ada, ID, Adams, ID, …")
    from territory.rebalance import into_new_countries
    from tests.conftest import demo_state

    crossing = into_new_countries(demo_state().plan, app.session_state["reb_proposal"][4])
    assert len(crossing) > 4
    notes = [i.value.replace("\\", "") for i in app.info if i.value.startswith("Across a border: ")]
    assert notes and all("counties of " in note for note in notes), notes
    # a change of settings makes the proposal out of date: said, and it cannot be accepted
    app.slider(key="reb_tolerance").set_value(10).run()
    assert any("settings changed" in w.value for w in app.warning)
    assert app.button(key="reb_accept").disabled
    # (and why, beside the greyed buttons: it was said only above the proposal, far up, a new user's test)
    said = "Not to be accepted: the settings changed since this proposal was made. Propose again."
    assert said in [c.value for c in app.caption] and app.button(key="reb_accept").help == said


def test_a_new_territory_needs_a_new_name(app):
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    app.text_input(key="reb_new_name").set_value("us west").run()
    app.button(key="reb_run").click().run()
    assert any("exists already" in e.value for e in app.error)


def test_a_new_rep_s_home_state_stands_for_its_most_populous_county_at_county_level(app):
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    app.number_input(key="reb_within_km_joining").set_value(None).run()  # (any distance: whole states far from home)
    app.selectbox(key="reb_home").set_value("US-CO").run()
    app.text_input(key="reb_new_name").set_value("Rockies").run()
    app.button(key="reb_run").click().run()
    # Whole states are too large a step for it (Rockies -20.6% with Colorado, Idaho, Nevada and Utah; within at
    # county level): said with the territories outside the tolerance
    (outside,) = [c.value for c in app.caption if c.value.startswith("Outside ")]
    assert "Rockies (" in outside and "work with US counties" in outside
    app.radio(key="reb_level").set_value("county").run()
    # (it became Alabama's first county, Autauga: the new territory would have grown from there)
    assert app.selectbox(key="reb_home").value == "US-08041"  # El Paso County (Colorado Springs)
    app.radio(key="reb_level").set_value("state").run()
    assert app.selectbox(key="reb_home").value == "US-CO"


def test_a_plan_from_scratch_over_the_accounts_countries_leaves_no_account_in_no_territory(app):
    # A new user's own accounts lay in states the plan's territories did not hold: drawn anew over those alone, 210
    # of them stayed in no territory. Drawn over every region of the accounts' countries, none does.
    app.radio(key="reb_scenario").set_value("territories").run()
    (said,) = [c.value for c in app.caption if "outside the regions the territories hold" in c.value]
    assert said.startswith("531 accounts lie outside")  # (the demo's coverage gaps: 531 accounts in 30 regions)
    app.radio(key="reb_cover").set_value("countries").run()
    assert not [c.value for c in app.caption if "outside the regions the territories hold" in c.value]
    app.number_input(key="reb_k").set_value(8).run()
    app.button(key="reb_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    proposal = app.session_state["reb_proposal"][0]
    assert len(proposal.labels) == 68 and proposal.labels.notna().all()  # (38 regions held, 30 not)
    app.button(key="reb_accept").click().run()
    assert not app.exception
    engine = app.session_state["edit_history"].current
    placed = engine.result["region_id"].notna()
    assert engine.result.loc[placed, "territory_id"].notna().all()  # (1,946 were in no territory)


def test_home_regions_by_name_and_territories_capped_by_the_regions(app):
    app.button(key="reb_run").click().run()
    regions = len(app.session_state["reb_proposal"][0].labels)  # the regions being balanced at this level
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    options = app.selectbox(key="reb_home").options
    # a rep's home says whose it is, and is not the default: California, the busiest and Priya Patel's home, was,
    # and the new territory took it from her (a new user's test); New York is Sarah Chen's, Texas Tom Becker's
    assert any(re.fullmatch(r"California \(US-CA\) · [\d,]+ accounts · home of Priya Patel", o) for o in options)
    assert any(re.fullmatch(r"Colorado \(US-CO\) · [\d,]+ accounts", o) for o in options)
    default = app.selectbox(key="reb_home").value
    assert default not in {r.home_region for r in load_plan(DEMO_PLAN).reps}
    assert options.index(next(o for o in options if f"({default})" in o)) == min(
        i for i, o in enumerate(options) if "home of" not in o
    )  # (the busiest region that is no rep's home)
    # The busiest first, with their accounts: typing "Dallas" offered Dallas, AL first (the twelfth new user)
    counts = [int(re.search(r" · ([\d,]+) accounts?", o).group(1).replace(",", "")) if " · " in o else 0
              for o in options]  # fmt: skip
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    app.text_input(key="reb_new_name").set_value("Mountain").run()
    app.button(key="reb_run").click().run()  # (the default home proposes: no rep's home is taken)
    assert not app.exception and not app.error, [e.value for e in app.error]
    # a new rep by the name of one the team has: said, and nothing proposed (a second Sarah Chen was made, and a
    # rep leaving by that name then named two: a new user's test)
    app.text_input(key="reb_new_rep").set_value("Sarah Chen").run()
    app.button(key="reb_run").click().run()
    said = [e.value.replace("\\", "") for e in app.error]  # (the page escapes Markdown: "\\(R01\\)")
    assert any("a rep named 'Sarah Chen' exists already (R01)" in e for e in said), said
    app.text_input(key="reb_new_rep").set_value("").run()
    app.radio(key="reb_level").set_value("county").run()
    assert "home of Priya Patel" in next(o for o in app.selectbox(key="reb_home").options if "(US-06037)" in o)
    dallas = [o for o in app.selectbox(key="reb_home").options if o.startswith("Dallas, ")]
    assert dallas[0].startswith("Dallas, TX (US-48113) · ") and len(dallas) > 1
    app.radio(key="reb_level").set_value("state").run()
    app.radio(key="reb_scenario").set_value("territories").run()
    box = app.number_input(key="reb_k")
    least, most = offered(box)
    assert most == min(250, regions) and "and at most 250" in box.help  # (60 was below a plan of 64's own number)
    # at least one territory per group of regions out of each other's reach (North America, Europe, …): fewer is
    # refused at the box, with why (it was not, and only the proposal said "ask for at least 3")
    assert least == 3 and "out of each other's reach (3)" in box.help
    box.set_value(3).run()
    app.button(key="reb_run").click().run()
    assert not app.exception and not app.error
    box.set_value(most).run()
    app.button(key="reb_run").click().run()
    assert not app.exception and not app.error


def offered(box) -> tuple[int, int]:
    """The fewest and most territories the box says can be drawn ("Number of territories (3 to 38)")."""
    least, most = re.search(r"\((\d+) to (\d+)\)", box.label).groups()
    return int(least), int(most)


def test_a_number_of_territories_out_of_range_is_refused_with_why(app):
    # Typed 1 or 60, the box showed it in red and the proposal used the last number taken, without a word; the
    # range was in its tooltip only (a new user's test).
    app.radio(key="reb_scenario").set_value("territories").run()
    box = app.number_input(key="reb_k")
    least, most = offered(box)
    assert (least, most) == (3, 38), box.label
    box.set_value(1).run()
    said = [e.value.replace("\\", "") for e in app.error]
    assert said == [
        "1 territory cannot be drawn: the regions form 3 groups out of each other's reach (e.g. Europe and North "
        "America), each needing a territory of its own. Ask for at least 3."
    ], said
    assert app.button(key="reb_run").disabled and app.number_input(key="reb_k").value == 1  # (kept as typed)
    app.number_input(key="reb_k").set_value(60).run()
    said = [e.value.replace("\\", "") for e in app.error]
    assert said == [
        "60 territories cannot be drawn: a territory holds a region at least, and this level has 38. Ask for 38 or "
        "fewer."
    ], said
    assert app.button(key="reb_run").disabled
    app.multiselect(key="reb_locked").set_value(["NAE", "EUW", "CAW"]).run()  # (locks changed: moved into range)
    least, most = offered(app.number_input(key="reb_k"))
    assert app.number_input(key="reb_k").value == most and not app.error
    app.number_input(key="reb_k").set_value(least - 1).run()
    said = [e.value.replace("\\", "") for e in app.error]
    assert said == [
        f"{least - 1} territories cannot be drawn: locked territories count among them: with 3 territories "
        f"locked, the plan needs at least {least}. Ask for at least {least}."
    ], said
    app.number_input(key="reb_k").set_value(least).run()
    assert not app.error and not app.button(key="reb_run").disabled
    # a number in range at county level moves into the range at state level (it was kept, and refused)
    app.multiselect(key="reb_locked").set_value([]).run()
    app.radio(key="reb_level").set_value("county").run()
    app.number_input(key="reb_k").set_value(200).run()
    assert not app.error
    app.radio(key="reb_level").set_value("state").run()
    assert app.number_input(key="reb_k").value == 38 and not app.error
    # 0, and a number past any box's limit, are refused in the page's words, with the range the label gives
    # (Streamlit's own "between 1 and 2500" stood under "(3 to 38)", a new user's test)
    least, most = offered(app.number_input(key="reb_k"))
    for asked, said in ((0, f"0 territories cannot be drawn: the regions form {least} groups"),
                        (5000, f"5000 territories cannot be drawn: a territory holds a region at least, and this level "
                               f"has {most:,}. Ask for {most} or fewer.")):  # fmt: skip
        app.number_input(key="reb_k").set_value(asked).run()
        assert not app.exception and [e.value for e in app.error if said in e.value.replace("\\", "")], app.error
        assert app.button(key="reb_run").disabled


def test_all_locked_or_no_metric_is_said(app):
    app.pills(key="reb_metrics").set_value([]).run()
    app.button(key="reb_run").click().run()
    assert any("No metric was picked" in i.value for i in app.info)
    everyone = ["CAW", "EUW", "NAE", "USC", "USS", "USW"]  # the demo plan's territories
    app.multiselect(key="reb_locked").set_value(everyone).run()
    app.button(key="reb_run").click().run()
    assert any("every territory is locked" in e.value for e in app.error)
    app.run()  # (still so on the next run)
    assert any("every territory is locked" in e.value for e in app.error)
    # every region locked: said as plainly (it made a proposal of nothing, "2 of 6" within, and no word why)
    app.multiselect(key="reb_locked").set_value([]).run()
    assert not app.error  # (a new user's test: the message stayed up after its cause was gone)
    regions = [label.rsplit("(", 1)[1].rstrip(")") for label in app.multiselect(key="reb_locked_regions").options]
    assert len(regions) > 30  # (the states and provinces held, "Idaho (US-ID)")
    app.multiselect(key="reb_locked_regions").set_value(regions).run()
    app.button(key="reb_run").click().run()
    assert any(e.value.startswith("No proposal: every region is locked") for e in app.error)
    assert "reb_proposal" not in app.session_state


def test_a_plan_from_scratch_with_territories_locked_draws_only_the_others(app):
    # Fewer territories in one area only: North America East and Europe West stay, the rest becomes three territories.
    from tests.conftest import demo_state

    now = demo_state().plan
    app.radio(key="reb_scenario").set_value("territories").run()
    app.multiselect(key="reb_locked").set_value(["NAE", "EUW"]).run()
    app.number_input(key="reb_k").set_value(5).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.session_state["reb_error"] if "reb_error" in app.session_state else True
    proposal = app.session_state["reb_proposal"][0]
    plan = proposal.plan
    assert len(plan.territories) == 5
    for kept in ("NAE", "EUW"):
        assert plan.territory(kept) == now.territory(kept)  # regions, name, focus: as they were
        assert [r for r in plan.reps if kept in r.territory_ids] == [r for r in now.reps if kept in r.territory_ids]
    assert proposal.description.startswith("5 territories: North America East and Europe West are locked and kept")
    table = proposal_table(app).value.set_index("territory")
    assert table.loc["North America East", "locked"] == "kept" and table.loc["Europe West", "locked"] == "kept"
    assert (table["locked"] == "kept").sum() == 2
    # the settings it was made with name the locks (kept with the accepted draft)
    assert "locked: North America East, Europe West" in app.session_state["reb_settings_said"]


def test_the_fewest_territories_offered_rises_with_the_locks(app):
    # Locked territories count among those asked for and may cut the rest apart: the box offers no number the
    # proposal refuses (a new user's test: it offered 3 with three locked, and only the proposal said the fewest)
    app.radio(key="reb_scenario").set_value("territories").run()
    assert offered(app.number_input(key="reb_k"))[0] == 3
    app.number_input(key="reb_k").set_value(3).run()
    app.multiselect(key="reb_locked").set_value(["NAE", "EUW", "CAW"]).run()
    box = app.number_input(key="reb_k")
    least, most = offered(box)
    assert least > 4 and box.value == least  # (raised to the fewest, not back to the default)
    assert most < 38 and f"with 3 territories locked, {least} to {most}" in box.help
    box.set_value(most).run()  # (the most offered is taken: more was refused, "at most 28 territories")
    app.button(key="reb_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    box = app.number_input(key="reb_k")
    box.set_value(least).run()
    app.button(key="reb_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert len(app.session_state["reb_proposal"][0].plan.territories) == least
    app.multiselect(key="reb_locked").set_value([]).run()
    box = app.number_input(key="reb_k")
    assert offered(box)[0] == 3 and box.value == least  # (kept)


def test_a_plan_from_scratch_can_be_sized_by_capacity(app):
    # Off by default (equal shares); ticked, the territories drawn are resized to the reps placed in them
    app.radio(key="reb_scenario").set_value("territories").run()
    app.multiselect(key="reb_locked").set_value(["NAE", "EUW", "CAW"]).run()
    app.number_input(key="reb_k").set_value(8).run()
    app.checkbox(key="reb_capacity_scratch").check().run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    proposal = app.session_state["reb_proposal"][0]
    assert "; sized by the capacity of the reps placed in them (" in proposal.description
    table = proposal_table(app).value.set_index("territory")
    assert "share" in table.columns and table["share"].nunique() > 1  # (the column shows: the shares differ)
    assert "sized by capacity" in app.session_state["reb_settings_said"]


def test_equal_shares_when_asked_for(app):
    app.checkbox(key="reb_capacity").uncheck().run()
    app.button(key="reb_run").click().run()
    table = proposal_table(app).value.set_index("territory")
    # every territory 1× its share: the column says nothing, and is left out so that the metrics fit
    assert "share" not in table.columns and "workload_deviation" in table.columns
    assert not [c.value for c in app.caption if "Share: the territory's size" in c.value]
    app.checkbox(key="reb_capacity").check().run()
    app.button(key="reb_run").click().run()
    table = proposal_table(app).value.set_index("territory")
    assert table["share"].max() > 1.5  # sized by their reps' capacity: the column is back
    # and the caption under the table says what it means (it was in the column's help alone: a review)
    said = [c.value for c in app.caption if c.value.startswith("Within: “yes”")]
    assert said and said[0].endswith(
        "Share: the territory's size against the average territory's (what its reps "
        "can carry), so 1.50× aims at half as much again as the team's mean."
    ), said


def test_a_plan_from_scratch_greys_out_what_it_cannot_use_and_staffs_its_territories(app):
    app.radio(key="reb_scenario").set_value("territories").run()
    assert not app.multiselect(key="reb_locked").disabled  # (locked territories stay; the others are drawn anew)
    shown = app.checkbox(key="reb_capacity_scratch")  # equal shares unless ticked
    assert not shown.disabled and not shown.value
    # … and says so on the page, not only in each control's tooltip (a new user's test)
    assert any(c.value.startswith(":material/info: Greyed out for a plan from scratch") for c in app.caption)
    app.number_input(key="reb_k").set_value(12).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    plan = app.session_state["reb_proposal"][0].plan
    # twelve territories, twelve reps: each territory has one
    assert len(plan.territories) == 12 and all(r.active for r in plan.reps)
    assert all(any(t.territory_id in r.territory_ids for r in plan.reps) for t in plan.territories)
    # Who covers each territory, now and after (the territories' table has no room for it at 1280 px)
    (shown,) = [e for e in app.expander if e.label.startswith("Reps: who covers each territory")]
    table = shown.dataframe[0].value.set_index("territory")
    # A territory that keeps an old one's id, renamed, says so: its reps now are that one's ("Texas & Louisiana
    # (was US South)" listed US South's three reps under the new name alone, a new user's test)
    from tests.conftest import demo_state

    now_plan = demo_state().plan
    before = {t.territory_id: t.name for t in now_plan.territories}
    said = {}
    for t in plan.territories:
        old = before.get(t.territory_id)
        said[t.territory_id] = t.name if old in (None, t.name) else f"{t.name} (was {old})"
    gone = [f"{name} (goes)" for t_id, name in before.items() if t_id not in said]
    assert sorted(table.index) == sorted([*said.values(), *gone]) and any("(was " in n for n in table.index)
    for t in plan.territories:
        covering = [r.name for r in plan.reps if t.territory_id in r.territory_ids]
        assert table.loc[said[t.territory_id], "after"] == ", ".join(covering)
        now = [r.name for r in now_plan.reps if r.active and t.territory_id in r.territory_ids]
        assert table["now"].fillna("")[said[t.territory_id]] == ", ".join(now)
    changing = int(table["now"].fillna("").ne(table["after"]).sum())
    assert shown.label == f"Reps: who covers each territory ({changing} change{'' if changing == 1 else 's'})"
    # Accounts waiting for a rep are said with what to do about them
    waiting = int((app.session_state["reb_proposal"][1].result["rep_id"].isna()
                   & app.session_state["reb_proposal"][1].result["territory_id"].notna()).sum())  # fmt: skip
    (told,) = [c.value for c in app.caption if "wait for a rep: a plan from scratch" in c.value]
    assert (
        waiting > 1
        and told.startswith(f"{waiting:,} accounts wait for a rep")
        and "Size territories by their reps' capacity" in told
    )
    # Moves on another continent than most are named under the map (Germany and the Netherlands were off its view)
    moves = app.session_state["reb_proposal"][4]
    europe = sorted(r for r in moves["region_id"] if not r.startswith(("US-", "CA-")))
    assert europe, "the test needs moves in Europe"
    (said,) = [c.value for c in app.caption if c.value.startswith("Also moved, off this view")]
    from geo.boundaries import region_labels

    assert all(name in said for name in region_labels(europe)) and "California" not in said, said


def test_an_accepted_proposal_reopens_with_the_reps_it_was_saved_with(app):
    from territory.store import PlanStore, default_database_url

    app.button(key="reb_run").click().run()
    app.button(key="reb_accept").click().run()
    plan_id, version = app.session_state["store_plan"]
    saved = PlanStore(default_database_url()).assignments(plan_id, version).set_index("account_id")["rep_id"]
    # A new session opens the newest draft (the accepted one) and shows the reps saved with it, not a fresh
    # reshuffle of the prospects.
    again = app_session("pages/accounts.py")
    assert again.session_state["store_plan"] == (plan_id, version)
    assert_shows_saved_reps(again, app, saved)


def test_a_store_that_fails_to_give_the_saved_reps_is_asked_again_next_time(app, monkeypatch):
    from territory.store import PlanStore, default_database_url

    app.button(key="reb_run").click().run()
    app.button(key="reb_accept").click().run()
    plan_id, version = app.session_state["store_plan"]
    saved = PlanStore(default_database_url()).assignments(plan_id, version).set_index("account_id")["rep_id"]

    def unavailable(self, plan_id, version):
        raise ConnectionError("the database went away")

    # The store fails while a new session opens the draft: the page still shows it (assigned afresh) ...
    with monkeypatch.context() as patch:
        patch.setattr(PlanStore, "assignments", unavailable)
        failed = app_session("pages/accounts.py")
        assert not failed.exception, [e.value for e in failed.exception]
    # ... and that fresh assignment is not kept for the stored version: once the store is back, the saved reps show.
    again = app_session("pages/accounts.py")
    assert_shows_saved_reps(again, app, saved)


def test_after_accepting_a_roster_change_that_touches_no_rule_moves_no_account(app):
    # The accepted draft keeps the proposal's reps; renaming a rep then is a step like an edit (accounts keep their
    # reps where the plan allows), not a fresh run that would reshuffle the prospects.
    app.button(key="reb_run").click().run()
    app.button(key="reb_accept").click().run()
    app.switch_page("pages/reps.py").run()
    roster = app.data_editor[0].value
    row = int(roster.index[roster["name"] == "Priya Patel"][0])
    app.session_state["roster_editor"] = {"edited_rows": {row: {"name": "Priya Patel-Ng"}}, "added_rows": [],
                                          "deleted_rows": []}  # fmt: skip
    app.run()
    next(b for b in app.button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception, [e.value for e in app.exception]
    heading = next(h.value for h in app.subheader if h.value.startswith("What moved"))
    assert int(heading.split(":")[1].split()[0].replace(",", "")) == 0, heading


def test_accepting_without_a_plan_store_applies_the_proposal_as_assigned(tmp_path, monkeypatch):
    # A database that does not answer: the app runs on without storage; accepting makes the proposal the session's
    # plan as the proposal assigned it (reps kept where it could), says it is not saved, and nothing fails.
    monkeypatch.setenv("TERRITORY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TERRITORY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    app = app_session("pages/rebalance.py")
    app.button(key="reb_run").click().run()
    proposal, new_state = app.session_state["reb_proposal"][:2]
    app.button(key="reb_accept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("It is not saved" in s.value for s in app.success)
    assert "reb_proposal" not in app.session_state
    current = app.session_state["edit_history"].current
    assert current.plan == proposal.plan
    reps = current.result.set_index("account_id")["rep_id"].astype(object).fillna("-")
    expected = new_state.result.set_index("account_id")["rep_id"].astype(object).fillna("-")
    assert reps.equals(expected.reindex(reps.index))


def test_a_rebalanced_plan_rebalanced_again_keeps_one_suffix_and_the_author_given(app):
    from territory.store import PlanStore, default_database_url

    # The name typed on the Plans page is who accepts a proposal (kept across pages).
    app.switch_page("pages/plans.py").run()
    app.text_input(key="plan_author").input("ana").run()
    app.switch_page("pages/rebalance.py").run()
    for scenario in ("rebalance", "rep_leaves"):  # (the rebalanced plan rebalanced as is again changes nothing)
        app.radio(key="reb_scenario").set_value(scenario).run()
        if scenario == "rep_leaves":
            app.selectbox(key="reb_leaving").set_value("R08").run()
        app.button(key="reb_run").click().run()
        app.button(key="reb_accept").click().run()
        assert not app.exception, [e.value for e in app.exception]
    plan_id, _ = app.session_state["store_plan"]
    # one suffix, with what was done last and when
    assert re.fullmatch(REBALANCED, app.session_state["edit_history"].current.plan.name)
    name = app.session_state["edit_history"].current.plan.name
    assert name.count(" — ") == 1 and "rebalanced" not in name and " Tom Becker leaves, " in name, name
    assert PlanStore(default_database_url()).versions(plan_id)[0].author == "ana"


def test_focused_territories_may_give_regions_one_way(app):
    # Off by default (above). On: US Central (enterprise and mid-market only), far over its share, gives regions
    # to the touching territories that take every account it takes; they then trade with US West. The accounts US
    # Central left out there come along, and wait for a rep where the takers' reps are full: said so.
    app.checkbox(key="reb_one_way").check().run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    infos = [i.value.replace("\\", "") for i in app.info]  # (as read: without Markdown's escapes)
    assert any(i.startswith("North America East: no touching territory takes the same accounts") for i in infos)
    assert any(i.startswith("US Central: beyond the regions given one way (above), not rebalanced") for i in infos)
    one_way = next(i for i in infos if "Given one way" in i)
    assert one_way.startswith("US Central was over its share (+4")  # (its workload: +40%, value +70%)
    assert "US Central gives" in one_way and "to Canada West" in one_way
    table = proposal_table(app).value.set_index("territory")
    before, after = table.loc["US Central", "workload_before"], table.loc["US Central", "workload_deviation"]
    assert before > 0.3 and 0 < after < before
    # The takers level with the giver: they trade among themselves afterwards, and what they hold on average (their
    # group's mean, against the team's as every figure) is not loaded past it.
    rows = app.session_state["reb_proposal"][0].report.territories.set_index("territory_id").loc[["CAW", "USS", "USW"]]
    mean = ((1 + rows["workload_deviation"]) * rows["share"]).sum() / rows["share"].sum() - 1
    assert mean <= after
    assert any("wait for a rep" in w.value for w in app.warning)
    # No account that had a territory loses it.
    from tests.conftest import demo_state

    before = demo_state().result.set_index("account_id")["territory_id"]
    after = app.session_state["reb_proposal"][1].result.set_index("account_id")["territory_id"]
    assert after[before.notna()].notna().all() and after.notna().sum() > before.notna().sum()
    # A plan from scratch draws every territory anew: the option does not apply there.
    app.radio(key="reb_scenario").set_value("territories").run()
    assert app.checkbox(key="reb_one_way").disabled


def test_a_rep_leaves_a_team_that_stays(app):
    # Tom Becker leaves US South; Aisha Okafor and Noah Williams stay: US South stays, no region is handed out
    # and the notes do not speak of a leaving territory's regions.
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R08").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "Tom Becker leaves (set inactive); US South stays with Aisha Okafor, Noah Williams" in text
    proposal = app.session_state["reb_proposal"][0]
    assert "USS" in {t.territory_id for t in proposal.plan.territories}
    assert not proposal.plan.rep("R08").active and proposal.plan.rep("R09").active
    assert not any("leaving territory" in i.value for i in app.info)
    from tests.pages.test_display_formats import column_formats

    labels = set(column_formats(proposal_table(app)))
    assert {"Workload now", "Workload after"} <= labels and "Workload handed out" not in labels  # nothing handed out
    table = proposal_table(app).value
    assert set(table["within"].dropna()) <= {"yes", "best possible", "no"}


def test_a_rep_leaves_and_white_space_between_territories_is_taken_in(app):
    # Tom Becker leaves US South (+41% on workload, its two reps left): no touching territory takes the same
    # accounts, so without white space nothing moves (a review). With "Take in white space", US West takes a way
    # through New Mexico, US South hands it regions, and the states no territory held are listed as taken.
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R08").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    without = proposal_table(app).value.set_index("territory")
    assert without.loc["US South", "workload_deviation"] > 0.3
    hint = "may trade across the regions no territory holds: tick “Take in white space” and propose again"
    assert any(hint in c.value for c in app.caption)  # (the option said where nothing could move)
    app.checkbox(key="reb_white_space").check().run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert not any(hint in c.value for c in app.caption)
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "white space taken (regions no territory held):" in text and "New Mexico" in text, text
    assert "as a way through to US South" in text
    proposal = app.session_state["reb_proposal"][0]
    table = proposal_table(app).value.set_index("territory")
    assert table.loc["US South", "workload_deviation"] < 0.1 and table.loc["US South", "within"] != "no"
    # The moves list the white space taken as coming from no territory, and no untaken region at all.
    moves = moves_shown(app).value
    taken = moves[moves["from_name"].eq("(no territory)")]
    assert "New Mexico" in set(taken["region"]), moves.to_dict("records")
    assert "US-NM" in {r for t in proposal.plan.territories for r in t.region_ids}
    assert not moves["to_name"].eq("(no territory)").any()  # (nothing given back to white space)
    # Accepted, the draft holds them, and the settings say white space was taken in.
    app.button(key="reb_accept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "US-NM" in {r for t in app.session_state["edit_history"].current.plan.territories for r in t.region_ids}


def test_a_new_rep_s_home_in_white_space_is_said_when_the_white_space_is_left_out_again(app):
    # Oklahoma, held by no territory, is a home only with "Take in white space" ticked; unticked, the picker goes to
    # another region and says so (it went there unsaid, a review).
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    assert not any("(US-OK)" in option for option in app.selectbox(key="reb_home").options)
    app.checkbox(key="reb_white_space").check().run()
    assert any("(US-OK)" in option for option in app.selectbox(key="reb_home").options)
    app.selectbox(key="reb_home").set_value("US-OK").run()
    assert not app.exception, [e.value for e in app.exception]
    app.checkbox(key="reb_white_space").uncheck().run()
    said = " ".join(c.value for c in app.caption)
    assert (
        "Oklahoma, picked before, is not among the regions here (no territory holds it: tick “Take in white space”"
        in said
    ), said
    assert app.selectbox(key="reb_home").value != "US-OK"


def test_a_plan_from_scratch_says_which_regions_are_out_of_reach(app):
    # Texas and Louisiana lie apart from the other American regions (no territory holds the states between) and
    # Europe across the sea: each group gets territories of its own, and the page says so and why.
    app.radio(key="reb_scenario").set_value("territories").run()
    app.number_input(key="reb_k").set_value(3).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    note = next(i.value for i in app.info if i.value.startswith("Out of reach of the other regions"))
    assert "France, Germany, Netherlands, United Kingdom" in note and "Louisiana, Texas" in note
    # Within says "best possible" where a territory is off only by what its regions force, "yes" only within ±5%.
    table = proposal_table(app).value.set_index("territory")
    far = table[["workload_deviation", "value_deviation"]].abs().max(axis=1) > 0.05
    assert not table.loc[far, "within"].eq("yes").any()
    assert table.loc[far, "within"].isin(["best possible", "no"]).all()
    assert "The other territories share what the rest holds" not in note  # (one holds the rest: nothing to balance)
    # With six, the rest has four, which hold more than four shares: each is balanced around that mean, and the
    # note says so (workload and value, the metrics picked).
    app.number_input(key="reb_k").set_value(6).run()
    app.button(key="reb_run").click().run()
    note = next(i.value for i in app.info if i.value.startswith("Out of reach of the other regions"))
    together = re.search(r"on average \+(\d+\.\d)% on workload, \+(\d+\.\d)% on value against their", note)
    assert together and min(map(float, together.groups())) > 10, note
    # Europe's and Texas's territories hold what their regions hold ("best possible"); the mainland's four are
    # within the tolerance of their mean, which a plan might bring them closer to ("near group mean").
    table = proposal_table(app).value.set_index("territory")
    near = table["within"].str.startswith("near ")
    assert (table["within"].isin(["yes", "best possible"]) | near).all(), table["within"].to_dict()
    assert table.loc[["Europe West", "Texas & Louisiana"], "within"].eq("best possible").all()
    # ("near", with the mean it is judged against: "near group mean" at -17.7% read as a claim against a figure the
    # table did not show, a new user's test) The note's average, in whole percents, workload then value.
    assert near.sum() >= 3, table["within"].to_dict()
    mean = " / ".join(dict.fromkeys(f"+{float(v):.0f}%" for v in together.groups()))  # (one where they read alike)
    assert set(table.loc[near, "within"]) == {f"near {mean}"}, (table["within"].to_dict(), note)
    within = next(m for m in app.metric if m.label == "Within tolerance")
    assert "near mean" in within.delta and "best" in within.delta, within.delta


def test_the_headline_counts_kept_territories_and_each_warning_fits_its_territory(app):
    # All of US South goes: US Central (kept: enterprise and mid-market only) takes most of it and ends far over
    # its share. The headline counts it (it read "yes"), it is warned of once, with advice that applies.
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("territory:USS").run()
    app.button(key="reb_run").click().run()
    figures = {m.label: m.value for m in app.metric}
    within, total = map(int, figures["Within tolerance"].split(" of "))
    assert within < total == 5
    # the table's Within column says the same of each territory, kept ones included
    column = proposal_table(app).value["within"]
    assert column.notna().all() and int(column.eq("yes").sum()) == within
    about_central = [w.value for w in app.warning if "US Central" in w.value and "share" in w.value]
    assert len(about_central) == 1 and about_central[0].startswith("US Central would carry")
    assert "unlock" not in about_central[0]  # nothing is locked
    # Tom Becker leaves: US South (no focus) cannot trade either; one-way trades and a wider focus do not apply to it.
    app.selectbox(key="reb_leaving").set_value("R08").run()
    app.button(key="reb_run").click().run()
    advice = next(w.value for w in app.warning if w.value.startswith("This proposal cannot bring"))
    assert (
        "US South (workload +" in advice
        and "give the regions between US South and a territory that takes every" in advice
    )
    assert "widen the focus of US Central" in advice and "give US Central, US South reps" in advice


def test_a_tolerance_per_metric_and_locked_regions(app):
    app.button(key="reb_run").click().run()
    proposal = app.session_state["reb_proposal"][0]
    moved = [r for r in proposal.labels.index if proposal.labels[r] != proposal.start[r]]
    assert moved
    # Value may be off by 15% where workload keeps 5%; a region the first proposal moved is locked where it is.
    app.number_input(key="reb_tol_value").set_value(15).run()
    app.multiselect(key="reb_locked_regions").set_value([moved[0]]).run()
    assert any("settings changed" in w.value for w in app.warning)
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    proposal = app.session_state["reb_proposal"][0]
    assert proposal.labels[moved[0]] == proposal.start[moved[0]]
    within = next(m for m in app.metric if m.label == "Within tolerance")
    assert "within ±5% workload, ±15% value on every metric" in within.help
    # a plan from scratch keeps no region: the box is not offered there
    app.radio(key="reb_scenario").set_value("territories").run()
    assert not [b for b in app.multiselect if b.key == "reb_locked_regions"]


def test_the_accounts_outside_the_held_regions_are_the_same_at_either_level(app):
    # At county level one more account read outside the regions the territories hold (532 against 531): placed in
    # Louisiana as a whole (its city unknown), it lies in no county, but its state's claim goes with the counties.
    def outside() -> str:
        return next(c.value for c in app.caption if "outside the regions the territories hold" in c.value)

    app.radio(key="reb_scenario").set_value("territories").run()
    at_states = outside()
    app.radio(key="reb_level").set_value("county").run()
    assert outside() == at_states and at_states.startswith("531 accounts lie outside"), (at_states, outside())


def test_an_optional_box_emptied_is_empty_again_not_its_strictest_value(app):
    # Typed once, then emptied, a per-metric tolerance read ±1%, the distance from home 10 km and the new rep's
    # capacity 1, each kept and used (a version was saved "within 10 km of their reps' homes", a review).
    app.number_input(key="reb_tol_workload").set_value(8).run()
    assert any("Per metric, in use: workload ±8%" in c.value for c in app.caption)
    app.number_input(key="reb_tol_workload").set_value(None).run()
    assert app.number_input(key="reb_tol_workload").value is None
    assert not any("Per metric, in use" in c.value for c in app.caption)
    app.number_input(key="reb_within_km").set_value(300).run()
    app.number_input(key="reb_within_km").set_value(None).run()
    assert app.number_input(key="reb_within_km").value is None
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    app.number_input(key="reb_new_capacity").set_value(200).run()
    app.number_input(key="reb_new_capacity").set_value(None).run()
    assert app.number_input(key="reb_new_capacity").value is None
    assert not app.exception and not [w for w in app.warning if "Session State API" in w.value]


def test_a_proposal_is_judged_on_the_settings_it_was_made_with_and_the_form_keeps_its_choices(app):
    app.button(key="reb_run").click().run()
    before = {m.label: m.value for m in app.metric}

    def outside() -> list[str]:
        return [c.value for c in app.caption if isinstance(c.value, str) and c.value.startswith("Outside")]

    captions = outside()
    # out of date once the tolerance moves, but still judged on the ±5% it was made with
    app.slider(key="reb_tolerance").set_value(25).run()
    assert any("settings changed" in w.value for w in app.warning)
    assert {m.label: m.value for m in app.metric}["Within tolerance"] == before["Within tolerance"]
    assert outside() == captions
    app.slider(key="reb_tolerance").set_value(5).run()
    # per-metric tolerances and locked regions survive a metric taken out and a look at a plan from scratch
    app.number_input(key="reb_tol_value").set_value(20).run()
    app.number_input(key="reb_tol_workload").set_value(3).run()
    app.multiselect(key="reb_locked_regions").set_value(["US-ID"]).run()
    app.pills(key="reb_metrics").set_value(["workload"]).run()
    app.pills(key="reb_metrics").set_value(["workload", "value"]).run()
    assert app.number_input(key="reb_tol_value").value == 20
    app.radio(key="reb_scenario").set_value("territories").run()
    assert app.multiselect(key="reb_locked_regions_scratch").disabled
    app.radio(key="reb_scenario").set_value("rebalance").run()
    assert app.multiselect(key="reb_locked_regions").value == ["US-ID"]
    # with workload at ±3% and value at ±20%, the verdicts follow the tolerances the proposal was made with
    app.button(key="reb_run").click().run()
    assert next(m for m in app.metric if m.label == "Largest deviation").delta == "US Central, value, kept as it is"
    within = next(m for m in app.metric if m.label == "Within tolerance")
    assert "±3% workload, ±20% value" in within.help


def test_a_rep_who_leaves_counts_his_accounts_as_changing_hands(app):
    # Tom Becker leaves US South, which stays: his accounts change rep (or wait) without changing territory. The
    # count is the Plans page's (territory or rep), and its help says how many are left waiting.
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R08").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    _, _, impact, diff, _, _ = app.session_state["reb_proposal"]
    metric = next(m for m in app.metric if m.label == "Accounts changing")
    assert int(metric.value.replace(",", "")) == len(diff.accounts) > impact.team["accounts_moved"]
    becker = diff.accounts["from_rep_id"] == "R08"
    assert becker.sum() > 100  # every account he held changes hands
    waiting = int((diff.accounts["from_rep_id"].notna() & diff.accounts["to_rep_id"].isna()).sum())
    assert f"{impact.team['accounts_moved']:,} of them change territory" in metric.help
    served = int((diff.accounts["from_rep_id"].isna() & diff.accounts["to_rep_id"].notna()).sum())
    assert (f"{waiting:,} that had a rep are left waiting for one" in metric.help) == (waiting > 0)
    assert (f"{served:,} that had no rep get one" in metric.help) == (served > 0)
    # the parts by rep add up to the figure
    parts = re.findall(r"([\d,]+) (?:go from one rep|keep their rep|that had no rep|that had a rep|without a rep)",
                       metric.help)  # fmt: skip
    assert sum(int(p.replace(",", "")) for p in parts) == len(diff.accounts)
    assert metric.delta == (f"{waiting:,} left without a rep" if waiting else "")
    # Mei Tanaka, Canada West's only rep: its accounts go to US West, whose reps are at capacity; the headline
    # says so in red (the score went up and it read well)
    app.selectbox(key="reb_leaving").set_value("R11").run()
    app.button(key="reb_run").click().run()
    _, _, _, diff, _, _ = app.session_state["reb_proposal"]
    waiting = int((diff.accounts["from_rep_id"].notna() & diff.accounts["to_rep_id"].isna()).sum())
    metric = next(m for m in app.metric if m.label == "Accounts changing")
    assert waiting > 100 and metric.delta == f"{waiting:,} left without a rep"
    # and the team's score falls with the accounts left waiting (it rose, counting the accounts with a rep alone)
    caption = next(c.value for c in app.caption if c.value.startswith("Team balance score"))
    before, after = (float(x) for x in re.findall(r"(\d\.\d{3})", caption)[:2])
    assert after < before, caption
    # the accounts in no territory said beside those waiting in one (the warning's "with no rep across the team"
    # counts both: a new user read the two figures as a contradiction)
    assert re.search(r"\([\d,]+ → [\d,]+ waiting in a territory; 1,946 → [\d,]+ in no territory, with no rep either\)",
                     caption), caption  # fmt: skip


def test_a_territory_hemmed_in_by_heavy_regions_is_said_and_judged_against_its_bound(app):
    # Ten territories from scratch on the states, balanced on accounts and people: some regions keep any territory
    # holding them far off on some metric (the Netherlands among Germany, France and the United Kingdom).
    app.radio(key="reb_scenario").set_value("territories").run()
    app.number_input(key="reb_k").set_value(10).run()
    app.pills(key="reb_metrics").set_value(["accounts", "population"]).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    report = app.session_state["reb_proposal"][0].report
    assert report.hemmed, "expected a hemmed-in territory on the demo states"
    # (more than three: in one folded box)
    said = [i.value for i in app.info if "however a territory holding it is drawn" in i.value] + [
        m.value.removeprefix("- ") for e in app.expander for m in e.markdown
        if "however a territory holding it is drawn" in m.value
    ]  # fmt: skip
    # (Europe's territories, whose four countries were split every way, have that note instead)
    split = {t for group in report.split_best for t in group}
    hemmed_apart = {t: h for t, h in report.hemmed.items() if t not in split}
    assert hemmed_apart and len(said) == len(hemmed_apart)
    if split:
        assert any("the only territories that can trade" in i.value for i in app.info)
    rows = proposal_table(app).value.set_index("territory")
    names = {t: n for t, n in zip(report.territories["territory_id"], rows.index, strict=True)}
    for territory_id, hemmed in hemmed_apart.items():
        sentence = next(s for s in said if s.startswith(names[territory_id] + " holds "))
        bound = math.floor(hemmed["bound"] * 1000 + 1e-9) / 10  # (a lower bound, rounded down)
        assert f"at least {bound:.1f}% off its share on some metric" in sentence
        worst = rows.loc[names[territory_id], ["accounts_deviation", "population_deviation"]].abs().max()
        # judged on its worst metric against the bound (and what its own regions force): within it is the best
        # possible, not a miss
        assert worst > 0.05 and rows.loc[names[territory_id], "within"] in {"best possible", "no"}
        if worst <= hemmed["bound"] + 1e-9:
            assert rows.loc[names[territory_id], "within"] == "best possible"


def test_the_settings_and_the_proposal_survive_a_look_at_another_page(app):
    # Streamlit forgets a widget's value on a page that does not draw it: every setting is kept by the page, so a
    # proposal made before a look at the Plans page can still be accepted after it.
    app.radio(key="reb_level").set_value("county").run()
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").select_index(1).run()
    leaver = app.selectbox(key="reb_leaving").value
    app.slider(key="reb_tolerance").set_value(7).run()
    app.slider(key="reb_seconds").set_value(3).run()
    app.checkbox(key="reb_one_way").check().run()
    app.pills(key="reb_metrics").set_value(["workload", "accounts"]).run()
    locked = "EUW"  # (Europe West)
    app.multiselect(key="reb_locked").set_value([locked]).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.button(key="reb_accept").disabled
    app.switch_page("pages/plans.py").run()
    app.switch_page("pages/rebalance.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.radio(key="reb_level").value == "county"
    assert app.radio(key="reb_scenario").value == "rep_leaves"
    assert app.selectbox(key="reb_leaving").value == leaver
    assert app.slider(key="reb_tolerance").value == 7 and app.slider(key="reb_seconds").value == 3
    assert app.checkbox(key="reb_one_way").value
    assert app.pills(key="reb_metrics").value == ["workload", "accounts"]
    assert app.multiselect(key="reb_locked").value == [locked]
    assert not any("settings changed" in w.value for w in app.warning)
    assert not app.button(key="reb_accept").disabled
    # an option hidden by another scenario comes back as it was chosen
    app.radio(key="reb_scenario").set_value("territories").run()
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    assert app.checkbox(key="reb_one_way").value


def test_more_time_is_advised_only_when_the_clock_stopped_the_search(app):
    app.radio(key="reb_scenario").set_value("territories").run()
    app.number_input(key="reb_k").set_value(6).run()
    app.slider(key="reb_tolerance").set_value(1).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    report = app.session_state["reb_proposal"][0].report
    outside = " ".join(c.value for c in app.caption if isinstance(c.value, str) and c.value.startswith("Outside"))
    assert outside  # at ±1% some territory is out
    if report.cut_short:
        assert "propose again with more time" in outside
    else:
        assert "ended by itself (more time gives the same plan)" in outside and "more time," not in outside
        assert "work with US counties" in outside  # (states and provinces here)


def test_a_territory_said_outside_a_tight_tolerance_reads_beyond_it(app):
    # at ±1% a territory 1.03% off was listed as "workload +0.8%, value +1.0%": each territory listed now shows
    # some figure that reads beyond ±1% (with the decimals that tell). (Rebalancing the demo, Canada West's −5.1% is
    # now "best possible": no split of the two territories' twelve states does better. Eight drawn anew leave some
    # out.)
    app.radio(key="reb_scenario").set_value("territories").run()
    app.number_input(key="reb_k").set_value(8).run()
    app.slider(key="reb_tolerance").set_value(1).run()
    app.button(key="reb_run").click().run()
    outside = next(c.value for c in app.caption if isinstance(c.value, str) and c.value.startswith("Outside"))
    listed = re.findall(r"\(((?:[a-z ]+ [+-][\d.]+%(?:, )?)+)\)", outside)
    assert listed
    for figures in listed:
        assert any(abs(float(f)) > 1.0 for f in re.findall(r"([+-][\d.]+)%", figures)), figures
    # The table's figures too: "+1.0%" beside "best possible" for +1.04% (and "1.0%" for 0.97%, inside).
    from territory.formatting import deviation_digits

    # (one number of decimals for both metrics, now and after: the most any needs; "-9.5%" now stood beside "-6.42%"
    # after, the twelfth new user)
    def same_decimals(count: int) -> None:
        columns, table = json.loads(proposal_table(app).proto.columns), proposal_table(app).value
        shown = [f"{m}_{when}" for m in ("workload", "value") for when in ("deviation", "before")
                 if f"{m}_{when}" in table]  # fmt: skip
        assert len(shown) == count
        # (at most two: "8.340%" and "-12.713%" in one proposal, "-29.3%" in the next, the fifteenth new user)
        needed = min(max(deviation_digits(v, 0.01) for c in shown for v in table[c].dropna()), 2)
        for column in shown:
            assert columns[column]["type_config"]["step"] == pytest.approx(10.0 ** -(needed + 2))

    same_decimals(2)  # (drawn anew: no figures now)
    app.radio(key="reb_scenario").set_value("rebalance").run()
    app.button(key="reb_run").click().run()
    same_decimals(4)
    # (whether this plan has a figure that needs more than one decimal depends on the plan: the page's column for
    # one that does is tested at county level, test_figures_beside_a_groups_mean_show_which_side_of_it_they_are_on)


def test_figures_beside_a_groups_mean_show_which_side_of_it_they_are_on(app):
    # Eight on the counties at ±1%: the mainland's mean is +4.9%, so +5.9% is its edge. "5.9% near group mean" stood
    # beside "5.9% no"; the table and the "Outside" caption now show as many decimals as tell the two apart.
    app.slider(key="reb_tolerance").set_value(1).run()
    drawn_anew_on_counties(app, 8)
    report = app.session_state["reb_proposal"][0].report
    rows = report.territories.set_index("territory_id")
    columns = json.loads(proposal_table(app).proto.columns)
    digits = round(-math.log10(columns["workload_deviation"]["type_config"]["step"])) - 2
    edges = {t: c["workload"] + 0.01 for t, c in report.centres.items() if "workload" in c}
    assert edges
    assert 1 <= digits <= 2  # (a hair's breadth from an edge, the Within column says the side: not "8.340%")
    for t, edge in edges.items():
        value = rows.loc[t, "workload_deviation"]
        shown = round(value * 100, digits) / 100
        if abs(value - edge) >= 0.5 * 10.0 ** -(digits + 2):
            assert (shown > edge) == (value > edge) and shown != round(edge * 100, digits) / 100, (t, value, edge)
    outside = next((c.value for c in app.caption if isinstance(c.value, str) and c.value.startswith("Outside")), "")
    for t in rows.index[rows["within"].eq(False)]:
        if t in edges:
            said = re.search(re.escape(app.session_state["reb_proposal"][0].plan.territory(t).name)
                             + r" \(workload ([+-][\d.]+)%", outside)  # fmt: skip
            if said:
                text, value, edge = said.group(1), rows.loc[t, "workload_deviation"], edges[t]
                d = len(text.split(".")[1])
                shown = float(text) / 100
                assert (shown > edge) == (value > edge) and round(shown * 100, d) != round(edge * 100, d), (text, edge)


def test_who_accepts_is_asked_and_saved_not_the_login_name(app):
    from territory.store import PlanStore, default_database_url

    app.session_state["author_name"] = ""
    app.button(key="reb_run").click().run()
    accept = app.button(key="reb_accept")
    assert accept.disabled and accept.proto.help == "Give your name first: it is saved with the draft"
    app.text_input(key="reb_author").input("Ines <b>Ortega</b>").run()
    app.button(key="reb_accept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    plan_id, _ = app.session_state["store_plan"]
    assert PlanStore(default_database_url()).versions(plan_id)[0].author == "Ines <b>Ortega</b>"
    app.switch_page("pages/plans.py").run()
    assert app.text_input(key="plan_author").value == "Ines <b>Ortega</b>"  # one name for both pages


def test_no_lock_advice_for_a_region_of_a_territory_that_goes(app):
    # Mei Tanaka is Canada West's only rep: it goes, its provinces go to its neighbours (across the border for
    # some). Locking one was advised, and then refused ("Alberta is locked in Canada West, which goes").
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    assert app.selectbox(key="reb_leaving").options[0] == "Mei Tanaka — Canada West (only rep)"
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    notes = [i.value.replace("\\", "") for i in app.info if i.value.startswith("Across a border: ")]
    assert notes, [i.value for i in app.info]
    for note in notes:
        assert "lock it (Locked regions)" not in note
        assert "from a territory that goes, so locking cannot keep" in note
    # Every territory left is kept as it is after taking the provinces: no note about groups "near" their means
    # (a new user's test: five such groups were listed, each judged "no")
    assert not any("trade only among themselves" in i.value for i in app.info)


def test_many_hemmed_in_territories_are_said_in_one_box(app):
    # one territory per state or province: about 17 "holds …, near heavy regions" boxes stood above the table
    app.radio(key="reb_scenario").set_value("territories").run()
    box = app.number_input(key="reb_k")
    box.set_value(offered(box)[1]).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    report = app.session_state["reb_proposal"][0].report
    # (territories whose few regions were split every way have that note instead: Europe's)
    split = {t for group in report.split_best for t in group}
    hemmed = {t: h for t, h in report.hemmed.items() if t not in split}
    assert len(hemmed) > 3
    assert not [i for i in app.info if "with heavy regions a few regions away" in i.value]
    # (in the proposal's notes, one line each under a heading that counts them)
    expander = next(e for e in app.expander if e.label.startswith("Notes on this proposal"))
    assert "hemmed in by heavy regions" in expander.label
    assert f"**{len(hemmed)} territories hemmed in by heavy regions: judged against their bounds**" in [
        m.value for m in expander.markdown
    ]
    assert len([m for m in expander.markdown if "with heavy regions a few regions away" in m.value]) == len(hemmed)


def test_a_search_stopped_before_it_ended_is_said(app):
    # A click (Stop the search, or another page) stops the run and the search with it; the next run of the page
    # says so, once. (A run cannot be clicked into in AppTest: the mark a stopped search leaves is set here.)
    app.button(key="reb_run").click().run()
    assert "reb_searching" not in app.session_state  # a search that ended leaves no mark
    app.session_state["reb_searching"] = True
    app.run()
    assert any(i.value.startswith("The last proposal was stopped before it was ready") for i in app.info)
    assert app.session_state["reb_proposal"]  # the proposal on screen stays
    app.run()
    assert not any(i.value.startswith("The last proposal was stopped") for i in app.info)


def test_a_name_cleared_and_accept_clicked_at_once_saves_nothing(app):
    # The button was drawn while the name was there; the click comes with the name cleared: refused, said, and no
    # draft saved under the server's login name.
    from territory.store import PlanStore, default_database_url

    app.button(key="reb_run").click().run()
    store = PlanStore(default_database_url())
    before = len(store.plans())
    app.text_input(key="reb_author").set_value("")
    app.button(key="reb_accept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("give your name before accepting" in e.value for e in app.error)
    assert app.session_state["reb_proposal"]  # still there, to accept with a name
    assert len(store.plans()) == before


def test_a_failed_search_is_not_said_to_be_stopped(app, monkeypatch):
    import geo.editing

    def failing(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(geo.editing, "propose_at_level", failing)
    app.button(key="reb_run").click().run()
    assert app.exception  # (shown as it is)
    assert "reb_searching" not in app.session_state
    monkeypatch.undo()
    app.run()
    assert not any(i.value.startswith("The last proposal was stopped") for i in app.info)


def test_a_plan_with_no_territories_opens_the_page(app):
    import dataclasses

    from territory.edits import rebase

    app.switch_page("pages/edit_map.py").run()  # (the page that keeps the edit history)
    history = app.session_state["edit_history"]
    current = history.current
    empty = dataclasses.replace(current.plan, territories=(),
                                reps=tuple(dataclasses.replace(r, territory_ids=()) for r in current.plan.reps))  # fmt: skip
    app.session_state["edit_history"] = history.push(rebase(current, empty, "empty"), "empty")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    app.switch_page("pages/rebalance.py").run()
    assert not app.exception, [e.value for e in app.exception]
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    assert not app.exception, [e.value for e in app.exception]


def test_the_largest_deviation_of_a_kept_territory_that_took_regions_says_so(app):
    # All of US West goes; Canada West, kept (it can trade with no one left), takes its regions and ends far over:
    # its help said "this proposal does not change it" (a reviewer's case).
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("territory:USW").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    largest = next(m for m in app.metric if m.label == "Largest deviation")
    assert largest.delta.startswith("Canada West") and largest.delta.endswith(", kept after taking regions")
    assert "It took regions of the territory that goes" in largest.help and "does not change it" not in largest.help


def test_a_proposal_that_moves_nothing_with_a_region_locked_cannot_be_accepted(app):
    # Idaho locked at ±1%: nothing moves, yet the plans differed in the order of their regions, so Accept was on and
    # saved a draft the Plans page called "the same plan" (a new user's test)
    app.slider(key="reb_tolerance").set_value(1).run()
    app.multiselect(key="reb_locked_regions").set_value(["US-ID"]).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    figures = {m.label: m.value for m in app.metric}
    assert figures["Regions moved"] == "0" and figures["Accounts changing"] == "0"
    assert app.button(key="reb_accept").disabled
    assert any(i.value.startswith("**No change") for i in app.info)


def test_territories_that_trade_only_among_themselves_are_said_with_where_they_are_aimed(app):
    # A new rep joins in North Carolina (Florida, where it was, is Noah Williams's home, which stays his): US Central, kept
    # (its focus), lies between US West with Canada West and US South. Each pair shares what its regions hold: US
    # South "best possible" at -14% had no word of why.
    new_rep_joins(app, "Carolinas", "US-NC")
    centres = app.session_state["reb_proposal"][0].report.centres
    assert centres
    note = next(i.value for i in app.info if i.value.startswith("Not every territory can trade regions"))
    assert "territories kept as they are, said below, lie between some of them" in note
    for t, c in centres.items():
        name = app.session_state["reb_proposal"][0].plan.territory(t).name
        assert name in note and f"{c['workload']:+.1%} on workload" in note


def test_territories_that_share_a_few_regions_say_why_they_are_best_possible(app):
    # Twelve territories drawn anew on the counties: Europe's four countries, in a row GB-FR-DE-NL, for two of them.
    # Germany & Netherlands at -30% was "best possible" with only the column's help to say why; a note now says
    # every split was tried. The mainland's territories, aimed at their mean (+4.9%), are "near group mean" where
    # beyond the tolerance: counties give the search fine control, so no region forces them there.
    drawn_anew_on_counties(app, 12)
    table = proposal_table(app).value.set_index("territory")
    assert table.loc["Germany & Netherlands", "within"] == "best possible", table["within"].to_dict()
    note = next(i.value for i in app.info if "the only territories that can trade" in i.value)
    assert "Germany & Netherlands" in note and "the only territories that can trade their 4 regions" in note, note
    assert all(country in note for country in ("France", "Germany", "Netherlands", "United Kingdom")), note
    # (and no hemmed-in note besides for either of the two: the same four countries said three times)
    texts = [i.value for i in app.info] + [m.value for m in app.markdown]
    assert not any(t.lstrip("- ").startswith(("Germany & Netherlands holds", "Europe West holds")) for t in texts)
    report = app.session_state["reb_proposal"][0].report
    by_id = report.territories.set_index("territory_id")
    # (the mainland's centre: Texas with Louisiana, a land mass of their own here, have their own)
    centre = Counter(c.get("workload") for c in report.centres.values()).most_common(1)[0][0]
    mainland = [t for t, c in report.centres.items() if c.get("workload") == centre]
    assert len(mainland) >= 6 and 0 < centre < 0.05
    for t in mainland:
        off = by_id.loc[t, ["workload_deviation", "value_deviation"]].abs().max()
        if off > 0.05 + 1e-9 and by_id.loc[t, "within"] and t not in report.hemmed:
            assert by_id.loc[t, "within_by"] == "group mean", by_id.loc[t].to_dict()
    # Drawn over white space (and over accounts the old territories' focus turned away), the territories take
    # accounts that had no territory: these bring quota at the plan's rate, said above the table. A territory
    # holding four times its quota's value scored 0 for balance (a new user's test).
    proposal, new_state = app.session_state["reb_proposal"][:2]
    from territory import plan_from_dict

    old_total = sum(t.annual_quota for t in plan_from_dict(json.loads(app.session_state["plan_json"])).territories)
    new_total = sum(t.annual_quota for t in proposal.plan.territories)
    assert new_total > old_total
    (quotas,) = [e for e in app.expander if e.label.startswith("Annual quotas follow the accounts")]
    said = " ".join(c.value for c in quotas.caption)
    assert "accounts that had no territory bring quota at the plan's rate" in said, said
    from territory.balance import compute_balance

    scores = compute_balance(proposal.plan, new_state.result).territories
    assert (scores.loc[scores["reps"] > 0, "balance_score"] > 0).all(), scores[["name", "balance_score"]]


def test_a_group_apart_with_territories_of_its_own_says_what_they_hold_on_average(app):
    # Eighteen on the counties: Texas and Louisiana, apart (no territory holds the states between), hold 1.5
    # shares and get two territories, each about a quarter short. They read "near group mean" where the note gave
    # only the mainland's average.
    drawn_anew_on_counties(app, 18)
    proposal = app.session_state["reb_proposal"][0]
    texas = next(part for part in proposal.apart if "US-48201" in part)
    members = set(proposal.labels.reindex(list(texas)).dropna())
    assert len(members) == 2
    note = next(i.value for i in app.info if i.value.startswith("Out of reach of the other regions"))
    said = re.search(r"([^.]*) share what their regions hold: on average ([+-]\d+\.\d)% on workload", note)
    assert said, note
    centre = proposal.report.centres[sorted(members)[0]]["workload"]
    assert float(said.group(2)) == pytest.approx(round(centre * 100, 1)) and centre < -0.05


def _moved_on_the_edit_page(app, regions, target) -> None:
    app.switch_page("pages/edit_map.py").run()
    app.multiselect(key="twin_regions").set_value(regions).run()
    app.selectbox(key="twin_target").set_value(target).run()
    app.button(key="twin_move").click().run()
    assert not app.exception, [e.value for e in app.exception]
    app.switch_page("pages/rebalance.py").run()


def test_accepting_over_unsaved_edits_saves_them_first_or_says_they_go(app, tmp_path):
    # Kansas moved to US West on the Edit page, unsaved, then a proposal accepted: the draft opened and the edit to
    # plan #1 was gone, unasked (a new user's test). Now it is saved first as plan #1's next version (by default),
    # and the draft says it comes from that version.
    from territory.store import PlanStore

    app.run()
    _moved_on_the_edit_page(app, ["US-KS"], "USW")
    app.button(key="reb_run").click().run()
    searches = app.session_state["reb_proposal"][0].report.searches  # (the proposal goes once accepted)
    box = app.checkbox(key="reb_save_first")
    assert box.value and box.label == "Save my unsaved changes to plan #1 first (as version 2)"
    app.button(key="reb_accept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state["store_plan"] == (2, 1)
    store = PlanStore(f"sqlite:///{tmp_path}/territory.sqlite")
    kept = store.load(1, 2)
    assert "US-KS" in next(t for t in kept.plan.territories if t.territory_id == "USW").region_ids
    assert kept.author == "Tess" and kept.message == "Edits saved before accepting a rebalance proposal"
    # with the edit in the audit log, as a save on the Plans page logs it (unlogged: a review)
    logged = store.audit(1).query("action == 'edit'")["detail"].tolist()
    assert logged == ["Moved Kansas (US-KS) to US West"], logged
    # the draft says what was done, from which version, and with which settings (a new user's test: the settings
    # were not recorded)
    # (and the seed and searches that give the same plan again: the eleventh new user's suggestion)
    assert store.load(2, 1).message == (
        "The current territories rebalanced (from plan #1 v2). Settings: workload ±5%, value ±5%; state level; "
        f"sized by capacity; keep-accounts weight 1; 2 s search; seed 0, {searches} search"
        + ("es" if searches > 1 else "")
    )


def test_accepting_with_save_first_unticked_drops_the_edits_and_says_so(app, tmp_path):
    from territory.store import PlanStore

    app.run()
    _moved_on_the_edit_page(app, ["US-KS"], "USW")
    app.button(key="reb_run").click().run()
    app.checkbox(key="reb_save_first").uncheck().run()
    assert any("Your unsaved edits to plan #1 will be dropped" in c.value for c in app.caption)
    app.button(key="reb_accept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    store = PlanStore(f"sqlite:///{tmp_path}/territory.sqlite")
    assert [v.version for v in store.versions(1)] == [1]
    assert app.session_state["store_plan"] == (2, 1)
    assert "(from plan #1 v1). Settings: " in store.load(2, 1).message


def test_a_rep_leaving_with_kept_territories_and_pieces_fits_its_table_at_1280_px(app):
    # Sarah Chen leaves: kept territories, US South in two pieces, "best possible", and the metrics now and after.
    # The name column took its least (112 px) and the table still ran 44 px past the page, "Value after" cut (a new
    # user's test): the count of regions gives way (the moves table lists them).
    app.run()
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R01").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    frame = next(d for d in app.dataframe if {"territory", "within"} <= set(d.value.columns))
    config = json.loads(frame.proto.columns or "{}")
    shown = list(frame.proto.column_order) or [str(c) for c in frame.value.columns]
    widths = {c: (config.get(f"col:{c}") or config.get(c) or {}).get("width") for c in shown}
    assert {"locked", "workload_before", "value_deviation"} <= set(widths), widths
    assert None not in widths.values() and sum(widths.values()) <= 818, widths
    assert widths["territory"] >= 112


def test_a_proposal_cut_short_names_the_time_it_had_not_the_slider_s_now(app):
    # A new user's test: a 2 s proposal read "used all their 10 s" once the slider was moved to 10.
    app.slider(key="reb_seconds").set_value(1).run()
    drawn_anew_on_counties(app, 12)  # (a plan from scratch on the counties uses all of 1 s)
    assert app.session_state["reb_proposal"][0].report.cut_short
    app.slider(key="reb_seconds").set_value(7).run()
    said = " ".join(c.value for c in app.caption if isinstance(c.value, str) and " used all " in c.value)
    assert "used all their 1 s" in said or "used all its 1 s" in said, said


def test_a_rep_leaving_when_no_two_territories_can_trade_says_only_the_handing_out(app):
    # A new user's test: "1 of 5 territories rebalanced" stood beside "no two of the territories left can trade
    # regions, so nothing else moves" (Luke Anderson, US Central's only rep, leaves; three territories locked and
    # North America East kept by its own focus: US South takes US Central's regions, and that is all).
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R10").run()  # Luke Anderson
    app.multiselect(key="reb_locked").set_value(["CAW", "EUW", "USW"]).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state["reb_proposal"][0].handed_out_only
    said = " ".join(m.value for m in app.markdown if "nothing else moves" in m.value)
    assert "1 of 5 territories takes the leaving territory's regions" in said and "rebalanced;" not in said, said


def test_all_of_a_territory_alone_on_its_land_mass_can_go(app):
    # A new user's test: "All of Europe West" was refused ("alone on its land mass") while "All of US South" went.
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("territory:EUW").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    proposal = app.session_state["reb_proposal"][0]
    assert "EUW" not in {t.territory_id for t in proposal.plan.territories}
    # what it costs is said as for any territory that goes: its regions and accounts are in no territory
    # in one box with the regions no territory takes over and what to do (a red box and two yellow ones said it,
    # the same accounts twice, a new user's test)
    (said,) = [e.value for e in app.error]
    assert said.startswith(
        "200 accounts worth $1,896,500 would be left in no territory: 200 in France, Germany, Netherlands, United "
        "Kingdom, which no territory takes over. The balance figures do not count them.\n\nLeft without a territory: "
    ) and said.endswith("give them to a territory on the Edit map page."), said
    assert not any(w.value.startswith(("Left without a territory", "Coverage gap")) for w in app.warning)
    # the team's score rises as those accounts leave every territory: said beside it (read as a better plan)
    (score,) = [c.value for c in app.caption if c.value.startswith("Team balance score")]
    before, after = (float(x) for x in re.match(r"Team balance score ([\d.]+) → ([\d.]+)", score).groups())
    # the regions moved that go to no territory, said beside their number ("Regions moved 4" stood for the four
    # countries no territory takes, a new user's test)
    moved = next(m for m in app.metric if m.label == "Regions moved")
    assert moved.proto.delta.endswith("4 to no territory"), moved.proto.delta
    assert after > before and score.endswith(
        "Accounts in no territory do not count in it: it rises here while 200 more accounts would be in no territory."
    ), score


def test_a_search_stopped_by_a_click_proposes_the_best_plan_found_so_far(app, monkeypatch):
    # A new user's test: "Stop the search" at 3.3 s of 10 gave "no new proposal was made". A click reaches the search
    # as Streamlit's stop of the run, raised by the progress bar (simulated here: AppTest cannot click during a run),
    # and Streamlit starts the next run at once; the stopped run can no longer touch the session state: it hands the
    # plan found so far to the next run, which keeps it as the proposal, said to be stopped.
    looks = propose_and_stop(app, monkeypatch)
    assert looks  # (the search was stopped mid-way)
    assert app.session_state["reb_searching"]["done"].is_set()  # (handed over)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    proposal = app.session_state["reb_proposal"][0]
    assert proposal.stopped_after is not None
    assert "reb_searching" not in app.session_state
    assert any(re.match(r"Stopped after \d+\.\d s: the best plan found so far", i.value) for i in app.info)
    assert not any(i.value.startswith("The last proposal was stopped") for i in app.info)
    # (the eleventh new user's test: "used all their 10 s … the clock, not the settings, ended it" stood under it)
    said = [c.value for c in app.caption if "searches ran side by side" in c.value or c.value.startswith("The search")]
    assert len(said) == 1 and re.search(r"stopped when you asked, after \d+\.\d of (its|their) 2 s", said[0]), said
    assert not any("used all" in c.value or "the clock, not the settings" in c.value for c in app.caption)
    assert app.button(key="reb_accept")  # (it can be accepted as any proposal)


def test_a_rep_leaving_a_full_team_is_said_at_the_top_of_the_proposal(app):
    # A new user's test: Luke Anderson leaves; six Midwest states go to US South, whose reps are at 100% and gain no
    # account; 281 left without a rep, and nothing at the top said the team could not take his book.
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R10").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    said = [w.value.replace("\\", "") for w in app.warning if "of Luke Anderson" in w.value]  # (escaped Markdown)
    assert len(said) == 1 and said[0].startswith("The team is full: "), said
    assert re.search(r"of Luke Anderson's accounts will wait for a rep; the team's capacity is short by [\d,]+ "
                     r"accounts", said[0])  # fmt: skip
    # (a replacement where they wait: a new territory carved elsewhere left them waiting, the tenth new user's test)
    assert "US South's reps are at 100%" in said[0]
    assert re.search(
        r"add a rep to US South( and [^.]+)? on the Reps page, as a replacement for Luke Anderson", said[0]
    )
    assert "US South: " in said[0]  # (the remedies territory by territory)
    # ("1,234 more accounts in US South wait for a rep: its reps are at capacity" said it again under the figures)
    # (the team's count, "Accounts with no rep across the team: …", is not the shortfall's: it stays)
    again = [w.value for w in app.warning if "for a rep" in w.value and "at capacity" in w.value
             and not w.value.startswith("Accounts with no rep across the team")]  # fmt: skip
    assert len(again) == 1, again
    # No rep leaves: nothing of the kind.
    app.radio(key="reb_scenario").set_value("rebalance").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert not [w.value for w in app.warning if "will wait for a rep" in w.value]


def test_tolerances_set_per_metric_are_said_on_the_form_and_in_the_headline(app):
    # Workload 12 and value 15 set in the collapsed box, the slider still at 5: the form said nothing, and the
    # proposal read "Within tolerance 3 of 5" judged against 12/15 (a new user's test).
    assert not any(c.value.startswith("Per metric, in use") for c in app.caption)
    assert not app.slider(key="reb_tolerance").disabled
    app.number_input(key="reb_tol_workload").set_value(12).run()
    assert any(c.value == "Per metric, in use: workload ±12% (Tolerance per metric, below)" for c in app.caption)
    assert app.slider(key="reb_tolerance").label == "Tolerance for value (±% of the mean)"
    app.number_input(key="reb_tol_value").set_value(15).run()
    said = "Per metric, in use: workload ±12%, value ±15% (Tolerance per metric, below)"
    assert any(c.value == said for c in app.caption)
    slider = app.slider(key="reb_tolerance")
    assert slider.disabled and "not in use" in slider.label
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    within = next(m for m in app.metric if m.label == "Within tolerance")
    assert within.delta.startswith("at ±12% workload, ±15% value"), within.delta
    assert any(
        c.value.startswith(
            "Within: “yes” when every metric is within its tolerance of the territory's share "
            "(workload ±12%, value ±15%)."
        )
        for c in app.caption
    ), [c.value for c in app.caption]


def test_the_largest_deviation_in_a_kept_territory_says_so_and_reps_changes_read_well(app):
    # North America East, locked, was named the largest deviation as though the search could change it; and the
    # reps' box read "(0 change)" (a new user's test).
    app.multiselect(key="reb_locked").set_value(["NAE"]).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    largest = next(m for m in app.metric if m.label == "Largest deviation")
    rows = app.session_state["reb_proposal"][0].report.territories.set_index("territory_id")
    from territory.rebalance import largest_deviation

    far = largest_deviation(rows.reset_index(), app.session_state["reb_tol_used"])[0]
    assert rows.loc[far, "locked"]
    assert largest.delta.endswith(", kept as it is"), largest.delta
    assert "Of the territories this proposal could change, the farthest is " in largest.help
    (reps,) = [e for e in app.expander if e.label.startswith("Reps: who covers each territory")]
    assert reps.label == "Reps: who covers each territory (no change)"


def test_figures_now_are_the_current_plan_s_when_a_rep_s_territory_goes(app):
    # Luke Anderson leaves US Central, its only rep: "Workload before" showed Canada West at +196% (measured once it
    # had taken most of US Central's regions) while today it is the smallest territory; another scenario called the
    # same column "Workload now" (a new user's test).
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R10").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    from tests.pages.test_display_formats import column_formats

    labels = set(column_formats(proposal_table(app)))
    assert {"Workload now", "Value now", "Workload after"} <= labels and "Workload before" not in labels
    table = proposal_table(app).value.set_index("territory")
    # today's regions against the same shares as after: Canada West, the smallest today, is under its share
    assert table.loc["Canada West", "workload_before"] < 0 and table.loc["Canada West", "value_before"] < 0
    # a territory that neither gives nor takes a region reads the same now and after
    moves = app.session_state["reb_proposal"][4]
    untouched = [t for t in table.index if t not in set(moves["from_name"]) | set(moves["to_name"])]
    assert untouched
    for t in untouched:
        assert table.loc[t, "workload_before"] == pytest.approx(table.loc[t, "workload_deviation"], abs=1e-3)
    # the one that takes US Central's regions gains on its figure now
    takers = set(moves["to_name"]) & set(table.index)
    assert takers and all(table.loc[t, "workload_deviation"] > table.loc[t, "workload_before"] for t in takers)


def test_every_rep_s_name_shows_whole_in_the_reps_table(app):
    # At 1280 px "Reps after" cut "Priya Patel, Diego Alvarez, Hannah" and "Tom Becker, Aisha Okafor, Noah Wi" (a new
    # user's test): the rows are tall enough for the longest list of names wrapped in the column's width.
    from pages.shared import CELL_PADDING, CHARACTER_WIDTH, WRAPPED_LINE
    from tests.pages.test_display_fit import _shown_widths

    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    (reps,) = [e for e in app.expander if e.label.startswith("Reps: who covers each territory")]
    table = reps.dataframe[0]
    names = [*table.value["now"], *table.value["after"]]
    assert "Priya Patel, Diego Alvarez, Hannah Kim" in names
    widths = _shown_widths(table)
    assert None not in widths.values() and sum(widths.values()) <= 786, widths  # (the expander's width at 1280 px)
    per_line = int((widths["Reps after"] - 2 * CELL_PADDING) / CHARACTER_WIDTH)
    lines = max(-(-len(str(n)) // per_line) for n in names)
    assert lines >= 2 and table.proto.row_height >= max(68, lines * WRAPPED_LINE + 2 * CELL_PADDING)


def test_a_new_rep_can_be_named_and_given_a_capacity(app):
    # "A new rep joins" made "New rep (US Midwest)" at the team's median capacity, with no way to say who (a new
    # user's test): the name and capacity given go to the proposal and the accepted draft; empty, as before.
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    app.text_input(key="reb_new_name").set_value("Rockies").run()
    app.selectbox(key="reb_home").set_value("US-CO").run()
    assert app.number_input(key="reb_new_capacity").value is None and app.text_input(key="reb_new_rep").value == ""
    app.text_input(key="reb_new_rep").set_value("Ana Ruiz").run()
    app.number_input(key="reb_new_capacity").set_value(150).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    proposal = app.session_state["reb_proposal"][0]
    (new,) = [r for r in proposal.plan.reps if "ROCKIES" in r.territory_ids]
    assert new.name == "Ana Ruiz" and new.capacity == 150 and new.home_region == "US-CO"
    assert any("for Ana Ruiz, of capacity 150" in m.value for m in app.markdown)
    app.button(key="reb_accept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    opened = app.session_state["edit_history"].current.plan
    (kept,) = [r for r in opened.reps if "ROCKIES" in r.territory_ids]
    assert kept.name == "Ana Ruiz" and kept.capacity == 150


def test_a_proposal_waits_for_the_search_to_be_compiled_and_says_why(app, monkeypatch):
    # On a server started without `make run` the compiled loops are built on the first proposal: about a minute with
    # the page saying nothing (a new user's test). They are built in a thread from the server's first page; a
    # proposal made meanwhile waits for it on the progress bar, then searches as usual.
    import threading
    import time

    import pages.shared

    # (the loops "compile" from the moment the proposal waits for them, 0.3 s: a fixed 0.6 s from the test's start
    # had run out on a loaded CI machine before the page got there, and the wait said nothing)
    compiled, waiting = threading.Event(), threading.Event()
    warming = threading.Thread(target=lambda: (waiting.wait(60), time.sleep(0.3), compiled.set()), daemon=True)
    warming.start()
    monkeypatch.setattr(pages.shared, "search_warm_up", lambda: warming)
    texts = []
    real = pages.shared.wait_for_search

    def watched(bar):
        waiting.set()
        real(type("Bar", (), {"progress": lambda self, value, text=None: texts.append(text)})())

    monkeypatch.setattr(pages.shared, "wait_for_search", watched)
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert compiled.is_set() and app.session_state["reb_proposal"]
    assert any(t and t.startswith("Preparing the search: its inner loops are compiled") for t in texts), texts


def test_the_search_is_warmed_up_once_per_server_in_a_thread():
    from pages.shared import search_warm_up

    search_warm_up.clear()
    first = search_warm_up()
    assert first is search_warm_up() and first.name == "search-warm-up" and first.daemon
    first.join(120)
    assert not first.is_alive()


def test_a_click_while_the_search_is_prepared_says_no_proposal_was_made(app, monkeypatch):
    # A click (Stop, another widget) while the compiled loops were loaded stopped the run before the "searching" mark
    # was set: the next run said nothing, the bar and the Stop button gone without a word. It says, as for a search
    # stopped before its plan was ready, that no new proposal was made.
    import threading

    from streamlit.delta_generator import DeltaGenerator
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    import pages.shared

    # (preparing until the click's run is over: a fixed 0.6 s could run out first on a loaded machine)
    done = threading.Event()
    warming = threading.Thread(target=done.wait, args=(60,), daemon=True)
    warming.start()
    monkeypatch.setattr(pages.shared, "search_warm_up", lambda: warming)
    shown = DeltaGenerator.progress

    def progress(self, value, text=None):
        if text is None and value == 0.0:  # (the wait's look at the bar: a click reaches it there)
            raise StopException()
        return shown(self, value, text=text)

    monkeypatch.setattr(DeltaGenerator, "progress", progress)
    app.button(key="reb_run").click().run()
    monkeypatch.undo()
    done.set()
    warming.join()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert "reb_proposal" not in app.session_state and "reb_searching" not in app.session_state
    assert any(i.value.startswith("The last proposal was stopped before it was ready") for i in app.info)


def test_a_new_territory_far_from_its_rep_s_home_is_said_before_accepting(app):
    # A Denver rep's Rockies reached Riverside, CA, 1,300 km away, for its share (the tenth new user's test: "would
    # not pass review"). Held to 800 km of home by default: not far, not said.
    new_rep_joins(app, "Rockies", "US-CO")
    assert not [w.value for w in app.warning if "lies far from" in w.value]
    # With any distance allowed: said with how far and what would keep it nearer.
    app.number_input(key="reb_within_km_joining").set_value(None).run()
    app.button(key="reb_run").click().run()
    said = [w.value.replace("\\", "") for w in app.warning if "lies far from" in w.value]
    assert len(said) == 1, [w.value for w in app.warning]
    share = float(re.search(r"(\d+)% of its workload is more than 500 km away", said[0]).group(1))
    assert share >= 25 and said[0].startswith("Rockies lies far from New rep (Rockies)'s home")
    assert "a smaller capacity for the new rep gives a smaller share, nearer home" in said[0]
    # A new rep at Los Angeles' door: not far, not said.
    app.selectbox(key="reb_home").set_value("US-CA").run()
    app.button(key="reb_run").click().run()
    assert not [w.value for w in app.warning if "lies far from" in w.value]


def test_a_new_territory_held_within_a_distance_of_home(app, tmp_path):
    # What the far-from-home warning asks for, as a setting: the new territory takes only regions within the
    # distance, is sized to what they hold, and is not said to lie far from home.
    from geo.editing import region_points
    from territory.rebalance import great_circle_km
    from territory.store import PlanStore

    app.number_input(key="reb_within_km").set_value(300).run()  # (for every territory: not the new rep's)
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    assert app.number_input(key="reb_within_km_joining").value == 800  # (NEW_TERRITORY_WITHIN_KM, unless cleared)
    app.number_input(key="reb_within_km_joining").set_value(700).run()
    new_rep_joins(app, "Rockies", "US-CO")
    assert not [w.value for w in app.warning if "lies far from" in w.value]
    said = " ".join(m.value.replace("\\", "") for m in [*app.markdown, *app.caption, *app.info])
    assert re.search(
        r"Rockies takes only regions within 700 km of Colorado \(\d+ regions lie within it, joined to "
        r"its home through the territories it trades with\), sized to what "
        r"they hold: 0\.\d\d× an average territory",
        said,
    ), said
    proposal = app.session_state["reb_proposal"][0]
    mine = list(proposal.labels[proposal.labels == "ROCKIES"].index)
    points = region_points([*mine, "US-CO"])
    assert len(mine) > 1 and great_circle_km([points[r] for r in mine], points["US-CO"]).max() <= 700
    fmap = app.session_state["reb_proposal"][5]  # (the map of moves draws the distance around home)
    assert '"radius": 700000.0' in fmap.get_root().render() and "Within 700 km of the new rep" in fmap.legend_html
    # Kept with the proposal's settings, in the draft's message
    app.button(key="reb_accept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    store = PlanStore(f"sqlite:///{tmp_path}/territory.sqlite")
    assert "; new territory within 700 km of home;" in store.load(2, 1).message


def test_the_page_and_the_cli_give_the_same_plan_with_the_seed_and_searches_it_names(app, capsys):
    # A new user compared the page's proposal with `cli.py rebalance` and found no seed on the page: it names the
    # seed and the number of searches, and the CLI given them makes the same moves.
    from tests.conftest import DEMO_ACCOUNTS, DEMO_PLAN
    from tests.test_cli import run_cli

    app.radio(key="reb_scenario").set_value("rep_joins").run()
    app.text_input(key="reb_new_name").set_value("Rockies").run()
    app.selectbox(key="reb_home").set_value("US-CO").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    report = app.session_state["reb_proposal"][0].report
    assert not report.cut_short  # (a search the clock ended gives another plan each time: nothing to compare)
    (said,) = [c.value for c in app.caption if "proposing again gives the same plan" in c.value]
    jobs = re.search(r"--seed 0 --jobs (\d+)", said)
    assert jobs and int(jobs.group(1)) == report.searches, said
    code, out, err = run_cli("rebalance", "--plan", DEMO_PLAN, "--accounts", DEMO_ACCOUNTS, "--skip-invalid",
                             "--scenario", "rep_joins", "--name", "Rockies", "--home", "US-CO", "--seed", "0",
                             "--jobs", jobs.group(1), capsys=capsys)  # fmt: skip
    assert code == 0, err
    cli_moves = {(m["region_id"], m["to_territory_id"]) for m in json.loads(out)["moves"]}
    page_moves = moves_shown(app).value
    proposal = app.session_state["reb_proposal"]
    assert cli_moves == set(zip(proposal[4]["region_id"], proposal[4]["to_territory_id"], strict=True))
    assert len(page_moves) == len(cli_moves) > 0


def test_a_proposal_accepted_as_the_next_version_stays_in_the_plan_s_history(app, tmp_path):
    # Two new users expected the open plan to change and found plans #2 and #3 instead: accepted as the next version,
    # the proposal is version 2 of plan #1, under its name, with the scenario as its message.
    from territory.store import PlanStore

    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R10").run()  # Luke Anderson, US Central's only rep: it goes
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    proposed = app.session_state["reb_proposal"][0].plan
    # (Wisconsin to Canada West, 2,686 km from its rep's home in British Columbia: said before accepting, with what
    # keeps territories nearer, the fifteenth new user)
    warned = [w.value.replace("\\", "") for w in app.warning]  # (Markdown's escapes out)
    far = [w for w in warned if "km from its reps' homes (the farthest region it held lies" in w]
    assert any(w.startswith("Canada West takes Wisconsin, 2,686 km from its reps' homes") for w in far), far
    assert all("“Regions within (km of a rep's home)” above keeps every territory within" in w for w in far)
    button = app.button(key="reb_accept_version")
    assert button.label == "Accept as version 2" and not button.disabled
    button.click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any(s.value.startswith("Saved as version 2 of plan #1") for s in app.success)
    assert app.session_state["store_plan"] == (1, 2)
    store = PlanStore()
    try:
        assert [p.plan_id for p in store.plans()] == [1]
        saved = store.load(1, 2)
        assert saved.plan.name == "Demo FY27 plan" and saved.message.startswith("Luke Anderson leaves")
        assert {t.territory_id for t in saved.plan.territories} == {t.territory_id for t in proposed.territories}
        assert "USC" not in {t.territory_id for t in saved.plan.territories}
    finally:
        store.close()
    # Back to version 1 is one click away, as after a new draft.
    assert app.button(key="reb_back").label == "Back to plan #1 v1"


def test_the_accounts_changing_add_up_to_the_handoffs_and_those_that_keep_their_rep(app):
    # The eleventh new user: "Changing hands" said 3,144 for 8 territories drawn anew while the handoffs added up to
    # 1,609: the others keep their rep in another territory, or have none. The headline says what it counts, and
    # the handoffs say the rest.
    app.radio(key="reb_scenario").set_value("territories").run()
    app.number_input(key="reb_k").set_value(4).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    headline = figures_moved({m.label: m.value for m in app.metric})
    handoffs = next(d.value for d in app.dataframe if "accounts_gained" in d.value.columns)
    said = [c.value for c in app.caption if c.value.startswith("Of the ")]
    assert len(said) == 1, [c.value for c in app.caption]
    found = re.fullmatch(r"Of the ([\d,]+) accounts changing, ([\d,]+) change rep \(the handoffs above\); (.*)\.",
                         said[0])  # fmt: skip
    assert found, said[0]
    total, changing_rep = (int(found.group(i).replace(",", "")) for i in (1, 2))
    rest = sum(int(n.replace(",", "")) for n in re.findall(r"([\d,]+) (?:keep their rep|with no rep)", found.group(3)))
    assert total == headline and changing_rep + rest == total and rest > 0
    assert handoffs["accounts_gained"].sum() == changing_rep


def test_rebalancing_within_a_distance_of_the_reps_homes(app, tmp_path):
    # The new rep's distance, for every territory: at county level, none takes a county over 1,000 km from all of
    # its reps' homes (it keeps those it holds), said in the description and the draft's message. (US West and
    # Canada West trade Idaho's counties: at 600 km none moves, Vancouver and Calgary being farther; at 1,000 some.)
    from geo.editing import region_points
    from territory.rebalance import great_circle_km
    from territory.store import PlanStore

    app.radio(key="reb_level").set_value("county").run()
    assert app.number_input(key="reb_within_km").label == "Regions within (km of a rep's home, optional)"
    app.number_input(key="reb_within_km").set_value(1000).run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    proposal = app.session_state["reb_proposal"][0]
    assert "each territory takes no region over 1,000 km from its reps' homes (it keeps those it holds" in (
        proposal.description
    )
    plan = proposal.plan  # (the same reps: rebalancing moves regions, not reps)
    moved = proposal.labels[proposal.labels.ne(proposal.start) & proposal.labels.notna()]
    assert len(moved)
    points = region_points([*moved.index, *(r.home_region for r in plan.reps if r.home_region)])
    for region, territory in moved.items():
        homes = [points[r.home_region] for r in plan.reps if r.active and territory in r.territory_ids
                 and r.home_region in points]  # fmt: skip
        if homes:
            assert min(great_circle_km([points[region]], h)[0] for h in homes) <= 1000, (region, territory)
    # How far each territory reaches from its reps' homes, in the table (Canada West: Manitoba, from Vancouver)
    table = proposal_table(app).value.set_index("territory")
    columns = json.loads(proposal_table(app).proto.columns)
    # (with a thousands separator, "1,781 km", as the warnings say it: "1781 km" stood under "1,762 km", a review)
    assert columns["farthest"]["label"] == "Farthest" and columns["farthest"]["type_config"]["format"] == "%,.0f km"
    mine = proposal.labels.index[proposal.labels.eq("CAW")]
    points = region_points([*mine, "CA-BC"])
    assert table.loc["Canada West", "farthest"] == pytest.approx(
        max(great_circle_km([points[r] for r in mine], points["CA-BC"])), abs=0.5
    )
    app.button(key="reb_accept").click().run()
    assert (
        "; territories within 1,000 km of their reps' homes;"
        in PlanStore(f"sqlite:///{tmp_path}/territory.sqlite").load(2, 1).message
    )


def test_a_new_rep_with_no_crm_user_is_said_and_a_rep_set_inactive_is_named_under_who_leaves(app):
    # A review: a new rep's 350 accounts were left out of both CRM files unsaid; and Tom Becker, set inactive on the
    # Reps page, was missing from "Who leaves" without a word.
    import json
    from dataclasses import replace

    from territory import plan_from_dict

    new_rep_joins(app, "Rockies", "US-CO")
    said = [i.value.replace("\\", "") for i in app.info if "has no Salesforce user id or HubSpot owner" in i.value]
    assert said and "New rep (Rockies) has no Salesforce user id or HubSpot owner yet" in said[0], said
    assert "CRM files leave out" in said[0]
    plan = plan_from_dict(json.loads(app.session_state["plan_json"]))
    reps = tuple(replace(r, active=False) if r.rep_id == "R08" else r for r in plan.reps)
    app.session_state["plan_json"] = json.dumps(replace(plan, reps=reps).to_dict())
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    assert "R08" not in app.selectbox(key="reb_leaving").options
    assert any("Set inactive on the Reps page, so not listed: Tom Becker (US South)" in c.value.replace("\\", "")
               for c in app.caption)  # fmt: skip


def test_a_state_moved_whole_is_one_row_of_the_moves_table(app):
    # A review: at state level on a plan that hands out counties, "Regions moved 145" was a table of 145 counties for
    # 4 states. One row a state moved whole, "Idaho (all 44 counties)", the counties still counted in the headline.
    import json
    from dataclasses import replace

    from territory import plan_from_dict
    from territory.model import Territory

    plan = plan_from_dict(json.loads(app.session_state["plan_json"]))
    metros = Territory("TXM", "Texas Metros", region_ids=("US-48201",))
    app.session_state["plan_json"] = json.dumps(replace(plan, territories=(*plan.territories, metros)).to_dict())
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R07").run()  # (Hannah Kim, US West)
    app.selectbox(key="reb_leaving").set_value("territory:USW").run()
    app.button(key="reb_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    rows = moves_shown(app).value["region"].tolist()
    whole = [r for r in rows if " (all " in r and r.endswith(" counties)")]
    figures = {m.label: m for m in app.metric}
    assert whole and int(figures["Regions moved"].value.replace(",", "")) > len(rows), rows[:5]
    assert "moved whole, each one row in the table below" in figures["Regions moved"].help


def test_after_a_rep_leaves_the_next_pick_is_a_rep_of_the_same_territory(app):
    # Accepting "Tom Becker leaves" and proposing again picked Mei Tanaka (Canada West's only rep: it goes), the
    # list's first, unsaid (a review).
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("R08").run()  # Tom Becker, US South
    app.button(key="reb_run").click().run()
    app.button(key="reb_accept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    box = app.selectbox(key="reb_leaving")
    assert "— US South" in box.format_func(box.value), box.value
    said = [c.value.replace("\\", "") for c in app.caption if "is not in the plan open now" in c.value]
    # (named, and what a Propose now does: one more click modelled another rep leaving, unnoticed, a new user's test)
    assert said == [
        "Tom Becker, the rep picked before, is not in the plan open now: Aisha Okafor — US South is "
        "picked instead, and Propose models them leaving."
    ], said


def test_a_new_reps_home_is_the_busiest_region_and_a_capacity_far_from_the_teams_is_said(app):
    app.radio(key="reb_scenario").set_value("rep_joins").run()
    home = app.selectbox(key="reb_home")
    free = next(o for o in home.options if "home of" not in o)  # (the busiest region that is no rep's home)
    assert home.value == free.split(" (")[-1].split(")")[0] or home.format_func(home.value) == free
    assert not home.value.startswith("CA-")  # (Alberta, first by id, was the default)
    app.number_input(key="reb_new_capacity").set_value(100_000).run()
    assert any("× the team median" in c.value and "Check the number" in c.value for c in app.caption)


def test_a_region_handed_across_a_border_is_counted_in_the_headline(app):
    # The default proposal's one move hands Idaho to Canada West: said only in the collapsed notes (a review).
    app.button(key="reb_run").click().run()
    moved = next(m for m in app.metric if m.label == "Regions moved")
    assert moved.value == "1" and moved.proto.delta == "1 across a border (notes below)", moved.proto.delta
    assert any("regions across a border" in n.label for n in app.expander)
    # a rep leaving whose regions stay in their country: no border said (Texas and Louisiana go to no territory)
    app.radio(key="reb_scenario").set_value("rep_leaves").run()
    app.selectbox(key="reb_leaving").set_value("territory:USS").run()
    app.checkbox(key="reb_keep_countries").check().run()
    app.button(key="reb_run").click().run()
    assert next(m for m in app.metric if m.label == "Regions moved").proto.delta == "2 to no territory"


def test_the_heavy_territory_said_is_the_heaviest_and_a_stopped_search_is_not_the_best_possible(app, monkeypatch):
    # 38 territories on the states: "Florida would carry 2.3× its share" was said while California carried 5.7×
    # (only territories that took regions were looked at); after "Stop the search" the same warning said "this is
    # the best these territories can do" (a review).
    app.radio(key="reb_scenario").set_value("territories").run()
    app.number_input(key="reb_k").set_value(38).run()
    app.button(key="reb_run").click().run()
    (heavy,) = [w.value.replace("\\", "") for w in app.warning if "× its share" in w.value]
    assert heavy.startswith("California would carry 5.7× its share (New York 4.3×, Texas 3.1×") and (
        "this is the best these territories can do" in heavy
    ), heavy
    propose_and_stop(app, monkeypatch)
    app.run()
    assert app.session_state["reb_proposal"][0].stopped_after is not None
    said = [w.value.replace("\\", "") for w in app.warning if "× its share" in w.value]
    assert len(said) == 1 and "the search was stopped before it finished" in said[0] and "best these" not in said[0], (
        said
    )
