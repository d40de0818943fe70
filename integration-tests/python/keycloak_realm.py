"""A local stand-in for a Keycloak realm, over plain HTTP, for tests.

Usage: keycloak_realm.py REALM CLIENT_ID CLIENT_SECRET AUDIENCE EXPIRES_IN

Serves, under http://127.0.0.1:PORT/auth/realms/REALM (the issuer), what a
Keycloak realm serves to the collector's `oidc` and `oauth2client`:

- /.well-known/openid-configuration: the discovery document;
- /protocol/openid-connect/certs: the JWKS (an RSA key, kid "realm-key");
- /protocol/openid-connect/token: the client credentials grant. The client
  authenticates with HTTP basic auth (client_secret_basic) or form fields
  (client_secret_post); others get 401 `unauthorized_client`, as from
  Keycloak. The access token is an RS256 JWT signed with PyJWT:
  iss = the issuer, aud = AUDIENCE, exp = now + EXPIRES_IN.

Prints one JSON line first, `{"port": PORT, "issuer": ISSUER}`, then one
line per token request as it is answered: `token issued N` (N counts the
tokens issued so far) or `token refused CLIENT_ID` (never the secret).
Serves until stdin closes.
"""

import base64
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def main():
    realm, client_id, secret, audience, expires = sys.argv[1:6]
    expires = int(expires)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "realm-key", "use": "sig", "alg": "RS256"})
    base = f"/auth/realms/{realm}"
    state = {"issuer": None, "issued": 0}
    lock = threading.Lock()

    def event(line):
        with lock:
            print(line, flush=True)

    class Handler(BaseHTTPRequestHandler):
        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            issuer = state["issuer"]
            if self.path == base + "/.well-known/openid-configuration":
                self.reply(200, {
                    "issuer": issuer,
                    "authorization_endpoint": issuer + "/protocol/openid-connect/auth",
                    "token_endpoint": issuer + "/protocol/openid-connect/token",
                    "jwks_uri": issuer + "/protocol/openid-connect/certs",
                    "grant_types_supported": ["client_credentials"],
                    "response_types_supported": ["code", "token", "id_token"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                })
            elif self.path == base + "/protocol/openid-connect/certs":
                self.reply(200, {"keys": [jwk]})
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self):
            if self.path != base + "/protocol/openid-connect/token":
                self.reply(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            user = form.get("client_id", [""])[0]
            pw = form.get("client_secret", [""])[0]
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                # RFC 6749 2.3.1: both parts are form-urlencoded before base64.
                u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
                user, pw = unquote_plus(u), unquote_plus(p)
            if form.get("grant_type") != ["client_credentials"]:
                self.reply(400, {"error": "unsupported_grant_type"})
                event(f"token refused {user}")
                return
            if (user, pw) != (client_id, secret):
                self.reply(401, {
                    "error": "unauthorized_client",
                    "error_description": "Invalid client or Invalid client credentials",
                })
                event(f"token refused {user}")
                return
            now = int(time.time())
            claims = {
                "exp": now + expires,
                "iat": now,
                "jti": str(uuid.uuid4()),
                "iss": state["issuer"],
                "aud": audience,
                "sub": "service-account-" + client_id,
                "typ": "Bearer",
                "azp": client_id,
                "scope": "profile email",
                "clientId": client_id,
            }
            token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "realm-key"})
            self.reply(200, {
                "access_token": token,
                "expires_in": expires,
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "profile email",
            })
            with lock:
                state["issued"] += 1
                n = state["issued"]
            event(f"token issued {n}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    state["issuer"] = f"http://127.0.0.1:{port}{base}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    event(json.dumps({"port": port, "issuer": state["issuer"]}))
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
