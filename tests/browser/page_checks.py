"""Checks every browser test may run on a page: axe-core (no `serious` or `critical` violation) and
no sideways scrolling at a phone's 390 px (issue 12 "Look and feel")."""

from __future__ import annotations

from collections import Counter
from typing import Any

PHONE = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")
AXE_FIGURES: Counter[str] = Counter()  # violations by impact, and pages checked (for the closing note)


def axe_blocking(page: Any) -> list[dict[str, Any]]:
    """axe-core on the page as it is now; the violations of impact `serious` or `critical`."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["passes"], "axe ran no check"
    violations = results.response["violations"]
    for v in violations:
        AXE_FIGURES[v["impact"] or "none"] += len(v["nodes"])
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    return "; ".join(f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['help']}" for v in violations)


def assert_axe_clean(page: Any) -> None:
    AXE_FIGURES["pages"] += 1
    blocking = axe_blocking(page)
    assert not blocking, f"{page.url}: {describe(blocking)}"


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"] if page.viewport_size else PHONE["width"]
    assert width <= viewport, f"{page.url} is {width} px wide at {viewport} px"


def fits_a_phone(page: Any) -> None:
    """The page as it is now, at 390×844: nothing scrolls sideways; the viewport comes back after."""
    before = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        no_sideways_scroll(page)
    finally:
        if before:
            page.set_viewport_size(before)
