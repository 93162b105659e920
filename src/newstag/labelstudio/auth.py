"""The local admin's login and API token: kept in one owner-only file, never shown in a repr."""

from __future__ import annotations

import http.cookiejar
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path

from newstag.errors import LabelStudioError

ADMIN_EMAIL = "admin@newstag.local"


@dataclass(frozen=True)
class Credentials:
    """Who to log in as; `token` is a personal access token (a JWT refresh token)."""

    url: str
    email: str
    password: str = field(repr=False)
    token: str | None = field(default=None, repr=False)


def load_or_create(path: Path, url: str) -> Credentials:
    """The stored login, or a new one with a generated password (saved before first use)."""
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(url, stored["email"], stored["password"], stored.get("token"))
    credentials = Credentials(url, ADMIN_EMAIL, secrets.token_urlsafe(18))
    save(path, credentials)
    return credentials


def save(path: Path, credentials: Credentials) -> None:
    """Write with mode 0600 from the first byte: the file holds the password and token."""
    payload = {"email": credentials.email, "password": credentials.password, "token": credentials.token}
    write_owner_only(path, json.dumps(payload))


def write_owner_only(path: Path, text: str) -> None:
    """Write a secret with mode 0600 from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(handle, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)


def ensure_token(path: Path, credentials: Credentials) -> Credentials:
    """Keep a token the server still accepts; otherwise log in and create one, and save it."""
    if credentials.token and token_accepted(credentials.url, credentials.token):
        return credentials
    updated = replace(credentials, token=create_token(credentials, path))
    save(path, updated)
    return updated


def token_accepted(url: str, token: str) -> bool:
    request = _json_request(f"{url}/api/token/refresh/", {"refresh": token})
    try:
        with urllib.request.urlopen(request, timeout=30):
            return True
    except urllib.error.HTTPError:
        return False


def create_token(credentials: Credentials, path: Path) -> str:
    """Log in with the password (a browser session), then ask for a personal access token."""
    opener, jar = _login(credentials)
    csrf = _cookie(jar, "csrftoken")
    request = _json_request(f"{credentials.url}/api/token/", {})
    request.add_header("X-CSRFToken", csrf or "")
    request.add_header("Referer", f"{credentials.url}/user/account")
    try:
        with opener.open(request, timeout=30) as response:
            return json.load(response)["token"]
    except urllib.error.HTTPError as error:
        if error.code in (400, 409):
            # LS allows one live token per user and shows it only once.
            raise LabelStudioError(
                f"Label Studio already issued a token for {credentials.email} but {path} does not "
                f"hold it; stop the server and delete its data folder to start afresh"
            ) from None
        raise LabelStudioError(f"Label Studio refused to create an API token (HTTP {error.code})") from None


def _login(credentials: Credentials) -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = f"{credentials.url}/user/login/"
    opener.open(login_url, timeout=30).close()
    form = {
        "email": credentials.email,
        "password": credentials.password,
        "csrfmiddlewaretoken": _cookie(jar, "csrftoken") or "",
    }
    body = urllib.parse.urlencode(form).encode()
    opener.open(urllib.request.Request(login_url, data=body), timeout=30).close()
    if _cookie(jar, "sessionid") is None:
        raise LabelStudioError(
            f"Label Studio refused the login of {credentials.email}; the stored password no longer "
            f"matches: stop the server and delete its data folder to start afresh"
        )
    return opener, jar


def _cookie(jar: http.cookiejar.CookieJar, name: str) -> str | None:
    return next((cookie.value for cookie in jar if cookie.name == name), None)


def _json_request(url: str, payload: dict) -> urllib.request.Request:
    return urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
