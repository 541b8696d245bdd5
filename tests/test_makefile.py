"""`make test` installs the lab's Debian packages only when a test marked `lab` exists to use them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _make(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["make", "-s", "-C", str(folder), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_no_lab_test_no_system_packages(tmp_path: Path) -> None:
    """In a copy whose tests mark none `lab`, nothing is installed."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test_x():\n    pass\n", encoding="utf-8")
    assert _make(tmp_path, "system-packages").startswith(
        "no test is marked lab: the lab's Debian packages are not needed\n"
    )


def test_the_report_tests_packages_are_installed_by_root(tmp_path: Path) -> None:
    """Dry run: as root with apt-get, the missing ones of chromium, firefox-esr and graphviz are
    installed."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    plan = _make(tmp_path, "-n", "system-packages")
    assert "for p in chromium firefox-esr graphviz" in plan and "apt-get install" in plan


def test_a_lab_test_asks_for_them(tmp_path: Path) -> None:
    """Dry run (`make -n`) in a copy with one test marked lab: the install step is reached."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_lab.py").write_text(
        "import pytest\n\n@pytest.mark.lab\ndef test_probe():\n    pass\n", encoding="utf-8"
    )
    plan = _make(tmp_path, "-n", "system-packages")
    assert 'if [ -z "tests/test_lab.py" ]' in plan and "apt-get install" in plan
