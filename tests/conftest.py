from __future__ import annotations

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
