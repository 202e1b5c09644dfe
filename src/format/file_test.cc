// The file format: round trips at every size boundary, every tampering case (header,
// stanzas, segments truncated, reordered, duplicated, appended), wrong keys, key
// commitment across recipients, and adding a recipient without touching the body.
#include "format/file.h"
#include "crypto/fixture_keys.h"
#include "format/file_test_util.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "crypto/random.h"

namespace keep::format::file {
namespace {

// A whole file (header + body) for `plain`, to the X25519 and RSA identities.
Bytes Encrypt(ByteView plain, size_t chunk = 1000, NewFile* keep_key = nullptr) {
  auto f = NewFileKey(kSmall);
  EXPECT_TRUE(f.ok());
  for (const auto* id : {&Ids().x, &Ids().rsa}) {
    auto s = WrapForRecipient(id->public_key(), f->file_key);
    EXPECT_TRUE(s.ok()) << s.status();
    f->header.stanzas.push_back(*s);
  }
  EXPECT_TRUE(SealHeader(f->file_key, f->header).ok());
  Bytes out = SerializeHeader(f->header);
  auto e = Encryptor::Create(f->file_key, f->header, [&](ByteView b) {
    Append(out, b);
    return Status::Ok();
  });
  EXPECT_TRUE(e.ok());
  for (size_t i = 0; i < plain.size(); i += chunk) {
    EXPECT_TRUE(e->Write(plain.subspan(i, std::min(chunk, plain.size() - i))).ok());
  }
  EXPECT_TRUE(e->Finish().ok());
  if (keep_key) *keep_key = std::move(*f);
  return out;
}

// Reads the header at the front of `file`; `pos` ends after it.
Result<Header> HeaderOf(ByteView file, size_t& pos) {
  pos = 0;
  return ReadHeader([&](uint8_t* buf, size_t n) -> Result<size_t> {
    const size_t k = std::min(n, file.size() - pos);
    std::copy(file.begin() + pos, file.begin() + pos + k, buf);
    pos += k;
    return k;
  });
}

// Decrypts a whole file with `id`, feeding the body in `chunk`-sized pieces.
Result<Bytes> Decrypt(ByteView file, const crypto::PrivateKey& id, size_t chunk = 777) {
  size_t pos = 0;
  auto h = HeaderOf(file, pos);
  if (!h.ok()) return h.status();
  Status last = InvalidArgument("no stanza for this identity", "wrong_key");
  crypto::SecretBytes key;
  for (const auto& s : h->stanzas) {
    auto k = OpenStanza(id, s);
    if (k.ok()) {
      key = std::move(*k);
      break;
    }
  }
  if (key.empty()) return last;
  KEEP_RETURN_IF_ERROR(VerifyHeader(key, *h));
  Bytes out;
  KEEP_ASSIGN_OR_RETURN(auto d, Decryptor::Create(key, *h, [&](ByteView b) {
                          Append(out, b);
                          return Status::Ok();
                        }));
  ByteView body = file.subspan(pos);
  for (size_t i = 0; i < body.size(); i += chunk) {
    KEEP_RETURN_IF_ERROR(d.Write(body.subspan(i, std::min(chunk, body.size() - i))));
  }
  KEEP_RETURN_IF_ERROR(d.Finish());
  return out;
}

size_t HeaderSize(ByteView file) {
  size_t pos = 0;
  auto h = HeaderOf(file, pos);
  EXPECT_TRUE(h.ok());
  return pos;
}

TEST(FileFormat, RoundTripsAtEverySizeBoundaryForBothRecipientTypes) {
  for (size_t n : {size_t{0}, size_t{1}, kSeg - 1, kSeg, kSeg + 1, 3 * kSeg, 3 * kSeg + 5}) {
    const Bytes plain = Random(n);
    const Bytes file = Encrypt(plain);
    const size_t segments = n == 0 ? 1 : (n + kSeg - 1) / kSeg;
    EXPECT_EQ(file.size(), HeaderSize(file) + n + 16 * segments) << n;
    for (const auto* id : {&Ids().x, &Ids().rsa}) {
      for (size_t chunk : {size_t{1}, size_t{4113}, size_t{1} << 20}) {
        if (chunk == 1 && n > kSeg + 1) continue;
        auto back = Decrypt(file, *id, chunk);
        ASSERT_TRUE(back.ok()) << n << ": " << back.status();
        EXPECT_EQ(*back, plain) << n;
      }
    }
  }
}

TEST(FileFormat, WrongKeysAreRefused) {
  const Bytes file = Encrypt(Random(100));
  auto r = Decrypt(file, Ids().other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "wrong_key");
}

TEST(FileFormat, EveryKindOfBodyTamperingIsDetected) {
  const Bytes plain = Random(3 * kSeg + 100);
  const Bytes file = Encrypt(plain);
  const size_t h = HeaderSize(file);
  const size_t seg = kSeg + 16;
  auto expect_bad = [&](const Bytes& f, const char* what) {
    auto r = Decrypt(f, Ids().x);
    EXPECT_FALSE(r.ok()) << what;
    if (!r.ok()) {
      EXPECT_EQ(r.status().reason(), "invalid_file") << what << ": " << r.status();
    }
  };
  for (size_t at : {h, h + 5, h + seg - 1, h + seg, h + 2 * seg + 17, file.size() - 1}) {
    Bytes f = file;
    f[at] ^= 0x01;
    expect_bad(f, "flipped bit");
  }
  expect_bad(Bytes(file.begin(), file.begin() + h + 3 * seg), "final segment removed");
  expect_bad(Bytes(file.begin(), file.end() - 1), "cut inside the final segment");
  expect_bad(Bytes(file.begin(), file.begin() + h + 2 * seg + 7), "cut inside a segment");
  expect_bad(Bytes(file.begin(), file.begin() + h), "no body");
  {
    Bytes f = file;
    std::swap_ranges(f.begin() + h, f.begin() + h + seg, f.begin() + h + seg);
    expect_bad(f, "two segments swapped");
  }
  {
    Bytes f(file.begin(), file.begin() + h + seg);
    f.insert(f.end(), file.begin() + h, file.end());  // segment 0 duplicated
    expect_bad(f, "duplicated segment");
  }
  {
    Bytes f = file;
    f.push_back(0);
    expect_bad(f, "one byte appended");
    Bytes g = file;
    g.insert(g.end(), file.end() - 116, file.end());  // the final segment again
    expect_bad(g, "final segment appended twice");
  }
}

TEST(FileFormat, HeaderTamperingAndMalformedHeadersAreRefused) {
  const Bytes file = Encrypt(Random(10));
  const size_t h = HeaderSize(file);
  for (size_t i = 0; i < h; ++i) {
    Bytes f = file;
    f[i] ^= 0x40;
    auto r = Decrypt(f, Ids().x);
    EXPECT_FALSE(r.ok()) << "header byte " << i;
  }
  for (size_t n = 0; n < h; ++n) {
    auto r = Decrypt(ByteView(file.data(), n), Ids().x);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().reason(), "invalid_file") << n;
  }
}

TEST(FileFormat, AFileKeyIsCommittedSoTwoRecipientsCannotSeeDifferentPlaintexts) {
  // A malicious sender wraps a different file key for the RSA recipient and seals the
  // header under the X25519 recipient's key: the RSA recipient must refuse the file.
  auto a = NewFileKey(kSmall);
  auto b = NewFileKey(kSmall);
  ASSERT_TRUE(a.ok() && b.ok());
  Header h = a->header;
  h.stanzas.push_back(*WrapForRecipient(Ids().x.public_key(), a->file_key));
  h.stanzas.push_back(*WrapForRecipient(Ids().rsa.public_key(), b->file_key));
  ASSERT_TRUE(SealHeader(a->file_key, h).ok());
  auto opened = OpenStanza(Ids().rsa, h.stanzas[1]);
  ASSERT_TRUE(opened.ok());
  Status s = VerifyHeader(*opened, h);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.reason(), "wrong_key");
  EXPECT_TRUE(VerifyHeader(*OpenStanza(Ids().x, h.stanzas[0]), h).ok());
}

TEST(FileFormat, AddingARecipientRewritesOnlyTheHeader) {
  const Bytes plain = Random(2 * kSeg + 3);
  NewFile f;
  // Alice (X25519) only at first.
  {
    auto nf = NewFileKey(kSmall);
    ASSERT_TRUE(nf.ok());
    f = std::move(*nf);
  }
  f.header.stanzas.push_back(*WrapForRecipient(Ids().x.public_key(), f.file_key));
  ASSERT_TRUE(SealHeader(f.file_key, f.header).ok());
  Bytes body;
  auto e = Encryptor::Create(f.file_key, f.header, [&](ByteView b) {
    Append(body, b);
    return Status::Ok();
  });
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(e->Write(plain).ok());
  ASSERT_TRUE(e->Finish().ok());
  Bytes file = SerializeHeader(f.header);
  Append(file, body);
  EXPECT_EQ(Decrypt(file, Ids().rsa).status().reason(), "wrong_key");
  // Alice opens the file key and adds Charlie (RSA); the body is reused byte for byte.
  Header h = f.header;
  auto key = OpenStanza(Ids().x, h.stanzas[0]);
  ASSERT_TRUE(key.ok());
  h.stanzas.push_back(*WrapForRecipient(Ids().rsa.public_key(), *key));
  ASSERT_TRUE(SealHeader(*key, h).ok());
  Bytes rewritten = SerializeHeader(h);
  Append(rewritten, body);
  auto back = Decrypt(rewritten, Ids().rsa);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, plain);
  EXPECT_EQ(*Decrypt(rewritten, Ids().x), plain);
}

// The vectors in docs/formats.md §8, made by tests/interop/file_v1.py from the document
// alone: keep decrypts vector A and re-creates vector B's body byte for byte.
TEST(FileFormat, PublishedVectors) {
  std::ifstream in(std::string(KEEP_SOURCE_DIR) + "/docs/formats.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const size_t begin = doc.find("<!-- file-vector-begin -->");
  const size_t end = doc.find("<!-- file-vector-end -->");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const std::string section = doc.substr(begin, end - begin);
  auto value = [&](const std::string& name) {
    const size_t at = section.find(name + " = ");
    EXPECT_NE(at, std::string::npos) << name;
    const size_t from = at + name.size() + 3;
    return section.substr(from, section.find('\n', from) - from);
  };
  // Vector A: the whole file, opened with the recipient key 0x40..0x5f (PKCS#8 for X25519
  // is a fixed 16-byte prefix and the raw key).
  std::string hex;
  std::istringstream lines(section.substr(section.find("    file:") + 9));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("    ", 0) == 0) hex += line.substr(4);
  }
  auto file = HexDecode(hex);
  ASSERT_TRUE(file.ok());
  ASSERT_EQ(file->size(), 230u);
  Bytes der = *HexDecode("302e020100300506032b656e04220420");
  for (uint8_t b = 0x40; b < 0x60; ++b) der.push_back(b);
  auto id = crypto::ParsePrivateKeyPem("-----BEGIN PRIVATE KEY-----\n" + Base64Encode(der) +
                                       "\n-----END PRIVATE KEY-----\n");
  ASSERT_TRUE(id.ok()) << id.status();
  auto plain = Decrypt(*file, *id);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(std::string(plain->begin(), plain->end()), "keep file v1 test vector\n");
  // Its public key is the one printed (SPKI for X25519: a fixed 12-byte prefix + raw key).
  EXPECT_EQ(crypto::PublicKeyPem(id->public_key()),
            "-----BEGIN PUBLIC KEY-----\n" +
                Base64Encode(*HexDecode("302a300506032b656e032100" + value("recipient_public"))) +
                "\n-----END PUBLIC KEY-----\n");
  // One flipped bit anywhere in it is refused.
  for (size_t i : {size_t{0}, size_t{40}, size_t{150}, size_t{200}, size_t{229}}) {
    Bytes bad = *file;
    bad[i] ^= 0x80;
    EXPECT_FALSE(Decrypt(bad, *id).ok()) << i;
  }
  // Vector B: the body depends only on the file key, salt and segment size.
  Header h;
  h.segment_log2 = 12;
  for (uint8_t i = 0; i < 16; ++i) h.salt[i] = static_cast<uint8_t>(0x20 + i);
  h.stanzas.push_back(Stanza{StanzaType::kKeep, {'k'}, {'x'}});  // not part of the body
  crypto::SecretBytes key = crypto::SecretBytes::Locked(kFileKeySize);
  for (uint8_t i = 0; i < 32; ++i) key.data()[i] = i;
  Bytes body;
  auto e = Encryptor::Create(key, h, [&](ByteView b) {
    Append(body, b);
    return Status::Ok();
  });
  ASSERT_TRUE(e.ok());
  Bytes b_plain(5000);
  for (size_t i = 0; i < b_plain.size(); ++i) b_plain[i] = static_cast<uint8_t>(i % 251);
  ASSERT_TRUE(e->Write(b_plain).ok());
  ASSERT_TRUE(e->Finish().ok());
  EXPECT_EQ(std::to_string(body.size()), value("body_b_size"));
  uint8_t md[32];
  SHA256(body.data(), body.size(), md);
  EXPECT_EQ(HexEncode(ByteView(md, 32)), value("body_b_sha256"));
}

}  // namespace
}  // namespace keep::format::file
