"""A local Label Studio: installed into its own venv, started, checked and stopped.

Label Studio pins many packages, so it lives in a virtual environment of its own, never in
the project's. Everything it writes (database, log, pid, login) stays under the studio home.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newstag.errors import LabelStudioError
from newstag.labelstudio import auth

# Every package of Label Studio's venv, pinned: `python locks/lock.py update` writes it.
LOCK = Path(__file__).with_name("label-studio.lock.txt")

# The first start applies a few hundred database migrations: minutes on two cores.
START_TIMEOUT = 600.0
STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Studio:
    """Where one local server lives; the venv may be shared between homes (tests do)."""

    host: str
    port: int
    version: str
    home: Path
    venv: Path

    @classmethod
    def from_config(cls, config, venv: Path | None = None) -> Studio:
        """From the `[studio]` config section (host, port, label_studio_version, home)."""
        home = Path(config.home).resolve()
        venv = Path(venv).resolve() if venv else home / "venv"
        return cls(config.host, int(config.port), config.label_studio_version, home, venv)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / "label-studio"

    @property
    def pid_file(self) -> Path:
        return self.home / "server.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"

    @property
    def credentials_file(self) -> Path:
        return self.home / "admin-login.json"

    @property
    def lock_marker(self) -> Path:
        """The sha256 of the lock the venv was installed from."""
        return self.venv / "newstag-lock.sha256"


@dataclass(frozen=True)
class Status:
    running: bool
    url: str
    pid: int | None


def is_installed(studio: Studio) -> bool:
    """label-studio==version is in the venv, installed from the lock as it is now."""
    pattern = f"lib/python*/site-packages/label_studio-{studio.version}.dist-info"
    return (
        studio.executable.exists()
        and any(studio.venv.glob(pattern))
        and studio.lock_marker.is_file()
        and studio.lock_marker.read_text(encoding="utf-8").strip() == _sha256(LOCK)
    )


def locked_version(lock: Path = LOCK) -> str:
    """The label-studio version the lock pins."""
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line.lower().startswith("label-studio=="):
            return line.split("==", 1)[1].strip()
    raise LabelStudioError(f"{lock} pins no label-studio; regenerate it with `make lock`")


def install(studio: Studio, on_line: Callable[[str], None] | None = None) -> bool:
    """Install Label Studio's locked packages into its venv unless they are there; True when
    it installed. A venv from an older lock is brought to the current one.
    `on_line` sees each line pip writes (all of them also go to the install log)."""
    if is_installed(studio):
        return False
    locked = locked_version()
    if studio.version != locked:
        raise LabelStudioError(
            f"label_studio_version is {studio.version} but the lock pins {locked}; "
            f'set [studio] label_studio_version = "{locked}", or run `make lock` for {studio.version}'
        )
    studio.home.mkdir(parents=True, exist_ok=True)
    log = studio.home / "install.log"
    with log.open("w", encoding="utf-8") as out:
        if not (studio.venv / "bin" / "python").exists():
            _run([sys.executable, "-m", "venv", str(studio.venv)], out, log, on_line)
        pip = [str(studio.venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
        _run([*pip, "--requirement", str(LOCK)], out, log, on_line)
    studio.lock_marker.write_text(_sha256(LOCK) + "\n", encoding="utf-8")
    if not is_installed(studio):
        raise LabelStudioError(f"label-studio=={studio.version} did not install; see {log}")
    return True


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start(studio: Studio, timeout: float = START_TIMEOUT) -> auth.Credentials:
    """Install if needed, start unless running, wait until healthy; returns the admin login."""
    install(studio)
    credentials = auth.load_or_create(studio.credentials_file, studio.url)
    pid = running_pid(studio)
    if pid is None:
        _require_free_port(studio)
        process = _spawn(studio, credentials)
        try:
            _wait_healthy(studio, timeout, lambda: process.poll() is None)
        except LabelStudioError:
            stop(studio)  # a server that failed to come up is not left running
            raise
    else:
        _wait_healthy(studio, timeout, lambda: running_pid(studio) == pid)
    return auth.ensure_token(studio.credentials_file, credentials)


def stop(studio: Studio, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the server this home started; False when none was running."""
    pid = running_pid(studio)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    if not _wait_exit(pid, timeout):
        os.killpg(pid, signal.SIGKILL)
        _wait_exit(pid, 5.0)
    studio.pid_file.unlink(missing_ok=True)
    return True


def status(studio: Studio) -> Status:
    pid = running_pid(studio)
    return Status(running=pid is not None and healthy(studio.url), url=studio.url, pid=pid)


def credentials(studio: Studio) -> auth.Credentials:
    """The stored login of a started server, for the SDK (token) and people (password)."""
    if not studio.credentials_file.exists() or running_pid(studio) is None:
        raise LabelStudioError(f"no Label Studio runs from {studio.home}; run `newstag studio start`")
    return auth.load_or_create(studio.credentials_file, studio.url)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, http.client.HTTPException, OSError):
        # HTTPException: something that is not yet (or not) an HTTP server answered.
        return False


def running_pid(studio: Studio) -> int | None:
    """The pid in the pid file when that process is alive and is Label Studio (not a reused pid)."""
    try:
        pid = int(studio.pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ValueError, ProcessLookupError):
        studio.pid_file.unlink(missing_ok=True)
        return None
    if b"label-studio" not in cmdline or _is_zombie(pid):
        studio.pid_file.unlink(missing_ok=True)
        return None
    return pid


def _spawn(studio: Studio, login: auth.Credentials) -> subprocess.Popen:
    data_dir = studio.home / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(studio.executable),
        "start",
        "--no-browser",
        "--internal-host",
        studio.host,
        "--port",
        str(studio.port),
        "--data-dir",
        str(data_dir),
    ]
    with studio.log_file.open("ab") as log:
        process = subprocess.Popen(
            command,
            env=_server_env(studio, login),
            cwd=studio.home,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    studio.pid_file.write_text(f"{process.pid}\n")
    return process


def _server_env(studio: Studio, login: auth.Credentials) -> dict[str, str]:
    # The password goes through the environment, not argv, so `ps` does not show it.
    env = {key: value for key, value in os.environ.items() if not key.startswith("LABEL_STUDIO_")}
    env.update(
        # Label Studio signs its tokens with SECRET_KEY; one it made itself was seen to change
        # across a restart, which made the stored token invalid. newstag keeps it instead.
        SECRET_KEY=_secret_key(studio),
        LABEL_STUDIO_USERNAME=login.email,
        LABEL_STUDIO_PASSWORD=login.password,
        LABEL_STUDIO_BASE_DATA_DIR=str(studio.home / "data"),
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LATEST_VERSION_CHECK="false",  # it would ask PyPI at every start
        # Webhooks and ML backends on this machine (127.0.0.1) are refused otherwise.
        SSRF_PROTECTION_ENABLED="false",
        ML_BLOCK_LOCAL_IP="false",
        PATH=f"{studio.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    env.pop("VIRTUAL_ENV", None)
    return env


def _secret_key(studio: Studio) -> str:
    """The server's signing key, kept beside the login (mode 0600): the one Label Studio made
    itself in a home it already ran from (so its tokens stay valid), else a new one."""
    path = studio.home / "secret-key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    own = studio.home / "data" / ".env"
    made = own.read_text(encoding="utf-8").split() if own.is_file() else []
    keys = [word.split("=", 1)[1] for word in made if word.startswith("SECRET_KEY=")]
    key = keys[0] if keys else secrets.token_urlsafe(50)
    auth.write_owner_only(path, key + "\n")
    return key


def _require_free_port(studio: Studio, grace: float = 10.0) -> None:
    # Label Studio silently moves to the next free port, which would break the stored URL.
    # The grace period covers a server that was just stopped and is still letting go.
    if not _wait_for(lambda: not _port_taken(studio.host, studio.port), grace, interval=0.5):
        raise LabelStudioError(
            f"port {studio.port} on {studio.host} is taken by another program; "
            f"stop it or set another port under [studio] in the config"
        )


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) == 0


def _wait_healthy(studio: Studio, timeout: float, alive: Callable[[], bool]) -> None:
    # A process this call started is watched through its own handle: re-reading the pid
    # file while it starts was seen to misjudge a starting server as gone under load.
    def up() -> bool:
        if healthy(studio.url):
            return True
        if not alive():
            raise LabelStudioError(f"Label Studio exited while starting; see {studio.log_file}")
        return False

    if not _wait_for(up, timeout, interval=1.0):
        raise LabelStudioError(
            f"Label Studio did not answer on {studio.url} within {timeout:.0f}s; "
            f"see {studio.log_file}, then `newstag studio stop` and start again"
        )


def _wait_exit(pid: int, timeout: float) -> bool:
    return _wait_for(lambda: _reap(pid), timeout, interval=0.2)


def _wait_for(condition: Callable[[], bool], timeout: float, interval: float) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def _reap(pid: int) -> bool:
    """True once the process is gone; reaps it when this process is its parent."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:
        pass
    return not Path(f"/proc/{pid}").exists() or _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True


def _run(command: list[str], out, log: Path, on_line: Callable[[str], None] | None = None) -> None:
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:
            out.write(line)
            if on_line:
                on_line(line)
    if process.returncode:
        raise LabelStudioError(f"`{' '.join(command[:4])} ...` failed; see {log}")
