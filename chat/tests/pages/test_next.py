"""After logging in or signing up the page goes to ``next`` only if it is a path on
this site; the server decides by parsing (Django's url_has_allowed_host_and_scheme)."""

import re
from urllib.parse import quote

import pytest
from django.test import Client

OFF_SITE = [
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r/evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "///evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "",
]


def next_of(client: Client, page: str, query: str) -> str:
    html = client.get(f"{page}?{query}").content.decode()
    found = re.search(r'data-next="([^"]*)"', html)
    assert found is not None, html
    return found.group(1)


@pytest.mark.parametrize("page", ["/login/", "/signup/"])
@pytest.mark.parametrize("target", OFF_SITE)
def test_an_off_site_next_becomes_the_groups_page(client: Client, page: str, target: str) -> None:
    assert next_of(client, page, f"next={quote(target, safe='')}") == "/groups/"


def test_the_issues_payload_exactly_as_sent(client: Client) -> None:
    assert next_of(client, "/login/", "next=/%09/evil.example/") == "/groups/"


@pytest.mark.parametrize("page", ["/login/", "/signup/"])
def test_a_path_on_this_site_is_kept(client: Client, page: str) -> None:
    assert next_of(client, page, "next=%2Fgroups%2F7%2F%3Fx%3D1") == "/groups/7/?x=1"
