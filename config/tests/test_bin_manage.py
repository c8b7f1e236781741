"""The README's way to create a user works as written on a fresh clone: no DEBUG and
no SECRET_KEY in the environment, and no database yet."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bin_manage_createsuperuser_works_without_debug_or_secret_key(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SUPERUSER_PASSWORD": "a-long-admin-password",
    }

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [str(ROOT / "bin" / "manage"), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    created = manage(
        "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com"
    )
    assert created.returncode == 0, created.stderr
    assert "Superuser created successfully." in created.stdout
