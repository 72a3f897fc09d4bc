"""Local peers the notify service delivers to: an HTTP SMS gateway and an SMTP
server, both counting what they receive (nothing leaves the machine)."""
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


class SmsPeer:
    """An HTTP server answering every POST 200 {"code": 200, "msg": "ok"}."""

    def __init__(self):
        self.received = 0
        self._lock = threading.Lock()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with peer._lock:
                    peer.received += 1
                answer = json.dumps({"code": 200, "msg": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _Counting:
    def __init__(self):
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += len(envelope.rcpt_tos)
        return "250 OK"


class SmtpPeer:
    """An aiosmtpd server in a thread of this process, counting recipients."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.handler = _Counting()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def received(self):
        return self.handler.received

    def close(self):
        self.controller.stop()


def peer_environment(sms, smtp):
    """The LUOSHI_* variables that point the notify service at the peers."""
    return {"LUOSHI_SMS_URL": sms.url, "LUOSHI_SMTP_HOST": "127.0.0.1",
            "LUOSHI_SMTP_PORT": str(smtp.port), "LUOSHI_SMTP_SECURITY": "none",
            "LUOSHI_SMTP_FROM": "luoshi@city.example"}
