#include "crypto/ossl.h"

#include <openssl/err.h>

#include "common/log.h"

namespace keep::crypto {

void DrainOpenSslErrors(std::string_view where) {
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    log::Warn("openssl error in {}: {}", where, buf);
  }
}

}  // namespace keep::crypto
