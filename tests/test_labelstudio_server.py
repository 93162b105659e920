"""The local Label Studio server: started by the project's own code, on a real port."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest

from newstag.errors import LabelStudioError
from newstag.labelstudio import auth, client, server

# --- without a server ---


def test_credentials_file_is_owner_only_and_repr_hides_secrets(tmp_path):
    path = tmp_path / "login.json"
    login = auth.load_or_create(path, "http://127.0.0.1:1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(login.password) >= 20
    with_token = auth.Credentials(login.url, login.email, login.password, "secret-token")
    assert "secret-token" not in repr(with_token) and login.password not in repr(with_token)
    assert auth.load_or_create(path, login.url) == login


def test_save_tightens_an_existing_file(tmp_path):
    path = tmp_path / "login.json"
    path.write_text("{}")
    path.chmod(0o644)
    auth.save(path, auth.Credentials("http://x", "a@b.c", "pw"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_stop_and_status_when_nothing_runs(tmp_path):
    studio = server.Studio("127.0.0.1", 9, "1.23.2", tmp_path, tmp_path / "venv")
    assert server.stop(studio) is False
    assert server.status(studio).running is False
    with pytest.raises(LabelStudioError, match="newstag studio start"):
        server.credentials(studio)


def test_a_stale_pid_file_is_ignored(tmp_path):
    studio = server.Studio("127.0.0.1", 9, "1.23.2", tmp_path, tmp_path / "venv")
    studio.pid_file.write_text("999999999\n")
    assert server.running_pid(studio) is None
    assert not studio.pid_file.exists()


def test_from_config_resolves_home_and_venv(config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    studio = server.Studio.from_config(config.studio)
    assert studio.home == tmp_path / ".studio" and studio.venv == tmp_path / ".studio" / "venv"
    assert studio.url == f"http://127.0.0.1:{config.studio.port}"


# --- against the real server ---


@pytest.mark.studio
def test_start_stores_a_working_token_owner_only(studio, studio_login):
    assert server.status(studio).running
    assert stat.S_IMODE(studio.credentials_file.stat().st_mode) == 0o600
    assert studio_login.token and auth.token_accepted(studio.url, studio_login.token)
    client.connect(studio.url, studio_login.token)


@pytest.mark.studio
def test_secrets_stay_out_of_the_log_and_the_command_line(studio, studio_login):
    log = studio.log_file.read_text(errors="replace")
    cmdline = Path(f"/proc/{server.running_pid(studio)}/cmdline").read_bytes()
    for secret in (studio_login.password, studio_login.token):
        assert secret not in log
        assert secret.encode() not in cmdline
        assert secret not in repr(studio_login)


@pytest.mark.studio
def test_start_again_keeps_the_server_and_token(studio, studio_login):
    pid = server.running_pid(studio)
    assert server.start(studio).token == studio_login.token
    assert server.running_pid(studio) == pid


@pytest.mark.studio
def test_a_taken_port_is_an_error_not_a_silent_move(studio, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        other = server.Studio("127.0.0.1", port, studio.version, tmp_path, studio.venv)
        with pytest.raises(LabelStudioError, match=f"port {port} .* is taken"):
            server._require_free_port(other, grace=0.5)


@pytest.mark.studio
def test_restart_keeps_the_token(studio, studio_login):
    assert server.stop(studio) is True
    assert not server.status(studio).running
    again = server.start(studio)
    assert again.token == studio_login.token
    stored = json.loads(studio.credentials_file.read_text())
    assert stored["token"] == studio_login.token
    client.connect(studio.url, again.token)


def test_the_signing_key_is_made_once_and_kept_owner_only(tmp_path):
    studio = server.Studio("127.0.0.1", 1, "1.0", tmp_path, tmp_path / "venv")
    first = server._secret_key(studio)
    assert len(first) > 40 and server._secret_key(studio) == first
    assert stat.S_IMODE((tmp_path / "secret-key").stat().st_mode) == 0o600
    assert server._server_env(studio, auth.Credentials("u", "a@b", "p"))["SECRET_KEY"] == first


def test_a_home_label_studio_ran_from_keeps_its_own_signing_key(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / ".env").write_text("\nSECRET_KEY=made-by-label-studio\n")
    studio = server.Studio("127.0.0.1", 1, "1.0", tmp_path, tmp_path / "venv")
    assert server._secret_key(studio) == "made-by-label-studio"
