"""The bundled demo data is what data/build_demo.py makes (the script is how to change it)."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent.parent / "data"


def _build_demo():
    spec = importlib.util.spec_from_file_location("build_demo", DATA / "build_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_files_are_what_the_build_script_makes():
    # (the reps' CRM users were once added to plan.json by hand, and the script no longer made it)
    build = _build_demo()
    assert build.build_plan() == json.loads((DATA / "demo" / "plan.json").read_text(encoding="utf-8"))
    made = build.build_accounts(5000, np.random.default_rng(7))
    kept = pd.read_csv(DATA / "demo" / "accounts.csv", dtype=str, keep_default_na=False)
    made = pd.read_csv(io.StringIO(made.to_csv(index=False)), dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(made, kept)
