"""A local OpenID Connect issuer for tests: discovery and JWKS over HTTPS,
and tokens signed with PyJWT (the `cryptography` backend).

Usage: oidc_issuer.py CERT_PEM KEY_PEM AUDIENCE

Serves https://localhost:PORT/.well-known/openid-configuration and /jwks
(an RSA key, kid "k1"), then prints one JSON line: the port and tokens —
valid, expired, wrong audience, wrong signature (signed by another key
under kid k1), unknown kid — and serves until stdin closes.
"""

import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def main():
    cert, key, audience = sys.argv[1], sys.argv[2], sys.argv[3]
    signing = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(signing.public_key()))
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    state = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/.well-known/openid-configuration":
                body = {"issuer": state["issuer"], "jwks_uri": state["issuer"] + "/jwks"}
            elif self.path == "/jwks":
                body = {"keys": [jwk]}
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    state["issuer"] = f"https://localhost:{port}"
    now = int(time.time())

    def token(key, kid="k1", **claims):
        payload = {"iss": state["issuer"], "sub": "alice", "aud": audience, "iat": now, "exp": now + 600}
        payload.update(claims)
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})

    tokens = {
        "valid": token(signing),
        "expired": token(signing, exp=now - 3600, iat=now - 7200),
        "wrong_audience": token(signing, aud="someone-else"),
        "wrong_signature": token(forger),
        "unknown_kid": token(signing, kid="k9"),
    }
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": port, "tokens": tokens}), flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
