// libkeep's transport: the connection pool, failover between servers, retries with
// jittered backoff and Retry-After, per-call deadlines (contract in keep/client.h).
// Beast and Asio stay in this translation unit.
#include <openssl/x509v3.h>
#include <string.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "keep/client.h"

namespace keep {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Body = bhttp::basic_string_body<char, std::char_traits<char>, WipingAllocator<char>>;
using Fields = bhttp::basic_fields<WipingAllocator<char>>;
using Request = bhttp::request<Body, Fields>;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Endpoint {
  std::string address, host, port;
  bool host_is_ip = false;
};

Result<Endpoint> ParseAddress(const std::string& address) {
  Endpoint ep;
  ep.address = address;
  std::string_view a = address;
  if (a.substr(0, 8) == "https://") {
    a.remove_prefix(8);
  } else if (a.find("://") != std::string_view::npos) {
    return InvalidArgument("the address must start with https:// (got " + address + ")");
  }
  while (!a.empty() && a.back() == '/') a.remove_suffix(1);
  size_t colon;
  if (!a.empty() && a.front() == '[') {
    const size_t close = a.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument("malformed IPv6 address in " + address);
    }
    ep.host = std::string(a.substr(1, close - 1));
    colon = a.find(':', close);
  } else {
    colon = a.rfind(':');
    ep.host = std::string(a.substr(0, colon));
  }
  ep.port = colon == std::string_view::npos ? "8443" : std::string(a.substr(colon + 1));
  int port_num = 0;
  auto [p, ec] = std::from_chars(ep.port.data(), ep.port.data() + ep.port.size(), port_num);
  if (ep.host.empty() || ec != std::errc() || p != ep.port.data() + ep.port.size() ||
      port_num < 1 || port_num > 65535) {
    return InvalidArgument("malformed address " + address + " (expected https://HOST:PORT)");
  }
  boost::system::error_code aec;
  asio::ip::make_address(ep.host, aec);
  ep.host_is_ip = !aec;
  return ep;
}

// One TLS connection to one server, used by one call at a time (it owns its io_context).
struct Connection {
  asio::io_context ioc;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  // Requests (tokens, plaintexts) and answers (plaintexts, data keys) in wiping memory.
  beast::basic_flat_buffer<WipingAllocator<char>> buffer;

  void Run() {
    ioc.restart();
    ioc.run();
  }

  Status Connect(const Endpoint& ep, asio::ssl::context& ssl, Clock::duration budget) {
    stream.reset();
    buffer.clear();
    stream.emplace(ioc, ssl);
    SSL* s = stream->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(s);
    if (ep.host_is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, ep.host.c_str());
    } else {
      SSL_set_tlsext_host_name(s, ep.host.c_str());
      SSL_set1_host(s, ep.host.c_str());
    }
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(ep.host, ep.port, ec);
    if (ec) return Unavailable("unavailable", "cannot resolve " + ep.host + ": " + ec.message());
    auto& lowest = beast::get_lowest_layer(*stream);
    lowest.expires_after(budget);
    lowest.async_connect(results,
                         [&](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
    Run();
    if (ec) {
      stream.reset();
      return Unavailable("unavailable", "cannot connect to " + ep.address + ": " + ec.message());
    }
    lowest.socket().set_option(tcp::no_delay(true), ec);
    stream->async_handshake(asio::ssl::stream_base::client,
                            [&](const boost::system::error_code& e) { ec = e; });
    Run();
    if (ec) {
      stream.reset();
      return Unavailable("unavailable",
                         "TLS handshake with " + ep.address + " failed: " + ec.message());
    }
    return Status::Ok();
  }

  // One request and its answer. `*written`: the request reached the socket (the server
  // may have acted on it).
  Result<HttpResult> Exchange(const Endpoint& ep, Request& req, Clock::duration budget,
                              bool* written) {
    *written = false;
    auto& lowest = beast::get_lowest_layer(*stream);
    lowest.expires_after(budget);
    boost::system::error_code ec;
    bhttp::async_write(*stream, req, [&](const boost::system::error_code& e, size_t) { ec = e; });
    Run();
    bhttp::response_parser<Body, WipingAllocator<char>> parser;
    parser.body_limit(1ull << 31);
    if (!ec) {
      *written = true;
      bhttp::async_read(*stream, buffer, parser,
                        [&](const boost::system::error_code& e, size_t) { ec = e; });
      Run();
    }
    if (ec) {
      stream.reset();
      return Unavailable("unavailable", "request to " + ep.address + " failed: " + ec.message());
    }
    auto res = parser.release();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    explicit_bzero(res.body().data(), res.body().capacity());  // a short body stays inline
    if (auto it = res.find("X-Request-Id"); it != res.end()) {
      out.request_id = std::string(it->value());
    }
    if (auto it = res.find("Retry-After"); it != res.end()) {
      const std::string v(it->value());
      char* end = nullptr;
      const long secs = std::strtol(v.c_str(), &end, 10);
      if (end != v.c_str() && *end == '\0' && secs > 0 && secs < 86400 * 365) {
        out.retry_after_s = static_cast<int>(secs);
      }
    }
    if (!res.keep_alive()) stream.reset();
    return out;
  }
};

// Whether an answer is worth another attempt: a rate limit (429), or a 503 that another
// moment or another server may not give — overloaded, the store or the server briefly
// unavailable, audit not writable; sealed only when there is another server to try. Not a
// decision: a decrypt lockdown (locked_down), an HSM that refused its PIN, a store that is
// not initialized.
bool Transient(const HttpResult& r, size_t servers) {
  if (r.status == 429) return true;
  if (r.status != 503) return false;
  const Status s = StatusOf(r);
  if (s.reason() == "sealed") return servers > 1;
  return s.reason() == "overloaded" || s.reason() == "unavailable" ||
         s.reason() == "store_unavailable" || s.reason() == "audit_unavailable";
}

}  // namespace

struct Client::Impl {
  ClientOptions opt;
  std::vector<Endpoint> endpoints;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  std::mutex mu;
  std::vector<std::vector<std::unique_ptr<Connection>>> idle;  // per endpoint, under mu
  size_t preferred = 0;                                        // under mu
  std::mt19937_64 rng{std::random_device{}()};                 // under mu

  std::unique_ptr<Connection> Take(size_t ep) {
    std::lock_guard lock(mu);
    auto& pool = idle[ep];
    if (pool.empty()) return std::make_unique<Connection>();
    auto c = std::move(pool.back());
    pool.pop_back();
    return c;
  }
  void Give(size_t ep, std::unique_ptr<Connection> c) {
    if (!c->stream) return;
    std::lock_guard lock(mu);
    if (idle[ep].size() < static_cast<size_t>(opt.max_connections))
      idle[ep].push_back(std::move(c));
  }
  size_t Preferred() {
    std::lock_guard lock(mu);
    return preferred;
  }
  void Prefer(size_t ep) {
    std::lock_guard lock(mu);
    preferred = ep;
  }
  // Full jitter: uniform in [0, min(max, initial * 2^attempt)].
  Clock::duration Backoff(int attempt) {
    int64_t cap = opt.backoff_initial_ms;
    for (int i = 0; i < attempt && cap < opt.backoff_max_ms; ++i) cap *= 2;
    cap = std::min<int64_t>(cap, opt.backoff_max_ms);
    std::lock_guard lock(mu);
    return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, cap)(rng));
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  auto impl = std::make_unique<Impl>();
  if (options.addresses.empty()) options.addresses.push_back(options.address);
  for (const auto& a : options.addresses) {
    KEEP_ASSIGN_OR_RETURN(Endpoint ep, ParseAddress(a));
    impl->endpoints.push_back(std::move(ep));
  }
  impl->idle.resize(impl->endpoints.size());
  impl->ssl.set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX_set_min_proto_version(impl->ssl.native_handle(), TLS1_2_VERSION);
  boost::system::error_code cec;
  if (options.ca_cert_file.empty()) {
    impl->ssl.set_default_verify_paths(cec);
  } else {
    impl->ssl.load_verify_file(options.ca_cert_file, cec);
  }
  if (cec) return InvalidArgument("cannot load the CA certificate " + options.ca_cert_file);
  if (options.client_cert_file.empty() != options.client_key_file.empty()) {
    return InvalidArgument("give both the client certificate and its key");
  }
  if (!options.client_cert_file.empty()) {
    impl->ssl.use_certificate_chain_file(options.client_cert_file, cec);
    if (!cec) impl->ssl.use_private_key_file(options.client_key_file, asio::ssl::context::pem, cec);
    if (cec) {
      return InvalidArgument("cannot load the client certificate " + options.client_cert_file +
                             " and key " + options.client_key_file);
    }
  }
  if (options.timeout_ms <= 0) return InvalidArgument("timeout must be positive");
  if (options.max_attempts < 1) return InvalidArgument("max_attempts must be at least 1");
  if (options.backoff_initial_ms < 0 || options.backoff_max_ms < options.backoff_initial_ms) {
    return InvalidArgument("backoff: 0 <= backoff_initial_ms <= backoff_max_ms");
  }
  if (options.max_connections < 0) return InvalidArgument("max_connections must be >= 0");
  impl->opt = std::move(options);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Result<HttpResult> Client::Send(std::string_view method, std::string_view target,
                                std::string_view body, bool idempotent, CallOptions o) {
  Impl& im = *impl_;
  Request req;
  try {
    req.method_string(method);
    req.target(target);
  } catch (const std::exception& e) {
    // Beast refuses some requests by throwing: report, never throw.
    return InvalidArgument(std::string("cannot send the request: ") + e.what());
  }
  req.version(11);
  req.set(bhttp::field::user_agent, "keep-client/0.2");
  if (!im.opt.token.empty()) {
    SecretString auth("Bearer ");
    auth += im.opt.token;
    req.set(bhttp::field::authorization, auth.view());
  }
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    req.set(bhttp::field::content_type, "application/json");
    req.body().assign(body.data(), body.size());
  }
  req.keep_alive(true);
  req.prepare_payload();

  const auto timeout =
      std::chrono::milliseconds(o.timeout_ms > 0 ? o.timeout_ms : im.opt.timeout_ms);
  const auto deadline = Clock::now() + timeout;
  const size_t n = im.endpoints.size();
  size_t ep = im.Preferred();
  std::optional<Result<HttpResult>> last;
  bool stale_retry_used = false;
  for (int attempt = 0; attempt < im.opt.max_attempts; ++attempt) {
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) break;
    const Endpoint& e = im.endpoints[ep];
    req.set(bhttp::field::host, e.host);
    auto conn = im.Take(ep);
    const bool reused = conn->stream.has_value();
    bool written = false;
    Result<HttpResult> r = Unavailable("unavailable", "no attempt");
    try {
      Status c = reused ? Status::Ok() : conn->Connect(e, im.ssl, left);
      r = c.ok() ? conn->Exchange(e, req, deadline - Clock::now(), &written)
                 : Result<HttpResult>(c);
    } catch (const std::exception& ex) {
      conn->stream.reset();
      r = Unavailable("unavailable", std::string("request failed: ") + ex.what());
    }
    if (!r.ok()) {
      last = r;
      if (reused && !stale_retry_used) {
        // A kept-alive connection the server closed meanwhile: once, at once, on a fresh one.
        stale_retry_used = true;
        --attempt;
        continue;
      }
      if (written && !idempotent) return r;  // the server may have acted on it
      ep = (ep + 1) % n;                     // fail over
    } else {
      im.Give(ep, std::move(conn));
      const int st = r->status;
      if (!idempotent || !Transient(*r, n)) {
        im.Prefer(ep);
        return r;
      }
      const int retry_after = r->retry_after_s;
      last = std::move(r);
      if (retry_after > 0) {
        if (Clock::now() + std::chrono::seconds(retry_after) >= deadline) break;
        if (attempt + 1 < im.opt.max_attempts) {
          std::this_thread::sleep_for(std::chrono::seconds(retry_after));
        }
        if (st == 503) ep = (ep + 1) % n;
        continue;
      }
      if (st == 503) ep = (ep + 1) % n;
    }
    if (attempt + 1 < im.opt.max_attempts) {
      const auto pause = std::min<Clock::duration>(im.Backoff(attempt), deadline - Clock::now());
      if (pause > Clock::duration::zero()) std::this_thread::sleep_for(pause);
    }
  }
  if (last) return std::move(*last);
  return Unavailable("unavailable",
                     "no keep server answered within " + std::to_string(timeout.count()) + " ms");
}

}  // namespace keep
