#include "kmip/ttlv.h"

#include <cstring>

namespace keep::kmip {
namespace {

uint32_t Get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint64_t Get64(const uint8_t* p) {
  return uint64_t{Get32(p)} << 32 | Get32(p + 4);
}

void Put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
void Put64(uint8_t* p, uint64_t v) {
  Put32(p, static_cast<uint32_t>(v >> 32));
  Put32(p + 4, static_cast<uint32_t>(v));
}

size_t Padded(size_t n) {
  return (n + 7) / 8 * 8;
}

// The value length a fixed-size type must have (0: variable).
size_t FixedLength(Type t) {
  switch (t) {
    case Type::kInteger:
    case Type::kEnumeration:
    case Type::kInterval:
      return 4;
    case Type::kLongInteger:
    case Type::kBoolean:
    case Type::kDateTime:
    case Type::kDateTimeExtended:
      return 8;
    default:
      return 0;
  }
}

bool KnownType(uint8_t t) {
  return t >= 0x01 && t <= 0x0B;
}

bool ValidUtf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i - 1 < extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (p[i + k] & 0x3F);
    }
    // No overlong forms, surrogates or code points past U+10FFFF.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

struct Decoder {
  ByteView msg;
  size_t items = 0;

  Status Fail(size_t off, const std::string& what) const {
    return InvalidArgument("malformed TTLV at byte " + std::to_string(off) + ": " + what);
  }

  // Decodes the item at `off`, which must end exactly at or before `end`; sets `next`.
  Result<Item> One(size_t off, size_t end, int depth, size_t* next) {
    if (++items > kMaxItems) return Fail(off, "more than " + std::to_string(kMaxItems) + " items");
    if (end - off < kHeaderSize) return Fail(off, "a truncated item header");
    const uint8_t* p = msg.data() + off;
    Item it;
    it.tag = uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2];
    if (p[0] != 0x42 && p[0] != 0x54) return Fail(off, "a tag outside 0x42xxxx and 0x54xxxx");
    if (!KnownType(p[3])) return Fail(off, "unknown item type " + std::to_string(p[3]));
    it.type = static_cast<Type>(p[3]);
    const size_t len = Get32(p + 4);
    const size_t room = end - off - kHeaderSize;
    if (len > room) return Fail(off, "a length past the end of its container");
    const size_t padded = it.type == Type::kStructure ? len : Padded(len);
    if (padded > room) return Fail(off, "padding past the end of its container");
    if (it.type == Type::kStructure && len % 8 != 0) {
      return Fail(off, "a structure whose length is not a multiple of 8");
    }
    const size_t fixed = FixedLength(it.type);
    if (fixed != 0 && len != fixed) {
      return Fail(off, "a fixed-size item with length " + std::to_string(len));
    }
    const uint8_t* v = p + kHeaderSize;
    for (size_t i = len; i < padded; ++i) {
      if (v[i] != 0) return Fail(off, "non-zero padding");
    }
    switch (it.type) {
      case Type::kStructure: {
        if (depth >= kMaxDepth) {
          return Fail(off, "structures nested deeper than " + std::to_string(kMaxDepth));
        }
        size_t at = off + kHeaderSize;
        const size_t stop = at + len;
        while (at < stop) {
          size_t after = 0;
          KEEP_ASSIGN_OR_RETURN(Item child, One(at, stop, depth + 1, &after));
          it.children.push_back(std::move(child));
          at = after;
        }
        break;
      }
      case Type::kInteger:
        it.number = static_cast<int32_t>(Get32(v));
        break;
      case Type::kEnumeration:
      case Type::kInterval:
        it.number = Get32(v);
        break;
      case Type::kLongInteger:
      case Type::kDateTime:
      case Type::kDateTimeExtended:
        it.number = static_cast<int64_t>(Get64(v));
        break;
      case Type::kBoolean: {
        const uint64_t b = Get64(v);
        if (b > 1) return Fail(off, "a Boolean other than 0 or 1");
        it.number = static_cast<int64_t>(b);
        break;
      }
      case Type::kBigInteger:
        if (len == 0 || len % 8 != 0)
          return Fail(off, "a Big Integer whose length is not a multiple of 8");
        it.bytes = crypto::SecretBytes::CopyOf(ByteView(v, len));
        break;
      case Type::kTextString:
        if (!ValidUtf8(v, len)) return Fail(off, "a Text String that is not UTF-8");
        it.text.assign(reinterpret_cast<const char*>(v), len);
        break;
      case Type::kByteString:
        it.bytes = crypto::SecretBytes::CopyOf(ByteView(v, len));
        break;
    }
    *next = off + kHeaderSize + padded;
    return it;
  }
};

void Write(const Item& it, uint8_t*& p) {
  p[0] = static_cast<uint8_t>(it.tag >> 16);
  p[1] = static_cast<uint8_t>(it.tag >> 8);
  p[2] = static_cast<uint8_t>(it.tag);
  p[3] = static_cast<uint8_t>(it.type);
  uint8_t* len_at = p + 4;
  p += kHeaderSize;
  size_t len = 0;
  switch (it.type) {
    case Type::kStructure: {
      uint8_t* start = p;
      for (const Item& c : it.children) Write(c, p);
      len = static_cast<size_t>(p - start);
      break;
    }
    case Type::kInteger:
    case Type::kEnumeration:
    case Type::kInterval:
      Put32(p, static_cast<uint32_t>(it.number));
      len = 4;
      break;
    case Type::kLongInteger:
    case Type::kBoolean:
    case Type::kDateTime:
    case Type::kDateTimeExtended:
      Put64(p, static_cast<uint64_t>(it.number));
      len = 8;
      break;
    case Type::kTextString:
      len = it.text.size();
      if (len > 0) std::memcpy(p, it.text.data(), len);
      break;
    case Type::kByteString:  // empty: no buffer at all (memcpy from null is undefined)
      len = it.bytes.size();
      if (len > 0) std::memcpy(p, it.bytes.data(), len);
      break;
    case Type::kBigInteger: {  // sign-extended on the left to a multiple of 8
      const size_t n = it.bytes.size(), total = n == 0 ? 8 : Padded(n);
      const uint8_t fill = n > 0 && (it.bytes.data()[0] & 0x80) ? 0xFF : 0x00;
      std::memset(p, fill, total - n);
      if (n > 0) std::memcpy(p + (total - n), it.bytes.data(), n);
      len = total;
      break;
    }
  }
  Put32(len_at, static_cast<uint32_t>(len));
  if (it.type != Type::kStructure) {
    const size_t padded = Padded(len);
    std::memset(p + len, 0, padded - len);
    p += padded;
  }
}

Item Scalar(uint32_t tag, Type type, int64_t number) {
  Item it;
  it.tag = tag;
  it.type = type;
  it.number = number;
  return it;
}

}  // namespace

const Item* Item::Find(uint32_t child_tag) const {
  for (const Item& c : children) {
    if (c.tag == child_tag) return &c;
  }
  return nullptr;
}

std::vector<const Item*> Item::FindAll(uint32_t child_tag) const {
  std::vector<const Item*> out;
  for (const Item& c : children) {
    if (c.tag == child_tag) out.push_back(&c);
  }
  return out;
}

Item Item::Clone() const {
  return Clone(tag);
}

Item Item::Clone(uint32_t new_tag) const {
  Item c;
  c.tag = new_tag;
  c.type = type;
  c.number = number;
  c.text = text;
  c.bytes = crypto::SecretBytes::CopyOf(bytes.view());
  c.children.reserve(children.size());
  for (const Item& child : children) c.children.push_back(child.Clone());
  return c;
}

Item Item::Structure(uint32_t tag, std::vector<Item> children) {
  Item it = Scalar(tag, Type::kStructure, 0);
  it.children = std::move(children);
  return it;
}
Item Item::Integer(uint32_t tag, int32_t v) {
  return Scalar(tag, Type::kInteger, v);
}
Item Item::LongInteger(uint32_t tag, int64_t v) {
  return Scalar(tag, Type::kLongInteger, v);
}
Item Item::Enumeration(uint32_t tag, uint32_t v) {
  return Scalar(tag, Type::kEnumeration, v);
}
Item Item::Boolean(uint32_t tag, bool v) {
  return Scalar(tag, Type::kBoolean, v ? 1 : 0);
}
Item Item::DateTime(uint32_t tag, int64_t s) {
  return Scalar(tag, Type::kDateTime, s);
}
Item Item::Interval(uint32_t tag, uint32_t s) {
  return Scalar(tag, Type::kInterval, s);
}
Item Item::Text(uint32_t tag, std::string v) {
  Item it = Scalar(tag, Type::kTextString, 0);
  it.text = std::move(v);
  return it;
}
Item Item::Bytes(uint32_t tag, ByteView v) {
  Item it = Scalar(tag, Type::kByteString, 0);
  it.bytes = crypto::SecretBytes::CopyOf(v);
  return it;
}
Item Item::BigInteger(uint32_t tag, ByteView v) {
  Item it = Scalar(tag, Type::kBigInteger, 0);
  it.bytes = crypto::SecretBytes::CopyOf(v);
  return it;
}

Result<size_t> MessageLength(ByteView header, size_t max_message) {
  if (header.size() < kHeaderSize) return InvalidArgument("a KMIP message header has 8 bytes");
  // Any item can be framed (so a message that is not a Structure is answered, not cut
  // off): a Structure's length covers its padded children; other values are padded to 8.
  size_t len = Get32(header.data() + 4);
  if (header[3] != static_cast<uint8_t>(Type::kStructure)) len = (len + 7) / 8 * 8;
  if (len > max_message - kHeaderSize) {
    return InvalidArgument("a KMIP message of " + std::to_string(len) + " bytes is over the limit");
  }
  return len + kHeaderSize;
}

Result<Item> Decode(ByteView message) {
  Decoder d{message};
  size_t next = 0;
  KEEP_ASSIGN_OR_RETURN(Item it, d.One(0, message.size(), 0, &next));
  if (next != message.size()) return d.Fail(next, "bytes after the message");
  return it;
}

size_t EncodedSize(const Item& it) {
  switch (it.type) {
    case Type::kStructure: {
      size_t n = kHeaderSize;
      for (const Item& c : it.children) n += EncodedSize(c);
      return n;
    }
    case Type::kTextString:
      return kHeaderSize + Padded(it.text.size());
    case Type::kByteString:
      return kHeaderSize + Padded(it.bytes.size());
    case Type::kBigInteger:
      return kHeaderSize + (it.bytes.empty() ? 8 : Padded(it.bytes.size()));
    default:
      return kHeaderSize + 8;
  }
}

crypto::SecretBytes Encode(const Item& item) {
  crypto::SecretBytes out(EncodedSize(item));
  uint8_t* p = out.data();
  Write(item, p);
  return out;
}

}  // namespace keep::kmip
