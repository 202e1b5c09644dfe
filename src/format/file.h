// The keep file format v1 (docs/formats.md §8): a header with one or more recipient
// stanzas, each wrapping the same random 32-byte file key, authenticated by a header MAC
// that also commits to the file key; then a streaming body of fixed-size segments, each
// sealed with AES-256-GCM under a key derived from the file key, with a nonce made of the
// segment counter and a last-segment flag, so truncation, reordering, duplication and
// appended data are all detected.
//
// Stanzas: X25519 and RSA-OAEP-SHA256 (crypto::SealTo with the label "keep file v1"),
// and a keep-server stanza holding a keep ciphertext of the file key (made and opened
// through the server's API, so policy and audit apply; this module only stores it).
//
// The body key depends only on the file key and the header's salt, never on the stanzas:
// recipients can be added or removed by rewriting the header alone.
//
// Memory: Encryptor and Decryptor hold two batches of segments (file_body.cc); the header
// is limited to 1,024 stanzas of at most 8 KiB. Errors: kInvalidArgument with reason "invalid_file"
// and a specific message for malformed input; "wrong_key" when no identity opens a stanza or the
// header MAC fails under the unwrapped key. Not thread-safe per object.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/pubkey.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::format::file {

inline constexpr size_t kFileKeySize = 32;
inline constexpr uint8_t kDefaultSegmentLog2 = 16;  // 64 KiB
inline constexpr size_t kMaxStanzas = 1024;
inline constexpr size_t kMaxStanzaBody = 8192;

enum class StanzaType : uint8_t { kX25519 = 1, kRsaOaep = 2, kKeep = 3 };

struct Stanza {
  StanzaType type = StanzaType::kX25519;
  // X25519/RSA: SHA-256 of the recipient's SubjectPublicKeyInfo (32 bytes);
  // keep: the key name (1–128 bytes).
  Bytes recipient;
  Bytes body;  // the wrapped file key
};

struct Header {
  uint8_t segment_log2 = kDefaultSegmentLog2;  // 12..24
  std::array<uint8_t, 16> salt{};              // random per file key
  std::vector<Stanza> stanzas;
  std::array<uint8_t, 32> mac{};
  size_t segment_size() const { return size_t{1} << segment_log2; }
};

// A fresh file key (locked memory) and a header for it with a random salt, no stanzas.
struct NewFile {
  crypto::SecretBytes file_key;
  Header header;
};
Result<NewFile> NewFileKey(uint8_t segment_log2 = kDefaultSegmentLog2);

// Stanzas for public-key recipients, and opening them with a private key. Open returns
// "wrong_key" when the stanza is not for this key.
Result<Stanza> WrapForRecipient(const crypto::PublicKey& recipient,
                                const crypto::SecretBytes& file_key);
Result<crypto::SecretBytes> OpenStanza(const crypto::PrivateKey& identity, const Stanza& stanza);
// The recipient id of a public key (SHA-256 of its SPKI).
Bytes RecipientId(const crypto::PublicKey& key);

// Sets the header MAC for `file_key`; VerifyHeader checks it in constant time
// (Errors: "wrong_key": this file key does not belong to this header).
Status SealHeader(const crypto::SecretBytes& file_key, Header& header);
Status VerifyHeader(const crypto::SecretBytes& file_key, const Header& header);

// The header's bytes (MAC included).
Bytes SerializeHeader(const Header& header);

// Reads a header from the front of a stream. `read(buf, n)` fills up to n bytes and
// returns how many (0 at end); it is called with small sizes only.
using ReadFn = std::function<Result<size_t>(uint8_t* buf, size_t n)>;
Result<Header> ReadHeader(const ReadFn& read);

using WriteFn = std::function<Status(ByteView data)>;

// A body segment's AES-GCM nonce: the segment counter (11 bytes, big-endian) ‖ 0x01 for
// the last segment, 0x00 otherwise. Shared with records (format/record.h).
std::array<uint8_t, 12> SegmentNonce(uint64_t counter, bool last);

// Reads exactly `to.size()` bytes at `offset` of an input that can be read at any offset
// from several threads at once (a regular file: pread). Errors: a short read (the input
// changed) or the input's read error.
using ReadAtFn = std::function<Status(uint64_t offset, std::span<uint8_t> to)>;
// The message of WriteMapped's error when the mapped input shrank while it was read.
inline constexpr std::string_view kInputChanged =
    "the input changed (it got shorter) while it was read";
// Called on the caller's thread with the input bytes done so far (a progress bar).
using ProgressFn = std::function<void(uint64_t)>;

// Encrypts a body. Write() may be called with any amount; Finish() seals the last
// segment (possibly empty). Segments are sealed in batches of up to 4 MiB on `threads`
// threads (0: one per core; segment_pool.h) while the caller feeds the next batch; output
// goes to `out` in order, a batch at a time. Memory: two batches of plaintext and sealed
// bytes (plaintext in wiping memory, wiped once sealed).
class Encryptor {
 public:
  static Result<Encryptor> Create(const crypto::SecretBytes& file_key, const Header& header,
                                  WriteFn out, unsigned threads = 0);
  Encryptor(Encryptor&&) noexcept;
  Encryptor& operator=(Encryptor&&) noexcept;
  ~Encryptor();
  Status Write(ByteView plaintext);
  // Feeding without a copy: Space() is where the next bytes go (never empty), Commit(n)
  // takes the first n of them, as Write would. Errors: "finished".
  Result<std::span<uint8_t>> Space();
  void Commit(size_t n);
  // The whole body from an input of `size` bytes that the pool's threads read themselves
  // (each the segments it seals), so reading is spread over the cores too. Only as the
  // first and only feeding call; Finish() then completes. Errors: read_at's.
  Status WriteAt(uint64_t size, const ReadAtFn& read_at, const ProgressFn& progress = {});
  // The whole body from `input`, a mapping of the file (common/mapped_file.h) that the
  // pool's threads seal straight from: the plaintext is never copied into this process, so
  // there is nothing of it to wipe, and the page-cache copy of read/pread (a third of the
  // CPU time of a 1 GiB encryption) is gone. A page the file lost meanwhile (it was
  // truncated: SIGBUS) is caught on the worker that touched it. Errors: kInvalidArgument
  // "the input changed (it got shorter) while it was read"; "finished" as WriteAt. Only
  // as the first and only feeding call; Finish() then completes.
  Status WriteMapped(ByteView input, const ProgressFn& progress = {});
  Status Finish();

 private:
  Encryptor() = default;
  Status WriteWhole(uint64_t size, const ReadAtFn* read_at, const uint8_t* mapped,
                    const ProgressFn& progress);
  struct State;
  std::unique_ptr<State> s_;
};

// Decrypts a body fed in any pieces. Segments are opened in batches as Encryptor seals
// them; plaintext is released in order, only once its segment has authenticated (a batch
// releases the segments before the first that fails, then the error). Finish() fails with
// "invalid_file" if the body was truncated (the last segment is missing) — callers writing
// to a file must discard it then.
class Decryptor {
 public:
  static Result<Decryptor> Create(const crypto::SecretBytes& file_key, const Header& header,
                                  WriteFn out, unsigned threads = 0);
  Decryptor(Decryptor&&) noexcept;
  Decryptor& operator=(Decryptor&&) noexcept;
  ~Decryptor();
  Status Write(ByteView ciphertext);
  Result<std::span<uint8_t>> Space();  // as Encryptor's
  void Commit(size_t n);
  // The whole body of `size` bytes, read by the pool's threads (as Encryptor::WriteAt),
  // with Finish()'s checks of its end. Finish() then completes.
  Status WriteAt(uint64_t size, const ReadAtFn& read_at, const ProgressFn& progress = {});
  Status Finish();
  uint64_t segments() const;

 private:
  Decryptor() = default;
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace keep::format::file
