"""Shared fixtures: the bundled guideline, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

import nettree

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = "asco-gepnet-2023"


@pytest.fixture(scope="session")
def guideline() -> nettree.Guideline:
    return nettree.load(BUNDLED)
