"""A real SMTP server for tests: aiosmtpd's Controller on 127.0.0.1 and a free port."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """Starts an SMTP server and points SMTP_URL at it; yields the list of received messages."""
    from aiosmtpd.controller import Controller

    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    previous = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        yield collector.messages
    finally:
        app.config["SMTP_URL"] = previous
        controller.stop()
