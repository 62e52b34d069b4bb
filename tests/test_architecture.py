"""The apps' layering (docs/architecture.md) is a contract in pyproject.toml checked by
import-linter: a new upward import or cycle between apps fails the suite."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_each_app_imports_only_from_the_layers_below_it():
    result = lint_imports(ROOT, "--config", "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contract_catches_an_upward_import(tmp_path):
    # The same contract, on a two-app copy where the kit imports an app: the check can fail.
    (tmp_path / "kit").mkdir()
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "__init__.py").write_text("import kit\n")
    (tmp_path / "kit" / "__init__.py").write_text("from accounts import models\n")
    (tmp_path / "accounts" / "models.py").write_text("")
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_packages = ["accounts", "kit"]

            [[tool.importlinter.contracts]]
            id = "layers"
            name = "layers"
            type = "layers"
            layers = ["accounts", "kit"]
            """
        )
    )
    result = lint_imports(tmp_path, "--config", "pyproject.toml")
    assert result.returncode != 0
    assert "kit is not allowed to import accounts" in result.stdout
