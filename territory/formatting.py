"""How figures read wherever a person sees them: money in whole dollars, shares as percentages, a dash for none.

Plain text only (no UI library), so the domain's sentences, the map's legend and tooltips (``geo/``) and the
dashboard's metrics and captions (``pages/``) all say the same figure the same way. Tables on the dashboard keep
their numbers and format them with the matching Streamlit column formats (``pages/shared.py``); files for
download keep raw numbers.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "MISSING", "SCORE_DIGITS", "counted", "deviation", "file_stem", "money", "near_mean", "numbered", "percent",
    "score", "score_change", "verb",
]  # fmt: skip

MISSING = "—"
"""Shown where there is no figure (a missing value, NaN)."""

SCORE_DIGITS = 3
"""Decimals of a balance score (0..1), wherever one is shown: an edit that moves a county changes the team's score
in the third decimal (0.004), which two decimals would show as no change."""


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def money(value) -> str:
    """Whole dollars with thousands separators: ``12345.67`` → ``"$12,346"``; ``-1500`` → ``"-$1,500"``.

    Parameters
    ----------
    value : float, int or None
        An amount in dollars. None, NaN and infinity give :data:`MISSING`.

    Returns
    -------
    str

    Examples
    --------
    >>> money(12345.67), money(0), money(-1500), money(float("nan")), money(float("inf"))
    ('$12,346', '$0', '-$1,500', '—', '—')
    """
    if _is_missing(value) or not math.isfinite(float(value)):
        return MISSING
    amount = float(value)
    dollars = math.floor(abs(amount) + 0.5)  # (half a dollar up, as the tables in the browser round it)
    return f"{'-' if amount < 0 and dollars else ''}${dollars:,}"


def percent(value, digits: int = 0) -> str:
    """A share as a percentage: ``0.8712`` → ``"87%"`` (``digits=1``: ``"87.1%"``).

    Parameters
    ----------
    value : float or None
        A share (1.0 is 100%). None and NaN give :data:`MISSING`.
    digits : int, default 0
        Decimals after the point; 0 for shares such as utilization, 1 where a tenth of a percent matters
        (coverage, deviations from a target).

    Returns
    -------
    str

    Examples
    --------
    >>> percent(0.8712), percent(0.8712, 1), percent(None)
    ('87%', '87.1%', '—')

    A share that is not all or none does not read as 100% or 0%: it gets the decimals that tell (up to three more).

    >>> percent(0.99962, 1), percent(1.004), percent(0.00002, 1), percent(1.0, 1), percent(0.0)
    ('99.96%', '100.4%', '0.002%', '100.0%', '0%')
    """
    if _is_missing(value):
        return MISSING
    value = float(value)
    # (the Coverage map said "Value in a territory 100.0%" beside two accounts, $14,718, in none: a new user's test)
    for more in range(4):
        text = f"{value:.{digits + more}%}"
        if value in (0.0, 1.0) or float(text.rstrip("%")) not in (0.0, 100.0):
            return text
    return text


def deviation(value, tolerance: float, edges=()) -> str:
    """A signed deviation from a share, with the decimals that show which side of ``tolerance`` it is on.

    One decimal, unless that would read as the tolerance itself (or inside it) for a deviation beyond it, or as
    beyond for one inside: then as many decimals as tell them apart (up to six: the optimizer judges a territory
    within up to a millionth of its tolerance, 10⁻⁸ of a share at ±1%). ``edges``: other signed bounds (see
    :func:`deviation_digits`).

    Examples
    --------
    >>> deviation(0.0834, 0.05), deviation(0.0103, 0.01), deviation(-0.0498, 0.05), deviation(None, 0.05)
    ('+8.3%', '+1.03%', '-4.98%', '—')
    >>> deviation(0.05, 0.05), deviation(0.050004, 0.05), deviation(-0.0, 0.05)
    ('+5.0%', '+5.0004%', '+0.0%')
    """
    if _is_missing(value):
        return MISSING
    value = float(value) + 0.0  # (-0.0 reads as 0.0)
    return f"{value:+.{deviation_digits(value, tolerance, edges)}%}"


def deviation_digits(value, tolerance: float, edges=()) -> int:
    """The decimals :func:`deviation` gives ``value``: 1, or up to 6 where 1 would misread its side of ``tolerance``.

    A table column of deviations takes the most any of its figures needs (missing ones need 1). ``edges``: other
    signed bounds whose side it must show too (a group's mean ± the tolerance: +5.9% within +4.9% ± 1%, +5.91% out).

    Examples
    --------
    >>> deviation_digits(0.0834, 0.05), deviation_digits(0.0504, 0.05), deviation_digits(None, 0.05)
    (1, 2, 1)
    >>> deviation_digits(0.05885, 0.01, edges=[0.0589]), deviation_digits(0.0591, 0.01, edges=[0.0589])
    (2, 2)
    >>> deviation_digits(0.058898652, 0.01, edges=[0.058899101])  # 4.5·10⁻⁷ inside: +5.88987%
    5
    """
    if _is_missing(value):
        return 1
    value = float(value)
    for digits in range(1, 7):
        shown = round(abs(value) * 100, digits) / 100
        signed = round(value * 100, digits) / 100
        if (
            (shown > tolerance) == (abs(value) > tolerance)
            and (shown != tolerance or abs(value) == tolerance)
            and all(
                (signed > e) == (value > e) and (signed != round(e * 100, digits) / 100 or value == e) for e in edges
            )
        ):
            return digits
    return 6


def near_mean(centre, metrics, tolerance: float = 0.05) -> str:
    """A territory judged near its group's mean, with that mean: ``"near -15%"``, ``"near -15% / -12%"``.

    ``centre``: per metric, what its group of territories holds on average against their shares (a metric missing
    is at its share, 0%); ``metrics``: in the order the table shows them. One figure when every metric rounds to the
    same. Whole percents, or a decimal where the tolerance is under 2% (a mean of +4.9% at ±1%).

    Examples
    --------
    >>> near_mean({"workload": -0.152, "value": -0.1204}, ["workload", "value"])
    'near -15% / -12%'
    >>> near_mean({"workload": -0.152, "value": -0.149}, ["workload", "value"]), near_mean({}, ["workload"])
    ('near -15%', 'near 0%')
    >>> near_mean({"workload": 0.0489}, ["workload", "value"], tolerance=0.01)
    'near +4.9% / 0.0%'
    """
    digits = 1 if tolerance < 0.02 else 0
    figures = []
    for m in metrics:
        text = f"{float(centre.get(m, 0.0)) + 0.0:+.{digits}%}"
        figures.append(text[1:] if float(text[1:-1]) == 0 else text)
    return "near " + " / ".join(dict.fromkeys(figures) if len(set(figures)) == 1 else figures)


def score(value) -> str:
    """A balance score (0..1, 1 = on target) with :data:`SCORE_DIGITS` decimals: ``0.8196`` → ``"0.820"``.

    Parameters
    ----------
    value : float or None
        A balance score. None and NaN give :data:`MISSING`.

    Returns
    -------
    str

    Examples
    --------
    >>> score(0.8196), score(1), score(None)
    ('0.820', '1.000', '—')
    """
    if _is_missing(value):
        return MISSING
    return f"{float(value):.{SCORE_DIGITS}f}"


def score_change(value) -> str:
    """A change of a balance score, signed, as :func:`score` shows scores: ``0.0041`` → ``"+0.004"``.

    A change too small for :data:`SCORE_DIGITS` decimals (an edit that moves a handful of accounts) gets the
    decimals its first digit needs, so that a real change never reads as none: ``0.00021`` → ``"+0.0002"``. No
    change (below 1e-9: the noise of adding floats in another order) is ``"0.000"``, without a sign.

    Parameters
    ----------
    value : float or None
        The score after minus the score before. None and NaN give :data:`MISSING`.

    Returns
    -------
    str

    Examples
    --------
    >>> score_change(0.0041), score_change(-0.0126), score_change(0.00021), score_change(-3e-8), score_change(1e-16)
    ('+0.004', '-0.013', '+0.0002', '-0.00000003', '0.000')
    """
    if _is_missing(value):
        return MISSING
    change = float(value)
    if abs(change) < 1e-9:
        return f"{0:.{SCORE_DIGITS}f}"
    digits = SCORE_DIGITS
    while round(abs(change), digits) == 0:
        digits += 1
    return f"{change:+.{digits}f}"


def name_list(names, shown: int = 5) -> str:
    """Names in a sentence: up to ``shown``, then how many others; "; " between names that hold commas or "+".

    Territory names such as "Kings & Queens, NY + 4 more" read as several names when joined by commas ("…, Kings
    & Queens, NY + 4 more and 1 more").

    Examples
    --------
    >>> name_list(["West", "East", "North"], shown=2)
    'West, East and 1 other'
    >>> name_list(["Kings & Queens, NY + 4 more", "Southern Texas", "Ohio", "Iowa"], shown=3)
    'Kings & Queens, NY + 4 more; Southern Texas; Ohio; and 1 other'
    >>> name_list(["West"]), name_list([])
    ('West', '')
    """
    names = [str(n) for n in names]
    head, rest = names[:shown], len(names) - shown
    separator = "; " if any(", " in n or " + " in n for n in head) else ", "
    text = separator.join(head)
    if rest > 0:
        text += f"{'; ' if separator == '; ' else ' '}and {rest} other{'s' if rest > 1 else ''}"
    return text


def and_list(names, shown: int = 5) -> str:
    """Names in a sentence with "and" before the last: "Ames and Dale", "West, East and North".

    Past ``shown``, as :func:`name_list` ("West, East and 1 other"); "; " between names that hold commas.

    Examples
    --------
    >>> and_list(["Ames", "Dale"]), and_list(["West", "East", "North"]), and_list(["West"])
    ('Ames and Dale', 'West, East and North', 'West')
    >>> and_list(["West", "East", "North"], shown=2)
    'West, East and 1 other'
    >>> and_list(["Kings, NY", "Ohio"])
    'Kings, NY and Ohio'
    """
    names = [str(n) for n in names]
    if len(names) <= 1 or len(names) > shown:
        return name_list(names, shown)
    return f"{name_list(names[:-1], shown)} and {names[-1]}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun, singular for one: "1 line", "12 lines", "1,200 accounts".

    Parameters
    ----------
    count : int
        How many.
    noun : str
        The noun for one.
    plural : str, optional
        The noun for several (defaults to ``noun`` + "s").

    Examples
    --------
    >>> counted(1, "line"), counted(12, "line"), counted(1200, "account")
    ('1 line', '12 lines', '1,200 accounts')
    >>> counted(2, "entry", "entries")
    '2 entries'
    """
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def verb(count: int, one: str, several: str) -> str:
    """The verb that agrees with a count: ``one`` for exactly one, ``several`` otherwise (none reads as several).

    Goes with :func:`counted`: "1 account waits", "12 accounts wait", "0 accounts are".

    Parameters
    ----------
    count : int
        How many things the verb is said of.
    one : str
        The verb for one thing ("waits", "is", "was", "has").
    several : str
        The verb for none or several ("wait", "are", "were", "have").

    Returns
    -------
    str

    Examples
    --------
    >>> verb(1, "waits", "wait"), verb(12, "waits", "wait"), verb(0, "is", "are")
    ('waits', 'wait', 'are')
    >>> f"{counted(1, 'account')} {verb(1, 'was', 'were')} moved"
    '1 account was moved'
    """
    return one if count == 1 else several


def numbered(noun: str, numbers, shown: int = 10) -> str:
    """Numbered things in a sentence, singular for one: "line 12", "lines 2, 4, 9", "lines 1, 2, …" past ``shown``.

    Examples
    --------
    >>> numbered("line", [12]), numbered("line", [2, 4, 9]), numbered("line", range(1, 5), shown=2)
    ('line 12', 'lines 2, 4, 9', 'lines 1, 2, …')
    """
    numbers = [str(n) for n in numbers]
    listed = ", ".join(numbers[:shown]) + (", …" if len(numbers) > shown else "")
    return f"{noun if len(numbers) == 1 else noun + 's'} {listed}"


_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ t_]+(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?")


def file_stem(name: str, limit: int = 60) -> str:
    """A file name stem from ``name``: lower-case words joined by ``-``, at most ``limit`` characters.

    Whole words only, and a date with its time (a rebalanced plan's name ends with one) stays whole, to the minute
    (``2026-12-03-0812``): the words before it give way first. Cut at 60 characters, the stem ended mid-time
    (``…-2026-12-03-08``).

    Examples
    --------
    >>> file_stem("FY27 plan — rebalanced (Luke Anderson leaves; 3 regions moved) 2026-12-03 08:12:33")
    'fy27-plan-rebalanced-luke-anderson-leaves-3-2026-12-03-0812'
    >>> file_stem("Demo plan"), file_stem("  ?! ")
    ('demo-plan', 'plan')
    """
    text = _STAMP.sub(lambda m: f" {m[1]}" + (f"-{int(m[2]):02d}{m[3]}" if m[2] else "") + " ", name.lower())
    words = "".join(ch if ch.isalnum() or ch == "-" else " " for ch in text).split()
    words = ["-".join(w for w in word.split("-") if w) for word in words]
    words = [w for w in words if w]
    stamps = {i for i, w in enumerate(words) if _STAMP.fullmatch(w[:10]) and len(w) in (10, 15)}
    budget = limit - sum(len(words[i]) + 1 for i in stamps)
    kept = []
    for i, word in enumerate(words):
        if i in stamps:
            kept.append(word)
        elif len(word) + 1 <= budget:
            kept.append(word)
            budget -= len(word) + 1
        else:
            budget = 0  # (whole words in order: a later short word does not jump the gap)
    stem = "-".join(kept) or (words[0][:limit] if words else "")  # (one word longer than the limit: cut)
    return stem[: max(limit, 15)].strip("-") or "plan"
