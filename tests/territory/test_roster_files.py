"""Reading a reps file: its separator found as an accounts file's is (``territory.textfiles.header_delimiter``)."""

from __future__ import annotations

import math

import pytest

from territory.roster_files import read_roster_csv


@pytest.mark.parametrize(
    ("data", "capacity", "line"),
    [
        (b"\nRep Name;Home State;Capacity\nAnn;MA;40,5\n", 40.5, 3),  # (a blank first line: it was one column)
        (b"name\thome\tcapacity\nAnn\tMA\t40\n", 40.0, 2),
        (b"name,home,capacity\nAnn,MA,40\n", 40.0, 2),
    ],
)
def test_a_reps_file_is_split_at_the_separator_its_header_uses(data, capacity, line):
    reps, lines = read_roster_csv(data, "reps.csv")
    assert reps.to_dict("list") == {"name": ["Ann"], "home": ["MA"], "capacity": [capacity]} and lines == [line]


def test_a_reps_file_of_names_alone_is_one_column():
    reps, lines = read_roster_csv(b"name\nAnn\nBo\n", "reps.csv")
    assert reps["name"].tolist() == ["Ann", "Bo"] and lines == [2, 3]


def test_a_semicolon_reps_file_reads_decimal_commas_and_percentages():
    reps, _ = read_roster_csv(b"name;capacity;quota\nAnn;1.200;112%\nBo;;0,9\n", "reps.csv")
    assert reps["capacity"].iloc[0] == 1200 and math.isnan(reps["capacity"].iloc[1])
    assert reps["quota_attainment"].tolist() == pytest.approx([1.12, 0.9])


def test_a_title_above_the_reps_header_is_no_rep_and_lines_keep_their_numbers():
    reps, lines = read_roster_csv(b"Sales team 2027,,\n\nname,home,capacity\nAnn,MA,40\nBo,TX,35\n", "team.csv")
    assert reps["name"].tolist() == ["Ann", "Bo"] and lines == [4, 5]
