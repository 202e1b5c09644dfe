// A KMIP load generator for bench/kmip.sh: CONNECTIONS threads, each with its own mutual-
// TLS connection, send one request at a time (Get or Encrypt of 64 bytes, AES-GCM, KMIP
// 1.4) for SECONDS and count the successful answers. The object is made first (Create
// AES-256, Activate) on the server under test, so the same tool measures keepd and
// PyKMIP's server. Prints "<op> <connections> <operations/s>".
//
// usage: keep_kmip_load HOST PORT CA CERT KEY get|encrypt CONNECTIONS SECONDS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "kmip/message.h"
#include "kmip/tags.h"
#include "kmip/ttlv.h"

namespace {

using namespace keep::kmip;
namespace tag = keep::kmip::tag;

struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;
  bool Open(SSL_CTX* ctx, const char* host, int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, host, &a.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    return SSL_connect(ssl) == 1;
  }
  ~Conn() {
    if (ssl != nullptr) SSL_free(ssl);
    if (fd >= 0) ::close(fd);
  }
  bool ReadAll(uint8_t* p, size_t n) {
    while (n > 0) {
      const int r = SSL_read(ssl, p, static_cast<int>(n));
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  // Sends `msg`, reads one answer; the first batch item's payload when it succeeded.
  bool Ask(const keep::crypto::SecretBytes& msg, Item* payload) {
    if (SSL_write(ssl, msg.data(), static_cast<int>(msg.size())) != static_cast<int>(msg.size())) {
      return false;
    }
    std::vector<uint8_t> buf(8);
    if (!ReadAll(buf.data(), 8)) return false;
    auto len = MessageLength(buf, 64 << 20);
    if (!len.ok()) return false;
    buf.resize(*len);
    if (!ReadAll(buf.data() + 8, *len - 8)) return false;
    if (payload == nullptr) return true;
    auto m = Decode(buf);
    if (!m.ok()) return false;
    const Item* bi = m->Find(tag::kBatchItem);
    const Item* st = bi != nullptr ? bi->Find(tag::kResultStatus) : nullptr;
    if (st == nullptr || st->number != 0) {
      const Item* why = bi != nullptr ? bi->Find(tag::kResultMessage) : nullptr;
      std::fprintf(stderr, "failed: %s\n", why != nullptr ? why->text.c_str() : "?");
      return false;
    }
    if (const Item* p = bi->Find(tag::kResponsePayload); p != nullptr) *payload = p->Clone();
    return true;
  }
};

keep::crypto::SecretBytes BuildRequest(Operation op, std::vector<Item> payload) {
  std::vector<Item> hdr;
  hdr.push_back(VersionItem({1, 4}));
  hdr.push_back(Item::Integer(tag::kBatchCount, 1));
  std::vector<Item> bi;
  bi.push_back(Item::Enumeration(tag::kOperation, static_cast<uint32_t>(op)));
  bi.push_back(Item::Structure(tag::kRequestPayload, std::move(payload)));
  std::vector<Item> top;
  top.push_back(Item::Structure(tag::kRequestHeader, std::move(hdr)));
  top.push_back(Item::Structure(tag::kBatchItem, std::move(bi)));
  return Encode(Item::Structure(tag::kRequestMessage, std::move(top)));
}

Item Attr(const char* name, Item value) {
  value.tag = tag::kAttributeValue;
  std::vector<Item> a;
  a.push_back(Item::Text(tag::kAttributeName, name));
  a.push_back(std::move(value));
  return Item::Structure(tag::kAttribute, std::move(a));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: %s HOST PORT CA CERT KEY get|encrypt CONNECTIONS SECONDS\n",
                 argv[0]);
    return 2;
  }
  const char* host = argv[1];
  const int port = std::atoi(argv[2]);
  const std::string op = argv[6];
  const int conns = std::atoi(argv[7]);
  const int seconds = std::atoi(argv[8]);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx, argv[3], nullptr) != 1 ||
      SSL_CTX_use_certificate_chain_file(ctx, argv[4]) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, argv[5], SSL_FILETYPE_PEM) != 1) {
    std::fprintf(stderr, "cannot load the TLS files\n");
    return 1;
  }
  // The object: an active AES-256 key.
  std::string uid;
  {
    Conn c;
    if (!c.Open(ctx, host, port)) return std::fprintf(stderr, "cannot connect\n"), 1;
    std::vector<Item> t;
    t.push_back(Attr("Cryptographic Algorithm", Item::Enumeration(0, 3)));
    t.push_back(Attr("Cryptographic Length", Item::Integer(0, 256)));
    t.push_back(Attr("Cryptographic Usage Mask", Item::Integer(0, 0x4 | 0x8)));
    std::vector<Item> p;
    p.push_back(Item::Enumeration(tag::kObjectType, 2));
    p.push_back(Item::Structure(tag::kTemplateAttribute, std::move(t)));
    Item made;
    if (!c.Ask(BuildRequest(Operation::kCreate, std::move(p)), &made)) return 1;
    uid = made.Find(tag::kUniqueIdentifier)->text;
    std::vector<Item> a;
    a.push_back(Item::Text(tag::kUniqueIdentifier, uid));
    Item ignored;
    if (!c.Ask(BuildRequest(Operation::kActivate, std::move(a)), &ignored)) return 1;
  }
  std::vector<Item> p;
  p.push_back(Item::Text(tag::kUniqueIdentifier, uid));
  Operation kind = Operation::kGet;
  if (op == "encrypt") {
    kind = Operation::kEncrypt;
    std::vector<Item> cp;
    cp.push_back(Item::Enumeration(tag::kBlockCipherMode, 9));         // GCM
    cp.push_back(Item::Enumeration(tag::kCryptographicAlgorithm, 3));  // AES
    cp.push_back(Item::Integer(tag::kTagLength, 16));
    p.push_back(Item::Structure(tag::kCryptographicParameters, std::move(cp)));
    const uint8_t data[64] = {1, 2, 3};
    p.push_back(Item::Bytes(tag::kData, data));
  } else if (op != "get") {
    return std::fprintf(stderr, "op: get or encrypt\n"), 2;
  }
  const keep::crypto::SecretBytes msg = BuildRequest(kind, std::move(p));
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false}, failed{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < conns; ++i) {
    threads.emplace_back([&] {
      Conn c;
      if (!c.Open(ctx, host, port)) {
        failed = true;
        return;
      }
      Item answer;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!c.Ask(msg, &answer)) {
          failed = true;
          return;
        }
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  const uint64_t n = done.load();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& t : threads) t.join();
  if (failed) {
    std::fprintf(stderr, "a connection failed\n");
    return 1;
  }
  std::printf("%s %d %.0f\n", op.c_str(), conns, static_cast<double>(n) / s);
  SSL_CTX_free(ctx);
  return 0;
}
