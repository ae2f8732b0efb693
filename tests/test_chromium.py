"""`make test` finds a Chromium for the browser journeys, or says exactly what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.browser import chromium

ROOT = Path(__file__).resolve().parent.parent


def _fake(folder: Path, name: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\necho 'Chromium 1.0'\n")
    path.chmod(0o755)
    return str(path)


def test_the_named_browser_then_the_systems_then_playwrights(tmp_path, monkeypatch):
    monkeypatch.setattr(chromium, "playwright_chromium", lambda: "/playwright/chrome")
    chrome = _fake(tmp_path / "bin", "google-chrome")
    mine = _fake(tmp_path / "mine", "my-chromium")
    path = str(tmp_path / "bin")
    assert chromium.find({"PATH": path, "LACS_CHROMIUM": mine}) == mine
    assert chromium.find({"PATH": path, "LACS_CHROMIUM": str(tmp_path / "none")}) is None
    assert chromium.find({"PATH": path}) == chrome
    system = _fake(tmp_path / "bin", "chromium")
    assert chromium.find({"PATH": path}) == system
    assert chromium.find({"PATH": str(tmp_path / "empty")}) == "/playwright/chrome"


def test_this_machine_has_one_that_runs():
    found = chromium.find()
    assert found and chromium._runs(found)


def test_without_a_browser_nor_leave_to_install_one_it_says_what_to_do(tmp_path):
    env = {
        **os.environ,
        "PATH": str(Path(sys.executable).parent),
        "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "none"),
        "LACS_BROWSER_INSTALL": "no",
    }
    env.pop("LACS_CHROMIUM", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.browser.chromium", "--install"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and not done.stdout
    assert "installing (forbidden by LACS_BROWSER_INSTALL)" in done.stderr
    for step in ("apt-get install chromium", "playwright install --with-deps chromium"):
        assert step in done.stderr
    assert "LACS_CHROMIUM=" in done.stderr and "-m 'not browser'" in done.stderr
