"""Hostile input to every page form and list filter of the service: never a 5xx.

The pages are outside the OpenAPI schema, so their fuzz is driven by the authorisation
matrix (:data:`tests.web.test_service_authz_pages.PAGES`): each form row, posted by a role
that may post it, with one field at a time replaced by each hostile value (NUL, the
calendar's edges, a number beyond any column, a megabyte of text); and the list pages'
filters (month, dates, words) with the same values. Every answer is below 500; a refusal
shows its message on the page.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.test_service_authz_matrix import Ids
from tests.web.test_service_authz_pages import (
    PAGES,
    Browsers,
    _fill,
    world_and_browsers,  # noqa: F401  (the fixture)
)

from microdose.web.platform.security import CSRF_FIELD

HOSTILE = ("a\x00b", "0001-01-01", "9999-12-31T23:59", "1" + "0" * 30, "-1e308",
           "x" * 1_000_000)
#: forms that end what the others need (the session, the person) or cannot be spoiled
SKIPPED = {"/logout", "/settings/delete"}
#: list pages and the filters they read from the query
FILTERS = {"/checkins": ("month",), "/doses": ("month",), "/journal": ("month", "q", "from",
           "to"), "/history": ("month",), "/calendar": ("year",), "/insights": ("days",)}


def _poster(path: str) -> str:
    page = PAGES[("POST", path)]
    return next(role for role, relations in sorted(page.allowed.items()) if "own" in relations)


def _refusal_shown(response: Any) -> bool:
    text = response.text
    return '-error"' in text or 'role="alert"' in text or "problem" in response.headers.get(
        "content-type", "")


def _post_spoiled(browsers: Browsers, ids: Ids, path: str) -> list[str]:
    page = PAGES[("POST", path)]
    role = _poster(path)
    form = page.form(ids) if page.form else {}
    url, found = _fill(path, ids, role, "own"), []
    for name in form:
        for value in HOSTILE:
            data = {**form, name: value, CSRF_FIELD: browsers.csrf}
            response = browsers.clients[role].post(url, data=data)
            if response.status_code >= 500:
                found.append(f"POST {path} {name}={value[:20]!r}: {response.status_code}")
            elif 400 <= response.status_code < 500 and not _refusal_shown(response):
                found.append(f"POST {path} {name}={value[:20]!r}: no message")
    return found


@pytest.mark.slow
def test_no_page_form_answers_5xx(world_and_browsers: tuple[Ids, Browsers]) -> None:  # noqa: F811
    ids, browsers = world_and_browsers
    forms = [path for (method, path), page in PAGES.items()
             if method == "POST" and page.form and path not in SKIPPED]
    assert len(forms) >= 30  # every form of the matrix, not a sample
    found = [problem for path in forms for problem in _post_spoiled(browsers, ids, path)]
    assert not found, "\n".join(found)


def test_no_list_filter_answers_5xx(
    world_and_browsers: tuple[Ids, Browsers],  # noqa: F811
) -> None:
    _ids, browsers = world_and_browsers
    found = []
    for path, names in FILTERS.items():
        for name in names:
            for value in HOSTILE:
                response = browsers.clients["participant"].get(path, params={name: value[:2000]})
                if response.status_code >= 500:
                    found.append(f"GET {path}?{name}={value[:20]!r}: {response.status_code}")
    assert not found, "\n".join(found)
