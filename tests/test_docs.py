"""The documents hold against the repository: links resolve, code blocks are what the
code is, commands name what exists (the rules: tests/support/docs.py, and "Checking
the documents" in docs/testing.md). Then the checker itself, on small documents
written to fail."""

import ast
import re
from pathlib import Path

import pytest

from tests.support import docs

DOCUMENTS = sorted(
    [
        docs.ROOT / "README.md",
        *docs.ROOT.joinpath("docs").glob("*.md"),
        docs.ROOT / "chat" / "tests" / "guide" / "README.md",
    ]
)


def problems(document: Path) -> list[str]:
    return [
        *docs.check_links(document),
        *docs.check_code_blocks(document),
        *docs.check_test_references(document),
    ]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(docs.ROOT)))
def test_the_document_holds(document: Path) -> None:
    found = problems(document)
    assert found == [], "\n".join(found)


def environment_names(source: str) -> set[str]:
    """The names a settings module reads from the environment: the first argument of
    ``os.environ.get``, ``env_int``, ``env_bool`` and ``env_list``; a name built by
    adding to a constant is given as its prefix (``THROTTLE_``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        called = ast.unparse(node.func)
        if called not in {"os.environ.get", "env_int", "env_bool", "env_list"}:
            continue
        first = node.args[0]
        if isinstance(first, ast.BinOp) and isinstance(first.left, ast.Constant):
            first = first.left
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def test_every_setting_read_from_the_environment_is_in_the_settings_table() -> None:
    read = environment_names((docs.ROOT / "config" / "settings.py").read_text())
    table = (docs.ROOT / "docs" / "settings.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)`|`([A-Z][A-Z_]+)`", table, re.M))
    named = {name for pair in documented for name in pair if name}
    missing = sorted(
        name
        for name in read
        if not any(
            known == name or (name.endswith("_") and known.startswith(name)) for known in named
        )
    )
    assert len(read) > 30
    assert missing == [], f"read from the environment but not in docs/settings.md: {missing}"


def test_every_document_in_docs_is_checked() -> None:
    assert len([path for path in DOCUMENTS if path.parent.name == "docs"]) >= 8


# ---- the checker, on documents written to fail

HEADINGS = """# Title

## What `bin/test` runs

## Scaling out

## Scaling out
"""


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Write a document (and files beside it) into a folder that stands for the
    repository root (the excerpts and commands checked against the real one)."""
    monkeypatch.setattr(docs, "ROOT", tmp_path)

    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return write_file


def test_links_must_reach_files_headings_and_lines(write) -> None:  # type: ignore[no-untyped-def]
    write("docs/other.md", HEADINGS)
    write("code.py", "one\ntwo\n")
    document = write(
        "README.md",
        "[ok](docs/other.md#what-bintest-runs) [ok](docs/other.md#scaling-out-1) "
        "[ok](code.py#L2) [ok](https://example.com/nowhere) `[code](nowhere.md)`\n"
        "[gone](docs/gone.md) [anchor](docs/other.md#what-bin-test-runs) "
        "[line](code.py#L3) ![picture](docs/missing.png)\n",
    )

    assert docs.check_links(document) == [
        "README.md:2: link to docs/gone.md: docs/gone.md does not exist",
        "README.md:2: link to docs/other.md#what-bin-test-runs: no heading "
        "#what-bin-test-runs (there are: ['scaling-out', 'scaling-out-1', 'title', "
        "'what-bintest-runs'])",
        "README.md:2: link to code.py#L3: no line 3 (2 lines)",
        "README.md:2: link to docs/missing.png: docs/missing.png does not exist",
    ]


def test_an_excerpt_must_be_lines_of_its_file_in_order(write) -> None:  # type: ignore[no-untyped-def]
    write("app.py", "def handle():\n    first()\n    second()\n    third()\n")
    document = write(
        "docs/a.md",
        "```python\n# app.py: the handler\ndef handle():\n    ...\n    third()\n```\n\n"
        "```python\n# app.py\ndef handle():\n    third()\n    second()\n```\n\n"
        "```python\n# gone.py\nx = 1\n```\n\n"
        "```python\nprint('no file named: it compiles')\n```\n\n"
        "```python\ndef broken(:\n```\n",
    )

    assert docs.check_code_blocks(document) == [
        "docs/a.md:9: the excerpt's line 'second()' is not in app.py (in this order)",
        "docs/a.md:16: an excerpt of gone.py, which does not exist",
        "docs/a.md:25: python that does not compile: invalid syntax (line 1)",
    ]


def test_commands_must_name_what_the_repository_has(write) -> None:  # type: ignore[no-untyped-def]
    write("bin/serve", '#!/bin/sh\ncase "$1" in --port) ;; esac\n')
    write("bench/load.py", 'parser.add_argument("--rate")\n')
    document = write(
        "README.md",
        "```sh\n"
        "export KEY=\"$(python3 -c 'import secrets; print(secrets.token_hex())')\"\n"
        "bin/serve --port 8000   # a comment\n"
        "DEBUG=true bin/missing && .venv/bin/python -m bench.load --rate 5 --burst 9\n"
        ".venv/bin/python -m bench.gone\n"
        "docker compose -f compose.yaml up\n"
        ".venv/bin/not-installed-anywhere\n"
        "```\n\n"
        "```sh\nif then\n```\n",
    )

    found = docs.check_code_blocks(document)

    assert found[:5] == [
        "README.md:4: bin/missing does not exist",
        "README.md:4: bench/load.py has no option --burst",
        "README.md:5: python -m bench.gone: no such module in the repository",
        "README.md:6: docker compose: compose.yaml does not exist",
        "README.md:7: .venv/bin/not-installed-anywhere is not installed by the requirements",
    ]
    assert len(found) == 6
    assert found[5].startswith("README.md:11: sh that does not parse:")


def test_a_diagram_names_only_what_exists(write) -> None:  # type: ignore[no-untyped-def]
    document = write(
        "docs/a.md",
        "```\npage -> config.asgi -> chat.services.messages.apost_message\n"
        "  -> chat.consumers.chat_detail.receive_message -> realtime.nowhere\n```\n",
    )

    assert docs.check_code_blocks(document) == [
        "docs/a.md:3: chat.consumers.chat_detail.receive_message does not exist",
        "docs/a.md:3: realtime.nowhere does not exist",
    ]


def test_tests_named_in_the_text_exist(write) -> None:  # type: ignore[no-untyped-def]
    write("app/tests/test_login.py", "class TestLogin:\n    def test_ok(self):\n        pass\n")
    write("app/tests/test_other.py", "def test_top():\n    pass\n")
    write("lib/tests/test_other.py", "")
    document = write(
        "docs/testing.md",
        "`test_login.py::TestLogin::test_ok`, `app/tests/test_login.py::TestLogin::test_*`, "
        "`test_login.py::...test_ok`, `asgi.py`\n"
        "`test_login.py::test_ok`, `test_login.py::TestLogin::test_gone`, "
        "`test_other.py`, `tests/test_nowhere.py`\n",
    )

    assert docs.check_test_references(document) == [
        "docs/testing.md:2: `test_login.py::test_ok`: no test_ok in it",
        "docs/testing.md:2: `test_login.py::TestLogin::test_gone`: no TestLogin::test_gone in it",
        "docs/testing.md:2: `test_other.py`: names one of several files "
        "(['app/tests/test_other.py', 'lib/tests/test_other.py']): give its folder",
        "docs/testing.md:2: `tests/test_nowhere.py`: no such file",
    ]
