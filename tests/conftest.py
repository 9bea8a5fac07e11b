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


@pytest.fixture(autouse=True)
def _class_cache_dir(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> Path:
    """Classes kept between runs (nettree.store) go to a temporary folder, never the home."""
    folder = tmp_path_factory.mktemp("nettree-cache")
    monkeypatch.setenv("NETTREE_CACHE_DIR", str(folder))
    return folder
