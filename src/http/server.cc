// Over 400 lines on purpose: Beast and Asio are compiled in this one translation unit only
// (build times on 2 cores), and a connection's session is one coroutine that reads top to
// bottom (handshake, screening, limits, body, answer, audit wait).
#include "http/server.h"
#include "audit/sink.h"
#include "http/inbox.h"
#include "http/response_head.h"
#include "http/tls.h"

#include <malloc.h>
#include <openssl/crypto.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstring>
#include <optional>
#include <thread>
#include <tuple>

#include "common/log.h"

namespace keep::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
// Bodies, header fields and the read buffer all live in wiping memory (keep/secret_string.h):
// a request holds tokens and plaintexts, a response plaintexts, data keys, shares.
using Wiping = WipingAllocator<char>;
using Body = bhttp::basic_string_body<char, std::char_traits<char>, Wiping>;
using Fields = bhttp::basic_fields<Wiping>;
using Buffer = beast::basic_flat_buffer<Wiping>;
using namespace std::chrono_literals;

// One listening socket and what serves it: its Door (HTTP) or MessageDoor (framed
// messages, TLS always) and TLS, or none (plain HTTP, for a door that allows it).
struct Listener {
  Listener(asio::io_context& ioc, Door* h, MessageDoor* m, SSL_CTX* tls, std::string addr,
           uint16_t p)
      : handler(h), messages(m), acceptor(ioc), address(std::move(addr)), port(p) {
    if (tls != nullptr && SSL_CTX_up_ref(tls) == 1) ssl.emplace(tls);
  }
  Door* handler;
  MessageDoor* messages;
  std::optional<asio::ssl::context> ssl;
  tcp::acceptor acceptor;
  std::string address;
  uint16_t port;
  uint16_t bound_port = 0;
};

struct Server::Impl {
  // One io_context per thread (a reactor, as nginx has one event loop per worker): a
  // connection lives on one reactor from accept to close, so its handlers never hop
  // threads, need no strand, and wake no other thread. Two threads sharing one
  // io_context served no more than one: 15 us more CPU per request in futex wake-ups,
  // strand hand-offs and cache traffic (docs/performance.md, "The request path").
  struct Reactor {
    asio::io_context ioc{1};  // concurrency hint 1: run by one thread
    std::atomic<int> connections{0};
    // Audit completions for this reactor's coroutines: a batch of tickets costs one post.
    Inbox inbox{[this](std::function<void()> f) { asio::post(ioc, std::move(f)); }};
  };
  // The reactor whose thread this is (nullptr on other threads).
  static inline thread_local Reactor* this_reactor = nullptr;
  ServerOptions opt;
  std::vector<std::unique_ptr<Reactor>> reactors;
  // Reactor 0's: it also runs the acceptors, the signal sets and the timers below.
  asio::io_context& ioc;
  // Requests that are not Quick. Declared after the reactors, so it is joined before
  // they (and the coroutines waiting on it) are destroyed.
  asio::thread_pool blocking;
  // The acceptor, the signal sets and the drain decision live on one strand: the accept
  // loop, the signal handlers and Stop() run there, so closing the acceptor never races
  // with the loop looking at it (ThreadSanitizer found that one).
  asio::strand<asio::io_context::executor_type> control{asio::make_strand(ioc)};
  std::vector<std::unique_ptr<Listener>> listeners;  // [0]: the main HTTPS listener
  asio::signal_set signals{ioc};
  asio::signal_set user_signals{ioc};
  std::function<void()> on_hangup, on_user1;
  std::atomic<bool> draining{false};
  std::atomic<int> in_flight{0};
  std::atomic<int> connections{0};
  std::atomic<int> peak_connections{0};  // since the last heap trim
  std::atomic<uint64_t> body_bytes{0};   // reserved for bodies being read or handled
  log::Throttle accept_log{10000}, full_log{10000}, overload_log{10000};

  static int Threads(const ServerOptions& o) {
    return o.threads > 0 ? o.threads
                         : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  static std::vector<std::unique_ptr<Reactor>> MakeReactors(int n) {
    std::vector<std::unique_ptr<Reactor>> v;
    for (int i = 0; i < n; ++i) v.push_back(std::make_unique<Reactor>());
    return v;
  }

  Impl(Door& main, SSL_CTX* tls, ServerOptions o)
      : opt(std::move(o)),
        reactors(MakeReactors(Threads(opt))),
        ioc(reactors[0]->ioc),
        blocking(
            static_cast<size_t>(opt.blocking_threads > 0 ? opt.blocking_threads : Threads(opt))) {
    listeners.push_back(
        std::make_unique<Listener>(ioc, &main, nullptr, tls, opt.address, opt.port));
  }

  // Errors that mean "out of descriptors or memory for now": retrying at once would spin.
  static bool Exhausted(const boost::system::error_code& ec) {
    return ec == asio::error::no_descriptors || ec.value() == ENFILE ||
           ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
  }

  awaitable<void> Accept(Listener& l) {
    tcp::acceptor& acceptor = l.acceptor;
    asio::steady_timer backoff(ioc);
    auto delay = 10ms;
    for (;;) {
      // The next connection goes to the reactor with the fewest.
      Reactor* to = reactors[0].get();
      for (auto& r : reactors) {
        if (r->connections.load() < to->connections.load()) to = r.get();
      }
      auto [ec, sock] = co_await acceptor.async_accept(to->ioc, asio::as_tuple(use_awaitable));
      if (ec) {
        if (!acceptor.is_open() || draining) co_return;
        // Back off (10 ms doubling to 1 s) instead of retrying at once: out of file
        // descriptors, accept fails until a connection closes. One log line per 10 s.
        if (uint64_t dropped = 0; accept_log.Allow(&dropped)) {
          log::Warn(
              "http: accept failed: {} ({} open connections; {} more failures not logged); "
              "retrying in {} ms",
              ec.message(), connections.load(), dropped, delay.count());
        }
        backoff.expires_after(delay);
        co_await backoff.async_wait(asio::as_tuple(use_awaitable));
        delay = Exhausted(ec) ? std::min<std::chrono::milliseconds>(delay * 2, 1000ms) : 10ms;
        continue;
      }
      delay = 10ms;
      if (opt.max_connections > 0 && connections.load() >= opt.max_connections) {
        // Full: closed at once (the client sees a reset or EOF and can retry elsewhere).
        if (uint64_t dropped = 0; full_log.Allow(&dropped)) {
          log::Warn(
              "http: {} connections open (server.max_connections): closing new ones "
              "({} more not logged)",
              connections.load(), dropped);
        }
        boost::system::error_code cec;
        sock.close(cec);
        continue;
      }
      // Responses go out as several TLS records: without TCP_NODELAY, Nagle's algorithm
      // holds the last one until the peer's delayed ACK (40 ms on Linux).
      boost::system::error_code nec;
      sock.set_option(tcp::no_delay(true), nec);
      auto ex = sock.get_executor();
      to->connections.fetch_add(1);
      const int open = connections.fetch_add(1) + 1;
      for (int p = peak_connections.load();
           open > p && !peak_connections.compare_exchange_weak(p, open);) {
      }
      asio::co_spawn(ex, Session(l, std::move(sock), to->connections), asio::detached);
    }
  }

  // After a burst of connections the freed per-connection memory (TLS state and buffers,
  // request buffers) stays in malloc's arenas: every 2 s, when the open connections have
  // fallen by 64 or more from their peak, hand the free pages back to the system.
  awaitable<void> TrimAfterBursts() {
    asio::steady_timer t(ioc);
    while (!draining) {
      t.expires_after(2s);
      co_await t.async_wait(asio::as_tuple(use_awaitable));
      const int now = connections.load();
      const int peak = peak_connections.load();
      if (peak - now < 64) continue;
      peak_connections.store(now);
      const auto start = std::chrono::steady_clock::now();
      ::malloc_trim(0);
      log::Debug("http: connections fell from {} to {}; heap trimmed in {} us", peak, now,
                 std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count());
    }
  }

  // Above nine tenths of max_connections only health checks and requests with credentials
  // are served.
  bool InReserve() const {
    return opt.max_connections > 0 &&
           connections.load() > opt.max_connections - std::max(1, opt.max_connections / 10);
  }

  // An overload answer (503 "overloaded", Retry-After: 1), audited as a refused request.
  HttpResponse Overloaded(Door& api, std::string_view why, const std::string& remote) {
    if (uint64_t dropped = 0; overload_log.Allow(&dropped)) {
      log::Warn("http: refusing requests: {} ({} more not logged)", why, dropped);
    }
    return api.Reject(
        Unavailable("overloaded", "keep is overloaded (" + std::string(why) + "); retry shortly"),
        remote, 1);
  }

  static HttpResponse ToResponse(int status, std::string_view code, std::string_view message) {
    HttpResponse r;
    r.status = status;
    r.body = std::string("{\"error\":{\"code\":\"") + std::string(code) + "\",\"message\":\"" +
             std::string(message) + "\"}}";
    return r;
  }

  // What Beast's flat_stream coalesces into one TLS record.
  static constexpr size_t kOneRecord = 16 * 1024;

  template <class Stream>
  awaitable<bool> Write(Stream& stream, HttpResponse& r, unsigned version, bool keep_alive) {
    std::string head;
    head.reserve(256);
    FormatResponseHead(head, r, version, keep_alive);  // http/response_head.h
    const size_t body = StatusHasNoBody(r.status) ? 0 : r.body.size();
    beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(opt.write_timeout_ms));
    boost::system::error_code ec;
    if (head.size() + body <= kOneRecord) {
      const std::array<asio::const_buffer, 2> bufs{asio::buffer(head),
                                                   asio::buffer(r.body.data(), body)};
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream, bufs, asio::as_tuple(use_awaitable));
    } else {
      // Larger: the head, then the body (given as one sequence, Beast's flat_stream sent
      // the head and never the body).
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream, asio::buffer(head), asio::as_tuple(use_awaitable));
      if (!ec) {
        std::tie(ec, std::ignore) = co_await asio::async_write(
            stream, asio::buffer(r.body.data(), body), asio::as_tuple(use_awaitable));
      }
    }
    // Its heap buffer is wiped when freed; a short body sits in the string object itself.
    explicit_bzero(r.body.data(), r.body.capacity());
    co_return !ec;
  }

  awaitable<void> Session(Listener& l, tcp::socket sock, std::atomic<int>& on_reactor) {
    struct Counted {
      std::atomic<int>& n;
      std::atomic<int>& here;
      ~Counted() {
        n.fetch_sub(1);
        here.fetch_sub(1);
      }
    } counted{connections, on_reactor};
    std::string remote;
    boost::system::error_code rec;
    auto ep = sock.remote_endpoint(rec);
    if (!rec) remote = ep.address().to_string();
    if (!l.ssl) {  // plain HTTP (a door on loopback, or allowed explicitly)
      beast::tcp_stream stream(std::move(sock));
      // Named, not a temporary: GCC 12 destroys temporaries in a co_await's arguments twice.
      const PeerCertificate none;
      co_await Serve(*l.handler, stream, remote, none);
      beast::error_code sec;
      stream.socket().shutdown(tcp::socket::shutdown_send, sec);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(sock), *l.ssl);
    beast::get_lowest_layer(stream).expires_after(
        std::chrono::milliseconds(opt.handshake_timeout_ms));
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                 asio::as_tuple(use_awaitable));
    if (hec) co_return;
    const PeerCertificate peer = PeerOf(stream.native_handle());
    if (l.messages != nullptr) {
      co_await ServeMessages(*l.messages, stream, remote, peer);
    } else {
      co_await Serve(*l.handler, stream, remote, peer);
    }
    beast::get_lowest_layer(stream).expires_after(1s);
    co_await stream.async_shutdown(asio::as_tuple(use_awaitable));
  }

  // Requests on one connection, until it closes, fails or keepd drains.
  template <class Stream>
  awaitable<void> Serve(Door& api, Stream& stream, const std::string& remote,
                        const PeerCertificate& peer) {
    Buffer buffer;
    bool first = true;
    while (!draining) {
      bhttp::request_parser<Body, Wiping> parser;
      parser.header_limit(16 * 1024);
      // No limit while reading the header (Beast would refuse a large Content-Length
      // there with a generic error); the per-target limit is applied once the target is
      // known, below.
      parser.body_limit(boost::none);
      beast::get_lowest_layer(stream).expires_after(
          std::chrono::milliseconds(first ? opt.request_timeout_ms : opt.idle_timeout_ms));
      first = false;
      auto [ec1, n1] =
          co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(use_awaitable));
      if (ec1) {
        if (ec1 != bhttp::error::end_of_stream && ec1 != beast::error::timeout &&
            ec1 != asio::ssl::error::stream_truncated && ec1 != asio::error::eof &&
            ec1 != asio::error::connection_reset && ec1 != asio::error::operation_aborted) {
          HttpResponse bad = api.Reject(InvalidArgument("malformed HTTP request"), remote);
          co_await Write(stream, bad, 11, false);
        }
        break;
      }
      in_flight.fetch_add(1);
      struct Done {
        std::atomic<int>& n;
        ~Done() { n.fetch_sub(1); }
      } done{in_flight};
      const auto& head = parser.get();
      const bool has_body = head.chunked() || (parser.content_length() && *parser.content_length());
      const bool has_credentials =
          head.find(bhttp::field::authorization) != head.end() || !peer.spki_sha256.empty();
      if (InReserve() && !has_credentials && head.target() != "/v1/sys/health") {
        HttpResponse r = Overloaded(api, "connections near server.max_connections", remote);
        co_await Write(stream, r, head.version(), false);
        if (has_body) co_await Drain(stream, buffer, parser.content_length().value_or(1 << 20));
        break;
      }
      const size_t limit = api.BodyLimitFor(head.method_string(), head.target());
      if (parser.content_length() && *parser.content_length() > limit) {
        HttpResponse r = api.Reject(
            Status(Code::kTooLarge, "payload_too_large", "the request body is too large"), remote);
        co_await Write(stream, r, head.version(), false);
        co_await Drain(stream, buffer, *parser.content_length());
        break;
      }
      // A body that arrived whole with the headers (a small request) is not screened: it
      // costs nothing more to receive, and Handle authenticates it the same way.
      const bool body_here = parser.content_length() && buffer.size() >= *parser.content_length();
      if (has_body && !body_here) {
        // Credentials are checked on the headers: a client that has none does not get to
        // send a body.
        HttpRequest screened;
        screened.method = std::string(head.method_string());
        screened.target = std::string(head.target());
        if (auto it = head.find(bhttp::field::authorization); it != head.end()) {
          screened.authorization.emplace(std::string_view(it->value()));
        }
        screened.remote_address = remote;
        if (api.WantsHeaders(screened.target)) {
          for (const auto& f : head) {  // the AWS KMS door's: X-Amz-Target, the signature
            if (f.name() == bhttp::field::authorization) continue;
            screened.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
          }
        }
        screened.client_cert_subject = peer.subject;
        screened.client_cert_spki_sha256 = peer.spki_sha256;
        std::optional<HttpResponse> refused = api.Screen(screened);
        if (refused) {
          if (refused->audit_ticket) co_await AwaitAudit(api, *refused);
          co_await Write(stream, *refused, head.version(), false);
          co_await Drain(stream, buffer, parser.content_length().value_or(1 << 20));
          break;
        }
      }
      // Bodies in flight are bounded across all connections.
      const uint64_t reserve = has_body ? parser.content_length().value_or(limit) : 0;
      if (reserve > 0 && opt.max_body_memory_bytes > 0 &&
          body_bytes.fetch_add(reserve) + reserve > opt.max_body_memory_bytes) {
        body_bytes.fetch_sub(reserve);
        HttpResponse r =
            Overloaded(api, "request bodies in flight at server.max_body_memory", remote);
        co_await Write(stream, r, head.version(), false);
        co_await Drain(stream, buffer, parser.content_length().value_or(1 << 20));
        break;
      }
      struct Reserved {
        std::atomic<uint64_t>& n;
        uint64_t bytes;
        bool counted;
        ~Reserved() {
          if (counted) n.fetch_sub(bytes);
        }
      } reserved{body_bytes, reserve, reserve > 0 && opt.max_body_memory_bytes > 0};
      parser.body_limit(limit);  // chunked bodies are checked as they arrive
      beast::get_lowest_layer(stream).expires_after(
          std::chrono::milliseconds(opt.request_timeout_ms));
      auto [ec2, n2] =
          co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(use_awaitable));
      if (ec2) {
        if (ec2 == bhttp::error::body_limit) {
          HttpResponse r = api.Reject(
              Status(Code::kTooLarge, "payload_too_large", "the request body is too large"),
              remote);
          co_await Write(stream, r, parser.get().version(), false);
        } else if (ec2 != beast::error::timeout && ec2 != asio::error::eof &&
                   ec2 != asio::ssl::error::stream_truncated &&
                   ec2 != asio::error::connection_reset) {
          HttpResponse r = api.Reject(InvalidArgument("malformed HTTP request"), remote);
          co_await Write(stream, r, parser.get().version(), false);
        }
        break;
      }
      auto msg = parser.release();
      HttpRequest req;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      if (auto it = msg.find(bhttp::field::authorization); it != msg.end()) {
        req.authorization.emplace(std::string_view(it->value()));
      }
      req.body = std::move(msg.body());
      explicit_bzero(msg.body().data(), msg.body().capacity());  // a short body stays inline
      req.remote_address = remote;
      req.client_cert_subject = peer.subject;
      req.client_cert_spki_sha256 = peer.spki_sha256;
      // The AWS KMS door ("/") signs its headers: it gets them all (others need none).
      if (api.WantsHeaders(req.target)) {
        for (const auto& f : msg) {
          if (f.name() == bhttp::field::authorization) continue;
          req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        }
      }
      // (No co_await inside ?: — GCC 12 miscompiles it.)
      auto handle = [&api, &req] { return api.Handle(req); };
      HttpResponse resp;
      if (api.Quick(req)) {
        resp = handle();
      } else {
        resp = co_await OnBlockingPool<HttpResponse>(handle, use_awaitable);
      }
      if (resp.audit_ticket) co_await AwaitAudit(api, resp);
      // The read buffer still holds the raw request (token, plaintext): wipe all of its
      // storage unless a pipelined request is waiting in it.
      if (buffer.size() == 0 && buffer.capacity() > 0) {
        auto all = buffer.prepare(buffer.capacity());
        OPENSSL_cleanse(all.data(), all.size());
      }
      const bool keep_alive = msg.keep_alive() && !draining;
      if (!co_await Write(stream, resp, msg.version(), keep_alive) || !keep_alive) break;
    }
  }

  // Messages on one connection of a MessageDoor (KMIP), until it closes, fails, sends a
  // message that cannot be framed, or keepd drains.
  template <class Stream>
  awaitable<void> ServeMessages(MessageDoor& door, Stream& stream, const std::string& remote,
                                const PeerCertificate& peer) {
    const MessagePeer who{remote, peer.subject, peer.spki_sha256};
    const size_t header_size = door.header_size();
    bool first = true;
    while (!draining) {
      // Header and message in wiping memory: a Register carries key material.
      crypto::SecretBytes message(header_size);
      beast::get_lowest_layer(stream).expires_after(
          std::chrono::milliseconds(first ? opt.request_timeout_ms : opt.idle_timeout_ms));
      first = false;
      auto [ec1, n1] = co_await asio::async_read(stream, asio::buffer(message.data(), header_size),
                                                 asio::as_tuple(use_awaitable));
      if (ec1) break;  // closed, idle, or cut mid-header: nothing to answer
      in_flight.fetch_add(1);
      struct Done {
        std::atomic<int>& n;
        ~Done() { n.fetch_sub(1); }
      } done{in_flight};
      Result<size_t> length = door.MessageLength(message.view());
      MessageReply reply;
      if (!length.ok()) {
        reply = door.Refuse(length.status(), who);
        reply.close = true;
      } else {
        crypto::SecretBytes whole(*length);
        std::memcpy(whole.data(), message.data(), header_size);
        message = std::move(whole);
        beast::get_lowest_layer(stream).expires_after(
            std::chrono::milliseconds(opt.request_timeout_ms));
        auto [ec2, n2] = co_await asio::async_read(
            stream, asio::buffer(message.data() + header_size, *length - header_size),
            asio::as_tuple(use_awaitable));
        if (ec2) break;
        auto handle = [&door, &message, &who] { return door.Handle(message.view(), who); };
        if (door.Quick(message.view())) {
          reply = handle();
        } else {
          reply = co_await OnBlockingPool<MessageReply>(handle, use_awaitable);
        }
      }
      message = crypto::SecretBytes();  // wiped before the answer waits on the trail
      for (auto& ticket : reply.tickets) {
        if (!ticket->done()) co_await AsyncWaitTicket(ticket, use_awaitable);
        if (!ticket->status().ok()) {
          const bool close = reply.close;
          reply = door.AuditFailed(reply);
          reply.close = close;
          break;
        }
      }
      beast::get_lowest_layer(stream).expires_after(
          std::chrono::milliseconds(opt.write_timeout_ms));
      auto [ec3, n3] =
          co_await asio::async_write(stream, asio::buffer(reply.bytes.data(), reply.bytes.size()),
                                     asio::as_tuple(use_awaitable));
      if (ec3 || reply.close) break;
    }
  }

  // Runs f() on the blocking pool; the coroutine resumes on its own reactor with f's
  // result.
  template <class R, class F, class Token>
  auto OnBlockingPool(F f, Token&& token) {
    return asio::async_initiate<Token, void(R)>(
        [this](auto handler, F fn) {
          auto ex = asio::get_associated_executor(handler);
          asio::post(blocking, [fn = std::move(fn), h = std::move(handler), ex]() mutable {
            R r = fn();
            asio::post(
                ex, [h = std::move(h), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
          });
        },
        token, std::move(f));
  }

  // Waits, without holding a thread, until the response's audit record is written (the
  // sink completes every ticket within its write timeout); on failure swaps in the
  // audit_unavailable answer (fail closed).
  template <typename Token>
  static auto AsyncWaitTicket(std::shared_ptr<audit::Ticket> ticket, Token&& token) {
    return asio::async_initiate<Token, void()>(
        [ticket](auto handler) {
          using H = decltype(handler);
          if (Reactor* r = this_reactor) {
            struct Resume final : Inbox::Item {
              explicit Resume(H&& handler) : h(std::move(handler)) {}
              void Run() override { std::move(h)(); }
              H h;
            };
            auto* item = new Resume(std::move(handler));  // the inbox's once delivered
            ticket->OnDone([r, item] { r->inbox.Deliver(std::unique_ptr<Inbox::Item>(item)); });
            return;
          }
          auto ex = asio::get_associated_executor(handler);
          auto h = std::make_shared<H>(std::move(handler));
          ticket->OnDone([h, ex]() mutable { asio::post(ex, std::move(*h)); });
        },
        token);
  }

  awaitable<void> AwaitAudit(Door& api, HttpResponse& resp) {
    auto ticket = resp.audit_ticket;
    if (!ticket->done()) co_await AsyncWaitTicket(ticket, use_awaitable);
    if (!ticket->status().ok()) {
      std::string id;
      for (const auto& [k, v] : resp.headers) {
        if (k == "X-Request-Id") id = v;
      }
      HttpResponse failed = api.AuditFailed(resp, id);
      failed.headers.emplace_back("X-Request-Id", id);
      resp = std::move(failed);
    }
    resp.audit_ticket.reset();
  }

  // After refusing an upload, read and discard what the client is still sending (up to
  // 128 MiB or 2 s) so it can read our answer instead of meeting a reset connection.
  template <class Stream>
  awaitable<void> Drain(Stream& stream, Buffer& buffer, uint64_t expected) {
    uint64_t left = std::min<uint64_t>(expected, 128ull << 20);
    left -= std::min<uint64_t>(left, buffer.size());
    buffer.clear();
    beast::get_lowest_layer(stream).expires_after(2s);
    std::array<char, 16384> scratch;
    while (left > 0) {
      auto [ec, n] =
          co_await stream.async_read_some(asio::buffer(scratch), asio::as_tuple(use_awaitable));
      if (ec) break;
      left -= std::min<uint64_t>(left, n);
    }
  }

  void WaitUserSignals() {
    user_signals.async_wait(
        asio::bind_executor(control, [this](const boost::system::error_code& ec, int sig) {
          if (ec || draining) return;
          log::Info("http: {}", sig == SIGHUP ? "SIGHUP" : "SIGUSR1");
          const auto& f = sig == SIGHUP ? on_hangup : on_user1;
          if (f) f();
          WaitUserSignals();
        }));
  }

  // Runs on `control` (signal handlers, Stop()).
  void BeginDrain() {
    if (draining.exchange(true)) return;
    log::Info("http: shutting down; finishing in-flight requests");
    boost::system::error_code ec;
    for (auto& l : listeners) l->acceptor.close(ec);
    signals.cancel(ec);
    user_signals.cancel(ec);
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(opt.shutdown_grace_ms);
    asio::co_spawn(ioc, WaitDrained(deadline), asio::detached);
  }

  awaitable<void> WaitDrained(std::chrono::steady_clock::time_point deadline) {
    asio::steady_timer t(ioc);
    while (in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      t.expires_after(10ms);
      co_await t.async_wait(asio::as_tuple(use_awaitable));
    }
    for (auto& r : reactors) r->ioc.stop();
  }
};

Server::Server(Door& handler, SSL_CTX* tls, ServerOptions options)
    : impl_(std::make_unique<Impl>(handler, tls, std::move(options))) {}

size_t Server::AddListener(Door& handler, SSL_CTX* tls, std::string address, uint16_t port) {
  impl_->listeners.push_back(
      std::make_unique<Listener>(impl_->ioc, &handler, nullptr, tls, std::move(address), port));
  return impl_->listeners.size() - 1;
}

size_t Server::AddMessageListener(MessageDoor& door, SSL_CTX* tls, std::string address,
                                  uint16_t port) {
  impl_->listeners.push_back(
      std::make_unique<Listener>(impl_->ioc, nullptr, &door, tls, std::move(address), port));
  return impl_->listeners.size() - 1;
}

Server::~Server() = default;

Status Server::Listen() {
  for (auto& l : impl_->listeners) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(l->address, ec);
    if (ec) return InvalidArgument("invalid listen address " + l->address);
    tcp::endpoint ep(addr, l->port);
    auto& a = l->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("listen_failed", "cannot listen on " + l->address + ":" +
                                              std::to_string(l->port) + ": " + ec.message());
    }
    l->bound_port = a.local_endpoint().port();
  }
  return Status::Ok();
}

uint16_t Server::port(size_t listener) const {
  return listener < impl_->listeners.size() ? impl_->listeners[listener]->bound_port : 0;
}

void Server::Run(bool handle_signals) {
  Impl& im = *impl_;
  if (handle_signals) {
    im.signals.add(SIGTERM);
    im.signals.add(SIGINT);
    im.signals.async_wait(
        asio::bind_executor(im.control, [&im](const boost::system::error_code& ec, int) {
          if (!ec) im.BeginDrain();
        }));
    im.user_signals.add(SIGHUP);
    im.user_signals.add(SIGUSR1);
    im.WaitUserSignals();
  }
  for (auto& l : im.listeners) asio::co_spawn(im.control, im.Accept(*l), asio::detached);
  asio::co_spawn(im.ioc, im.TrimAfterBursts(), asio::detached);
  // Each reactor runs until WaitDrained stops them all, connections or not.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> busy;
  for (auto& r : im.reactors) busy.push_back(asio::make_work_guard(r->ioc));
  std::vector<std::thread> pool;
  for (size_t i = 1; i < im.reactors.size(); ++i) {
    pool.emplace_back([r = im.reactors[i].get()] {
      Impl::this_reactor = r;
      r->ioc.run();
    });
  }
  Impl::this_reactor = im.reactors[0].get();
  im.ioc.run();
  Impl::this_reactor = nullptr;
  for (auto& r : im.reactors) r->ioc.stop();
  for (auto& t : pool) t.join();
  im.blocking.join();  // a request still running there finishes before Run returns
  log::Info("http: stopped");
}

void Server::OnSignal(int signal, std::function<void()> f) {
  (signal == SIGHUP ? impl_->on_hangup : impl_->on_user1) = std::move(f);
}

int Server::connections() const {
  return impl_->connections.load();
}

int Server::in_flight() const {
  return impl_->in_flight.load();
}

void Server::Stop() {
  asio::post(impl_->control, [this] { impl_->BeginDrain(); });
}

}  // namespace keep::http
