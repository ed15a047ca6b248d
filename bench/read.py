"""Reading an accounts CSV: rows a second, with numbers written as Python writes them and as Excel writes them in
Europe (tabs, decimal commas, thousands dots).

    .venv/bin/python bench/read.py [--sizes 10000 100000] [--repeats 3]

Accounts are random points in the contiguous US with a value; both files hold the same numbers. "read" is
``geo.accounts.read_accounts`` (parsing, the number columns, the fields' checks; placed by their coordinates),
"numbers" the part of it that reads the value and coordinate columns (``_number_marks``).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.accounts import _number_marks, read_accounts  # noqa: E402

MAPPING = {"lat": "lat", "lon": "lon", "value": "estimated_value"}


def files(n: int, rng: np.random.Generator) -> dict[str, bytes]:
    frame = pd.DataFrame({
        "id": [f"A{i}" for i in range(n)],
        "lat": rng.uniform(30, 45, n).round(5),
        "lon": rng.uniform(-110, -80, n).round(5),
        "estimated_value": rng.integers(100, 100_000, n) + rng.integers(0, 100, n) / 100,
    })  # fmt: skip
    european = frame.assign(
        lat=frame["lat"].map(lambda v: f"{v}".replace(".", ",")),
        lon=frame["lon"].map(lambda v: f"{v}".replace(".", ",")),
        estimated_value=frame["estimated_value"].map(
            lambda v: f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        ),
    )
    # (100 ids over and over, each row after the first of its id a duplicate said with how it differs)
    repeated = frame.assign(id=[f"A{i % 100}" for i in range(n)])
    return {
        "points, commas between fields": frame.to_csv(index=False).encode(),
        "decimal commas, tabs between fields": european.to_csv(index=False, sep="\t").encode(),
        "100 ids repeated (duplicates)": repeated.to_csv(index=False).encode(),
    }


def timed(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    rows = []
    for n in args.sizes:
        for kind, data in files(n, rng).items():
            seconds = timed(lambda d=data: read_accounts(d, filename="bench.csv"), args.repeats)
            raw = pd.read_csv(io.BytesIO(data), dtype=str, sep="\t" if "tabs" in kind else ",")
            numbers = timed(lambda r=raw: _number_marks(r.copy(), MAPPING, "bench.csv", ",", []), args.repeats)
            rows.append({"accounts": n, "file": kind, "read s": round(seconds, 3), "rows/s": int(n / seconds),
                         "numbers s": round(numbers, 3)})  # fmt: skip
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
