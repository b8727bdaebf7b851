"""Shared fixtures. The gold corpus and benchmark pages are read in place from ``../shared``
(CI has it beside the checkout); tests that need them skip with a reason in a user's clone."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WRMINE_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "corpus" / "seeds"
DEV = SHARED / "corpus" / "dev"
UNLABELED = SHARED / "corpus" / "unlabeled"
BOILERPLATE = SHARED / "bench" / "boilerplate" / "dev"
FIXTURES = Path(__file__).parent / "fixtures"

needs_shared = pytest.mark.skipif(
    not (SEEDS / "gold.jsonl").exists(),
    reason=f"needs the shared gold corpus at {SHARED} (set WRMINE_SHARED); absent in a user's clone",
)


@pytest.fixture
def fresh_db(tmp_path):
    """A new, migrated wrmine database in a temporary file."""
    from corpus import store

    return store.open_db(str(tmp_path / "test.db"))
