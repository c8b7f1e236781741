"""Checks that keep the documents true to the repository (``tests/test_docs.py``).

What a document shows is held to what the repository has, by the kind of thing shown:

- **Links.** Every relative link (``[text](path)``, ``[text](path#anchor)``,
  ``[text](#anchor)``, images too) names a file or folder that exists; an anchor into a
  Markdown file is one of its headings as GitHub writes them (``## What `bin/test`
  runs`` is ``#what-bintest-runs``), an anchor into another file a line it has
  (``#L12``, ``#L12-L20``). Absolute URLs are not fetched.
- **``python`` blocks whose first line names a file** (``# chat/consumers/chat_detail.py``,
  optionally followed by ``: what it shows``) are excerpts: each of their other lines
  is a line of that file, in the same order, indentation included; a line ``...``
  stands for lines left out. Any other ``python`` block must compile.
- **``sh`` blocks** are commands a reader types. They must parse (``bash -n``); a
  command's program, when it is a path (``bin/dev``, ``.venv/bin/pytest``), exists in
  the repository or, under ``.venv/bin/``, is installed there; every argument that
  names a repository path (it has a ``/`` or a file suffix) exists; ``python -m`` names
  a module of the repository; and a ``--long-option`` given to one of the repository's
  own programs appears in that program's source. Nothing is run: the commands start
  servers, containers and whole suites, which the tests and CI run themselves.
- **Blocks without a language** are diagrams: every dotted name in them that starts
  with one of the project's packages (``chat.services.messages.apost_message``) resolves to a
  module, or an attribute of one.
- **Inline code naming a test or a file** (``chat/tests/guide/test_overview.py``,
  ``test_sessions.py::TestExpiry``,
  ``test_consumer.py::AuthenticationTests::test_foreign_origin_*``):
  a path (it has a ``/``) or a test module's bare name (``test_*.py``) is, or ends,
  the path of exactly one file of the repository, and each ``::`` part is a class or
  function defined in it, each inside the one before (``*`` matches any characters,
  ``...name`` a definition at any depth). A bare module name (``asgi.py``) belongs to
  the folder the text is about and is not looked up.

Each ``check_*`` function returns the problems it found, as lines that name the
document and the line; an empty list means the document holds.
"""

import fnmatch
import functools
import importlib
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The first-party packages whose dotted names a diagram may give.
PACKAGES = ("accounts", "bench", "chanx_testing", "chat", "config", "realtime", "tests")
# Directories never searched for a file named by its bare name.
NOT_SEARCHED = {
    ".git",
    ".venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "staticfiles",
}

FENCE = re.compile(
    r"^(?P<fence>```+)(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S
)
INLINE_CODE = re.compile(r"(`+)(?P<code>.+?)\1", re.S)
LINK = re.compile(r"!?\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(?P<text>.+?)[ \t]*#*[ \t]*$", re.M)
DOTTED = re.compile(rf"\b(?:{'|'.join(PACKAGES)})(?:\.[A-Za-z_]\w*)+")
TEST_REFERENCE = re.compile(r"^(?P<path>[\w./-]*\w\.py)(?P<names>(?:::[\w*.]+)*)$")
LINE_ANCHOR = re.compile(r"L(?P<first>\d+)(?:-L(?P<last>\d+))?")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language (the info string's first word), its text and
    the document line its first line of code is on."""

    language: str
    text: str
    line: int


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def code_blocks(text: str) -> list[Block]:
    blocks = []
    for match in FENCE.finditer(text):
        language = (match["info"].split() or [""])[0].lower()
        blocks.append(Block(language, match["body"], line_of(text, match.start("body"))))
    return blocks


def blank(match: re.Match[str]) -> str:
    """What was matched, as spaces (its line breaks kept)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def without_code(text: str) -> str:
    """The text with code blocks and inline code blanked out (same length, same lines),
    so that what they show is not taken for links or headings."""
    return INLINE_CODE.sub(blank, FENCE.sub(blank, text))


def github_slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: the rendered text (code, links and
    emphasis reduced to their text), lower case, punctuation other than ``-`` and
    ``_`` dropped, spaces as ``-``."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*+|(?<!\w)_+|_+(?!\w))", "", text)
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading anchor of a Markdown text; a repeated one gets -1, -2... as on GitHub."""
    seen: dict[str, int] = {}
    result = set()
    for match in HEADING.finditer(without_code(markdown)):
        heading = markdown[match.start("text") : match.end("text")]
        slug = github_slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def check_links(document: Path) -> list[str]:
    text = document.read_text()
    problems = []
    for match in LINK.finditer(without_code(text)):
        target = text[match.start("target") : match.end("target")]
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
            continue  # http:, https:, mailto:: not fetched
        where = f"{document.relative_to(ROOT)}:{line_of(text, match.start())}"
        path_part, _, anchor = target.partition("#")
        linked = (document.parent / path_part).resolve() if path_part else document
        if not linked.exists():
            problems.append(f"{where}: link to {target}: {path_part} does not exist")
        elif anchor:
            problem = anchor_problem(linked, anchor)
            if problem:
                problems.append(f"{where}: link to {target}: {problem}")
    return problems


def anchor_problem(linked: Path, anchor: str) -> str | None:
    if linked.is_dir():
        return "an anchor into a folder"
    if linked.suffix == ".md":
        known = anchors(linked.read_text())
        return None if anchor in known else f"no heading #{anchor} (there are: {sorted(known)})"
    lines = LINE_ANCHOR.fullmatch(anchor)
    if lines is None:
        return f"#{anchor} is neither a heading nor a line (#L12)"
    count = len(linked.read_text().splitlines())
    last = int(lines["last"] or lines["first"])
    return None if 1 <= int(lines["first"]) <= last <= count else f"no line {last} ({count} lines)"


def check_code_blocks(document: Path) -> list[str]:
    text = document.read_text()
    problems = []
    name = document.relative_to(ROOT)
    for block in code_blocks(text):
        found: list[tuple[int, str]]
        if block.language == "python":
            found = [(0, problem) for problem in check_python(block.text)]
        elif block.language in {"sh", "bash", "shell"}:
            found = check_shell(block.text)
        elif block.language in {"", "text"}:
            found = check_names(block.text)
        else:
            found = [(0, f"a {block.language!r} block: python, sh, text or none")]
        problems += [f"{name}:{block.line + line}: {problem}" for line, problem in found]
    return problems


def check_python(code: str) -> list[str]:
    first, _, rest = code.partition("\n")
    source = re.fullmatch(r"#\s*(?P<path>[\w./-]+\.py)(?::.*)?", first.strip())
    if source is None:
        try:
            compile(code, "<document>", "exec")
        except SyntaxError as error:
            return [f"python that does not compile: {error.msg} (line {error.lineno})"]
        return []
    path = ROOT / source["path"]
    if not path.is_file():
        return [f"an excerpt of {source['path']}, which does not exist"]
    return excerpt_problems(rest, path.read_text().splitlines(), source["path"])


def excerpt_problems(excerpt: str, lines: list[str], name: str) -> list[str]:
    """Each line of the excerpt (blank ones and ``...`` aside) is a line of the file,
    after the previous one's."""
    position = 0
    for shown in excerpt.splitlines():
        if not shown.strip() or shown.strip() == "...":
            continue
        try:
            position = lines.index(shown.rstrip(), position) + 1
        except ValueError:
            return [f"the excerpt's line {shown.strip()!r} is not in {name} (in this order)"]
    return []


def commands(script: str) -> Iterator[tuple[int, list[str]]]:
    """Each simple command of a shell text, with the line (from 0) it starts on, as
    words, its leading VAR=value dropped."""
    lines = script.splitlines()
    number = 0
    while number < len(lines):
        start, line = number, lines[number]
        while line.endswith("\\") and number + 1 < len(lines):
            number += 1
            line = line[:-1] + " " + lines[number]
        number += 1
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token not in {";", "&&", "||", "|", "&", ";;"}:
                words.append(token)
                continue
            while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0], re.S):
                words.pop(0)
            if words:
                yield start, words
            words = []


def check_shell(script: str) -> list[tuple[int, str]]:
    # bash only parses (-n) the document's text: nothing is run.
    parsed = subprocess.run(
        ["bash", "-n"],  # noqa: S607 - the reader's bash, from PATH
        input=script,
        capture_output=True,
        text=True,
        check=False,
    )
    if parsed.returncode != 0:
        return [(0, f"sh that does not parse: {parsed.stderr.strip()}")]
    return [
        (line, problem) for line, words in commands(script) for problem in command_problems(words)
    ]


def command_problems(words: list[str]) -> list[str]:
    program, *arguments = words
    problems = []
    own: Path | None = None
    if program.startswith(".venv/bin/"):
        if not (Path(sys.executable).parent / program.removeprefix(".venv/bin/")).exists():
            problems.append(f"{program} is not installed by the requirements")
    elif "/" in program or program.endswith(".py"):
        own = ROOT / program
        if not own.is_file():
            problems.append(f"{program} does not exist")
    for position, argument in enumerate(arguments):
        if looks_like_a_path(argument) and not (ROOT / argument).exists():
            problems.append(f"{' '.join(words[:2])}: {argument} does not exist")
        if argument == "-m" and "python" in program and position + 1 < len(arguments):
            module = arguments[position + 1]
            own = ROOT / Path(*module.split(".")).with_suffix(".py")
            if not own.is_file():
                problems.append(f"python -m {module}: no such module in the repository")
                own = None
    if own is not None and own.is_file():
        source = own.read_text()
        problems += [
            f"{own.relative_to(ROOT)} has no option {option}"
            for option in (argument.split("=")[0] for argument in arguments)
            if option.startswith("--") and not re.search(rf"{re.escape(option)}(?![\w-])", source)
        ]
    return problems


def looks_like_a_path(argument: str) -> bool:
    if "=" in argument or argument.startswith(("-", "$", "http:", "https:")) or "://" in argument:
        return False
    return "/" in argument or bool(
        re.fullmatch(r"[\w.-]+\.(py|ya?ml|cfg|txt|md|toml|ini)", argument)
    )


def check_names(diagram: str) -> list[tuple[int, str]]:
    return [
        (line, f"{name} does not exist")
        for line, text in enumerate(diagram.splitlines())
        for name in DOTTED.findall(text)
        if not resolves(name)
    ]


def resolves(dotted: str) -> bool:
    """Whether ``a.b.c`` is a module, or an attribute (of an attribute...) of one."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def check_test_references(document: Path) -> list[str]:
    text = document.read_text()
    problems = []
    masked = FENCE.sub(blank, text)
    for match in INLINE_CODE.finditer(masked):
        reference = TEST_REFERENCE.fullmatch(match["code"].strip())
        if reference is None:
            continue
        where = f"{document.relative_to(ROOT)}:{line_of(text, match.start())}"
        problem = reference_problem(reference["path"], reference["names"])
        if problem:
            problems.append(f"{where}: `{match['code'].strip()}`: {problem}")
    return problems


def reference_problem(path: str, names: str) -> str | None:
    if "/" not in path and not path.startswith("test_"):
        return None  # a bare module name (``asgi.py``) belongs to the folder around it
    existing = files_ending_with(path)
    if not existing:
        return "no such file"
    if len(existing) > 1:
        shown = [str(candidate.relative_to(ROOT)) for candidate in existing]
        return f"names one of several files ({shown}): give its folder"
    source = existing[0].read_text()
    return definitions_problem(source, [name for name in names.split("::") if name])


@functools.cache
def repository_files(root: Path) -> tuple[str, ...]:
    """Every file of the working tree, as a path relative to the root (tools' folders
    such as .venv and .git left out)."""
    found = []
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if name not in NOT_SEARCHED]
        base = Path(folder).relative_to(root)
        found += [(base / name).as_posix() for name in files]
    return tuple(found)


def files_ending_with(path: str) -> list[Path]:
    """The repository's files whose path is ``path`` or ends with ``/path``."""
    if (ROOT / path).is_file():
        return [ROOT / path]
    return [ROOT / found for found in repository_files(ROOT) if found.endswith(f"/{path}")]


DEFINITION = re.compile(
    r"^(?P<indent>[ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+(?P<name>\w+)", re.M
)


def definitions_problem(source: str, names: list[str]) -> str | None:
    """Whether ``names`` are definitions of the source, each one directly inside the one
    before (the first at the top level); ``...name`` is one at any depth inside it, and
    ``*`` matches any characters."""
    definitions = [(len(found["indent"]), found["name"]) for found in DEFINITION.finditer(source)]
    # Where the next name may be defined: ranges of ``definitions`` and their owner's indent.
    scopes = [(0, len(definitions), -1)]
    for name in names:
        anywhere = name.startswith("...")
        pattern = name.removeprefix("...")
        inner = []
        for first, end, owner in scopes:
            depths = [depth for depth, _ in definitions[first:end] if depth > owner]
            for index in range(first, end):
                depth, defined = definitions[index]
                placed = depth > owner if anywhere else depth == min(depths)
                if placed and fnmatch.fnmatchcase(defined, pattern):
                    inside = (
                        after for after in range(index + 1, end) if definitions[after][0] <= depth
                    )
                    inner.append((index + 1, next(inside, end), depth))
        if not inner:
            return f"no {'::'.join(names)} in it"
        scopes = inner
    return None
