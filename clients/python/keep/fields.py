"""Encrypted fields of rows and objects (the seed's "encrypted persistent objects"): the
chosen fields are stored as records, each bound to its table (or class), row id and field
name, so a value copied into another row, table or field does not decrypt.

    fields = keep.FieldEncryptor(env, "cards", ["number", "cvv"])
    stored = fields.encrypt_row("42", {"number": "4111 ...", "holder": "A. Smith"})
    fields.decrypt_row("42", stored)

    class Card:
        number = keep.EncryptedField(env)      # context: class name, obj.id, "number"
"""
from .errors import KeepError


def _context(table, row_id, field):
    return {"table": str(table), "row": str(row_id), "field": field}


class FieldEncryptor:
    def __init__(self, envelope, table, fields):
        self.envelope, self.table, self.fields = envelope, table, list(fields)

    def encrypt_row(self, row_id, row):
        """A copy of `row` (a dict) with the chosen fields as records (bytes). Values are
        str (stored UTF-8) or bytes; None stays None."""
        out = dict(row)
        for f in self.fields:
            v = out.get(f)
            if v is None:
                continue
            data = v.encode() if isinstance(v, str) else bytes(v)
            out[f] = self.envelope.encrypt(b"s" + data if isinstance(v, str) else b"b" + data,
                                           _context(self.table, row_id, f))
        return out

    def decrypt_row(self, row_id, row):
        out = dict(row)
        for f in self.fields:
            v = out.get(f)
            if v is None:
                continue
            plain = self.envelope.decrypt(v, _context(self.table, row_id, f))
            out[f] = plain[1:].decode() if plain[:1] == b"s" else plain[1:]
        return out


class EncryptedField:
    """A descriptor: the instance holds the record; reading the attribute decrypts it.
    The context is the class name, the instance's `id` attribute and the field name."""

    def __init__(self, envelope, id_attr="id"):
        self.envelope, self.id_attr = envelope, id_attr

    def __set_name__(self, owner, name):
        self.name, self.slot = name, "_keep_" + name

    def _ctx(self, obj):
        row = getattr(obj, self.id_attr, None)
        if row is None:
            raise KeepError("bad_request", "set %s.%s before %s" % (type(obj).__name__,
                                                                     self.id_attr, self.name))
        return _context(type(obj).__name__, row, self.name)

    def __set__(self, obj, value):
        data = value.encode() if isinstance(value, str) else bytes(value)
        tag = b"s" if isinstance(value, str) else b"b"
        obj.__dict__[self.slot] = self.envelope.encrypt(tag + data, self._ctx(obj))

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        blob = obj.__dict__.get(self.slot)
        if blob is None:
            return None
        plain = self.envelope.decrypt(blob, self._ctx(obj))
        return plain[1:].decode() if plain[:1] == b"s" else plain[1:]

    def stored(self, obj):
        """The record as stored (to persist it)."""
        return obj.__dict__.get(self.slot)

    def load(self, obj, blob):
        """Puts a stored record back without decrypting it."""
        obj.__dict__[self.slot] = blob
