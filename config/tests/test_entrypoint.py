"""bin/entrypoint as a container runs it: a configuration the settings refuse is said on
one line (no traceback), by the one-shot check compose.yaml runs before any web
container and by the server command alike."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED_KEY = "compose-local-only-not-a-secret-change-me-0123456789"


def entrypoint(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``bin/entrypoint *args`` with only ``env`` (and PATH), as a fresh container has."""
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(ROOT / "bin" / "entrypoint"), *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DEBUG": "false", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_passes_with_a_configuration_the_settings_accept() -> None:
    result = entrypoint("check", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [["check"], []], ids=["check", "serve"])
@pytest.mark.parametrize(
    ("environment", "reason"),
    [
        ({"SECRET_KEY": PUBLISHED_KEY}, "SECRET_KEY is a placeholder published in this repository"),
        ({}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": "", "DEBUG": "maybe"}, "DEBUG"),
    ],
    ids=["published-key", "no-key", "malformed-debug"],
)
def test_a_refused_configuration_is_said_on_one_line(
    command: list[str], environment: dict[str, str], reason: str
) -> None:
    result = entrypoint(*command, **environment)
    assert result.returncode == 1
    assert result.stderr.startswith("entrypoint: configuration error: "), result.stderr
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
