"""The Chromium the browser journeys drive: found, or installed by ``make test``.

    python -m tests.browser.chromium            # print the path of the Chromium found, or advice
    python -m tests.browser.chromium --install  # the same, installing one when none is found

Looked for, in order: ``LACS_CHROMIUM``; the system's Chromium or Chrome on ``PATH``;
Playwright's own download (``~/.cache/ms-playwright``, or ``PLAYWRIGHT_BROWSERS_PATH``).
``--install`` then tries Debian's ``chromium`` package through apt-get (as root, or with a sudo
that asks no password), else Playwright's download. ``LACS_BROWSER_INSTALL=no`` forbids
installing. When no browser can be had, it says exactly what to do and exits 1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _runs(path: str) -> bool:
    try:
        done = subprocess.run(
            [path, "--version"], capture_output=True, timeout=60, check=False, text=True
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def playwright_chromium() -> str | None:
    """Playwright's downloaded Chromium, if it is there."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:  # no driver, no browser: nothing downloaded to use
        return None
    return path if path and Path(path).is_file() else None


def find(env: Mapping[str, str] | None = None) -> str | None:
    """The path of a Chromium to drive, or None."""
    env = os.environ if env is None else env
    chosen = env.get("LACS_CHROMIUM")
    if chosen:
        return shutil.which(chosen, path=env.get("PATH"))
    for name in SYSTEM_NAMES:
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return found
    return playwright_chromium()


def advice(tried: list[str]) -> str:
    lines = ["No Chromium for the browser journeys (tests/browser/)."]
    lines += [f"  tried: {attempt}" for attempt in tried]
    lines += [
        "Do one of these, then run `make test` again:",
        "  sudo apt-get install chromium                          # Debian",
        "  .venv/bin/python -m playwright install --with-deps chromium   # any Linux (downloads it)",
        "  export LACS_CHROMIUM=/path/to/chromium                  # a Chromium or Chrome you have",
        "Or leave the journeys out: make lint check pytest PYTEST_ARGS=\"-m 'not browser'\"",
    ]
    return "\n".join(lines)


def _as_root(command: list[str]) -> list[str] | None:
    if os.geteuid() == 0:
        return command
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], check=False).returncode == 0:
        return ["sudo", "-n", *command]
    return None


def _debian() -> bool:
    try:
        fields = dict(
            line.split("=", 1)
            for line in Path("/etc/os-release").read_text().splitlines()
            if "=" in line
        )
    except OSError:
        return False
    return fields.get("ID", "").strip('"') == "debian"


def install(tried: list[str]) -> str | None:
    """Install a Chromium: Debian's package where there is one, else Playwright's download."""
    if _debian() and shutil.which("apt-get"):
        update = _as_root(["apt-get", "update", "-qq"])
        get = _as_root(["apt-get", "install", "-y", "-qq", "chromium"])
        if update and get:
            print("== installing Debian's chromium for the browser journeys", file=sys.stderr)
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(update, check=False, env=env, stdout=subprocess.DEVNULL)
            ok = subprocess.run(get, check=False, env=env, stdout=subprocess.DEVNULL).returncode
            path = shutil.which("chromium")
            if ok == 0 and path and _runs(path):
                return path
            tried.append("apt-get install chromium (failed)")
        else:
            tried.append("apt-get install chromium (needs root or a sudo without password)")
    print("== downloading Playwright's Chromium for the browser journeys", file=sys.stderr)
    command = [sys.executable, "-m", "playwright", "install", "chromium"]
    if shutil.which("apt-get") and _as_root(["true"]):
        command.insert(-1, "--with-deps")  # the libraries it needs, through apt-get
    if subprocess.run(command, check=False).returncode == 0:
        path = playwright_chromium()
        if path and _runs(path):
            return path
    tried.append(
        "python -m playwright install chromium (failed: no network, or missing libraries?)"
    )
    return None


def main(argv: list[str]) -> int:
    path = find()
    tried = [
        f"LACS_CHROMIUM={os.environ['LACS_CHROMIUM']}"
        if os.environ.get("LACS_CHROMIUM")
        else f"{', '.join(SYSTEM_NAMES)} on PATH; Playwright's download"
    ]
    if path is None and "--install" in argv:
        if os.environ.get("LACS_BROWSER_INSTALL", "").lower() in {"no", "0", "false"}:
            tried.append("installing (forbidden by LACS_BROWSER_INSTALL)")
        elif not os.environ.get("LACS_CHROMIUM"):
            path = install(tried)
    if path is None:
        print(advice(tried), file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
