// Cryptographically secure randomness from OpenSSL's DRBG (RAND_bytes), seeded by the
// OS. Thread-safe. Failure is kInternal (the DRBG could not be seeded): never ignore it.
#pragma once

#include <cstdint>
#include <span>

#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto {

Status RandomFill(std::span<uint8_t> out);
Result<SecretBytes> RandomSecret(size_t n);

}  // namespace keep::crypto
