"""keep: the Python client of the keep key management service.

    import keep
    client = keep.Client()   # KEEP_ADDR, KEEP_TOKEN, KEEP_CACERT, or keyword arguments
    env = keep.Envelope(client, "orders", max_age=300, max_messages=100_000)
    blob = env.encrypt(b"4111 1111 1111 1111", context={"table": "cards", "row": "42"})
    assert env.decrypt(blob, context={"table": "cards", "row": "42"}) == b"4111 1111 1111 1111"
"""
from .client import Client
from .envelope import CacheStats, Envelope
from .errors import KeepError
from .fields import EncryptedField, FieldEncryptor
from .public import seal_to_public_key
from . import record

__all__ = ["Client", "Envelope", "CacheStats", "KeepError", "FieldEncryptor",
           "EncryptedField", "record", "seal_to_public_key"]
__version__ = "0.1.0"
