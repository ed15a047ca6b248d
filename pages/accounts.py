"""Accounts: upload a CSV (any CRM export), map its columns, and see every account's outcome and why."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from geo.accounts import (
    ACCOUNT_FIELDS,
    FIELD_LABELS,
    guess_column_map,
    read_headers,
    rows_with_problems,
    shared_columns,
)
from pages.shared import (
    DEMO_ACCOUNTS,
    DEMO_NAME,
    current_accounts,
    current_engine,
    ensure_app_navigation,
    labelled,
    level_labels,
    money_column,
    plain,
    set_accounts,
    show_input_error,
    show_row_problems,
    show_table,
    swap_advice,
    table_height,
    unmatched_owners_warning,
    wrapping_row_height,
)
from territory import InputDataError
from territory.assignment import explain
from territory.exports import spreadsheet_csv
from territory.formatting import counted
from territory.industries import plan_industries as named_industries
from territory.industries import suggest_industries, tiers_missing

ensure_app_navigation()
st.title("Accounts")


@st.cache_data(show_spinner=False, max_entries=4)
def _headers(data: bytes, filename: str) -> list[str]:
    """The file's column headings (read once per file, not on every rerun of the page)."""
    return read_headers(data, filename)


def _loaded_message(loaded, filename: str) -> str:
    """What a load did, with the rows skipped and the warnings counted (the table of them is further down)."""
    # (rows, as the table's heading counts them: "1,148 warnings" stood beside "1,145 placed with a warning", a row
    # having two; a new user's test)
    skipped, warned = rows_with_problems(loaded.problems) if len(loaded.problems) else (0, 0)
    said = [f"{counted(skipped, 'row')} skipped"] if skipped else []
    said += [f"{counted(warned, 'row')} placed with a warning"] if warned else []
    more = f" {' and '.join(said).capitalize()}: see **Rows with problems** below." if said else ""
    # (what reading the file said: the encoding it was read in when not UTF-8, rows of only commas skipped …)
    notes = "".join(f"\n\n{plain(note)}" for note in loaded.notes)
    return f"Loaded {len(loaded.accounts):,} of {loaded.rows:,} rows from {plain(filename)}.{more}{notes}"


with st.expander("Load accounts", expanded=False):
    st.caption(
        "A CSV (commas, tabs or semicolons) with an id and either coordinates or an address (ZIP, city with state or country, or a "
        "region code). Salesforce and HubSpot export headers are recognised; adjust the mapping if needed."
    )
    # (a new file clears the outcome of the last one)
    # (.txt and .tsv: Excel's "Text (Tab delimited)" and "Unicode Text", read as tab-separated)
    upload = st.file_uploader("Accounts CSV", type=["csv", "tsv", "txt"], key="accounts_upload",
                              on_change=lambda: st.session_state.pop("accounts_message", None))  # fmt: skip
    if upload is not None:
        try:
            headers = _headers(upload.getvalue(), upload.name)
        except InputDataError as error:
            show_input_error(error)
            headers = []
        if headers:
            guessed = guess_column_map(headers)
            mapping = {}
            cols = st.columns(3)
            for i, field in enumerate(ACCOUNT_FIELDS):
                options = ["(none)", *headers]
                default = options.index(guessed[field]) if field in guessed else 0
                # Keyed by the file: each new file starts from its own guesses, not the last file's choices.
                choice = cols[i % 3].selectbox(FIELD_LABELS[field], options, index=default,
                                               key=f"map_{field}_{upload.file_id}")  # fmt: skip
                mapping[field] = None if choice == "(none)" else choice  # (none): this field reads no column
            for message in shared_columns(mapping):  # (one column read as two fields: said before loading)
                st.warning(plain(message[0].upper() + message[1:]), icon=":material/call_split:")
            swap = st.toggle("Latitude and longitude are swapped in this file", key="swap_upload")
            if st.button("Load these accounts", type="primary"):
                progress = st.progress(0.0, text="Reading and geocoding…")
                try:
                    loaded = set_accounts(upload.name, upload.getvalue(), column_map=mapping, swap=swap)
                    progress.progress(0.6, text="Assigning to territories and reps…")
                    current_engine()
                    progress.progress(1.0, text="Done")
                    st.session_state["accounts_message"] = ("success", _loaded_message(loaded, upload.name))
                except (InputDataError, ValueError) as error:
                    progress.empty()
                    st.session_state["accounts_message"] = ("error", error)
    if st.button("Back to the demo accounts"):
        set_accounts(DEMO_NAME, DEMO_ACCOUNTS.read_bytes())
        st.session_state["accounts_message"] = ("success", "Back to the demo accounts.")

# The outcome of the last load stays visible until the next one.
kind, message = st.session_state.get("accounts_message", (None, None))
if kind == "error":
    show_input_error(message)
elif kind == "success":
    st.success(message)

loaded = current_accounts()
engine = current_engine()
plan = engine.plan
result = engine.result
if loaded.swapped:
    st.warning(f"Latitude and longitude look swapped in this file: {swap_advice()}.")
unmatched_owners_warning()

counts = result["status"].value_counts()
c = st.columns(4)
c[0].metric("Accounts", f"{len(result):,}", help=f"from {plain(loaded.source)}")
c[1].metric("Assigned", f"{int(counts.get('assigned', 0)):,}")
c[2].metric("Unassigned", f"{int(counts.get('unassigned', 0)):,}")
# (it read "Rows not placed 2" beside "Rows with problems (3)": the third a warning, placed; both labels say which)
skipped_rows = int((loaded.problems["severity"] == "skipped").sum()) if len(loaded.problems) else 0
c[3].metric(
    "Rows skipped (not placed)", f"{skipped_rows:,}",
    help="Rows left out of the accounts. Rows with problems, below, lists them and the rows placed with a warning",
)  # fmt: skip

# The file's industries as the plan names them: a CRM's values (HubSpot's FINANCIAL_SERVICES) rarely match a
# territory's focus or a rep's specialty (fintech), and a focus turns away every account it does not name (the
# eighth new user's HubSpot export).
plan_industries = named_industries(plan)
in_file = loaded.industries_in_file
if in_file is not None and len(in_file) and plan_industries:
    kept_map = dict(loaded.industry_map or {})
    unnamed = [i for i in in_file.index if kept_map.get(i, i) not in plan_industries]
    label = (f"Industries: {len(unnamed)} of the file's {len(in_file)} named by no territory or rep"
             if unnamed else "Industries")  # fmt: skip
    # (open when none of the file's industries is one the plan names: a CRM's own values, every focus missed)
    crm_values = len(unnamed) == len(in_file) and not kept_map
    # Suggested readings for those the plan names no other way (HubSpot's FINANCIAL_SERVICES as fintech: all 8 of a
    # HubSpot export's industries were retyped by hand, the fourteenth new user), until a reading is applied
    suggested = {} if kept_map else suggest_industries(unnamed, plan_industries)
    with st.expander(label, expanded=crm_values):
        st.caption(
            "Territories with an industry focus, and reps' specialties, name industries as the plan does ("
            + plain(", ".join(plan_industries))
            + "). Read each of the file's industries as one of them, or as it is; the file is read again."
            + (f" {counted(len(suggested), 'reading')} {'is' if len(suggested) == 1 else 'are'} suggested from common "
               "CRM names (such as FINANCIAL_SERVICES as fintech): check them, then read the industries as shown."
               if suggested else "")
        )  # fmt: skip
        mapping_shown = st.toggle("Read the file's industries as the plan's",
                                  value=crm_values or bool(kept_map) or bool(suggested),
                                  key=f"industries_edit_{loaded.source}")  # fmt: skip
        if mapping_shown:
            table = pd.DataFrame(
                {"industry": list(in_file.index), "accounts": in_file.to_numpy(),
                 "read_as": [kept_map.get(i, suggested.get(i, i)) for i in in_file.index]}
            )  # fmt: skip
            choices = sorted(set(plan_industries) | set(in_file.index))
            edited_industries = st.data_editor(
                table, hide_index=True, key=f"industries_{loaded.source}", disabled=["industry", "accounts"],
                column_config={
                    "industry": st.column_config.TextColumn("In the file", width=180),
                    "accounts": st.column_config.NumberColumn("Accounts", width=80, format="%d"),
                    "read_as": st.column_config.SelectboxColumn("Read as", options=choices, required=True, width=180),
                },
            )  # fmt: skip
            wanted = {
                r.industry: r.read_as for r in edited_industries.itertuples() if r.read_as and r.read_as != r.industry
            }
            if st.button("Read industries as shown", key="industries_apply", disabled=wanted == kept_map):
                filename, data = st.session_state["accounts_file"]
                options = json.loads(st.session_state["accounts_options"])
                try:
                    set_accounts(filename, data, column_map=options.get("column_map"), swap=options.get("swap", False),
                                 industries=wanted)  # fmt: skip
                except (InputDataError, ValueError) as error:
                    show_input_error(error)
                else:
                    said = ", ".join(f"{k} → {v}" for k, v in wanted.items()) or "as in the file"
                    st.session_state["accounts_message"] = ("success", f"Industries read as: {plain(said)}.")
                    st.rerun()

# A file with no tiers, and territories that take only some: every account there turned away, each with its reason
# but no word at the load (a HubSpot export without a tier column, the fourteenth new user)
tiered = tiers_missing(plan, loaded.accounts)
if tiered:
    focus = "; ".join(f"{plain(t.name)} takes only {', '.join(t.tiers)}" for t in tiered)
    turned = int(result["reason_detail"].eq("tier").sum()) if len(result) else 0
    st.warning(
        f"No account in {plain(loaded.source)} has a tier (no tier column, or an empty one), and {focus}: "
        f"{'it turns' if len(tiered) == 1 else 'they turn'} away every account there"
        + (f" ({counted(turned, 'account')} in no territory for it)" if turned else "")
        + ". Add a tier column (enterprise, mid-market, SMB) and load the file again, or map the column under "
        "**Load accounts**.",
        icon=":material/warning:",
    )

territory_names = {t.territory_id: t.name for t in plan.territories}
rep_names = {r.rep_id: r.name for r in plan.reps}
view = result.assign(
    territory=result["territory_id"].map(territory_names),
    rep=result["rep_id"].map(rep_names),
)

# Words for the reason codes (the filter's values and the download keep the codes).
OUTCOMES = {"no-matching-territory": "no territory", "no-available-rep": "no rep in territory",
            "at-capacity": "reps full"}  # fmt: skip
# (the detail of an account waiting for a rep is its territory's id: shown by name, "reps full | USC" read as a code)
WAITING = {"no-available-rep", "at-capacity"}


def detail_words(frame: pd.DataFrame) -> pd.Series:
    """The detail column in words: the territory's name where the account waits for a rep there."""
    named = frame["reason_detail"].map(lambda d: territory_names.get(d, d) if isinstance(d, str) else d)
    return named.where(frame["reason"].isin(WAITING), frame["reason_detail"])


# Two filters a row: four in a row left each 193 px at 1280 px, where a multiselect scrolls its chips out of view
# ("nassigned", "…th × US West": a new user's test). Status as pills: both show whole, side by side.
f = st.columns(2) + st.columns(2)
status = f[0].pills("Status", ["assigned", "unassigned"], selection_mode="multi", key="filter_status")
reasons = sorted(r for r in view["reason"].dropna().unique())
# (wrap: the chosen chips go onto more lines rather than one line scrolling sideways)
reason = f[1].multiselect("Reason", reasons, key="filter_reason", format_func=lambda r: OUTCOMES.get(r, r), wrap=True)
territory = f[2].multiselect("Territory", sorted(territory_names.values()), key="filter_territory", wrap=True)
rep = f[3].multiselect("Rep", sorted(rep_names.values()), key="filter_rep", wrap=True)
mask = pd.Series(True, index=view.index)
if status:
    mask &= view["status"].isin(status)
if reason:
    mask &= view["reason"].isin(reason)
if territory:
    mask &= view["territory"].isin(territory)
if rep:
    mask &= view["rep"].isin(rep)
shown = view[mask]

columns = [
    "account_id",
    "name",
    "industry",
    "tier",
    "value",
    "account_status",
    "region_id",
    "territory",
    "rep",
    "status",
    "reason",
    "reason_detail",
    "rule",
    "score",
    "activation_tier",
]
columns = [c for c in columns if c in shown.columns]


def _with_ids(columns: list[str], present) -> list[str]:
    """The download's columns: ``columns`` with the territory's and rep's ids after their names, and the conflict last.

    Each where the results have it.
    """
    out = []
    for column in columns:
        out.append(column)
        if column in ("territory", "rep") and f"{column}_id" in present:
            out.append(f"{column}_id")
    return out + (["conflict"] if "conflict" in present else [])


RESULT_HEADINGS = {  # column → (heading, what it is): short headings, so that the table fits the page
    "account_id": ("Id", "Account id"),
    "name": ("Account", None),
    "industry": ("Industry", None),
    "tier": ("Tier", None),
    "value": ("Value", "Estimated value"),
    "account_status": ("Customer", "Customer or prospect"),
    "region_id": ("Region id", "The region's code (county, state or country)"),
    "territory": ("Territory", None),
    "rep": ("Rep", None),
    "region": ("Region", "The region the account is in (its id is the Region id column)"),
    "outcome": ("Outcome", "assigned, or why not: no territory (no territory takes it), no rep in territory (its "
                "territory has no active rep), reps full (every rep who could take it is at capacity)"),
    "status": ("Status", "assigned or unassigned"),
    "reason": ("Reason", "Why it is unassigned"),
    "reason_detail": ("Detail", "Which test failed (region, industry or tier), or the territory whose reps are full or missing"),
    "rule": ("Rep by", "How the rep was chosen: locked override, current owner, kept, most free capacity"),
    "score": ("Score", "Account score (activation)"),
    "activation_tier": ("Activation", "Activation tier"),
}  # fmt: skip
# What a manager reads first fits the page: status and reason in one column. The other columns are one click away
# (the table's "Show/hide columns") and in the download, which has the file's columns as they were.
# At 1280 px the page's column is 916 px (PAGE_COLUMN): widths for each (names cut with "…" rather than the table
# scrolling sideways with Outcome out of view, a new user's test); the account's id is one click away. (In 818 px
# names such as "Vertex Logic Technologies" and "North America East" were cut: the 98 px more go to them.)
RESULT_SHOWN = ["name", "industry", "tier", "value", "region", "territory", "rep", "outcome"]
RESULT_WIDTHS = {"name": 192, "industry": 96, "tier": 80, "value": 72, "region": 124, "territory": 130, "rep": 100,
                 "outcome": 96}  # fmt: skip
region_names = level_labels("county")  # (every region's display name: counties, states, countries)
table = shown[columns].assign(
    outcome=shown["reason"].astype(object).map(lambda r: OUTCOMES.get(r, r)).where(shown["status"] != "assigned",
                                                                                   "assigned"),
    region=shown["region_id"].map(lambda r: region_names.get(r, r) if isinstance(r, str) else r),
    **({"reason_detail": detail_words(shown)} if "reason_detail" in columns else {}),
)  # fmt: skip
st.subheader(f"Results ({len(shown):,})")
show_table(
    table,
    hide_index=True,
    column_order=[c for c in RESULT_SHOWN if c in table.columns],
    column_config={
        c: labelled(
            {**(money_column() if c == "value" else {}), **({"width": RESULT_WIDTHS[c]} if c in RESULT_WIDTHS else {})},
            *RESULT_HEADINGS[c],
        )
        for c in table.columns
        if c in RESULT_HEADINGS
    },
)
hidden = [RESULT_HEADINGS[c][0] for c in columns if c not in RESULT_SHOWN and c not in ("status", "reason")]
if hidden:
    st.caption(f"More columns with the table's Show/hide columns button, and in the download: {', '.join(hidden)}.")
st.download_button(
    "Download these results (CSV)",
    # (with the territory's and rep's ids beside their names, and the conflict flag, as cli.py assign writes them: two
    # reps of one name could not be told apart, and the file could not be joined to the CLI's, a review)
    data=spreadsheet_csv(shown[_with_ids(columns, shown.columns)]),
    file_name="assignments.csv",
    mime="text/csv",
    on_click="ignore",  # (a download is no reason to run the page again)
)

# The queue's sentence is read whole (at 1280 px it was cut with "…", a new user's test): the columns' widths leave it
# most of the page's column and add up to less than its 818 px at a 1280 px window (a wider table stretches them), and
# the rows are tall enough for the longest sentence's lines (Streamlit wraps a table's text only in rows taller than
# 64 px; an account's name may take two lines too).
QUEUE_WIDTHS = {"account_id": 88, "name": 150, "value": 80, "why": 480}
QUEUE_ROWS = 8  # rows in view, the table scrolls for the rest (its default height, 400 px, showed 5 rows of 68 px)

st.subheader("Unassigned queue")
queue = view[view["status"] == "unassigned"].sort_values("value", ascending=False)
if queue.empty:
    st.success("Every account has a rep.")
else:
    summary = (
        queue.groupby(["reason", "reason_detail"], dropna=False)
        .agg(accounts=("account_id", "size"), value=("value", "sum"))
        .reset_index()
    )
    summary["reason_detail"] = detail_words(summary)
    summary["reason"] = summary["reason"].map(lambda r: OUTCOMES.get(r, r))
    show_table(
        summary, hide_index=True,
        column_config={"reason": labelled(None, "Reason", "Why they are unassigned"),
                       "reason_detail": labelled(None, "Detail", "Which test failed (region, industry or tier), or the "
                                                  "territory whose reps are full or missing"),
                       "accounts": labelled(None, "Accounts", None), "value": money_column("Value")},
    )  # fmt: skip
    top = queue.head(200).copy()
    top["why"] = [explain(plan, row, region_names) for row in top.to_dict(orient="records")]
    more = f"; the download lists all {len(queue):,} with it" if len(queue) > len(top) else ""
    which = ("The unassigned account" if len(queue) == 1
             else f"The {min(len(queue), 200):,} most valuable unassigned accounts")  # fmt: skip
    st.caption(f"{which}, with the reason (it names the region, industry and tier){more}")
    widths, row = QUEUE_WIDTHS, wrapping_row_height(top["why"], QUEUE_WIDTHS["why"])
    show_table(
        top[["account_id", "name", "value", "why"]],
        hide_index=True,
        row_height=row,
        height=table_height(min(len(top), QUEUE_ROWS), row),
        column_config={"account_id": labelled({"width": widths["account_id"]}, "Id", "Account id"),
                       "name": labelled({"width": widths["name"]}, "Account", None),
                       "value": money_column("Value", width=widths["value"]),
                       "why": labelled({"width": widths["why"]}, "Why it has no rep", None)},
    )  # fmt: skip

    def queue_with_why() -> bytes:
        """Every unassigned account (the filters' view), most valuable first, with the sentence; made when clicked."""
        # (the sentence was in the first 200 rows alone, and not in any download: 82 accounts waiting in US South, all
        # beyond the 200, had none, a new user's test)
        columns = [c for c in ("account_id", "name", "territory_id", "region_id", "industry", "tier", "value", "reason",
                               "reason_detail") if c in queue.columns]  # fmt: skip
        table = queue[columns].copy()
        table["why"] = [explain(plan, row, region_names) for row in queue.to_dict(orient="records")]
        return spreadsheet_csv(table)

    st.download_button(":material/download: Every unassigned account, with why (CSV)", queue_with_why,
                       file_name="unassigned_accounts.csv", mime="text/csv", key="queue_download", on_click="ignore",
                       type="tertiary")  # fmt: skip

problems = loaded.problems
if len(problems):
    # (rows, not problems: a row skipped that had a warning too was counted as placed with a warning as well, a new
    # user's test)
    skipped, warned = rows_with_problems(problems)
    parts = [f"{skipped:,} skipped"] if skipped else []
    parts += [f"{warned:,} placed with a warning"] if warned else []
    rows = skipped + warned
    listed = f"{rows:,}" if rows == len(problems) else f"{counted(rows, 'row')}, {counted(len(problems), 'problem')}"
    with st.expander(f"Rows with problems in {plain(loaded.source)} ({listed}: {', '.join(parts)})"):
        show_row_problems(problems, download="rows_with_problems.csv")
