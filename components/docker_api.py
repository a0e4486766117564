"""The Docker engine's HTTP API over its unix socket, with the standard library only (doctor runs before the venv)."""
from __future__ import annotations

import http.client
import json
import socket
from typing import Any

DEFAULT_SOCKET = "/var/run/docker.sock"


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 5):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def engine_get(path: str, socket_path: str = DEFAULT_SOCKET) -> tuple[int, Any]:
    """(HTTP status, decoded JSON body) of GET `path`. Raises OSError, ValueError or HTTPException."""
    conn = UnixHTTPConnection(socket_path)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()
