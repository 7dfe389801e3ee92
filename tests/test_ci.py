"""The CI entry point's own checks (.ci/), run on a scratch git repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / ".ci" / "check-clean-tree"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def check(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK)], cwd=repo, capture_output=True, text=True, check=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    (tmp_path / "shot.png").write_bytes(b"before")
    (tmp_path / ".gitignore").write_text("cache/\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
    return tmp_path


def test_a_clean_tree_passes(repo: Path) -> None:
    (repo / "cache").mkdir()
    (repo / "cache" / "ignored").write_text("ignored files do not count")
    done = check(repo)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_modified_or_new_file_fails_and_is_named(repo: Path) -> None:
    (repo / "shot.png").write_bytes(b"after")
    (repo / "left-behind.txt").write_text("x")
    done = check(repo)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: the test suite left the working tree dirty "
        "(tests must never modify tracked files):",
        " M shot.png",
        "?? left-behind.txt",
    ]
