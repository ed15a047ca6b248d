from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEMO_ACCOUNTS = ROOT / "data" / "demo" / "accounts.csv"
DEMO_PLAN = ROOT / "data" / "demo" / "plan.json"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def write_csv(tmp_path):
    """Write CSV text to a file and return its path."""

    def write(text: str, name: str = "accounts.csv") -> Path:
        path = tmp_path / name
        path.write_text(text.lstrip(), encoding="utf-8")
        return path

    return write


@functools.lru_cache(maxsize=1)
def demo_state():
    """The state the dashboard starts from (demo plan and accounts), computed with territory/ and geo/ alone."""
    from geo.accounts import read_accounts
    from geo.boundaries import region_table
    from geo.join import locate_accounts
    from territory import load_plan
    from territory.edits import start
    from territory.scoring import score_accounts

    plan = load_plan(DEMO_PLAN)
    accounts = locate_accounts(read_accounts(DEMO_ACCOUNTS.read_bytes(), filename="accounts.csv").accounts).accounts
    scores = score_accounts(accounts, plan.settings.scoring)
    accounts = accounts.assign(score=scores["score"].to_numpy(), activation_tier=scores["activation_tier"].to_numpy())
    return start(plan, accounts, region_table())
