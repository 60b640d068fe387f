"""Facts about this machine that several parts ask for."""

from __future__ import annotations

import os
import socket


def port_in_use(port: int, hosts: tuple[str, ...] = ("0.0.0.0",)) -> bool:
    """True when a program on this machine holds the TCP port on any of `hosts`.

    A bind test: no traffic is sent.

    Examples:
        >>> port_in_use(0)
        False
    """
    for host in hosts:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if os.name != "nt":  # on Windows this flag lets two programs share a port
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                return True
    return False
