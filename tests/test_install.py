"""bin/install, which bin/manage, bin/dev, bin/test and bin/lint-deploy start with: pip
runs only when a requirements file, or a file it includes with ``-r``, changed since
the last successful install."""

import subprocess
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.processes import PROJECT_DIR


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, list[str]]:
    """bin/install as a module, working on a project in ``tmp_path`` (with a .venv that
    exists), its pip replaced by a recorder: returns the module and the files pip got."""
    loader = SourceFileLoader("bin_install", str(PROJECT_DIR / "bin" / "install"))
    spec = spec_from_loader(loader.name, loader)
    assert spec is not None
    module = module_from_spec(spec)
    loader.exec_module(module)
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "VENV_PYTHON", venv / "bin" / "python")
    monkeypatch.setattr(module, "STAMPS", venv / "installed")
    installed: list[str] = []

    def pip(argv: list[str], **kwargs: Any) -> None:
        requirements = Path(argv[argv.index("-r") + 1])
        if "broken" in requirements.read_text():
            raise subprocess.CalledProcessError(1, argv)
        installed.append(requirements.relative_to(tmp_path).as_posix())

    monkeypatch.setattr(module.subprocess, "run", pip)
    (tmp_path / "requirements.txt").write_text("Django==5.2.19\n")
    (tmp_path / ".ci").mkdir()
    (tmp_path / ".ci" / "requirements-test.txt").write_text("-r ../requirements.txt\npytest==9\n")
    return module, installed


def test_unchanged_requirements_are_installed_once(install: tuple[ModuleType, list[str]]) -> None:
    module, installed = install
    app = module.ROOT / "requirements.txt"
    tests = module.ROOT / ".ci" / "requirements-test.txt"

    module.install(tests)
    module.install(tests)
    # The test requirements include the app's: installing them installed the app's too.
    module.install(app)

    assert installed == [".ci/requirements-test.txt"]


def test_a_changed_pin_is_installed_again_through_the_files_that_include_it(
    install: tuple[ModuleType, list[str]],
) -> None:
    module, installed = install
    app = module.ROOT / "requirements.txt"
    tests = module.ROOT / ".ci" / "requirements-test.txt"
    module.install(tests)

    app.write_text("Django==5.2.20\n")
    module.install(tests)
    module.install(app)

    assert installed == [".ci/requirements-test.txt"] * 2


def test_a_failed_install_is_tried_again(install: tuple[ModuleType, list[str]]) -> None:
    module, installed = install
    app = module.ROOT / "requirements.txt"
    app.write_text("broken==1\n")
    with pytest.raises(subprocess.CalledProcessError):
        module.install(app)

    app.write_text("Django==5.2.19\n")
    module.install(app)

    assert installed == ["requirements.txt"]
