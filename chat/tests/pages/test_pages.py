"""The page shells and the CSP header, without a browser (these run even
where Chromium is missing)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from chat.models import REACTION_EMOJI
from config.csp import HEADER, build_policy, websocket_sources

PAGES = ["/login/", "/signup/", "/account/", "/groups/", "/groups/1/"]


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, inline styles
    and inline event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
            if not attributes.get("src"):
                self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        self.problems += [f"{tag} {name}=" for name in attributes if name == "style"]
        self.problems += [f"{tag} {name}=" for name in attributes if name.startswith("on")]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_with_csrf_cookie_and_no_inline_code(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert "csrftoken" in response.cookies  # ensure_csrf_cookie: the script echoes it
    finder = InlineCodeFinder()
    finder.feed(response.content.decode())
    assert finder.problems == []
    assert finder.scripts == [{"type": "module", "src": "/static/chat/app.js"}]


def test_group_page_names_its_group(client: Client) -> None:
    assert b'data-group-id="42"' in client.get("/groups/42/").content


@pytest.mark.parametrize("path", PAGES)
def test_pages_name_the_origins_the_websocket_check_allows(client: Client, path: str) -> None:
    """The script compares its own origin with these to say why a socket is refused."""
    allowed = ["https://chat.example", "http://127.0.0.1:8000"]
    with override_settings(WEBSOCKET_ALLOWED_ORIGINS=allowed):
        html = client.get(path).content.decode()

    assert 'data-socket-origins="https://chat.example http://127.0.0.1:8000"' in html
    assert 'id="address-refused"' in html


def test_home_redirects_to_groups(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/groups/"


@pytest.mark.parametrize("path", [*PAGES, "/api/auth/me/", "/static/chat/app.js", "/nowhere/"])
def test_every_response_has_the_csp_header(client: Client, path: str) -> None:
    policy = client.get(path)[HEADER]

    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_csp_lets_the_page_open_websockets_to_the_allowed_origins() -> None:
    with override_settings(WEBSOCKET_ALLOWED_ORIGINS=["https://chat.example", "http://a:8000"]):
        policy = build_policy()

    assert "connect-src 'self' wss://chat.example ws://a:8000;" in policy


def test_websocket_sources_skip_what_is_not_an_http_origin() -> None:
    assert websocket_sources(["*", "chat.example", "https://ok.example"]) == ["wss://ok.example"]


def module_imports(module: Path) -> list[Path]:
    """The files a collected ES module imports (``... from "./x.js";``)."""
    text = module.read_text()
    return [(module.parent / url).resolve() for url in re.findall(r"""from ["'](.+?)["'];""", text)]


@pytest.mark.django_db
def test_collected_static_files_are_hashed_in_the_pages(tmp_path: Path, client: Client) -> None:
    """Production storage: collectstatic succeeds, the pages point at the hashed,
    existing files, and so does every import of the script's modules, all the way
    down, reaching each of them: a browser caching a hashed file for ever never runs
    one deployment's module with another's."""
    with override_settings(STATIC_ROOT=tmp_path):
        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=storages):
            call_command("collectstatic", interactive=False, verbosity=0)
            html = client.get("/login/").content.decode()

    for name, extension in [("app", "js"), ("app", "css")]:
        match = re.search(rf'"/static/(chat/{name}\.[0-9a-f]{{12}}\.{extension})"', html)
        assert match, f"no hashed chat/{name}.{extension} in the page"
        assert (tmp_path / match.group(1)).is_file()
    entry = re.search(r'"/static/(chat/app\.[0-9a-f]{12}\.js)"', html)
    assert entry
    reached, waiting = set(), [(tmp_path / entry.group(1)).resolve()]
    while waiting:
        module = waiting.pop()
        for imported in module_imports(module):
            assert re.fullmatch(r"[\w-]+\.[0-9a-f]{12}\.js", imported.name), (module, imported)
            assert imported.is_file(), (module, imported)
            if imported not in reached:
                reached.add(imported)
                waiting.append(imported)
    sources = Path(settings.BASE_DIR, "chat", "static", "chat", "app").glob("*.js")
    assert {re.sub(r"\.[0-9a-f]{12}\.js$", ".js", path.name) for path in reached} == {
        path.name for path in sources
    }
    # The page names each of them up front, hashed as its importer names it.
    preloaded = re.findall(r'<link rel="modulepreload" href="/static/([^"]+)">', html)
    assert {(tmp_path / path).resolve() for path in preloaded} == reached


def test_the_chats_page_carries_the_reactions_the_server_allows(client: Client) -> None:
    """The picker offers what ``react`` accepts, from one definition."""
    response = client.get("/groups/1/")

    assert f'data-reaction-emoji="{" ".join(REACTION_EMOJI)}"' in response.content.decode()
