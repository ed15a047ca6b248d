"""Figures as people read them: whole dollars with a $ and thousands separators, whole percentages, a dash for none."""

from __future__ import annotations

import numpy as np
import pytest

from territory.formatting import MISSING, counted, file_stem, money, percent, score, score_change, verb


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (12345.67, "$12,346"),
        (12345.4, "$12,345"),
        (12345.6789, "$12,346"),
        (0, "$0"),
        (0.4, "$0"),
        (999, "$999"),
        (1_234_567_890, "$1,234,567,890"),
        (-1500, "-$1,500"),
        (2.5, "$3"),
        (-0.4, "$0"),
        (np.float64(30_518_100.0), "$30,518,100"),
        (np.int64(40), "$40"),
    ],
)
def test_money_is_whole_dollars_with_separators(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize("value", [None, float("nan"), np.nan])
def test_money_of_nothing_is_a_dash(value):
    assert money(value) == MISSING == "—"


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [(0.8712, 0, "87%"), (0.875, 1, "87.5%"), (0.87, 1, "87.0%"), (1.12, 0, "112%"), (0.0, 0, "0%"), (1, 0, "100%")],
)
def test_percent(value, digits, shown):
    assert percent(value, digits) == shown


@pytest.mark.parametrize("value", [None, float("nan")])
def test_percent_of_nothing_is_a_dash(value):
    assert percent(value) == "—"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.8196, "0.820"), (0.82, "0.820"), (1, "1.000"), (0, "0.000"), (np.float64(0.93749), "0.937"), (None, MISSING),
     (float("nan"), MISSING)],
)  # fmt: skip
def test_a_balance_score_has_three_decimals_everywhere(value, shown):
    assert score(value) == shown


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (0.004, "+0.004"),  # (an edit that moves a county: two decimals said +0.00)
        (-0.0126, "-0.013"),
        (0.00021, "+0.0002"),  # (a handful of accounts: never shown as no change)
        (-0.00004, "-0.00004"),
        (0.0, "0.000"),
        (1e-16, "0.000"),  # (floats added in another order)
        (None, MISSING),
    ],
)
def test_a_change_of_the_balance_score_never_reads_as_none_when_there_is_one(change, shown):
    assert score_change(change) == shown


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        # (a rebalanced plan's download was "…-2026-12-03-08.zip": the name cut at 60 characters, mid-time)
        ("Demo plan — rebalanced (Luke Anderson leaves, 2 territories) 2026-12-03 08:12:33",
         "demo-plan-rebalanced-luke-anderson-leaves-2-2026-12-03-0812"),
        ("Demo plan — rebalanced 2026-12-03 08:12:33", "demo-plan-rebalanced-2026-12-03-0812"),
        ("FY27 plan 2026-12-03 (copy)", "fy27-plan-2026-12-03-copy"),
        ("Demo plan", "demo-plan"),
        ("x" * 80, "x" * 60),
        ("", "plan"),
    ],
)  # fmt: skip
def test_a_file_stem_keeps_whole_words_and_a_date_and_time_to_the_minute(name, stem):
    assert file_stem(name) == stem
    assert len(file_stem(name)) <= 60


@pytest.mark.parametrize(
    ("count", "noun", "plural", "shown"),
    [
        (1, "account", None, "1 account"),
        (0, "account", None, "0 accounts"),
        (2, "account", None, "2 accounts"),
        (1200, "account", None, "1,200 accounts"),
        (1, "territory", "territories", "1 territory"),
        (3, "territory", "territories", "3 territories"),
        (np.int64(1), "region", None, "1 region"),
        (np.int64(12), "region", None, "12 regions"),
    ],
)
def test_a_count_names_one_thing_in_the_singular_and_others_in_the_plural(count, noun, plural, shown):
    assert counted(count, noun, plural) == shown  # (never "account(s)")


@pytest.mark.parametrize(
    ("count", "one", "several", "said"),
    [
        (1, "waits", "wait", "waits"),
        (2, "waits", "wait", "wait"),
        (0, "is", "are", "are"),
        (1, "was", "were", "was"),
        (1200, "has", "have", "have"),
        (np.int64(1), "is", "are", "is"),
    ],
)
def test_a_verb_agrees_with_its_count(count, one, several, said):
    assert verb(count, one, several) == said


def test_a_count_and_its_verb_read_as_a_sentence():
    assert f"{counted(1, 'account')} {verb(1, 'waits', 'wait')} for a rep" == "1 account waits for a rep"
    assert f"{counted(12, 'account')} {verb(12, 'waits', 'wait')} for a rep" == "12 accounts wait for a rep"
