"""The work folder holds dumps (data): a private folder of the user's, never a shared /tmp path."""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

import pytest

from roachlift.errors import RoachliftError
from roachlift.pipeline import WORK_DIR_ENV, work_root


def test_default_is_the_users_cache_folder_mode_0700(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WORK_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = work_root()
    assert root == tmp_path / "cache" / "roachlift"
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    root.chmod(0o755)  # loosened by hand: the default folder is made private again
    assert stat.S_IMODE(work_root().stat().st_mode) == 0o700
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert work_root() == tmp_path / "home" / ".cache" / "roachlift"
    assert not str(work_root()).startswith("/tmp/roachlift")


def test_a_folder_of_someone_else_or_writable_by_all_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = tmp_path / "planted"
    planted.mkdir()
    if os.geteuid() != 0:
        pytest.skip("chown to another user needs root (the tests run as root here and in CI)")
    os.chown(planted, pwd.getpwnam("nobody").pw_uid, -1)
    monkeypatch.setenv(WORK_DIR_ENV, str(planted))
    with pytest.raises(RoachliftError, match=r"belongs to uid \d+, not to this user"):
        work_root()
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    monkeypatch.setenv(WORK_DIR_ENV, str(open_dir))
    with pytest.raises(RoachliftError, match="writable by everyone"):
        work_root()
    mine = tmp_path / "mine"
    monkeypatch.setenv(WORK_DIR_ENV, str(mine))
    assert work_root() == mine and stat.S_IMODE(mine.stat().st_mode) == 0o700
