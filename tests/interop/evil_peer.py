#!/usr/bin/python3
"""A malicious peer for split-key tests (issue 21): an HTTPS server that stands between a
keepd and its real peer, forwards every peer request honestly (key generation works), and
answers partial decryptions with a wrong value: another valid P-256 point (the proof's own
R1) in place of the partial, with the peer's proof left as it was. The keepd that asked
must refuse it as the peer's fault (peer_misbehaved), not as a bad ciphertext.

  evil_peer.py PORT CERT KEY UPSTREAM UPSTREAM_CA CLIENT_CERT CLIENT_KEY SWITCH

Listens on 127.0.0.1:PORT (prints "listening" once it does) with CERT/KEY, and
reaches UPSTREAM (https://HOST:PORT) with CLIENT_CERT/KEY, trusting UPSTREAM_CA. It falsifies
partials only while the file SWITCH exists (so a test can show the same ciphertext opening
through it honestly first).
"""
import os
import http.server
import json
import ssl
import sys
import urllib.error
import urllib.request


def main(port, cert, key, upstream, upstream_ca, client_cert, client_key, switch):
    out_ctx = ssl.create_default_context(cafile=upstream_ca)
    out_ctx.load_cert_chain(client_cert, client_key)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            req = urllib.request.Request(upstream + self.path, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, context=out_ctx, timeout=10) as r:
                    status, answer = r.status, r.read()
            except urllib.error.HTTPError as e:
                status, answer = e.code, e.read()
            if status == 200 and self.path.endswith("/partial") and os.path.exists(switch):
                o = json.loads(answer)
                o["partial"] = o["proof_r1"]  # a valid point, but not share · enc
                answer = json.dumps(o).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    in_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    in_ctx.load_cert_chain(cert, key)
    server.socket = in_ctx.wrap_socket(server.socket, server_side=True)
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 9:
        sys.exit(__doc__)
    main(*sys.argv[1:])
