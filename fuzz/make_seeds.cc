// Writes the seed corpus of every fuzz target into DIR/<target>/ (fuzz/README.md): real
// inputs made by keep's own writers — ciphertexts under the ciphertext target's fixed
// key, a file sealed under the file target's fixed key, shares and a seal record, the
// documented config, a real audit trail, and HTTP requests for every route. Random parts
// (salts, nonces, keys) differ between runs; the committed corpus is one run's output.
// Usage: fuzz_make_seeds DIR
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "audit/trail.h"
#include "crypto/pubkey.h"
#include "crypto/random.h"
#include "format/ciphertext.h"
#include "format/file.h"
#include "format/record.h"
#include "http/routes.h"
#include "seal/shares.h"

using namespace keep;
namespace fs = std::filesystem;

namespace {

fs::path g_dir;
int g_written = 0;

void Seed(const std::string& target, const std::string& name, std::string_view bytes) {
  fs::create_directories(g_dir / target);
  std::ofstream(g_dir / target / name, std::ios::binary) << bytes;
  ++g_written;
}

std::string_view Chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

void CiphertextSeeds() {
  auto material = crypto::SecretBytes::CopyOf(Bytes(32, 0x42));
  auto key = format::VersionKey::Derive(material);
  const std::string context = "tenant=42";
  int n = 0;
  for (const std::string& plain :
       std::vector<std::string>{"", "x", "4111 1111 1111 1111", std::string(300, 'p')}) {
    format::Header h{crypto::AeadAlgorithm::kAesGcm, {}, 1};
    h.key_id.fill(7);
    auto blob = format::Encrypt(h, *key, AsBytes(context), AsBytes(plain));
    Seed("ciphertext", "binary-" + std::to_string(n), Chars(*blob));
    Seed("ciphertext", "text-" + std::to_string(n), format::ToText(*blob));
    ++n;
  }
  Seed("ciphertext", "prefix-only", "keep:");
}

void FileSeeds() {
  auto id = crypto::GeneratePrivateKey(crypto::KeyType::kX25519);
  for (size_t body : {size_t{0}, size_t{100}, size_t{4096}, size_t{10000}}) {
    auto nf = format::file::NewFileKey(/*segment_log2=*/12);
    nf->file_key = crypto::SecretBytes::CopyOf(Bytes(32, 0x17));  // the target's fixed key
    nf->header.stanzas.push_back(
        std::move(*format::file::WrapForRecipient(id->public_key(), nf->file_key)));
    (void)format::file::SealHeader(nf->file_key, nf->header);
    std::string out(Chars(format::file::SerializeHeader(nf->header)));
    auto e = format::file::Encryptor::Create(nf->file_key, nf->header, [&](ByteView b) {
      out.append(Chars(b));
      return Status::Ok();
    });
    (void)e->Write(AsBytes(std::string(body, 'b')));
    (void)e->Finish();
    Seed("file", "body-" + std::to_string(body), out);
  }
}

void RecordSeeds() {
  auto keys = format::record::RecordKeys::Derive(Bytes(32, 0x17));  // the target's fixed key
  const format::EncryptionContext ctx{{"table", "cards"}, {"row", "42"}};
  for (size_t n : {0, 64, 5000}) {
    format::record::Header h;
    h.segment_log2 = 12;
    h.key_name = "orders";
    h.partition_keys = {"table"};
    h.wrapped = "keep:seed-wrapped-key";
    auto r = format::record::Seal(*keys, h, ctx, AsBytes(std::string(n, 'r')));
    Seed("record", "record-" + std::to_string(n), *r);
  }
}

void ShareSeeds() {
  auto root = crypto::RandomSecret(32);
  auto set = seal::MakeShareSet(*root, seal::ShareKind::kUnseal, 3, 2);
  for (size_t i = 0; i < set->texts.size(); ++i) {
    Seed("shares", "share-" + std::to_string(i), Chars(set->texts[i].view()));
  }
  auto custodian = crypto::GeneratePrivateKey(crypto::KeyType::kX25519);
  auto enc = seal::EncryptShare(custodian->public_key(), set->texts[0]);
  Seed("shares", "encrypted-share", *enc);
  Seed("shares", "seal-record", Chars(set->record.Serialize()));
}

void ConfigSeeds() {
  Seed("config", "minimal.toml",
       "[server]\naddress = \"127.0.0.1\"\nport = 8443\n[tls]\ndev_dir = \"tls\"\n"
       "[storage]\npath = \"data/keep.db\"\n[seal]\ntype = \"dev-file\"\n"
       "dev_key_file = \"root.key\"\ndev_auto_init = true\n");
  Seed("config", "full.toml",
       "[server]\naddress = \"0.0.0.0\"\nport = 8443\nthreads = 2\nmax_body_bytes = 1048576\n"
       "max_batch_body_bytes = 67108864\nmax_batch_items = 10000\nhandshake_timeout = \"10s\"\n"
       "request_timeout = \"30s\"\nidle_timeout = \"60s\"\nwrite_timeout = \"30s\"\n"
       "shutdown_grace = \"20s\"\nmax_connections = 1000\nmax_body_memory_mib = 256\n"
       "[tls]\ncert_file = \"server.pem\"\nkey_file = \"server.key\"\n"
       "client_ca_file = \"ca.pem\"\nclient_auth = \"optional\"\n"
       "[storage]\nbackend = \"postgres\"\nconninfo = \"host=db dbname=keep\"\npool_size = 8\n"
       "[seal]\ntype = \"pkcs11\"\nmodule = \"/usr/lib/softhsm/libsofthsm2.so\"\n"
       "token_label = \"keep\"\nkey_label = \"keep-root\"\npin_file = \"hsm.pin\"\n"
       "[audit]\ntype = \"file\"\npath = \"audit.log\"\nmax_size_mib = 256\nfsync = true\n"
       "[auth]\nanonymous = true\nanonymous_policies = [\"submitter\"]\n"
       "[[auth.certificate]]\nname = \"billing\"\nsubject = \"CN=billing\"\n"
       "policies = [\"staff\"]\n"
       "[rate_limits]\nidentity_decrypt = 5\nburst_seconds = 2\n"
       "[lockdown]\nidentity_decrypt_budget = 100\nwindow = \"1h\"\naction = \"revoke\"\n"
       "[keys]\nmaintenance_interval = \"60s\"\n[memory]\nlocked_heap_kib = 4096\n"
       "[log]\nlevel = \"info\"\n");
}

void TrailSeeds() {
  const fs::path path = g_dir / "trail.tmp";
  fs::remove(path);
  auto secret = std::make_shared<crypto::SecretBytes>(std::move(*crypto::RandomSecret(64)));
  audit::TrailOptions o;
  o.path = path.string();
  o.checkpoint_records = 3;
  o.node_id = "seed";
  auto trail = audit::FileTrail::Open(o, [secret] { return secret; });
  for (int i = 0; i < 5; ++i) {
    audit::Event e;
    e.request_id = "req-" + std::to_string(i);
    e.identity = "token:0123456789abcdef";
    e.operation = "encrypt";
    e.key = "orders";
    e.status = 200;
    e.outcome = "ok";
    e.remote_address = "127.0.0.1";
    e.context = "tenant=42";
    (void)(*trail)->Append(e);
  }
  (*trail)->Close();
  std::ifstream in(path, std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Seed("trail", "closed-trail", all);
  Seed("trail", "first-record", all.substr(0, all.find('\n') + 1));
  fs::remove(path);
}

void RequestSeeds() {
  int n = 0;
  for (const http::Route& r : http::Routes()) {
    std::string target(r.pattern);
    for (auto [from, to] :
         {std::pair{"{key}", "orders"}, {"{name}", "staff"}, {"{accessor}", "0123456789abcdef"}}) {
      if (auto at = target.find(from); at != std::string::npos)
        target.replace(at, strlen(from), to);
    }
    std::string body = "{}";
    if (target.ends_with("/encrypt")) body = R"({"plaintext":"aGVsbG8=","context":{"a":"b"}})";
    if (target.ends_with("/datakey")) body = R"({"bits":256})";
    if (target == "/v1/keys" && r.method == "POST") body = R"({"name":"orders"})";
    if (target == "/v1/random") body = R"({"bytes":16})";
    if (target.ends_with("/encrypt") && n % 2) {
      body = R"({"batch":[{"plaintext":"aGk="},{"plaintext":"aGk=","context":{"x":"y"}}]})";
    }
    std::string req = std::string(r.method) + " " + target +
                      " HTTP/1.1\r\nHost: keep\r\nAuthorization: Bearer ROOT\r\n";
    if (r.method != "GET" && r.method != "HEAD" && r.method != "DELETE") {
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n\r\n" + body;
    } else {
      req += "\r\n";
    }
    Seed("request", "route-" + std::to_string(n++), req);
  }
  Seed("request", "no-token", "GET /v1/keys HTTP/1.1\r\nHost: keep\r\n\r\n");
  // The peer door against the fuzz world's split key "split" (id 5e1117 00…).
  const std::string id = "5e111700000000000000000000000000";
  const std::string point =
      "BGsX0fLhLEJH+Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT+NC4v4af5uO5+tKfA+eFivOM1drMV7Oy7ZAaDe/UfU=";
  for (const auto& [name, path, body] :
       {std::tuple{"peer-partial", "/v1/peer/keys/split/partial",
                   "{\"id\":\"" + id + "\",\"version\":1,\"enc\":\"" + point +
                       "\",\"request_id\":\"r-1\"}"},
        std::tuple{"peer-commit", "/v1/peer/keys/fresh/keygen/commit",
                   "{\"id\":\"" + id + "\",\"version\":1,\"session\":\"" + std::string(32, 'a') +
                       "\",\"commitment\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}"},
        std::tuple{"peer-finish", "/v1/peer/keys/fresh/keygen/finish",
                   "{\"session\":\"" + std::string(32, 'a') + "\",\"public\":\"" + point +
                       "\",\"proof_r\":\"" + point +
                       "\",\"proof_s\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}"}}) {
    Seed("request", name,
         std::string("POST ") + path +
             " HTTP/1.1\r\nHost: keep\r\nAuthorization: Bearer ROOT\r\nContent-Type: "
             "application/json\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  Seed("request", "chunked",
       "POST /v1/keys/orders/encrypt HTTP/1.1\r\nHost: keep\r\nAuthorization: Bearer ROOT\r\n"
       "Transfer-Encoding: chunked\r\n\r\n1c\r\n{\"plaintext\":\"aGVsbG8=\"}   \r\n0\r\n\r\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  g_dir = argv[1];
  CiphertextSeeds();
  FileSeeds();
  RecordSeeds();
  ShareSeeds();
  ConfigSeeds();
  TrailSeeds();
  RequestSeeds();
  std::printf("wrote %d seeds under %s\n", g_written, g_dir.c_str());
  return 0;
}
