// Seeded random mutations of valid inputs, fed to every parser in process: the
// ciphertext decoder, base64/hex/duration decoders, the config parser and the whole
// API function. Nothing may crash, hang or leak (run under `make asan`), and the API
// must answer every mutated request with 2xx or 4xx, never 5xx.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>

#include "common/encoding.h"
#include "common/time.h"
#include "config.h"
#include "crypto/pubkey.h"
#include "format/ciphertext.h"
#include "format/context.h"
#include "format/file.h"
#include "format/public_ciphertext.h"
#include "http/api.h"
#include "seal/dev_file_seal.h"
#include "store/sqlite_store.h"

namespace keep {
namespace {

namespace fs = std::filesystem;

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : rng_(seed) {}
  std::string Mutate(std::string s) {
    const int edits = 1 + static_cast<int>(rng_() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = s.empty() ? 0 : rng_() % s.size();
      switch (rng_() % 6) {
        case 0:
          if (!s.empty()) s[pos] = static_cast<char>(rng_());
          break;  // random byte
        case 1:
          if (!s.empty()) s[pos] ^= static_cast<char>(1 << (rng_() % 8));
          break;
        case 2:
          if (!s.empty()) s.erase(pos, 1 + rng_() % 8);
          break;  // delete
        case 3:
          s.insert(pos, 1, kInteresting[rng_() % sizeof kInteresting]);
          break;
        case 4:
          s.resize(rng_() % (s.size() + 1));
          break;  // truncate
        case 5:
          if (!s.empty()) s.insert(pos, s.substr(rng_() % s.size(), 1 + rng_() % 16));
          break;
      }
    }
    return s;
  }

 private:
  static constexpr char kInteresting[] = {'"',  '\\',   '{',    '}',    '[', ']', ',',
                                          ':',  '0',    '-',    'e',    '=', '%', '\0',
                                          '\n', '\x7f', '\x80', '\xff', 'u'};
  std::mt19937 rng_;
};

TEST(ParserMutation, CiphertextAndEncodings) {
  auto vk = *format::VersionKey::Derive(crypto::SecretBytes(32));
  format::Header h{crypto::AeadAlgorithm::kAesGcm, {}, 1};
  const Bytes ctx = format::CanonicalContext({{"a", "b"}});
  const Bytes blob = *format::Encrypt(h, vk, ctx, AsBytes("mutation target"));
  const std::string text = format::ToText(blob);
  Mutator m(12345);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string t = m.Mutate(text);
    auto b = format::FromText(t);
    if (!b.ok()) {
      EXPECT_EQ(b.status().reason(), "invalid_ciphertext");
      continue;
    }
    auto p = format::Decrypt(*b, vk, ctx);
    if (p.ok()) {
      ++accepted;  // only possible when the mutation left the bytes unchanged
      EXPECT_EQ(*b, blob);
    } else {
      EXPECT_EQ(p.status().reason(), "invalid_ciphertext") << t;
    }
    const std::string raw = m.Mutate(std::string(AsChars(blob)));
    auto q = format::Decrypt(AsBytes(raw), vk, ctx);
    if (q.ok()) {
      EXPECT_EQ(raw, std::string(AsChars(blob)));
    }
    (void)Base64Decode(t);
    (void)Base64UrlDecode(t);
    (void)HexDecode(t);
    (void)ParseDuration(m.Mutate("90d"));
  }
  std::cout << "  mutated ciphertexts that still decrypted (unchanged bytes): " << accepted << "\n";
}

// Public-key ciphertexts and key files (docs/formats.md §11): mutated v2 ciphertexts are
// refused as invalid_ciphertext or open to exactly the original (unchanged bytes); mutated
// key files and public keys are refused with bad_request or still name a usable key.
TEST(ParserMutation, PublicKeyCiphertextsAndKeyFiles) {
  namespace asym = crypto::asym;
  const Bytes ctx = format::CanonicalContext({{"a", "b"}});
  Mutator m(777);
  for (asym::Kind kind : {asym::Kind::kX25519, asym::Kind::kRsa}) {
    auto pair = asym::KeyPair::Generate(kind, 2048);
    ASSERT_TRUE(pair.ok());
    const format::PublicKeyFile f{"k", {}, 1, "x25519", "encrypt", pair->public_key()};
    auto header = format::HeaderFor(f);
    ASSERT_TRUE(header.ok());
    const Bytes blob = *format::SealPublic(*header, pair->public_key(), ctx, AsBytes("target"));
    const std::string file = format::WritePublicKeyFile(f);
    const int rounds = kind == asym::Kind::kRsa ? 800 : 3000;  // an RSA decryption costs 1 ms
    for (int i = 0; i < rounds; ++i) {
      const std::string raw = m.Mutate(std::string(AsChars(blob)));
      auto p = format::OpenPublic(AsBytes(raw), *pair, ctx);
      if (p.ok()) {
        EXPECT_EQ(raw, std::string(AsChars(blob)));
      } else {
        EXPECT_EQ(p.status().reason(), "invalid_ciphertext");
      }
      auto kf = format::ReadPublicKeyFile(m.Mutate(file));
      if (!kf.ok()) {
        EXPECT_EQ(kf.status().reason(), "bad_request");
      }
      (void)asym::PublicKeyRef::Parse(
          AsBytes(m.Mutate(std::string(AsChars(pair->public_key().der())))));
      (void)asym::KeyPair::FromPemOrDer(AsBytes(m.Mutate(file)));
    }
  }
}

// Encrypted files (docs/formats.md §8): mutated files — header and body — go through the
// header reader, stanza opening, header MAC and the streaming decryptor. Each is refused
// with "invalid_file" or "wrong_key", or decrypts to exactly the original plaintext (only
// when the mutation left the bytes unchanged).
TEST(ParserMutation, EncryptedFiles) {
  namespace ff = format::file;
  const auto id = *crypto::GeneratePrivateKey(crypto::KeyType::kX25519);
  const auto other = *crypto::GeneratePrivateKey(crypto::KeyType::kX25519);
  auto nf = *ff::NewFileKey(12);
  for (const auto* k : {&other, &id}) {
    nf.header.stanzas.push_back(*ff::WrapForRecipient(k->public_key(), nf.file_key));
  }
  nf.header.stanzas.push_back(ff::Stanza{ff::StanzaType::kKeep, {'k'}, {'k', ':', 'x'}});
  ASSERT_TRUE(ff::SealHeader(nf.file_key, nf.header).ok());
  std::string file(AsChars(ff::SerializeHeader(nf.header)));
  std::string plain(2 * 4096 + 300, 'p');
  auto e = *ff::Encryptor::Create(nf.file_key, nf.header, [&](ByteView b) {
    file += AsChars(b);
    return Status::Ok();
  });
  ASSERT_TRUE(e.Write(AsBytes(plain)).ok());
  ASSERT_TRUE(e.Finish().ok());

  auto open = [&](const std::string& f) -> Result<std::string> {
    size_t pos = 0;
    auto h = ff::ReadHeader([&](uint8_t* buf, size_t n) -> Result<size_t> {
      const size_t k = std::min(n, f.size() - pos);
      std::memcpy(buf, f.data() + pos, k);
      pos += k;
      return k;
    });
    if (!h.ok()) return h.status();
    crypto::SecretBytes key;
    for (const auto& st : h->stanzas) {
      auto k = ff::OpenStanza(id, st);
      if (k.ok()) {
        key = std::move(*k);
        break;
      }
    }
    if (key.empty()) return InvalidArgument("no stanza opens", "wrong_key");
    KEEP_RETURN_IF_ERROR(ff::VerifyHeader(key, *h));
    std::string out;
    KEEP_ASSIGN_OR_RETURN(auto d, ff::Decryptor::Create(key, *h, [&](ByteView b) {
                            out += AsChars(b);
                            return Status::Ok();
                          }));
    KEEP_RETURN_IF_ERROR(d.Write(AsBytes(std::string_view(f).substr(pos))));
    KEEP_RETURN_IF_ERROR(d.Finish());
    return out;
  };
  ASSERT_EQ(*open(file), plain);
  const size_t header = file.size() - (plain.size() + 3 * 16);
  Mutator m(777);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    // Two thirds aimed at the header (where the parser is), one third anywhere.
    std::string f =
        i % 3 == 2 ? m.Mutate(file) : m.Mutate(file.substr(0, header)) + file.substr(header);
    auto r = open(f);
    if (r.ok()) {
      ++accepted;
      EXPECT_EQ(f, file) << "a changed file decrypted";
      EXPECT_EQ(*r, plain);
    } else {
      EXPECT_TRUE(r.status().reason() == "invalid_file" || r.status().reason() == "wrong_key")
          << r.status();
    }
  }
  std::cout << "  mutated files that still decrypted (unchanged bytes): " << accepted << "\n";
}

TEST(ParserMutation, ConfigFile) {
  const std::string valid = R"([server]
address = "127.0.0.1"
port = 8443
request_timeout = "30s"
[tls]
dev_dir = "tls"
[storage]
path = "data/keep.db"
[seal]
type = "dev-file"
dev_auto_init = true
[log]
level = "info"
)";
  ASSERT_TRUE(keepd::ParseConfig(valid, "/tmp").ok());
  Mutator m(777);
  int refused = 0;
  for (int i = 0; i < 5000; ++i) {
    auto c = keepd::ParseConfig(m.Mutate(valid), "/tmp", "fuzz.toml");
    if (!c.ok()) {
      ++refused;
      EXPECT_EQ(c.status().message().rfind("fuzz.toml", 0), 0u) << c.status().message();
    }
  }
  EXPECT_GT(refused, 2500);
}

TEST(ParserMutation, ApiNeverAnswers5xx) {
  const fs::path dir = fs::temp_directory_path() / ("keep-mut-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    service::Service svc(*store::OpenSqliteStore((dir / "keep.db").string()),
                         std::make_unique<seal::DevFileSeal>((dir / "root.key").string()));
    auto init = svc.custody().Init();
    ASSERT_TRUE(init.ok());
    const std::string token(AsChars(init->root_token.view()));
    audit::LogSink sink;
    http::Api api(svc, sink, http::ApiOptions{});
    auto call = [&](std::string method, std::string target, std::string body) {
      http::HttpRequest r{std::move(method), std::move(target), "Bearer " + token, std::move(body),
                          "::1"};
      return api.Handle(r);
    };
    ASSERT_EQ(call("POST", "/v1/keys", R"({"name":"k"})").status, 201);
    auto enc = call("POST", "/v1/keys/k/encrypt", R"({"plaintext":"aGk=","context":{"a":"b"}})");
    const std::string enc_body(enc.body.view());
    const std::string ct =
        enc_body.substr(enc_body.find("keep:"),
                        enc_body.find('"', enc_body.find("keep:")) - enc_body.find("keep:"));
    const std::vector<std::pair<std::string, std::string>> seeds = {
        {"/v1/keys",
         R"({"name":"n1","type":"chacha20-poly1305","description":"x","auto_rotate_period":"2h"})"},
        {"/v1/keys/k/encrypt", R"({"plaintext":"aGVsbG8=","context":{"a":"b"},"key_version":1})"},
        {"/v1/keys/k/decrypt", R"({"ciphertext":")" + ct + R"(","context":{"a":"b"}})"},
        {"/v1/decrypt", R"({"batch":[{"ciphertext":")" + ct + R"(","context":{"a":"b"}}]})"},
        {"/v1/keys/k/rewrap", R"({"ciphertext":")" + ct + R"(","context":{"a":"b"}})"},
        {"/v1/keys/k/datakey", R"({"bits":256,"plaintext":false,"context":{"x":"y"}})"},
        {"/v1/random", R"({"bytes":16})"},
        {"/v1/keys", R"({"name":"s1","type":"rsa-2048","purpose":"sign"})"},
        {"/v1/keys/sig/sign",
         R"({"message":"aGVsbG8=","algorithm":"ecdsa-sha256","key_version":1})"},
        {"/v1/keys/sig/verify",
         R"({"digest":")" + std::string(44, 'A') +
             R"(","signature":"keep:v1:MEUCIQ==","algorithm":"ecdsa-sha256"})"},
        {"/v1/keys/mac/hmac", R"({"message":"aGVsbG8=","key_version":1})"},
        {"/v1/keys/mac/hmac/verify", R"({"message":"aGVsbG8=","mac":"keep:v1:AAAA"})"},
        {"/v1/keys/pk/encrypt", R"({"plaintext":"aGVsbG8=","context":{"a":"b"}})"},
        {"/v1/keys/sig/import",
         R"({"import_token":"00000000000000000000000000000000","wrapped_material":"AAAA"})"},
    };
    ASSERT_EQ(call("POST", "/v1/keys", R"({"name":"sig","type":"ecdsa-p256"})").status, 201);
    ASSERT_EQ(call("POST", "/v1/keys", R"({"name":"mac","type":"hmac-sha256"})").status, 201);
    ASSERT_EQ(call("POST", "/v1/keys", R"({"name":"pk","type":"x25519"})").status, 201);
    Mutator m(4242);
    std::map<int, int> statuses;
    for (int i = 0; i < 6000; ++i) {
      const auto& [target, body] = seeds[i % seeds.size()];
      const bool mutate_target = i % 10 == 0;
      auto r = call(i % 50 == 0 ? "PATCH" : "POST", mutate_target ? m.Mutate(target) : target,
                    mutate_target ? body : m.Mutate(body));
      statuses[r.status]++;
      EXPECT_LT(r.status, 500) << target << " " << r.body;
    }
    for (auto [s, n] : statuses) std::cout << "  HTTP " << s << ": " << n << "\n";
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace keep
