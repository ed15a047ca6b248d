"""How far rebalanced territories reach from their reps' homes, against how far they reached before (issue 7).

    .venv/bin/python bench/reach.py [--level county] [--scenarios as_is leaves:R06 joins:US-53061 territories:12]
                                    [--limits none 1200] [--seeds 0 1] [--seconds 2] [--jobs 1]

Each run is ``cli.py rebalance`` on the demo plan and accounts (JSON out), one per scenario × limit × seed; a limit
is ``--within-km`` (``none``: left out, the scenario's default; ``any``: any distance). Scenarios: ``as_is``,
``leaves:REP`` (a rep leaves), ``joins:HOME`` (a new rep joins at HOME, a region id), ``territories:K`` (a plan from
scratch; limits do not apply and are skipped). Printed per run: the largest deviation per metric over the
territories the proposal could change, the verdicts (yes / best possible / near group mean / no), the farthest
region from its reps' homes after, the territories reaching farther than before (``farthest_km_before`` →
``farthest_km``, those over 1.05 times it), accounts moved, and the search's seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = ["cli.py", "rebalance", "--plan", "data/demo/plan.json", "--accounts", "data/demo/accounts.csv",
        "--skip-invalid", "--format", "json"]  # fmt: skip
STRETCH = 1.05  # (a territory reaching more than this times as far as before is counted as stretched)


def scenario_options(scenario: str) -> list[str]:
    """The CLI options of a scenario as this script names it: ``leaves:R06`` → ``--scenario rep_leaves --rep R06``.

    Examples
    --------
    >>> scenario_options("as_is"), scenario_options("territories:12")
    ([], ['--scenario', 'territories', '--territories', '12'])
    >>> scenario_options("joins:US-53061")[:4]
    ['--scenario', 'rep_joins', '--home', 'US-53061']
    """
    kind, _, value = scenario.partition(":")
    if kind == "as_is":
        return []
    if kind == "leaves" and value:
        return ["--scenario", "rep_leaves", "--rep", value]
    if kind == "joins" and value:
        return ["--scenario", "rep_joins", "--home", value, "--name", f"New near {value}"]
    if kind == "territories" and value.isdigit():
        return ["--scenario", "territories", "--territories", value]
    raise SystemExit(f"scenario {scenario!r}: give as_is, leaves:REP, joins:HOME or territories:K")


def summary_row(result: dict) -> dict:
    """One run's figures from the CLI's JSON: deviations, verdicts, reach after and before, accounts moved.

    Examples
    --------
    >>> row = summary_row({"territories": [
    ...     {"territory_id": "A", "name": "West", "judged": "yes", "kept": False, "workload_deviation": 0.04,
    ...      "farthest_km": 900.0, "farthest_region": "Utah", "farthest_km_before": 600.0},
    ...     {"territory_id": "B", "name": "East", "judged": "no", "kept": True, "workload_deviation": 0.3,
    ...      "farthest_km": 500.0, "farthest_region": "Ohio", "farthest_km_before": 500.0}],
    ...     "accounts_moved": 12, "seconds": 1.5})
    >>> row["deviation"], row["verdicts"], row["farthest"], row["stretched"]
    ({'workload': 0.04}, '1/0/0/1', '900 West (Utah)', ['West 600→900'])
    """
    territories = result["territories"]
    changed = [t for t in territories if not t["kept"]]
    metrics = [k[: -len("_deviation")] for k in territories[0] if k.endswith("_deviation")] if territories else []
    deviation = {m: round(max((abs(t[f"{m}_deviation"]) for t in changed), default=0.0), 4) for m in metrics}
    judged = [t["judged"] for t in territories]
    verdicts = "/".join(str(judged.count(v)) for v in ("yes", "best possible", "near group mean", "no"))
    reached = [t for t in territories if t.get("farthest_km") is not None]
    far = max(reached, key=lambda t: t["farthest_km"], default=None)
    stretched = [
        f"{t['name']} {t['farthest_km_before']:.0f}→{t['farthest_km']:.0f}"
        for t in reached
        if t.get("farthest_km_before") and t["farthest_km"] > STRETCH * t["farthest_km_before"]
    ]
    return {
        "deviation": deviation,
        "verdicts": verdicts,
        "farthest": f"{far['farthest_km']:.0f} {far['name']} ({far['farthest_region']})" if far else "—",
        "stretched": stretched,
        "accounts_moved": result.get("accounts_moved"),
        "seconds": result.get("seconds"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", choices=("state", "county"), default="county")
    parser.add_argument("--scenarios", nargs="+", default=["as_is", "leaves:R06", "joins:US-53061", "territories:12"])
    parser.add_argument("--limits", nargs="+", default=["none", "1200"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"level {args.level}, {args.seconds:g} s a search, {args.jobs} search(es) side by side")
    print("scenario | limit | seed | largest deviation (rebalanced) | yes/best/near/no | farthest after | "
          f"reaching over {STRETCH:g}× as far as before | accounts moved | search s | wall s")  # fmt: skip
    for scenario in args.scenarios:
        for limit in args.limits:
            if scenario.startswith("territories") and limit != "none":
                continue  # (a plan from scratch is drawn around no rep's home: no distance applies)
            for seed in args.seeds:
                command = [sys.executable, *BASE, *scenario_options(scenario), "--level", args.level,
                           "--seconds", str(args.seconds), "--seed", str(seed), "--jobs", str(args.jobs)]  # fmt: skip
                if limit != "none":
                    command += ["--within-km", limit]
                began = time.perf_counter()
                done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
                wall = time.perf_counter() - began
                if done.returncode != 0:
                    said = (done.stderr.strip().splitlines() or ["no message"])[-1]
                    print(f"{scenario} | {limit} | {seed} | refused: {said}")
                    continue
                row = summary_row(json.loads(done.stdout))
                deviation = ", ".join(f"{m} {v:.1%}" for m, v in row["deviation"].items())
                print(f"{scenario} | {limit} | {seed} | {deviation} | {row['verdicts']} | {row['farthest']} | "
                      f"{'; '.join(row['stretched']) or 'none'} | {row['accounts_moved']} | {row['seconds']} | "
                      f"{wall:.1f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
