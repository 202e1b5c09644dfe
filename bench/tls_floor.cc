// keep_tls_floor: the floor of a transport of our own (issue 18, goal 1) — not a server.
//
// What would keepd's request path cost without Asio's SSL stream and Beast? This answers
// every HTTP/1.1 request on a keep-alive TLS 1.3 connection with one fixed response (the
// bytes bench/ceiling.sh gives nginx), with the least machinery a real transport would
// need: one epoll loop per thread (SO_REUSEPORT listeners), non-blocking sockets, OpenSSL
// reading and writing the socket's fd directly (no BIO pair, no record copies), a request
// found by its blank line and Content-Length, one SSL_write per response. No routing, no
// API, no audit: bench/ceiling.sh runs it beside nginx and keepd (CEILING_FLOOR=1), so the
// gap between it and keepd is what Asio/Beast plus keep's API cost, and the gap between it
// and nginx is what no rewrite of ours would remove.
//
// With --api DIR instead of a response file, each request goes to keep's own API
// (http::Api::Handle over a Service on a SQLite store in DIR, the server-log audit sink, as
// ceiling.sh's keepd runs) and its answer is written with keepd's response head: the
// request path a transport of our own would give keepd, measured before writing it. The
// root token is written to DIR/token.
//
// Usage: keep_tls_floor PORT CERT KEY (RESPONSE_FILE | --api DIR) [THREADS]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/api.h"
#include "http/response_head.h"
#include "seal/dev_file_seal.h"
#include "service/service.h"
#include "store/sqlite_store.h"

namespace {

namespace fs = std::filesystem;
using namespace keep;

struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;
  std::string in;   // bytes read, not yet answered
  std::string out;  // bytes not yet written (a write that would block)
};

std::string g_response;
http::Api* g_api = nullptr;  // --api: requests go to keep's API

// One request (head = request line and fields, without the blank line) to keep's API;
// the answer with keepd's response head appended to `out`.
void HandleWithApi(std::string_view head, std::string_view body, std::string& out) {
  http::HttpRequest req;
  const size_t sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
  req.method = std::string(head.substr(0, sp1));
  req.target = std::string(head.substr(sp1 + 1, sp2 - sp1 - 1));
  for (size_t p = head.find("\r\n"); p != std::string_view::npos; p = head.find("\r\n", p + 2)) {
    const std::string_view line = head.substr(p + 2, head.find("\r\n", p + 2) - p - 2);
    if (line.size() > 14 && strncasecmp(line.data(), "authorization:", 14) == 0) {
      std::string_view v = line.substr(14);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      req.authorization = SecretString(v);
    }
  }
  req.body = SecretString(body);
  req.remote_address = "127.0.0.1";
  http::HttpResponse resp = g_api->Handle(req);
  std::string h;
  http::FormatResponseHead(h, resp, 11, true);
  out += h;
  out.append(resp.body.data(), resp.body.size());
}

int Listen(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4096) != 0) {
    std::perror("listen");
    std::exit(1);
  }
  return fd;
}

void Close(int ep, Conn* c) {
  ::epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
  SSL_free(c->ssl);
  ::close(c->fd);
  delete c;
}

// Answers every complete request in c->in; false when the connection is done.
bool Answer(Conn* c) {
  for (;;) {
    const size_t end = c->in.find("\r\n\r\n");
    if (end == std::string::npos) return true;
    size_t length = 0;
    const std::string_view head(c->in.data(), end);
    for (size_t p = head.find("\r\n"); p != std::string_view::npos; p = head.find("\r\n", p + 2)) {
      const std::string_view line = head.substr(p + 2, head.find("\r\n", p + 2) - p - 2);
      if (line.size() > 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
        length = std::strtoul(std::string(line.substr(15)).c_str(), nullptr, 10);
      }
    }
    if (c->in.size() < end + 4 + length) return true;
    if (g_api != nullptr) {
      HandleWithApi(head, std::string_view(c->in).substr(end + 4, length), c->out);
    } else {
      c->out += g_response;
    }
    c->in.erase(0, end + 4 + length);
  }
}

bool Flush(Conn* c) {
  while (!c->out.empty()) {
    const int n = SSL_write(c->ssl, c->out.data(), static_cast<int>(c->out.size()));
    if (n > 0) {
      c->out.erase(0, static_cast<size_t>(n));
      continue;
    }
    const int e = SSL_get_error(c->ssl, n);
    return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ;
  }
  return true;
}

void Serve(SSL_CTX* ctx, uint16_t port) {
  const int lfd = Listen(port);
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  epoll_event events[256];
  char buf[16384];
  for (;;) {
    const int n = ::epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Conn*>(events[i].data.ptr);
      if (c == nullptr) {
        for (;;) {
          const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          int one = 1;
          ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          auto* nc = new Conn;
          nc->fd = fd;
          nc->ssl = SSL_new(ctx);
          SSL_set_fd(nc->ssl, fd);
          SSL_set_accept_state(nc->ssl);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLOUT | EPOLLET;
          cev.data.ptr = nc;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      bool alive = true;
      for (;;) {  // edge-triggered: read until it would block
        const int r = SSL_read(c->ssl, buf, sizeof buf);
        if (r > 0) {
          c->in.append(buf, static_cast<size_t>(r));
          continue;
        }
        const int e = SSL_get_error(c->ssl, r);
        alive = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
        break;
      }
      ERR_clear_error();
      if (alive) alive = Answer(c) && Flush(c);
      if (!alive) Close(ep, c);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || (std::string_view(argv[4]) == "--api" && argc < 6)) {
    std::fprintf(stderr, "usage: %s PORT CERT KEY (RESPONSE_FILE | --api DIR) [THREADS]\n",
                 argv[0]);
    return 2;
  }
  const auto port = static_cast<uint16_t>(std::atoi(argv[1]));
  const bool api = std::string_view(argv[4]) == "--api";
  std::unique_ptr<service::Service> svc;
  audit::LogSink sink;
  std::unique_ptr<http::Api> api_door;
  if (api) {
    const fs::path dir = argv[5];
    auto store = store::OpenSqliteStore((dir / "keep.db").string());
    if (!store.ok()) return 1;
    svc = std::make_unique<service::Service>(
        std::move(*store), std::make_unique<seal::DevFileSeal>((dir / "root.key").string()));
    auto init = svc->custody().Init();
    if (!init.ok()) return 1;
    access::RequestContext ctx;
    (void)svc->CreateKey(ctx, {"bench"});
    std::ofstream(dir / "token") << std::string(AsChars(init->root_token.view()));
    api_door = std::make_unique<http::Api>(*svc, sink, http::ApiOptions{});
    g_api = api_door.get();
  } else {
    std::ifstream f(argv[4], std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    g_response = ss.str();
  }
  const int threads_arg = api ? 6 : 5;
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1) {
    std::fprintf(stderr, "cannot load the certificate or key\n");
    return 1;
  }
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  const int threads = argc > threads_arg ? std::atoi(argv[threads_arg]) : 2;
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(Serve, ctx, port);
  Serve(ctx, port);
}
