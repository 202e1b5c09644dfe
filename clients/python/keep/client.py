"""keep.Client: every native keepd operation as a method (docs/api.md), over HTTPS.

Configuration from keyword arguments, else the environment: KEEP_ADDR (one address, or
several separated by commas, tried in order with failover), KEEP_TOKEN, KEEP_CACERT.
One Client may be shared by threads: connections are kept alive in a small pool. Idempotent
calls are retried on connection failures, 429 and passing 503s with jittered exponential backoff
(or the server's Retry-After) within the call's deadline; other calls move to the next
server only when the connection could not be made. Errors are keep.KeepError with the
server's error code. Plaintexts and data keys are returned as bytes (Python cannot wipe
immutable bytes: keep them short-lived).
"""
import base64
import http.client
import json
import os
import queue
import random
import re
import ssl
import threading
import time
import urllib.parse

from .errors import KeepError

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


def _check_name(name):
    if not isinstance(name, str) or not _NAME.match(name):
        raise KeepError("bad_request",
                        "key names are 1 to 128 characters of A-Z, a-z, 0-9, '_', '.', '-'")
    return name


def _b64(data):
    return base64.b64encode(bytes(data)).decode()


def _unb64(text, what):
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise KeepError("bad_answer", "the server's answer is malformed: '%s' is not base64"
                        % what) from None


class Client:
    def __init__(self, addr=None, token=None, cacert=None, timeout=30.0, max_attempts=4,
                 backoff_initial=0.05, backoff_max=2.0, max_connections=8):
        addr = addr or os.environ.get("KEEP_ADDR", "https://127.0.0.1:8443")
        self._addresses = [a.strip() for a in addr.split(",")] if isinstance(addr, str) \
            else list(addr)
        self._endpoints = [self._parse(a) for a in self._addresses]
        self._token = token if token is not None else os.environ.get("KEEP_TOKEN", "")
        cacert = cacert if cacert is not None else os.environ.get("KEEP_CACERT") or None
        self._ssl = ssl.create_default_context(cafile=cacert)
        self._ssl.minimum_version = ssl.TLSVersion.TLSv1_2
        if timeout <= 0 or max_attempts < 1:
            raise KeepError("bad_request", "timeout > 0 and max_attempts >= 1")
        self.timeout, self.max_attempts = timeout, max_attempts
        self._backoff = (backoff_initial, backoff_max)
        self._pools = [queue.LifoQueue(max_connections) for _ in self._endpoints]
        self._preferred = 0
        self._lock = threading.Lock()

    def close(self):
        """Closes the kept-alive connections (also done when the Client is collected)."""
        for pool in self._pools:
            while True:
                try:
                    pool.get_nowait().close()
                except queue.Empty:
                    break

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 (interpreter shutdown)
            pass

    @staticmethod
    def _parse(address):
        u = urllib.parse.urlsplit(address)
        if u.scheme != "https" or not u.hostname:
            raise KeepError("bad_request", "the address must be https://HOST:PORT (got %s)"
                            % address)
        return u.hostname, u.port or 8443

    # ---- transport

    def _connection(self, ep, left):
        try:
            conn = self._pools[ep].get_nowait()
            conn.timeout = left
            if conn.sock is not None:
                conn.sock.settimeout(left)
            return conn, True
        except queue.Empty:
            host, port = self._endpoints[ep]
            return http.client.HTTPSConnection(host, port, timeout=left, context=self._ssl), False

    def _give(self, ep, conn):
        try:
            self._pools[ep].put_nowait(conn)
        except queue.Full:
            conn.close()

    def request(self, method, target, body=None, idempotent=False, timeout=None):
        """The raw request: (status, parsed JSON or None, headers). HTTP errors are not
        raised here."""
        deadline = time.monotonic() + (timeout or self.timeout)
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"User-Agent": "keep-python/0.1"}
        if self._token:
            headers["Authorization"] = "Bearer " + self._token
        if payload is not None:
            headers["Content-Type"] = "application/json"
        with self._lock:
            ep = self._preferred
        last = None
        stale_retry = True
        attempt = 0
        while attempt < self.max_attempts:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            conn, reused = self._connection(ep, left)
            sent = False
            try:
                if conn.sock is None:
                    conn.connect()
                conn.request(method, target, body=payload, headers=headers)
                sent = True
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                last = KeepError("unavailable", "request to %s failed: %s"
                                 % (self._addresses[ep], e))
                if reused and stale_retry:  # a kept-alive connection closed meanwhile
                    stale_retry = False
                    continue
                if sent and not idempotent:
                    raise last from None
                ep = (ep + 1) % len(self._endpoints)
                attempt += 1
                self._sleep(attempt, deadline)
                continue
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
            else:
                self._give(ep, conn)
            try:
                parsed = json.loads(data) if data else None
            except ValueError:
                parsed = None
            answer = (resp.status, parsed, resp)
            if not idempotent or not self._transient(resp.status, parsed):
                with self._lock:
                    self._preferred = ep
                return answer
            last = answer
            attempt += 1
            retry_after = resp.getheader("Retry-After")
            if retry_after and retry_after.isdigit():
                if time.monotonic() + int(retry_after) >= deadline:
                    break
                if attempt < self.max_attempts:
                    time.sleep(int(retry_after))
            else:
                self._sleep(attempt, deadline)
            if resp.status == 503:
                ep = (ep + 1) % len(self._endpoints)
        if isinstance(last, KeepError) or last is None:
            raise last or KeepError("unavailable", "no keep server answered in time")
        return last

    def _transient(self, status, answer):
        """429, or a 503 that may pass (as libkeep: never locked_down or hsm_pin_rejected;
        sealed only with another server to try)."""
        if status == 429:
            return True
        if status != 503:
            return False
        err = answer.get("error") if isinstance(answer, dict) else None
        code = err.get("code") if isinstance(err, dict) else None
        if code == "sealed":
            return len(self._endpoints) > 1
        return code in ("overloaded", "unavailable", "store_unavailable", "audit_unavailable")

    def _sleep(self, attempt, deadline):
        if attempt >= self.max_attempts:
            return
        cap = min(self._backoff[1], self._backoff[0] * (2 ** (attempt - 1)))
        time.sleep(max(0.0, min(random.uniform(0, cap), deadline - time.monotonic())))

    def _call(self, method, target, body=None, idempotent=True, timeout=None):
        status, answer, _ = self.request(method, target, body, idempotent, timeout)
        if 200 <= status < 300:
            if status != 204 and not isinstance(answer, dict):
                raise KeepError("bad_answer", "the server's answer to %s %s is not a JSON "
                                "object" % (method, target), status)
            return answer
        err = answer.get("error") if isinstance(answer, dict) else None
        if isinstance(err, dict) and isinstance(err.get("code"), str):
            raise KeepError(err["code"], str(err.get("message", "")), status)
        raise KeepError({401: "unauthenticated", 403: "permission_denied", 404: "not_found",
                         429: "rate_limited", 503: "unavailable"}.get(status, "http_%d" % status),
                        "HTTP %d" % status, status)

    # ---- keys

    def create_key(self, name, type=None, description=None, auto_rotate_period=None,
                   purpose=None, peer=None):
        body = {"name": _check_name(name)}
        for k, v in (("type", type), ("description", description),
                     ("auto_rotate_period", auto_rotate_period), ("purpose", purpose),
                     ("peer", peer)):
            if v is not None:
                body[k] = v
        return self._call("POST", "/v1/keys", body, idempotent=False)

    def get_key(self, name):
        return self._call("GET", "/v1/keys/" + _check_name(name))

    def list_keys(self, prefix="", after="", limit=0):
        q = {k: v for k, v in (("prefix", prefix), ("after", after)) if v}
        if limit:
            q["limit"] = str(limit)
        target = "/v1/keys" + ("?" + urllib.parse.urlencode(q) if q else "")
        a = self._call("GET", target)
        return a.get("keys", []), a.get("next")

    def rotate_key(self, name):
        return self._call("POST", "/v1/keys/%s/rotate" % _check_name(name), idempotent=False)

    def update_key(self, name, **changes):
        return self._call("PATCH", "/v1/keys/" + _check_name(name), changes)

    def delete_key(self, name, pending_days=0):
        t = "/v1/keys/" + _check_name(name)
        if pending_days:
            t += "?pending_days=%d" % pending_days
        return self._call("DELETE", t, idempotent=False)

    def undelete_key(self, name):
        return self._call("POST", "/v1/keys/%s/cancel-deletion" % _check_name(name),
                          idempotent=False)

    # ---- keys beyond AES (docs/api.md "Signing, MACs and public keys")

    def get_public_key(self, name, version=None):
        """The answer of GET /v1/keys/{name}/public-key; its "public_key_file" is what
        keep.seal_to_public_key takes."""
        t = "/v1/keys/%s/public-key" % _check_name(name)
        return self._call("GET", t + ("?version=%d" % version if version else ""))

    def sign(self, name, data, prehashed=False, algorithm=None, version=None):
        """{"signature": "keep:v<N>:<b64>", "key", "version", "algorithm"}."""
        body = {"digest" if prehashed else "message": _b64(data)}
        if algorithm:
            body["algorithm"] = algorithm
        if version:
            body["key_version"] = version
        return self._call("POST", "/v1/keys/%s/sign" % _check_name(name), body)

    def verify(self, name, data, signature, prehashed=False, algorithm=None):
        """True or False (not valid is not an error)."""
        body = {"digest" if prehashed else "message": _b64(data), "signature": signature}
        if algorithm:
            body["algorithm"] = algorithm
        return self._call("POST", "/v1/keys/%s/verify" % _check_name(name), body)["valid"]

    def hmac(self, name, message, version=None):
        """{"mac": "keep:v<N>:<b64>", "key", "version"}."""
        body = {"message": _b64(message)}
        if version:
            body["key_version"] = version
        return self._call("POST", "/v1/keys/%s/hmac" % _check_name(name), body)

    def verify_hmac(self, name, message, mac):
        return self._call("POST", "/v1/keys/%s/hmac/verify" % _check_name(name),
                          {"message": _b64(message), "mac": mac})["valid"]

    # ---- cryptographic operations

    @staticmethod
    def _item(ciphertext=None, plaintext=None, context=None, version=None):
        item = {}
        if plaintext is not None:
            item["plaintext"] = _b64(plaintext)
        if ciphertext is not None:
            item["ciphertext"] = ciphertext
        if context:
            item["context"] = dict(context)
        if version is not None:
            item["key_version"] = version
        return item

    def encrypt(self, key, plaintext, context=None, version=None):
        """{"ciphertext", "key", "version"}"""
        return self._call("POST", "/v1/keys/%s/encrypt" % _check_name(key),
                          self._item(plaintext=plaintext, context=context, version=version))

    def decrypt(self, ciphertext, context=None, key=None):
        """(plaintext bytes, answer): `key` None takes it from the ciphertext."""
        t = "/v1/decrypt" if key is None else "/v1/keys/%s/decrypt" % _check_name(key)
        a = self._call("POST", t, self._item(ciphertext=ciphertext, context=context))
        return _unb64(a.get("plaintext"), "plaintext"), a

    def rewrap(self, key, ciphertext, context=None):
        return self._call("POST", "/v1/keys/%s/rewrap" % _check_name(key),
                          self._item(ciphertext=ciphertext, context=context))

    def generate_data_key(self, key, bits=256, with_plaintext=True, context=None):
        """{"plaintext": bytes (when asked), "ciphertext", "key", "version"}"""
        body = {"bits": bits, "plaintext": with_plaintext}
        if context:
            body["context"] = dict(context)
        a = self._call("POST", "/v1/keys/%s/datakey" % _check_name(key), body)
        if with_plaintext:
            a["plaintext"] = _unb64(a.get("plaintext"), "plaintext")
            if len(a["plaintext"]) != bits // 8:
                raise KeepError("bad_answer", "the server returned a data key of the wrong size")
        return a

    def random(self, n):
        return _unb64(self._call("POST", "/v1/random", {"bytes": n}).get("random"), "random")

    def _batch(self, target, items):
        a = self._call("POST", target, {"batch": items})
        out = a.get("batch")
        if not isinstance(out, list) or len(out) != len(items):
            raise KeepError("bad_answer", "the batch answer does not have one result per item")
        return [KeepError(r["error"].get("code", "unknown"), r["error"].get("message", ""))
                if isinstance(r, dict) and isinstance(r.get("error"), dict) else r for r in out]

    def encrypt_batch(self, key, items):
        """items: (plaintext, context) pairs; results: answers or KeepError, in order."""
        return self._batch("/v1/keys/%s/encrypt" % _check_name(key),
                           [self._item(plaintext=p, context=c) for p, c in items])

    def decrypt_batch(self, items, key=None):
        t = "/v1/decrypt" if key is None else "/v1/keys/%s/decrypt" % _check_name(key)
        out = self._batch(t, [self._item(ciphertext=ct, context=c) for ct, c in items])
        return [r if isinstance(r, KeepError) else _unb64(r.get("plaintext"), "plaintext")
                for r in out]

    def rewrap_batch(self, key, items):
        return self._batch("/v1/keys/%s/rewrap" % _check_name(key),
                           [self._item(ciphertext=ct, context=c) for ct, c in items])

    def health(self):
        status, a, _ = self.request("GET", "/v1/sys/health")
        if not isinstance(a, dict) or "error" in a:
            raise KeepError("bad_answer" if not isinstance(a, dict) else a["error"].get("code"),
                            "health", status)
        a["http_status"] = status
        return a
