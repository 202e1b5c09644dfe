#include "keep/client.h"
#include "keep/reasons.h"

#include <cstdlib>

#include <openssl/x509v3.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <optional>

namespace keep {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Body = bhttp::basic_string_body<char, std::char_traits<char>, WipingAllocator<char>>;
using Fields = bhttp::basic_fields<WipingAllocator<char>>;
using tcp = asio::ip::tcp;

struct Client::Impl {
  ClientOptions opt;
  std::string host, port;
  bool host_is_ip = false;
  asio::io_context ioc;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  // Requests (tokens, plaintexts) and answers (plaintexts, data keys) in wiping memory.
  beast::basic_flat_buffer<WipingAllocator<char>> buffer;

  Status Connect() {
    stream.reset();
    buffer.clear();
    stream.emplace(ioc, ssl);
    SSL* s = stream->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(s);
    if (host_is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      SSL_set_tlsext_host_name(s, host.c_str());
      SSL_set1_host(s, host.c_str());
    }
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, port, ec);
    if (ec) return Unavailable("unavailable", "cannot resolve " + host + ": " + ec.message());
    auto& lowest = beast::get_lowest_layer(*stream);
    lowest.expires_after(std::chrono::milliseconds(opt.timeout_ms));
    lowest.async_connect(results,
                         [&](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
    Run();
    if (ec)
      return Unavailable("unavailable", "cannot connect to " + opt.address + ": " + ec.message());
    lowest.socket().set_option(tcp::no_delay(true), ec);
    stream->async_handshake(asio::ssl::stream_base::client,
                            [&](const boost::system::error_code& e) { ec = e; });
    Run();
    if (ec) {
      return Unavailable("unavailable",
                         "TLS handshake with " + opt.address + " failed: " + ec.message());
    }
    return Status::Ok();
  }

  void Run() {
    ioc.restart();
    ioc.run();
  }

  Result<HttpResult> Once(bhttp::request<Body, Fields>& req, bool* retryable) {
    *retryable = false;
    if (!stream)
      KEEP_RETURN_IF_ERROR(Connect());
    else
      *retryable = true;  // a kept-alive connection the server may have closed
    auto& lowest = beast::get_lowest_layer(*stream);
    lowest.expires_after(std::chrono::milliseconds(opt.timeout_ms));
    boost::system::error_code ec;
    bhttp::async_write(*stream, req, [&](const boost::system::error_code& e, size_t) { ec = e; });
    Run();
    bhttp::response_parser<Body, WipingAllocator<char>> parser;
    parser.body_limit(1ull << 31);
    if (!ec) {
      bhttp::async_read(*stream, buffer, parser,
                        [&](const boost::system::error_code& e, size_t) { ec = e; });
      Run();
    }
    if (ec) {
      stream.reset();
      return Unavailable("unavailable", "request to " + opt.address + " failed: " + ec.message());
    }
    *retryable = false;
    auto res = parser.release();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    explicit_bzero(res.body().data(), res.body().capacity());  // a short body stays inline
    if (auto it = res.find("X-Request-Id"); it != res.end())
      out.request_id = std::string(it->value());
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

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  auto impl = std::make_unique<Impl>();
  std::string_view a = options.address;
  if (a.substr(0, 8) == "https://")
    a.remove_prefix(8);
  else if (a.find("://") != std::string_view::npos) {
    return InvalidArgument("the address must start with https:// (got " + options.address + ")");
  }
  while (!a.empty() && a.back() == '/') a.remove_suffix(1);
  size_t colon;
  if (!a.empty() && a.front() == '[') {
    const size_t close = a.find(']');
    if (close == std::string_view::npos)
      return InvalidArgument("malformed IPv6 address in " + options.address);
    impl->host = std::string(a.substr(1, close - 1));
    colon = a.find(':', close);
  } else {
    colon = a.rfind(':');
    impl->host = std::string(a.substr(0, colon));
  }
  impl->port = colon == std::string_view::npos ? "8443" : std::string(a.substr(colon + 1));
  int port_num = 0;
  auto [p, ec] =
      std::from_chars(impl->port.data(), impl->port.data() + impl->port.size(), port_num);
  if (impl->host.empty() || ec != std::errc() || p != impl->port.data() + impl->port.size() ||
      port_num < 1 || port_num > 65535) {
    return InvalidArgument("malformed address " + options.address +
                           " (expected https://HOST:PORT)");
  }
  boost::system::error_code aec;
  asio::ip::make_address(impl->host, aec);
  impl->host_is_ip = !aec;
  impl->ssl.set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX_set_min_proto_version(impl->ssl.native_handle(), TLS1_2_VERSION);
  boost::system::error_code cec;
  if (options.ca_cert_file.empty())
    impl->ssl.set_default_verify_paths(cec);
  else
    impl->ssl.load_verify_file(options.ca_cert_file, cec);
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
  impl->opt = std::move(options);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Result<HttpResult> Client::Send(std::string_view method, std::string_view target,
                                std::string_view body) {
  try {
    return SendOnce(method, target, body);
  } catch (const std::exception& e) {
    // Beast refuses some requests by throwing (e.g. a body on TRACE): report, never throw.
    return InvalidArgument(std::string("cannot send the request: ") + e.what());
  }
}

Result<HttpResult> Client::SendOnce(std::string_view method, std::string_view target,
                                    std::string_view body) {
  bhttp::request<Body, Fields> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, impl_->host);
  req.set(bhttp::field::user_agent, "keep-client/0.1");
  if (!impl_->opt.token.empty()) req.set(bhttp::field::authorization, "Bearer " + impl_->opt.token);
  if (!body.empty() || method == "POST" || method == "PATCH") {
    req.set(bhttp::field::content_type, "application/json");
    req.body().assign(body.data(), body.size());
  }
  req.keep_alive(true);
  req.prepare_payload();
  bool retryable = false;
  auto r = impl_->Once(req, &retryable);
  if (!r.ok() && retryable) r = impl_->Once(req, &retryable);
  return r;
}

Status StatusOf(const HttpResult& r) {
  if (r.status >= 200 && r.status < 300) return Status::Ok();
  std::string message = "HTTP " + std::to_string(r.status);
  const Reason* known = nullptr;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body.view(), ec);
  if (!ec && v.is_object()) {
    if (auto* e = v.as_object().if_contains("error"); e && e->is_object()) {
      if (auto* c = e->as_object().if_contains("code"); c && c->is_string()) {
        known = FindApiReason(std::string_view(c->as_string()));
        // A code this build does not know (a newer server) keeps its text in the message.
        if (!known) message = std::string(c->as_string()) + ": ";
      }
      if (auto* m = e->as_object().if_contains("message"); m && m->is_string()) {
        message = (known ? "" : message) + std::string(m->as_string());
      }
    }
  }
  if (known) return Status(known->code, ReasonCode::FromTable(known->name), std::move(message));
  // No known code: the code the status class implies (keep/reasons.h lists the statuses).
  Code code = Code::kInternal;
  switch (r.status) {
    case 400:
      code = Code::kInvalidArgument;
      break;
    case 401:
      code = Code::kUnauthenticated;
      break;
    case 403:
      code = Code::kPermissionDenied;
      break;
    case 404:
      code = Code::kNotFound;
      break;
    case 405:
      code = Code::kMethodNotAllowed;
      break;
    case 409:
      code = Code::kFailedPrecondition;
      break;
    case 413:
      code = Code::kTooLarge;
      break;
    case 429:
      code = Code::kResourceExhausted;
      break;
    case 501:
      code = Code::kUnimplemented;
      break;
    case 503:
      code = Code::kUnavailable;
      break;
    default:
      code = r.status >= 500 ? Code::kInternal : Code::kInvalidArgument;
      break;
  }
  return Status(code, std::move(message));
}

}  // namespace keep
