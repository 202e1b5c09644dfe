// [[peers]]: the other keep deployment(s) split keys are shared with (issue 21;
// docs/operations.md "Split keys with a peer"). Plain data, filled by keepd's config.
#pragma once

#include <string>

namespace keep::peer {

struct PeerConfig {
  std::string name;              // how keys and operators name the peer (key "peer" field)
  std::string address;           // https://HOST:PORT of the peer's keepd (or its balancer)
  std::string ca_file;           // PEM: verifies the peer's server certificate
  std::string client_cert_file;  // PEM: the certificate this side presents to the peer
  std::string client_key_file;   // its private key
  // The identity the peer's own requests arrive as here: "cert:<name>" of the
  // [[auth.certificate]] entry that maps its client certificate.
  std::string identity;
  int timeout_ms = 5000;  // per request to the peer
};

}  // namespace keep::peer
