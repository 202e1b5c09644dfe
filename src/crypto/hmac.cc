// HMAC-SHA256 (RFC 2104) on OpenSSL's SHA-256 block function (SHA-NI where the CPU has
// it). The EVP_MAC path costs a context allocation, a provider lookup and a state copy
// through the provider per message; keep computes HMACs for every ciphertext, record and
// audit entry, so the keyed states are kept here and copied by value instead.
//
// The low-level SHA256_* calls are deprecated in OpenSSL 3 (in favour of EVP) but present
// and supported; this translation unit alone uses them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstddef>
#include <cstring>

#include "crypto/kdf.h"

namespace keep::crypto {
namespace {

constexpr size_t kBlock = 64;

struct HmacState {
  SHA256_CTX inner;  // after key XOR ipad
  SHA256_CTX outer;  // after key XOR opad
};

// Keys the two states from `key` (any length; longer than a block is hashed first).
bool Key(ByteView key, HmacState& st) {
  uint8_t k[kBlock] = {};
  bool ok = true;
  if (key.size() > kBlock) {
    ok = SHA256(key.data(), key.size(), k) != nullptr;
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  uint8_t pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x36;
  ok = ok && SHA256_Init(&st.inner) == 1 && SHA256_Update(&st.inner, pad, kBlock) == 1;
  for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x5c;
  ok = ok && SHA256_Init(&st.outer) == 1 && SHA256_Update(&st.outer, pad, kBlock) == 1;
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(pad, sizeof pad);
  return ok;
}

// `state` holds an HmacState's bytes (in locked memory, perhaps not aligned for it): each
// half is copied onto the stack once, and wiped there.
bool Mac(const uint8_t* state, std::initializer_list<ByteView> parts, uint8_t out[kSha256Size]) {
  SHA256_CTX c;
  std::memcpy(&c, state + offsetof(HmacState, inner), sizeof c);
  bool ok = true;
  for (const auto& p : parts) ok = ok && SHA256_Update(&c, p.data(), p.size()) == 1;
  uint8_t inner[kSha256Size];
  ok = ok && SHA256_Final(inner, &c) == 1;
  std::memcpy(&c, state + offsetof(HmacState, outer), sizeof c);
  ok = ok && SHA256_Update(&c, inner, sizeof inner) == 1 && SHA256_Final(out, &c) == 1;
  OPENSSL_cleanse(&c, sizeof c);
  OPENSSL_cleanse(inner, sizeof inner);
  return ok;
}

}  // namespace

Result<HmacKey> HmacKey::Create(ByteView key) {
  SecretBytes state = SecretBytes::Locked(sizeof(HmacState));
  HmacState st;
  const bool ok = Key(key, st);
  std::memcpy(state.data(), &st, sizeof st);
  OPENSSL_cleanse(&st, sizeof st);
  if (!ok) return Internal("HMAC set-up failed");
  return HmacKey(std::move(state));
}

Status HmacKey::Compute(std::initializer_list<ByteView> parts,
                        std::span<uint8_t, kSha256Size> out) const {
  if (state_.size() != sizeof(HmacState)) return Internal("HMAC key is empty");
  if (!Mac(state_.data(), parts, out.data())) {
    OPENSSL_cleanse(out.data(), out.size());
    return Internal("HMAC failed");
  }
  return Status::Ok();
}

Status HmacSha256(ByteView key, ByteView message, std::span<uint8_t> out) {
  if (out.size() != kSha256Size) return InvalidArgument("HMAC output must be 32 bytes");
  HmacState st;
  const bool ok = Key(key, st) && Mac(reinterpret_cast<const uint8_t*>(&st), {message}, out.data());
  OPENSSL_cleanse(&st, sizeof st);
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return Internal("HMAC failed");
  }
  return Status::Ok();
}

}  // namespace keep::crypto
