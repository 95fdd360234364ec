"""Reading a long list through the API (issue 18): one page, every page through `next_cursor`,
every page by number, and a hand-made cursor."""

from __future__ import annotations

import base64
import json
from typing import Any


def get_page(client: Any, url: str, **params: Any) -> dict[str, Any]:
    answer = client.get(url, query_string=params)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()  # type: ignore[no-any-return]


def walk(client: Any, url: str, **params: Any) -> list[int]:
    """Every id of a list, page after page through `next_cursor`."""
    seen: list[int] = []
    after = None
    for _ in range(100):
        body = get_page(client, url, **params, **({"after": after} if after else {}))
        assert body["page"] is None if after else body["page"] == 1
        seen += [i["id"] for i in body["items"]]
        after = body["next_cursor"]
        if after is None:
            return seen
    raise AssertionError("the cursor never ended")


def by_pages(client: Any, url: str, per_page: int, **params: Any) -> list[int]:
    """Every id of a list, page by page number."""
    seen: list[int] = []
    page = 1
    while items := get_page(client, url, per_page=per_page, page=page, **params)["items"]:
        seen += [i["id"] for i in items]
        page += 1
    return seen


def cursor(*parts: Any) -> str:
    """A cursor made by hand (base64url of a JSON array), as a client might forge one."""
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")
