"""axe-core, from npm (``make install`` runs ``npm ci``), run inside the page the browser shows.

The script is evaluated through the browser's debugging protocol, so the page's strict Content Security Policy
stays in force for everything else. Every rule axe-core enables by default runs (WCAG 2.x A and AA, and its
best practices); a violation fails the test with the rule, its help text and the elements concerned.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
AXE_CORE = Path(os.environ.get("AXE_CORE_PATH") or REPOSITORY / "node_modules" / "axe-core" / "axe.min.js")


@cache
def axe_source() -> str:
    if not AXE_CORE.exists():
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(f"axe-core not found at {AXE_CORE} and E2E_REQUIRED is set (run `npm ci`).")
        pytest.skip("axe-core is not installed (run `npm ci`, which `make install` does).")
    return AXE_CORE.read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now (an empty list when there are none)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        """async () => {
            // One run at a time per document: the load-time watch and a test's own check can overlap, and axe-core
            // refuses a second run while one is going ("Axe is already running").
            const run = () => window.axe.run(document, {resultTypes: ["violations"]});
            const current = (window.__axeQueue || Promise.resolve()).catch(() => {}).then(run);
            window.__axeQueue = current;
            const r = await current;
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return list(result)


def describe(url: str, found: list[dict]) -> str:
    lines = [f"{url}:"]
    for v in found:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} — {', '.join(v['targets'])}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Fail when axe-core finds any violation on the page as it is now (after a form error, say)."""
    found = violations(page)
    assert not found, "axe-core found accessibility violations\n" + describe(page.url, found)
