"""The dependency locks: current against pyproject.toml and the config, and used by the installs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from newstag.errors import LabelStudioError
from newstag.labelstudio import server

ROOT = Path(__file__).resolve().parent.parent


def _lock_tool():
    spec = importlib.util.spec_from_file_location("lock_tool", ROOT / "locks" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lock = _lock_tool()


def test_the_shipped_locks_are_current():
    assert lock.check() == []


def test_the_label_studio_lock_pins_the_configured_version_and_keeps_the_caps(config):
    pins = lock.read_lock(lock.STUDIO_LOCK)
    assert str(pins["label-studio"]) == config.studio.label_studio_version
    assert pins["sentry-sdk"].major < 3


def _pyproject(tmp_path: Path, dependencies: list[str]) -> Path:
    path = tmp_path / "pyproject.toml"
    quoted = ", ".join(f'"{dependency}"' for dependency in dependencies)
    path.write_text(
        f'[project]\nname = "newstag"\ndependencies = [{quoted}]\n'
        '[project.optional-dependencies]\ntest = ["newstag[x]", "pytest>=8"]\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "dependencies, fragment",
    [
        (["scikit-learn>=1.5", "a-new-package>=1"], "lacks a-new-package"),
        (["scikit-learn>=99"], "pins scikit-learn==1.6.1, outside scikit-learn>=99"),
        (["Scikit_Learn>=1.5"], None),  # names compare as PyPI does
        (["scikit-learn>=1.5; python_version < '3'"], None),  # a marker that does not apply here
    ],
)
def test_a_lock_is_stale_when_pyproject_wants_what_it_does_not_pin(tmp_path, dependencies, fragment):
    lock_file = tmp_path / "lock.txt"
    lock_file.write_text("# header\nscikit-learn==1.6.1\npytest==8.3.0\n", encoding="utf-8")
    requirements = lock.project_requirements(_pyproject(tmp_path, dependencies))
    problems = lock.stale(requirements, lock.read_lock(lock_file), lock_file)
    if fragment is None:
        assert problems == []
    else:
        assert len(problems) == 1 and fragment in problems[0]


def test_the_project_requirements_leave_out_its_own_extras(tmp_path):
    names = [r.name for r in lock.project_requirements(_pyproject(tmp_path, ["joblib>=1.4"]))]
    assert names == ["joblib", "pytest"]


def _fake_venv(tmp_path: Path, version: str) -> server.Studio:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "label-studio").write_text("")
    (venv / "lib" / "python3.11" / "site-packages" / f"label_studio-{version}.dist-info").mkdir(parents=True)
    return server.Studio("127.0.0.1", 1, version, tmp_path, venv)


def test_a_venv_counts_as_installed_only_from_the_lock_as_it_is(tmp_path):
    studio = _fake_venv(tmp_path, server.locked_version())
    assert not server.is_installed(studio)  # no marker: installed before the lock, say
    studio.lock_marker.write_text("0" * 64 + "\n")
    assert not server.is_installed(studio)  # installed from another lock
    studio.lock_marker.write_text(server._sha256(server.LOCK) + "\n")
    assert server.is_installed(studio)


def test_install_refuses_a_version_the_lock_does_not_pin(tmp_path):
    studio = server.Studio("127.0.0.1", 1, "1.0.0", tmp_path, tmp_path / "venv")
    with pytest.raises(LabelStudioError, match=f"the lock pins {server.locked_version()}"):
        server.install(studio)
    assert not (tmp_path / "venv").exists()
