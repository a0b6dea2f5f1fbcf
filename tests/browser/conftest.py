"""Browser tests share one way to start the app: a module-scoped server on a copy of the refreshed demo store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import driver


@pytest.fixture(scope="module")
def app_url(demo_refreshed_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """Base URL of ``streamlit run app.py`` on a private copy of the demo store (one per test module), with its
    stored results as the app leaves it: the pages read the model fits instead of fitting them on first visit."""
    with driver.app_on_copy(demo_refreshed_path, tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with driver.browser() as b:
        yield b
