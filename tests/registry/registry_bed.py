#!/usr/bin/env python3
"""mab's registry test bed: real parts on free loopback ports, nothing faked.

- Debian's docker-registry (distribution 2.8) with a generated config: plain HTTP, or
  HTTPS with a CA and server certificate made here with openssl (--tls);
- auth: none, htpasswd Basic (--auth basic), or token auth (--auth token): a small
  token issuer in this process signs ES256 JWTs with an x5c chain that the registry
  verifies against a root bundle we give it;
- a fault-injecting HTTP proxy in front of the registry: every request passes through
  unchanged and is logged to DIR/proxy.log (one JSON object a line) unless a rule in
  DIR/faults.json matches it (see Faults below).

Usage: registry_bed.py --dir DIR [--tls] [--auth none|basic|token]
                       [--user NAME] [--password SECRET]
Prints one JSON line when ready ({"registry": "127.0.0.1:P", "proxy": ..., "token":
..., "ca": ...}, also written to DIR/bed.json), then runs until stdin is closed or
SIGTERM arrives, and stops the registry.

Faults: DIR/faults.json holds {"rules": [RULE, ...]}; it is re-read when it changes
(hit counts start again). A RULE matches on "method", "path" (substring) and "query"
(substring), lets "skip" matches pass, then applies "action" "times" times (-1: always):
  status      answer "status" with "headers" and a registry-style error body
  reset       close the connection with a TCP reset, answering nothing
  truncate    forward, send the headers and the first "bytes" of the body (default
              half), then reset
  wrong_body  forward, but send a body of the same length with every byte flipped
  stall       wait "seconds", then forward
  redirect    answer 307 to /_redirected<path>, which the proxy forwards (blob GETs
              redirect to storage on real registries)
Token issuer: DIR/token-settings.json may hold {"expires_in": N, "field": "token" |
"access_token" | "both"}; each token request is logged to DIR/token.log.
"""
import argparse
import base64
import ctypes
import hashlib
import http.client
import http.server
import json
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.parse

SERVICE = "mab-test-registry"
ISSUER = "mab-test-issuer"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "content-length"}


def log_line(path, obj):
    with open(path, "a") as f:
        f.write(json.dumps(obj) + "\n")


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"bed: {' '.join(args)} failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
    return r.stdout


def ec_key_args(keyout):
    return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyout]


def make_tls_files(d):
    ca_crt, ca_key = f"{d}/ca.crt", f"{d}/ca.key"
    run(["openssl", "req", "-x509", *ec_key_args(ca_key), "-out", ca_crt, "-days", "2", "-subj", "/CN=mab-test-ca",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    run(["openssl", "req", *ec_key_args(f"{d}/server.key"), "-out", f"{d}/server.csr", "-subj", "/CN=localhost"])
    with open(f"{d}/server.ext", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    run(["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
         "-out", f"{d}/server.crt", "-days", "2", "-extfile", f"{d}/server.ext"])
    return ca_crt


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_ecdsa_to_raw(der):
    """ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } -> r || s, 32 bytes each (ES256)."""
    assert der[0] == 0x30
    i = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        value = der[i + 2:i + 2 + n].lstrip(b"\0")
        out += value.rjust(32, b"\0")
        i += 2 + n
    return out


class TokenIssuer:
    def __init__(self, d, user, password):
        self.dir, self.user, self.password = d, user, password
        self.key, self.crt = f"{d}/token.key", f"{d}/token.crt"
        run(["openssl", "req", "-x509", *ec_key_args(self.key), "-out", self.crt, "-days", "2",
             "-subj", "/CN=mab-test-token-issuer"])
        self.x5c = base64.b64encode(run(["openssl", "x509", "-in", self.crt, "-outform", "DER"])).decode()

    def settings(self):
        try:
            with open(f"{self.dir}/token-settings.json") as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def sign(self, account, access):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "ES256", "x5c": [self.x5c]}
        claims = {"iss": ISSUER, "sub": account, "aud": SERVICE, "exp": now + 600, "nbf": now - 10, "iat": now,
                  "jti": b64url(os.urandom(12)), "access": access}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        der = run(["openssl", "dgst", "-sha256", "-sign", self.key], input=signing_input.encode())
        return f"{signing_input}.{b64url(der_ecdsa_to_raw(der))}"

    def handle(self, handler):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(handler.path).query)
        scopes = query.get("scope", [])
        auth = handler.headers.get("Authorization", "")
        account = ""
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            if user != self.user or password != self.password:
                log_line(f"{self.dir}/token.log", {"scopes": scopes, "account": user, "status": 401})
                return 401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]}
            account = user
        access = []
        for scope in scopes:
            kind, name, actions = scope.split(":") if scope.count(":") == 2 else ("", "", "")
            granted = [a for a in actions.split(",") if a and (account or a == "pull")]
            access.append({"type": kind, "name": name, "actions": granted})
        settings = self.settings()
        token = self.sign(account, access)
        body = {"expires_in": settings.get("expires_in", 300), "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ")}
        field = settings.get("field", "both")
        if field in ("token", "both"):
            body["token"] = token
        if field in ("access_token", "both"):
            body["access_token"] = token
        log_line(f"{self.dir}/token.log", {"scopes": scopes, "account": account, "status": 200})
        return 200, body


def serve(handler_class):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def token_handler(issuer):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            status, body = issuer.handle(self)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass
    return Handler


class Faults:
    def __init__(self, path):
        self.path, self.mtime, self.rules, self.hits = path, None, [], []
        self.lock = threading.Lock()

    def match(self, method, path, query):
        with self.lock:
            try:
                mtime = os.stat(self.path).st_mtime_ns
            except FileNotFoundError:
                mtime = None
            if mtime != self.mtime:
                self.mtime = mtime
                self.rules = []
                if mtime is not None:
                    with open(self.path) as f:
                        self.rules = json.load(f).get("rules", [])
                self.hits = [0] * len(self.rules)
            for i, rule in enumerate(self.rules):
                if rule.get("method", method) != method or rule.get("path", "") not in path:
                    continue
                if rule.get("query", "") not in query:
                    continue
                self.hits[i] += 1
                skip, times = rule.get("skip", 0), rule.get("times", 1)
                if self.hits[i] <= skip or (times >= 0 and self.hits[i] > skip + times):
                    continue
                return rule
            return None


def proxy_handler(upstream, tls_context, faults, log_path):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def read_body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return body
                    body += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))

        def reset(self):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        def forward(self, path, body):
            host, port = upstream
            if tls_context:
                conn = http.client.HTTPSConnection(host, port, context=tls_context, timeout=60)
            else:
                conn = http.client.HTTPConnection(host, port, timeout=60)
            # Repeated headers (containers/image sends one Accept line per media type) are
            # joined, as HTTP allows: a dict of single values would keep only the last.
            headers = {}
            for k, v in self.headers.items():
                if k.lower() not in HOP_BY_HOP:
                    headers[k] = f"{headers[k]}, {v}" if k in headers else v
            if body or self.command in ("PUT", "POST", "PATCH"):
                headers["Content-Length"] = str(len(body))
            conn.request(self.command, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            return resp.status, resp.reason, resp.getheaders(), data

        def send(self, status, reason, headers, data, length=None):
            self.send_response_only(status, reason)
            for k, v in headers:
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            if length is None:
                length = len(data)
            self.send_header("Content-Length", str(length))
            self.end_headers()

        def handle_any(self):
            parsed = urllib.parse.urlsplit(self.path)
            path, query = parsed.path, parsed.query
            body = self.read_body()
            entry = {"method": self.command, "path": path, "query": query,
                     "range": self.headers.get("Range", ""), "content_range": self.headers.get("Content-Range", ""),
                     "length": len(body)}
            rule = None if path.startswith("/_redirected/") else faults.match(self.command, path, query)
            action = rule.get("action") if rule else None
            entry["fault"] = action
            upstream_path = self.path[len("/_redirected"):] if path.startswith("/_redirected/") else self.path
            if action == "status":
                status = rule.get("status", 500)
                data = json.dumps({"errors": [{"code": "UNAVAILABLE", "message": "injected fault"}]}).encode()
                self.send(status, None, list(rule.get("headers", {}).items()) +
                          [("Content-Type", "application/json")], data)
                if self.command != "HEAD":
                    self.wfile.write(data)
                entry["status"] = status
            elif action == "reset":
                self.reset()
                entry["status"] = 0
            elif action == "redirect":
                self.send(307, None, [("Location", f"http://{self.headers['Host']}/_redirected{self.path}")], b"")
                entry["status"] = 307
            else:
                if action == "stall":
                    # Logged now: the client may give up (and the test look) before we answer.
                    entry["status"] = 0
                    log_line(log_path, entry)
                    entry = None
                    time.sleep(rule.get("seconds", 5))
                status, reason, headers, data = self.forward(upstream_path, body)
                if entry:
                    entry["status"] = status
                head = self.command == "HEAD"
                if head:
                    length = next((v for k, v in headers if k.lower() == "content-length"), "0")
                    self.send(status, reason, headers, b"", length=int(length))
                elif action == "truncate" and status == 200:
                    self.send(status, reason, headers, data)
                    self.wfile.write(data[:rule.get("bytes", len(data) // 2)])
                    self.wfile.flush()
                    self.reset()
                elif action == "wrong_body" and status == 200:
                    self.send(status, reason, headers, data)
                    self.wfile.write(bytes(b ^ 0xFF for b in data))
                else:
                    self.send(status, reason, headers, data)
                    self.wfile.write(data)
            if entry:
                log_line(log_path, entry)

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any

        def log_message(self, *args):
            pass
    return Handler


LIBC = ctypes.CDLL(None)   # loaded before any fork: the child only calls into it


def set_parent_death_signal():
    # The registry dies with the bed, even if the bed is killed.
    LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def start_registry(d, tls, auth, token_addr):
    config = [
        "version: 0.1",
        "log:", "  level: info", "  formatter: text",
        "storage:", f"  filesystem:", f"    rootdirectory: {d}/data",
        "  maintenance:", "    uploadpurging:", "      enabled: false",
        "http:", "  addr: 127.0.0.1:0", "  secret: mab-test-secret",
    ]
    if tls:
        config += ["  tls:", f"    certificate: {d}/server.crt", f"    key: {d}/server.key"]
    if auth == "basic":
        config += ["auth:", "  htpasswd:", "    realm: mab-test", f"    path: {d}/htpasswd"]
    elif auth == "token":
        config += ["auth:", "  token:", f"    realm: http://{token_addr}/token", f"    service: {SERVICE}",
                   f"    issuer: {ISSUER}", f"    rootcertbundle: {d}/token.crt"]
    with open(f"{d}/config.yml", "w") as f:
        f.write("\n".join(config) + "\n")
    log = open(f"{d}/registry.log", "w")
    proc = subprocess.Popen(["docker-registry", "serve", f"{d}/config.yml"], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.PIPE, preexec_fn=set_parent_death_signal)
    found = threading.Event()
    address = []

    def pump():
        for raw in proc.stderr:
            line = raw.decode(errors="replace")
            log.write(line)
            log.flush()
            m = re.search(r'listening on (127\.0\.0\.1:\d+)', line)
            if m and not found.is_set():
                address.append(m.group(1))
                found.set()
        found.set()
    threading.Thread(target=pump, daemon=True).start()
    if not found.wait(20) or not address:
        proc.kill()
        raise SystemExit(f"bed: docker-registry did not start; see {d}/registry.log")
    return proc, address[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--tls", action="store_true")
    p.add_argument("--auth", choices=["none", "basic", "token"], default="none")
    p.add_argument("--user", default="mab-user")
    p.add_argument("--password", default="mab-Secret-Pa55word")
    args = p.parse_args()
    d = os.path.abspath(args.dir)
    os.makedirs(f"{d}/data", exist_ok=True)

    ca = make_tls_files(d) if args.tls else None
    token_server = None
    if args.auth == "basic":
        with open(f"{d}/htpasswd", "wb") as f:
            f.write(run(["htpasswd", "-Bbn", args.user, args.password]))
    elif args.auth == "token":
        token_server = serve(token_handler(TokenIssuer(d, args.user, args.password)))
    token_addr = f"127.0.0.1:{token_server.server_address[1]}" if token_server else None

    registry, registry_addr = start_registry(d, args.tls, args.auth, token_addr)
    tls_context = ssl.create_default_context(cafile=ca) if ca else None
    host, port = registry_addr.split(":")
    proxy = serve(proxy_handler((host, int(port)), tls_context, Faults(f"{d}/faults.json"), f"{d}/proxy.log"))

    info = {"registry": registry_addr, "proxy": f"127.0.0.1:{proxy.server_address[1]}", "token": token_addr,
            "ca": ca, "user": args.user, "password": args.password, "dir": d}
    with open(f"{d}/bed.json", "w") as f:
        json.dump(info, f)
    print(json.dumps(info), flush=True)
    # Nobody reads our stderr from now on: keep handler tracebacks (a client that gave
    # up on a stalled answer) out of a pipe that could fill up.
    with open(f"{d}/bed.log", "w") as log:
        os.dup2(log.fileno(), 2)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), stop.set()), daemon=True).start()
    stop.wait()
    registry.terminate()
    try:
        registry.wait(5)
    except subprocess.TimeoutExpired:
        registry.kill()


if __name__ == "__main__":
    main()
