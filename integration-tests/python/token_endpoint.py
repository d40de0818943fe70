"""A local OAuth2 token endpoint for tests (client credentials grant).

Usage: token_endpoint.py CLIENT_ID CLIENT_SECRET EXPIRES_IN

Issues `tok-1`, `tok-2`, ... (token_type bearer, expires_in EXPIRES_IN) to a
client that authenticates with HTTP basic auth or form fields; refuses
others with 401. Prints `listening PORT`, and on stdin closing, the number
of tokens issued.
"""

import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def main():
    client_id, secret, expires = sys.argv[1], sys.argv[2], int(sys.argv[3])
    issued = {"n": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            user, pw = form.get("client_id", [""])[0], form.get("client_secret", [""])[0]
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            if (user, pw) != (client_id, secret) or form.get("grant_type") != ["client_credentials"]:
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"error":"invalid_client"}')
                return
            with lock:
                issued["n"] += 1
                token = f"tok-{issued['n']}"
            body = json.dumps({"access_token": token, "token_type": "bearer", "expires_in": expires}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"listening {server.server_address[1]}", flush=True)
    sys.stdin.read()
    server.shutdown()
    print(f"issued {issued['n']}", flush=True)


if __name__ == "__main__":
    main()
