"""The API docs page in Chromium, under the site's Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OpenPage, Server

pytestmark = pytest.mark.e2e

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def test_the_docs_page_lists_every_operation_with_no_csp_violation(
    server: Server, new_page: OpenPage
) -> None:
    """/api/docs/ is Swagger UI served from our own origin (no CDN): it loads the schema
    and shows one block per operation, and the page breaks no rule of the CSP
    (``new_page`` fails the test on any violation)."""
    page = new_page()
    schema = page.request.get(
        f"{server.url}/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}
    ).json()
    operations = sum(
        1 for methods in schema["paths"].values() for method in methods if method in HTTP_METHODS
    )
    page.goto(f"{server.url}/api/docs/")
    expect(page.locator(".opblock")).to_have_count(operations)
    expect(page.locator(".opblock-summary-path").first).to_contain_text("/api/")
