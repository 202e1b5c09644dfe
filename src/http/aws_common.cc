// AwsDoor's shared pieces (aws_internal.h): the one table from keep's reasons to AWS
// error types, the answers, the strict field readers, key ids as UUIDs.
#include "format/context.h"
#include "http/aws_internal.h"
#include "http/errors.h"

namespace keep::http {
namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.1";

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "1234abcd-12ab-34cd-56ef-1234567890ab" → the 16 bytes.
std::optional<format::KeyId> ParseUuid(std::string_view s) {
  if (s.size() != 36) return std::nullopt;
  format::KeyId id{};
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return std::nullopt;
      continue;
    }
    const int hi = HexDigit(s[i]), lo = i + 1 < s.size() ? HexDigit(s[i + 1]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    id[n++] = static_cast<uint8_t>(hi * 16 + lo);
    ++i;
  }
  return n == 16 ? std::optional(id) : std::nullopt;
}

}  // namespace

std::optional<format::KeyId> ParseKeyIdUuid(std::string_view s) {
  return ParseUuid(s);
}

// keep's reasons as AWS errors. AWS KMS answers client errors with 400 whatever the kind.
AwsError AwsErrorFor(const Status& s) {
  const std::string_view r = s.reason();
  if (r == "not_found") return {"NotFoundException", 400};
  if (r == "key_disabled") return {"DisabledException", 400};
  if (r == "key_pending_deletion" || r == "failed_precondition" || r == "version_retired" ||
      r == "conflict" || r == "rekey_in_progress") {
    return {"KMSInvalidStateException", 400};
  }
  if (r == "invalid_ciphertext" || r == "context_mismatch") {
    return {"InvalidCiphertextException", 400};
  }
  if (r == "key_mismatch") return {"IncorrectKeyException", 400};
  if (r == "invalid_key_usage") return {"InvalidKeyUsageException", 400};
  if (r == "already_exists" || r == "already_initialized") return {"AlreadyExistsException", 400};
  if (r == "permission_denied" || r == "locked_down") return {"AccessDeniedException", 400};
  if (r == "unauthenticated") return {"UnrecognizedClientException", 400};
  if (r == "rate_limited") return {"ThrottlingException", 400};
  if (r == "not_implemented" || r == "method_not_allowed") {
    return {"UnsupportedOperationException", 400};
  }
  if (r == "bad_request" || r == "payload_too_large" || r == "invalid_share") {
    return {"ValidationException", 400};
  }
  if (r == "sealed" || r == "not_initialized" || r == "audit_unavailable" || r == "overloaded" ||
      r == "hsm_pin_rejected" || r == "store_unavailable" || r == "unavailable") {
    return {"KMSInternalException", 503};
  }
  return {"KMSInternalException", 500};
}

HttpResponse AwsErr(AwsDoor::Call& call, const Status& st, AwsError as) {
  call.audit_status = HttpStatusFor(st);
  HttpResponse r;
  r.status = as.status;
  r.content_type = std::string(kContentType);
  const bool internal = st.code() == Code::kInternal || st.code() == Code::kDataLoss;
  r.error_code = internal ? "internal" : std::string(st.reason());
  r.body = "{\"__type\":";
  AppendJsonString(r.body, as.type);
  r.body += ",\"message\":";
  AppendJsonString(r.body, PublicMessage(st));
  r.body += "}";
  return r;
}

HttpResponse AwsErr(AwsDoor::Call& call, const Status& st) {
  return AwsErr(call, st, AwsErrorFor(st));
}

HttpResponse AwsOk(SecretString body) {
  HttpResponse r;
  r.status = 200;
  r.content_type = std::string(kContentType);
  r.body = std::move(body);
  return r;
}

Status Fields(AwsDoor::Call& call, std::initializer_list<std::string_view> allowed) {
  auto o = AsObject(call.body.value(), allowed);
  if (!o.ok()) return o.status();
  call.in = *o;
  return Status::Ok();
}

Result<std::string_view> Req(const json::object& o, std::string_view name) {
  auto v = OptString(o, name);
  if (!v.ok()) return v.status();
  if (!*v || (*v)->empty()) {
    return InvalidArgument("1 validation error detected: Value null at '" + std::string(name) +
                           "' failed to satisfy constraint: Member must not be null");
  }
  return **v;
}

std::string KeyIdUuid(const format::KeyId& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[id[i] >> 4];
    out += kHex[id[i] & 15];
  }
  return out;
}

Status Unsupported(std::string what) {
  return Status(Code::kUnimplemented, "not_implemented", std::move(what));
}

// The fields every cryptographic operation may carry that keep does not act on: grant
// tokens (keep has no grants: a non-empty list is refused) and the algorithm (only
// SYMMETRIC_DEFAULT). `algorithms` names the algorithm fields of the operation.
Status CommonFields(const json::object& o, std::initializer_list<std::string_view> algorithms) {
  if (const json::value* g = o.if_contains("GrantTokens"); g && !g->is_null()) {
    if (!g->is_array()) return InvalidArgument("GrantTokens must be a list of strings");
    if (!g->get_array().empty()) {
      return Unsupported("grants are not supported by keep: authorize with policies instead");
    }
  }
  for (std::string_view a : algorithms) {
    KEEP_ASSIGN_OR_RETURN(auto alg, OptString(o, a));
    if (alg && *alg != kSymmetricDefault && *alg != "RSAES_OAEP_SHA_256") {
      return InvalidArgument(std::string(a) + " must be SYMMETRIC_DEFAULT or RSAES_OAEP_SHA_256");
    }
  }
  if (o.contains("Recipient")) {
    return Unsupported("Recipient (Nitro Enclaves attestation) is not supported");
  }
  return Status::Ok();
}

// DryRun: after authorization, AWS's answer that the request would have succeeded.
bool DryRun(const json::object& o) {
  const json::value* d = o.if_contains("DryRun");
  return d && d->is_bool() && d->get_bool();
}

HttpResponse DryRunAnswer(AwsDoor::Call& call) {
  return AwsErr(call,
                Status(Code::kFailedPrecondition, "failed_precondition",
                       "The request would have succeeded, but the DryRun option is set."),
                {"DryRunOperationException", 412});
}

void RecordContext(AwsDoor::Call& call, const format::EncryptionContext& c) {
  if (c.empty()) return;
  const Bytes canon = format::CanonicalContext(c);
  call.event.context.assign(canon.begin(), canon.end());
}

Result<std::string> AwsDoor::DataKeyOf(Call& call, bool with_plaintext) {
  KEEP_ASSIGN_OR_RETURN(std::string key, KeyOf(call, access::Operation::kDataKey));
  if (with_plaintext) {
    KEEP_RETURN_IF_ERROR(
        gate_.Allows(call.ctx.identity, access::Operation::kDataKeyPlaintext, key));
  }
  return key;
}

std::string AwsDoor::KeyArn(const keys::KeyMeta& m) const {
  return "arn:aws:kms:" + options_.region + ":" + options_.account_id + ":key/" + KeyIdUuid(m.id);
}

std::string AwsDoor::KeyArnOf(std::string_view key_name) {
  const std::string prefix = "arn:aws:kms:" + options_.region + ":" + options_.account_id;
  auto id = service_.IdOfKey(key_name);
  return id.ok() ? prefix + ":key/" + KeyIdUuid(*id) : prefix + ":alias/" + std::string(key_name);
}

void AppendField(SecretString& out, std::string_view name, std::string_view value) {
  out += ',';
  AppendJsonString(out, name);
  out += ':';
  AppendJsonString(out, value);
}

void AppendBase64Field(SecretString& out, std::string_view name, ByteView value) {
  out += ',';
  AppendJsonString(out, name);
  out += ":\"";
  AppendBase64(out, value);
  out += '"';
}

}  // namespace keep::http
