"""The Makefile's recipes, read with ``make -n`` (nothing is run or installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*args: str) -> list[str]:
    done = subprocess.run(["make", "-n", "-B", *args], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return done.stdout.splitlines()


def test_run_serves_the_demo_on_the_given_host_and_port() -> None:
    lines = dry_run("run", "PORT=8123", "HOST=0.0.0.0")
    serve = [line for line in lines if "microdose serve" in line]
    assert len(serve) == 1
    assert "--demo" in serve[0]
    assert "--host '0.0.0.0'" in serve[0] and "--port '8123'" in serve[0]


def test_run_defaults_to_localhost_8000() -> None:
    serve = [line for line in dry_run("run") if "microdose serve" in line]
    assert "--host '127.0.0.1'" in serve[0] and "--port '8000'" in serve[0]


def test_run_installs_the_package_without_the_test_extra() -> None:
    installs = [line for line in dry_run("run") if "pip install" in line and " -e " in line]
    assert installs, "make run installs the package"
    assert all("[test]" not in line for line in installs)


def test_test_and_lint_install_the_test_extra() -> None:
    installs = [line for line in dry_run("lint") if "pip install" in line and " -e " in line]
    assert any("'.[test]'" in line for line in installs)


def test_system_deps_waits_for_the_dpkg_lock_and_shows_apt_output_on_failure() -> None:
    recipe = "\n".join(dry_run("system-deps"))
    assert "apt-get -o DPkg::Lock::Timeout=300 update" in recipe
    assert "apt-get -o DPkg::Lock::Timeout=300 install" in recipe
    assert 'cat "$log"' in recipe and "exit 1" in recipe


def test_system_deps_fails_and_shows_apt_output() -> None:
    failing_apt = "sh -c 'echo E: the apt output >&2; exit 100' --"
    done = subprocess.run(["make", "--no-print-directory", "system-deps",
                           "SYSTEM_PACKAGES=no-such-package-for-this-test",
                           f"APT={failing_apt}", "SUDO="],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0
    assert "E: the apt output" in done.stdout + done.stderr
    assert "could not install: no-such-package-for-this-test" in done.stderr


def test_the_suite_runs_in_two_processes_unless_told_otherwise() -> None:
    def pytest_line(*args: str) -> str:
        lines = [line for line in dry_run("pytest", *args) if "/pytest " in line]
        assert len(lines) == 1, lines
        return lines[0]

    assert " -n 2 " in pytest_line()
    assert " -n 0 " in pytest_line("PYTEST_WORKERS=0")
