"""The OpenAPI schema of the REST API: served, valid OpenAPI 3 by a validator of its own,
inferred without guesses, and covering every endpoint and method under /api/."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import get_resolver
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from realtime.asyncapi import url_routes

# The schema and its docs page describe the API; they are not part of it.
DOCUMENT_PATHS = {"/api/schema/", "/api/docs/"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.content)
    return document


def template(path: str) -> str:
    """A path with its parameters unnamed: the schema calls ``pk`` ``id``."""
    parts = path.split("/")
    return "/".join("{}" if part.startswith("{") else part for part in parts)


def test_the_schema_is_valid_openapi_3(schema: dict[str, Any]) -> None:
    """openapi-spec-validator accepts the served schema as OpenAPI 3."""
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_every_endpoint_and_method_under_api_is_in_the_schema(schema: dict[str, Any]) -> None:
    """Each URL pattern under /api/ (from the URL resolver) with each method its view
    answers is an operation of the schema, and the schema has nothing else: a new
    endpoint that drf-spectacular leaves out fails here."""
    routed = set()
    for path, callback in url_routes(get_resolver().url_patterns):
        if not path.startswith("/api/") or path in DOCUMENT_PATHS:
            continue
        view = callback.view_class
        methods = {m for m in view.http_method_names if m in HTTP_METHODS and hasattr(view, m)}
        assert methods, f"{path} answers no method"
        routed |= {(template(path), method) for method in methods}
    documented = {
        (template(path), method)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
    assert documented == routed


def test_drf_spectacular_infers_every_view_without_a_warning(tmp_path: Path) -> None:
    """No view is left to drf-spectacular's guesses (an undescribed body or response,
    a path parameter of unknown type): any warning or error fails the command."""
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_the_access_cookie_is_the_security_scheme(schema: dict[str, Any]) -> None:
    """The JWT lives in an HttpOnly cookie, not in an Authorization header."""
    schemes = schema["components"]["securitySchemes"]
    assert schemes["jwtCookie"]["type"] == "apiKey"
    assert schemes["jwtCookie"]["in"] == "cookie"
    assert schemes["jwtCookie"]["name"] == settings.AUTH_COOKIE_ACCESS
    assert {"jwtCookie": []} in schema["paths"]["/api/auth/me/"]["get"]["security"]


def test_the_history_documents_its_cursor_the_catch_up_and_its_errors(
    schema: dict[str, Any],
) -> None:
    """``?after=`` (the catch-up), the cursor pages and the errors the history answers."""
    operation = schema["paths"]["/api/groups/{id}/messages/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["after"]["in"] == "query"
    assert parameters["after"]["schema"] == {"type": "integer", "minimum": 0}
    assert {"cursor", "page_size"} <= set(parameters)
    page = schema["components"]["schemas"]["PaginatedChatMessageList"]
    assert {"next", "previous", "results"} <= set(page["properties"])
    assert set(operation["responses"]) == {"200", "400", "401", "404"}


def test_the_chat_list_documents_its_cursor_pages(schema: dict[str, Any]) -> None:
    """``GET /api/groups/`` pages by a cursor, as the history does: no page numbers, no
    count."""
    operation = schema["paths"]["/api/groups/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"cursor", "page_size"}
    page = schema["components"]["schemas"]["PaginatedGroupChatOverviewList"]
    assert set(page["properties"]) == {"next", "previous", "results"}


def test_a_cookie_authenticated_write_needs_the_csrf_header(schema: dict[str, Any]) -> None:
    """Every write names the X-CSRFToken header and its 403; reads do not."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            write = method in {"post", "put", "patch", "delete"}
            assert ("X-CSRFToken" in headers) == write, (method, path)
            assert ("403" in operation["responses"]) == write, (method, path)


def paths_answering(schema: dict[str, Any], status: str) -> set[str]:
    """The paths with an operation that documents ``status``."""
    return {
        path
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if status in operation["responses"]
    }


def test_throttled_endpoints_say_429(schema: dict[str, Any]) -> None:
    """Login, sign-up, refresh and the invite links are throttled; the schema says so,
    and only there."""
    throttled = paths_answering(schema, "429")
    assert throttled == {
        "/api/auth/login/",
        "/api/auth/signup/",
        "/api/auth/refresh/",
        "/api/invites/{token}/",
        "/api/invites/{token}/join/",
    }


def test_the_endpoints_that_hash_a_password_say_503(schema: dict[str, Any]) -> None:
    busy = paths_answering(schema, "503")
    assert busy == {"/api/auth/login/", "/api/auth/signup/", "/api/auth/password/"}


def test_the_schema_is_served_to_a_client_whose_access_cookie_expired() -> None:
    """The documents read no cookie: a stale access token (which makes the API answer
    401) does not keep the schema or the docs page from anyone."""
    client = APIClient()
    client.cookies[settings.AUTH_COOKIE_ACCESS] = "expired.or.tampered"
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/auth/me/").status_code == 401


def test_search_documents_its_query_its_cursor_and_the_highlight(schema: dict[str, Any]) -> None:
    operation = schema["paths"]["/api/search/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["q"]["required"] is True
    assert {"group", "cursor", "page_size"} <= set(parameters)
    result = schema["components"]["schemas"]["SearchResult"]
    assert {"group_chat_name", "highlight"} <= set(result["properties"])
    history = schema["paths"]["/api/groups/{id}/messages/"]["get"]
    assert "around" in {p["name"] for p in history["parameters"]}
    assert set(operation["responses"]) == {"200", "400", "401", "404"}


def test_invite_links_document_their_refusals(schema: dict[str, Any]) -> None:
    """An invite link that lets nobody in is a 410, a forged one a 404."""
    for path, method in [("/api/invites/{token}/", "get"), ("/api/invites/{token}/join/", "post")]:
        assert {"404", "410", "429"} <= set(schema["paths"][path][method]["responses"])
    create = schema["paths"]["/api/groups/{id}/invites/"]["post"]
    assert "201" in create["responses"]
