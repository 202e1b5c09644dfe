// KMIP's TTLV encoding (OASIS KMIP 1.0–2.0, §9.1 "TTLV Encoding"): every item is
//
//   tag (3 bytes, 0x42xxxx) ‖ type (1) ‖ length (4, big-endian) ‖ value ‖ zero padding
//
// to a multiple of 8 bytes. Types: Structure (0x01: items, length their total), Integer
// (0x02, 4 bytes), Long Integer (0x03, 8), Big Integer (0x04, two's complement, a multiple
// of 8), Enumeration (0x05, 4, unsigned), Boolean (0x06, 8: 0 or 1), Text String (0x07,
// UTF-8), Byte String (0x08), Date-Time (0x09, 8: seconds since the epoch), Interval (0x0A,
// 4: seconds, unsigned), Date-Time Extended (0x0B, KMIP 2.0, 8: microseconds).
//
// Decode is strict, so a hostile message gets a specific error and never a crash or an
// unbounded allocation: a length past the end of its container, a fixed-size type with
// another length, non-zero padding, an unknown type, a tag outside 0x42xxxx/0x54xxxx,
// a Boolean other than 0 or 1, a Text String that is not UTF-8, nesting deeper than
// kMaxDepth or more than kMaxItems items are refused with kInvalidArgument naming the
// problem and its offset. Byte Strings and Big Integers (key material) are held in
// SecretBytes; Item is move-only. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::kmip {

enum class Type : uint8_t {
  kStructure = 0x01,
  kInteger = 0x02,
  kLongInteger = 0x03,
  kBigInteger = 0x04,
  kEnumeration = 0x05,
  kBoolean = 0x06,
  kTextString = 0x07,
  kByteString = 0x08,
  kDateTime = 0x09,
  kInterval = 0x0A,
  kDateTimeExtended = 0x0B,
};

inline constexpr int kMaxDepth = 16;         // structures within structures
inline constexpr size_t kMaxItems = 100000;  // items in one message
inline constexpr size_t kHeaderSize = 8;     // tag, type, length

struct Item {
  uint32_t tag = 0;
  Type type = Type::kStructure;
  int64_t number = 0;          // Integer, Long Integer, Enumeration, Boolean, Interval,
                               // Date-Time, Date-Time Extended
  std::string text;            // Text String
  crypto::SecretBytes bytes;   // Byte String, Big Integer
  std::vector<Item> children;  // Structure

  // The first child with `tag`, or nullptr.
  const Item* Find(uint32_t child_tag) const;
  // Every child with `tag`, in order.
  std::vector<const Item*> FindAll(uint32_t child_tag) const;
  // A deep copy (byte strings copied into wiping memory), optionally under another tag.
  Item Clone() const;
  Item Clone(uint32_t new_tag) const;

  static Item Structure(uint32_t tag, std::vector<Item> children = {});
  static Item Integer(uint32_t tag, int32_t v);
  static Item LongInteger(uint32_t tag, int64_t v);
  static Item Enumeration(uint32_t tag, uint32_t v);
  static Item Boolean(uint32_t tag, bool v);
  static Item Text(uint32_t tag, std::string v);
  static Item Bytes(uint32_t tag, ByteView v);
  static Item BigInteger(uint32_t tag, ByteView twos_complement);  // padded to 8 on encode
  static Item DateTime(uint32_t tag, int64_t seconds);
  static Item Interval(uint32_t tag, uint32_t seconds);
};

// The length of the message that starts with this 8-byte header (its value length, padded
// to 8 bytes unless it is a Structure, plus the header), for reading one message off a
// stream. Errors: fewer than 8 bytes, or a length past `max_message`.
Result<size_t> MessageLength(ByteView header, size_t max_message);

// Decodes exactly one item filling `message`. Errors: kInvalidArgument as above.
Result<Item> Decode(ByteView message);

// The encoding of `item` (in wiping memory: it may hold key material), and its size.
size_t EncodedSize(const Item& item);
crypto::SecretBytes Encode(const Item& item);

}  // namespace keep::kmip
