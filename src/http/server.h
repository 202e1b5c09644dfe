// Server: keepd's listeners (Boost.Beast over Asio), kept behind this small header so only
// server.cc compiles Beast. The main listener (ServerOptions' address and port, TLS) serves
// the native API and the AWS door; AddListener adds a port for another door (keas.kmi),
// with TLS or, when the door allows it, plain HTTP; AddMessageListener a port for a door
// of framed binary messages over TLS (KMIP). All share the reactors, the limits below and
// one graceful shutdown.
//
// `threads` reactors, each an io_context run by one thread; a connection stays on the
// reactor that accepted it (the one with the fewest connections then); a request whose
// door calls it Quick is handled there, any other on a pool of `blocking_threads`;
// keep-alive; a timeout on every handshake, read and write; per-target body limits
// (413 beyond); credentials checked on the headers before a body is read (Api::Screen);
// a cap on connections and on body bytes in flight; accept backs off when the process is
// out of file descriptors; graceful shutdown: Stop() closes the listener, lets in-flight requests
// finish (up to the grace period), then stops. Thread-safe: Stop() may be called from
// any thread or a signal-handling thread.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/door.h"
#include "keep/status.h"

namespace keep::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8443;  // 0: pick a free port
  int threads = 0;       // reactors (one io_context and thread each); 0: one per core
  // Threads for requests a door does not call Quick (they may block on the store, key
  // generation, an HSM); 0: as many as `threads`.
  int blocking_threads = 0;
  int handshake_timeout_ms = 10000;
  int request_timeout_ms = 30000;  // reading one request (headers and body)
  int idle_timeout_ms = 60000;     // waiting for the next request on a kept-alive connection
  int write_timeout_ms = 30000;
  int shutdown_grace_ms = 20000;
  // Open connections at most (0: no limit). Beyond it a new connection is closed at once.
  // The last tenth is kept for health checks and requests that carry credentials (a bearer
  // token or a client certificate): others get 503 "overloaded" with Retry-After.
  int max_connections = 0;
  // Request bodies held at once across all connections (0: no limit); a request whose
  // declared body (or, when chunked, its limit) does not fit gets 503 "overloaded" with
  // Retry-After before its body is read.
  uint64_t max_body_memory_bytes = 0;
};

class Server {
 public:
  // `door` serves the main listener; `tls` must not be null (the main listener is
  // HTTPS). Both must outlive the Server.
  Server(Door& door, SSL_CTX* tls, ServerOptions options);
  ~Server();
  // Another listener, before Listen(): `tls` null means plain HTTP. Returns its index for
  // port().
  size_t AddListener(Door& door, SSL_CTX* tls, std::string address, uint16_t port);
  // A listener for a door of framed messages (KMIP), before Listen(); `tls` must not be
  // null (it decides whether client certificates are required). Returns its index.
  size_t AddMessageListener(MessageDoor& door, SSL_CTX* tls, std::string address, uint16_t port);
  // Binds and listens on every listener. Errors: kUnavailable when an address cannot be
  // bound.
  Status Listen();
  uint16_t port(size_t listener = 0) const;  // the bound port (0 before Listen)
  // Serves until Stop() (or SIGTERM/SIGINT when `handle_signals`), then drains. With
  // `handle_signals`, SIGHUP and SIGUSR1 call their OnSignal callbacks (on a server thread)
  // and never stop the server.
  void Run(bool handle_signals);
  // What SIGHUP or SIGUSR1 does; set before Run().
  void OnSignal(int signal, std::function<void()> f);
  // Open connections and requests being handled now (for /metrics).
  int connections() const;
  int in_flight() const;
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keep::http
