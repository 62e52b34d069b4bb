"""The lock files agree with pyproject.toml, pin every package with hashes, and are what every
install uses (make, CI through make, the Docker image)."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(name: str) -> dict[str, str]:
    """{package: version} of a lock file; asserts every pin carries at least one hash."""
    text = (ROOT / "requirements" / name).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    found = {}
    for entry in entries:
        match = PIN.match(entry)
        if match is None:
            continue
        assert "--hash=sha256:" in entry, f"{match.group(1)} has no hash in {name}"
        found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    if extra:
        return [Requirement(spec) for spec in project["optional-dependencies"][extra]]
    return [Requirement(spec) for spec in project["dependencies"]]


def test_every_declared_dependency_is_locked_at_a_version_pyproject_allows():
    production, dev = pins("production.txt"), pins("dev.txt")
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        for lock in (production, dev):
            assert name in lock, f"{name} is in pyproject.toml but not locked: run make lock"
            assert requirement.specifier.contains(lock[name], prereleases=True), (
                f"{name}=={lock[name]} is outside {requirement.specifier}: run make lock"
            )
    for requirement in declared("dev"):
        name = canonicalize_name(requirement.name)
        assert name in dev, f"{name} is in the dev extras but not locked: run make lock"
        assert requirement.specifier.contains(dev[name], prereleases=True)


def test_production_runs_the_versions_the_tests_ran():
    production, dev = pins("production.txt"), pins("dev.txt")
    assert production
    for name, version in production.items():
        assert dev.get(name) == version, name
    assert "pytest" not in production and "playwright" not in production


def test_every_install_uses_the_lock_files_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r requirements/dev.txt" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes --no-deps -r requirements/production.txt" in dockerfile
    for text in (makefile, dockerfile, (ROOT / ".ci" / "run").read_text()):
        assert not re.search(r"pip install[^\n]*(-e |\s\.(\[|\s|$))", text)
