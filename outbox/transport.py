"""One POST to a webhook receiver, guarded: the address the host name resolves to is checked when the connection is
made (not before, when a second resolution could answer differently), so a receiver cannot send our requests to a
private, loopback or link-local address; redirects are never followed (http.client does not follow them).

Pure of Django: the caller passes every setting.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


class BlockedAddress(OSError):
    """The receiver's host resolves to an address outgoing requests must not reach."""


@dataclass(frozen=True)
class Response:
    status: int
    body_excerpt: str
    duration_ms: int


def is_public(address: str) -> bool:
    """Whether outgoing requests may reach ``address``: a globally routable unicast address (not private, loopback,
    link-local, shared, reserved or multicast; an IPv4-mapped IPv6 address is judged as its IPv4 address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _connect(host: str, port: int, timeout: float, allow_private: bool) -> socket.socket:
    last_error: OSError | None = None
    for family, kind, proto, _name, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if not allow_private and not is_public(str(address[0])):
            last_error = BlockedAddress(f"{host} resolves to {address[0]}, a private or local address")
            continue
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        return sock
    raise last_error or OSError(f"{host} does not resolve")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    allow_private = False

    def connect(self) -> None:
        self.sock = _connect(self.host, self.port, self.timeout, self.allow_private)  # type: ignore[arg-type]


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    allow_private = False

    def connect(self) -> None:
        sock = _connect(self.host, self.port, self.timeout, self.allow_private)  # type: ignore[arg-type]
        self.sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)


def post(
    url: str, *, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool, excerpt: int = 1000
) -> Response:
    """POST ``body`` to ``url``; the response's status and the start of its body. Raises ``OSError`` (and
    :class:`BlockedAddress`, ``TimeoutError``) when no answer came. ``timeout`` bounds each socket operation."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url}")
    cls = _GuardedHTTPSConnection if parts.scheme == "https" else _GuardedHTTPConnection
    connection = cls(parts.hostname, parts.port, timeout=timeout)
    connection.allow_private = allow_private
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    started = time.monotonic()
    try:
        connection.request("POST", target, body=body, headers=headers)
        answer = connection.getresponse()
        text = answer.read(excerpt).decode("utf-8", "replace")
        status = answer.status
    finally:
        connection.close()
    return Response(status=status, body_excerpt=text, duration_ms=int((time.monotonic() - started) * 1000))
