// Private to the AWS KMS door (aws_door.cc, aws_ops.cc, aws_keys.cc): one request's state
// and the helpers the operations share.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "access/sigv4.h"
#include "http/aws_door.h"
#include "http/json_fields.h"

namespace keep::http {

struct AwsDoor::Call : access::Passage {
  Call(HttpRequest& r, std::string id)
      : access::Passage(id, std::string(r.remote_address)), req(r), request_id(std::move(id)) {}
  HttpRequest& req;
  std::string request_id;
  std::string action;  // "Encrypt", from X-Amz-Target
  ParsedBody body;
  const json::object* in = nullptr;  // the request's JSON object
  int audit_status = 200;            // keep's status of the answer, for the trail
};

// An AWS error answer for `st` (its `__type` from AwsErrorFor), recorded for the trail
// with keep's reason and status.
HttpResponse AwsErr(AwsDoor::Call& call, const Status& st);
HttpResponse AwsErr(AwsDoor::Call& call, const Status& st, AwsError as);
// A JSON 1.1 answer (200).
HttpResponse AwsOk(SecretString body);

// The request's fields: strict (an unknown field is ValidationException naming it).
Status Fields(AwsDoor::Call& call, std::initializer_list<std::string_view> allowed);
// Required/optional fields, AWS-named in messages.
Result<std::string_view> Req(const json::object& o, std::string_view name);

inline constexpr std::string_view kSymmetricDefault = "SYMMETRIC_DEFAULT";

// not_implemented with `what`: an AWS feature keep does not offer.
Status Unsupported(std::string what);
// The fields every cryptographic operation may carry that keep does not act on: grant
// tokens (keep has no grants: a non-empty list is refused), the algorithm fields named in
// `algorithms` (SYMMETRIC_DEFAULT or RSAES_OAEP_SHA_256; the key decides), Recipient.
Status CommonFields(const json::object& o, std::initializer_list<std::string_view> algorithms);
// DryRun: after authorization, AWS's answer that the request would have succeeded.
bool DryRun(const json::object& o);
HttpResponse DryRunAnswer(AwsDoor::Call& call);
// The encryption context's canonical bytes into the audit record (HMACed there).
void RecordContext(AwsDoor::Call& call, const format::EncryptionContext& c);

// Appends ,"name":"value" (JSON-escaped), and ,"name":"<base64 of value>", to an answer.
void AppendField(SecretString& out, std::string_view name, std::string_view value);
void AppendBase64Field(SecretString& out, std::string_view name, ByteView value);

// Key specs, usages and algorithms with AWS's names (aws_asym.cc).
std::string_view AwsKeySpec(keys::KeyType t);  // "RSA_2048", "ECC_NIST_P256", "HMAC_256", …
std::string_view AwsKeyUsage(keys::KeyPurpose p);
// The EncryptionAlgorithm of an asymmetric encryption key's ciphertexts.
std::string_view AwsEncryptionAlgorithm(keys::KeyType t);
// Adds EncryptionAlgorithms, SigningAlgorithms or MacAlgorithms to KeyMetadata.
void AwsAlgorithms(const keys::KeyMeta& m, json::object& md);
// CreateKey's KeySpec and KeyUsage as keep's type and purpose. Errors: not_implemented.
Result<std::pair<keys::KeyType, std::optional<keys::KeyPurpose>>> AwsKeyTypeOf(
    std::optional<std::string_view> spec, std::optional<std::string_view> usage);

// A key id as AWS shows it: the 16-byte id as a UUID, and back (nullopt: not a UUID).
std::string KeyIdUuid(const format::KeyId& id);
std::optional<format::KeyId> ParseKeyIdUuid(std::string_view s);
// Seconds since the epoch as AWS's JSON timestamps (a number).
inline std::string Epoch(int64_t t) {
  return std::to_string(t);
}

}  // namespace keep::http
