"""Shared fixtures.

Fixture strategy: the smallest data that has what a test needs. Unit tests use the small
files under ``tests/fixtures`` (written by hand in the official layouts). Tests that read
OFAC's real files from ``../shared/ofac`` are marked ``shared`` and skip, with the reason,
when that folder is absent (a clone without the workspace around it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portfolio_guard.listings import Listings, load_listings, packaged_listings_dir

# Fixtures for the OpenFIGI refresh and --online tests (offline_env, fake).
pytest_plugins = ["tests.enrich_support"]

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHARED_OFAC = REPO.parent / "shared" / "ofac"


def shared_ofac(*parts: str) -> Path:
    """A path under ../shared/ofac, or skip the test when the folder is absent."""
    path = SHARED_OFAC.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real OFAC files not available: {path} is absent")
    return path


@pytest.fixture(scope="session")
def listings() -> Listings:
    """The shipped dataset (68 entities, as of 2026-01-08)."""
    return load_listings()


@pytest.fixture
def listings_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped dataset, for tests that damage or rebuild it."""
    target = tmp_path / "listings"
    shutil.copytree(packaged_listings_dir(), target)
    return target
