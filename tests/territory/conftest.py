"""Shared set-up of the domain tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def compiled_search():
    """Compile the search's kernels before any timed search (numba caches them; after an edit of
    ``territory/_kernels.py`` the first compile takes ~10 s, which must not eat a test's time limit)."""
    from territory.search import warm_up

    warm_up()
