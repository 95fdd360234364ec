"""PDF tests need WeasyPrint's system libraries (Pango) and pypdf: without them they skip with a
message, and fail when CI=true."""

from __future__ import annotations

import os

import pytest

IS_CI = os.environ.get("CI", "").lower() == "true"


def _problem() -> str | None:
    try:
        import pypdf  # noqa: F401
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        return f"PDF rendering unavailable ({exc.__class__.__name__}: {exc}); install WeasyPrint's system libraries"
    return None


@pytest.fixture(autouse=True)
def _needs_weasyprint() -> None:
    problem = _problem()
    if problem:
        if IS_CI:
            pytest.fail(f"CI=true and {problem}")
        pytest.skip(problem)
