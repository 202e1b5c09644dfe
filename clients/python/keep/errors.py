"""keep's errors: the server's error code (docs/api.md) kept as `code`."""


class KeepError(Exception):
    """An error with keep's reason code: "not_found", "context_mismatch",
    "invalid_ciphertext", "key_disabled", "rate_limited", "unavailable", "invalid_record",
    "wrong_key", "bad_answer", "bad_request", ... `status` is the HTTP status when a server
    answered, else 0."""

    def __init__(self, code, message, status=0):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message
        self.status = status
