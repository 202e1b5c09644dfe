// AWS Signature Version 4 (the "AWS4-HMAC-SHA256" Authorization header), as the AWS KMS
// door authenticates requests: the door turns a request into a SigV4Claim (Decode), the
// Guard checks the claim with the access key's secret (Verify).
//
// Decode rebuilds what the client signed — the canonical request (method, URI, sorted
// query, the signed headers lower-cased and trimmed, SHA-256 of the body) and the string
// to sign — from the request as received, so any byte the client signed and the server
// sees differently fails verification. It refuses, with the reason AWS gives: a missing or
// malformed Authorization header, an algorithm other than AWS4-HMAC-SHA256, a scope that is
// not DATE/REGION/SERVICE/aws4_request, unsigned `host` or `x-amz-date`, a request time
// more than 15 minutes from the server's clock (AWS's limit), a scope date that is not the
// request's, a body whose x-amz-content-sha256 (when sent) is not its hash, and session
// tokens (X-Amz-Security-Token: keep issues none). The region and service must be the
// configured ones.
//
// Verify derives the signing key (HMAC chain "AWS4"+secret → date → region → service →
// "aws4_request") and compares the signature in constant time.
//
// Errors: kUnauthenticated "unauthenticated", the message saying what is wrong; Decode
// also reports the kind (SigV4Error), which an AWS door answers as
// MissingAuthenticationTokenException, IncompleteSignatureException or
// InvalidSignatureException. An access key that does not exist is refused by the Guard
// with kUnknownAccessKey as the message (AWS's UnrecognizedClientException). Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::access {

// What a request claims: who signed it and the exact text they signed.
struct SigV4Claim {
  std::string access_key_id;
  std::string date;  // the scope's YYYYMMDD
  std::string region, service;
  std::string string_to_sign;
  std::string signature;  // 64 lowercase hex digits
};

// How a SigV4 refusal is reported by an AWS door.
enum class SigV4Error { kNone, kMissing, kIncomplete, kInvalid };

// The message of an unknown (or revoked, or expired) access key, as AWS words it.
inline constexpr std::string_view kUnknownAccessKey =
    "The security token included in the request is invalid.";

struct SigV4Request {
  std::string_view method, path, query;  // query without '?'
  // Header names as received (any case); repeated names are joined with ',' as AWS does.
  std::span<const std::pair<std::string, std::string>> headers;
  std::string_view authorization;  // the Authorization header
  ByteView body;
};

struct SigV4Expect {
  std::string_view region = "us-east-1";
  std::string_view service = "kms";
  int64_t now_unix = 0;                // the server's clock
  int64_t max_skew_seconds = 15 * 60;  // AWS's limit
};

Result<SigV4Claim> DecodeSigV4(const SigV4Request& r, const SigV4Expect& expect,
                               SigV4Error* kind = nullptr);
// The access key id of an Authorization header, before the body is read (to refuse an
// unknown key without receiving its body). Errors as DecodeSigV4, with `kind`.
Result<std::string> SigV4AccessKeyId(std::string_view authorization, SigV4Error* kind = nullptr);

// OK when `claim.signature` is the signature of `claim.string_to_sign` under `secret`.
Status VerifySigV4(const SigV4Claim& claim, ByteView secret);
// The two halves of VerifySigV4: the signing key of a scope (valid for that day, region
// and service: callers may cache it per access key), and the check with it.
Result<crypto::SecretBytes> SigV4SigningKey(ByteView secret, std::string_view date,
                                            std::string_view region, std::string_view service);
Status VerifySigV4With(const SigV4Claim& claim, ByteView signing_key);

// The signature of `string_to_sign` (hex), for tests and clients.
Result<std::string> SignSigV4(ByteView secret, std::string_view date, std::string_view region,
                              std::string_view service, std::string_view string_to_sign);

}  // namespace keep::access
