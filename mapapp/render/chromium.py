"""Debian's headless Chromium, driven by Playwright: what prints snapshots (and what the tests drive).

Playwright is imported by the caller only when a browser is needed, so the app never depends on it.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
# No sandbox (root in CI), no GPU, and nothing that phones home; DNS only resolves localhost,
# so a CDN link fails fast instead of hanging (the map must not need one).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
]


def launch_chromium(playwright):
    """Debian's Chromium, headless, driven by Playwright (never a browser Playwright downloads)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
