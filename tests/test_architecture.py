"""The layering of the design: territory/ is UI-free and geometry-free; faces never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "territory").rglob("*.py")), ids=lambda p: p.name)
def test_territory_imports_no_ui_geometry_or_geo(path):
    forbidden = {"streamlit", "folium", "streamlit_folium", "geopandas", "shapely", "geo", "pages"}
    assert imported_modules(path) & forbidden == set()


@pytest.mark.parametrize("path", sorted((ROOT / "geo").rglob("*.py")), ids=lambda p: p.name)
def test_geo_imports_no_streamlit_or_pages(path):
    assert imported_modules(path) & {"streamlit", "streamlit_folium", "pages"} == set()


def test_required_layout_exists():
    for name in [
        "app.py",
        "pages",
        "geo",
        "territory",
        "data",
        "tests",
        "requirements.txt",
        "README.md",
        ".ci/run",
        "bench",
        "data/README.md",
    ]:
        assert (ROOT / name).exists(), name


def test_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-r"):
            assert "==" in line, f"unpinned requirement: {line}"
