"""Shared test helpers."""

from __future__ import annotations

import socket
import threading

import pytest


class Listener:
    """A TCP listener on 127.0.0.1 that counts connections (and answers HTTP 500)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            try:
                conn.settimeout(1)
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            finally:
                conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture()
def listener():
    """A loopback listener that counts connections: proof that a query made no request."""
    srv = Listener()
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def _empty_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("cwd")


@pytest.fixture(autouse=True)
def _no_ambient_graph(monkeypatch, _empty_folder):
    """Every test starts as on a fresh machine: no ``$KG_GRAPH`` and no ``./output``, so a command
    without ``--graph`` reads the shipped monographs (kg.cli.common.choose_graph), whatever the
    environment and folder the tests were started from. Tests that need either set them. Tables
    are as wide as off a terminal (100 columns), whatever ``$COLUMNS`` the runner sets (pytest-xdist
    sets 80)."""
    monkeypatch.delenv("KG_GRAPH", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(_empty_folder)
