"""Which Label Studio to talk to, and with which token.

The URL and token come from the environment (LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY) for
a team's own server, else from the local server that `newstag studio start` runs, whose
token lives in a git-ignored file readable only by its owner.
"""

from __future__ import annotations

import os

from newstag.config import StudioConfig
from newstag.errors import LabelStudioError
from newstag.labelstudio import client, server

URL_VARIABLE = "LABEL_STUDIO_URL"
TOKEN_VARIABLE = "LABEL_STUDIO_API_KEY"


def open_connection(config: StudioConfig) -> client.Connection:
    """The server of LABEL_STUDIO_URL with LABEL_STUDIO_API_KEY when that token is set (a
    team's own, anywhere), else the local one `newstag studio start` runs."""
    token = os.environ.get(TOKEN_VARIABLE)
    if token:
        return client.connect(os.environ.get(URL_VARIABLE, config.url), token)
    try:
        login = server.credentials(server.Studio.from_config(config))
    except LabelStudioError as error:
        raise LabelStudioError(
            f"{error}, or set {URL_VARIABLE} and {TOKEN_VARIABLE} for another server"
        ) from None
    if not login.token:
        raise LabelStudioError("the local Label Studio has no API token yet; run `newstag studio start`")
    return client.connect(login.url, login.token)
