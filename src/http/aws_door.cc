// AwsDoor: dispatch, SigV4 through the Gate, errors, key names and ARNs. The operations
// are in aws_ops.cc (cryptographic) and aws_keys.cc (keys).
#include "http/aws_door.h"

#include <strings.h>

#include "common/log.h"
#include "common/names.h"
#include "common/time.h"
#include "http/aws_internal.h"
#include "http/door.h"
#include "http/errors.h"

namespace keep::http {
namespace {

constexpr std::string_view kTargetPrefix = "TrentService.";
constexpr std::string_view kContentType = "application/x-amz-json-1.1";

std::optional<std::string_view> Header(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

// The operations, by AWS name: the access operation whose capability and audit name
// they take, and the handler.
enum class Act {
  kEncrypt,
  kDecrypt,
  kReEncrypt,
  kGenerateDataKey,
  kGenerateDataKeyWithoutPlaintext,
  kGenerateRandom,
  kCreateKey,
  kDescribeKey,
  kListKeys,
  kListAliases,
  kEnableKey,
  kDisableKey,
  kUpdateKeyDescription,
  kScheduleKeyDeletion,
  kCancelKeyDeletion,
  kEnableKeyRotation,
  kDisableKeyRotation,
  kGetKeyRotationStatus,
  kRotateKeyOnDemand,
  kListKeyRotations,
  kCreateAlias,
  kUpdateAlias,
  kDeleteAlias,
  kTagResource,
  kUntagResource,
  kListResourceTags,
  kGetPublicKey,
  kSign,
  kVerify,
  kGenerateMac,
  kVerifyMac,
  kGenerateDataKeyPair,
  kGenerateDataKeyPairWithoutPlaintext,
};

struct ActSpec {
  std::string_view name;
  Act act;
  access::Operation op;  // the capability; names the audit record
};

using O = access::Operation;
constexpr ActSpec kActs[] = {
    {"Encrypt", Act::kEncrypt, O::kEncrypt},
    {"Decrypt", Act::kDecrypt, O::kDecrypt},
    {"ReEncrypt", Act::kReEncrypt, O::kRewrap},
    {"GenerateDataKey", Act::kGenerateDataKey, O::kDataKey},
    {"GenerateDataKeyWithoutPlaintext", Act::kGenerateDataKeyWithoutPlaintext, O::kDataKey},
    {"GenerateRandom", Act::kGenerateRandom, O::kRandom},
    {"CreateKey", Act::kCreateKey, O::kKeyCreate},
    {"DescribeKey", Act::kDescribeKey, O::kKeyRead},
    {"ListKeys", Act::kListKeys, O::kKeyList},
    {"ListAliases", Act::kListAliases, O::kKeyList},
    {"EnableKey", Act::kEnableKey, O::kKeyUpdate},
    {"DisableKey", Act::kDisableKey, O::kKeyUpdate},
    {"UpdateKeyDescription", Act::kUpdateKeyDescription, O::kKeyUpdate},
    {"ScheduleKeyDeletion", Act::kScheduleKeyDeletion, O::kKeyDelete},
    {"CancelKeyDeletion", Act::kCancelKeyDeletion, O::kKeyDelete},
    {"EnableKeyRotation", Act::kEnableKeyRotation, O::kKeyUpdate},
    {"DisableKeyRotation", Act::kDisableKeyRotation, O::kKeyUpdate},
    {"GetKeyRotationStatus", Act::kGetKeyRotationStatus, O::kKeyRead},
    {"RotateKeyOnDemand", Act::kRotateKeyOnDemand, O::kKeyRotate},
    {"ListKeyRotations", Act::kListKeyRotations, O::kKeyRead},
    {"CreateAlias", Act::kCreateAlias, O::kKeyUpdate},
    {"UpdateAlias", Act::kUpdateAlias, O::kKeyUpdate},
    {"DeleteAlias", Act::kDeleteAlias, O::kKeyUpdate},
    {"TagResource", Act::kTagResource, O::kKeyUpdate},
    {"UntagResource", Act::kUntagResource, O::kKeyUpdate},
    {"ListResourceTags", Act::kListResourceTags, O::kKeyRead},
    {"GetPublicKey", Act::kGetPublicKey, O::kPublicKey},
    {"Sign", Act::kSign, O::kSign},
    {"Verify", Act::kVerify, O::kVerify},
    {"GenerateMac", Act::kGenerateMac, O::kHmac},
    {"VerifyMac", Act::kVerifyMac, O::kHmacVerify},
    {"GenerateDataKeyPair", Act::kGenerateDataKeyPair, O::kDataKey},
    {"GenerateDataKeyPairWithoutPlaintext", Act::kGenerateDataKeyPairWithoutPlaintext, O::kDataKey},
};

const ActSpec* FindAct(std::string_view name) {
  for (const auto& a : kActs) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace

AwsDoor::AwsDoor(service::Service& service, access::Gate& gate, AwsOptions options,
                 std::function<std::string()> next_request_id, bool async_audit)
    : service_(service),
      gate_(gate),
      options_(std::move(options)),
      next_request_id_(std::move(next_request_id)),
      async_audit_(async_audit) {}

bool AwsDoor::Quick(const HttpRequest& req) {
  const std::string_view target = Header(req, "x-amz-target").value_or("");
  if (target.substr(0, kTargetPrefix.size()) != kTargetPrefix) return false;
  const ActSpec* spec = FindAct(target.substr(kTargetPrefix.size()));
  if (spec == nullptr || spec->act == Act::kGenerateDataKeyPair ||
      spec->act == Act::kGenerateDataKeyPairWithoutPlaintext || !QuickOperation(spec->op)) {
    return false;
  }
  const bool opens =
      spec->op == access::Operation::kDecrypt || spec->op == access::Operation::kRewrap;
  return !(opens && MayAskThePeer(req.body));
}

bool AwsDoor::Claims(const HttpRequest& req) {
  const std::string_view t = req.target;
  return (t == "/" || t.substr(0, 2) == "/?") && Header(req, "x-amz-target").has_value();
}

HttpResponse AwsDoor::Handle(HttpRequest& req) {
  Call call(req, next_request_id_());
  const log::RequestScope log_scope(call.request_id);
  HttpResponse resp;
  const std::string_view target = Header(req, "x-amz-target").value_or("");
  call.action = std::string(target.substr(0, 100));
  const ActSpec* spec = nullptr;
  if (target.substr(0, kTargetPrefix.size()) == kTargetPrefix) {
    spec = FindAct(target.substr(kTargetPrefix.size()));
    call.action = std::string(target.substr(kTargetPrefix.size(), 64));
  }
  // The trail names the operation as for every door; the AWS name goes in its detail.
  call.event.operation = spec ? std::string(access::OperationName(spec->op)) : "aws " + call.action;
  call.event.detail = "aws " + call.action;
  if (!options_.enabled) {
    resp = AwsErr(call, Status(Code::kUnimplemented, "not_implemented",
                               "the AWS KMS API is turned off on this server ([aws] enabled)"));
    return Finish(call, std::move(resp));
  }
  // Authentication first: nothing about the request is answered to an unknown caller.
  access::SigV4Error kind = access::SigV4Error::kNone;
  const std::string_view query =
      req.target.size() > 2 ? std::string_view(req.target).substr(2) : "";
  const access::SigV4Request sr{req.method,
                                "/",
                                query,
                                req.headers,
                                req.authorization ? req.authorization->view() : std::string_view(),
                                AsBytes(req.body.view())};
  access::SigV4Expect expect;
  expect.region = options_.region;
  expect.now_unix = NowUnix();
  auto claim = access::DecodeSigV4(sr, expect, &kind);
  Result<access::Credentials> creds = access::Credentials{};
  if (claim.ok()) {
    creds->sigv4 = &*claim;
  } else {
    creds = claim.status();
  }
  if (Status st = gate_.Authenticate(call, creds); !st.ok()) {
    AwsError as = AwsErrorFor(st);
    if (st.code() == Code::kUnauthenticated) {
      as = kind == access::SigV4Error::kMissing
               ? AwsError{"MissingAuthenticationTokenException", 403}
           : kind == access::SigV4Error::kIncomplete ? AwsError{"IncompleteSignatureException", 400}
           : st.message() == access::kUnknownAccessKey
               ? AwsError{"UnrecognizedClientException", 400}
               : AwsError{"InvalidSignatureException", 400};
    }
    return Finish(call, AwsErr(call, st, as));
  }
  if (spec == nullptr) {
    resp = AwsErr(call, InvalidArgument("unknown or unsupported operation '" + call.action + "'"),
                  {"UnknownOperationException", 400});
    return Finish(call, std::move(resp));
  }
  if (auto ct = Header(req, "content-type");
      !ct || ct->substr(0, kContentType.size()) != kContentType) {
    return Finish(
        call, AwsErr(call, InvalidArgument("Content-Type must be " + std::string(kContentType))));
  }
  if (Status st = call.body.Parse(req.body.view()); !st.ok()) {
    return Finish(call, AwsErr(call, st, {"SerializationException", 400}));
  }
  if (!call.body.value().is_object()) {
    return Finish(call, AwsErr(call, InvalidArgument("the request body is not a JSON object"),
                               {"SerializationException", 400}));
  }
  switch (spec->act) {
    case Act::kEncrypt:
      resp = Encrypt(call);
      break;
    case Act::kDecrypt:
      resp = Decrypt(call);
      break;
    case Act::kReEncrypt:
      resp = ReEncrypt(call);
      break;
    case Act::kGenerateDataKey:
      resp = GenerateDataKey(call, true);
      break;
    case Act::kGenerateDataKeyWithoutPlaintext:
      resp = GenerateDataKey(call, false);
      break;
    case Act::kGenerateRandom:
      resp = GenerateRandom(call);
      break;
    case Act::kCreateKey:
      resp = CreateKey(call);
      break;
    case Act::kDescribeKey:
      resp = DescribeKey(call);
      break;
    case Act::kListKeys:
      resp = ListKeys(call);
      break;
    case Act::kListAliases:
      resp = ListAliases(call);
      break;
    case Act::kEnableKey:
      resp = SetEnabled(call, true);
      break;
    case Act::kDisableKey:
      resp = SetEnabled(call, false);
      break;
    case Act::kUpdateKeyDescription:
      resp = UpdateKeyDescription(call);
      break;
    case Act::kScheduleKeyDeletion:
      resp = ScheduleKeyDeletion(call);
      break;
    case Act::kCancelKeyDeletion:
      resp = CancelKeyDeletion(call);
      break;
    case Act::kEnableKeyRotation:
      resp = SetRotation(call, true);
      break;
    case Act::kDisableKeyRotation:
      resp = SetRotation(call, false);
      break;
    case Act::kGetKeyRotationStatus:
      resp = GetKeyRotationStatus(call);
      break;
    case Act::kRotateKeyOnDemand:
      resp = RotateKeyOnDemand(call);
      break;
    case Act::kListKeyRotations:
      resp = ListKeyRotations(call);
      break;
    case Act::kCreateAlias:
      resp = CreateAlias(call);
      break;
    case Act::kUpdateAlias:
      resp = UpdateAlias(call);
      break;
    case Act::kDeleteAlias:
      resp = DeleteAlias(call);
      break;
    case Act::kTagResource:
      resp = TagResource(call);
      break;
    case Act::kUntagResource:
      resp = UntagResource(call);
      break;
    case Act::kGetPublicKey:
      resp = GetPublicKey(call);
      break;
    case Act::kSign:
      resp = Sign(call);
      break;
    case Act::kVerify:
      resp = Verify(call);
      break;
    case Act::kGenerateMac:
      resp = GenerateMac(call);
      break;
    case Act::kVerifyMac:
      resp = VerifyMac(call);
      break;
    case Act::kGenerateDataKeyPair:
      resp = GenerateDataKeyPair(call, true);
      break;
    case Act::kGenerateDataKeyPairWithoutPlaintext:
      resp = GenerateDataKeyPair(call, false);
      break;
    case Act::kListResourceTags:
      resp = ListResourceTags(call);
      break;
  }
  return Finish(call, std::move(resp));
}

std::optional<HttpResponse> AwsDoor::Screen(HttpRequest& head) {
  if (!options_.enabled) return std::nullopt;  // Handle answers
  access::SigV4Error kind = access::SigV4Error::kNone;
  auto id = access::SigV4AccessKeyId(
      head.authorization ? head.authorization->view() : std::string_view(), &kind);
  Call call(head, next_request_id_());
  const log::RequestScope log_scope(call.request_id);
  Status st = id.ok() ? gate_.ScreenAwsKey(call, *id) : id.status();
  if (st.ok()) return std::nullopt;
  const std::string_view target = Header(head, "x-amz-target").value_or("");
  call.action = std::string(target.substr(std::min(target.size(), kTargetPrefix.size()), 64));
  const ActSpec* spec = FindAct(call.action);
  call.event.operation = spec ? std::string(access::OperationName(spec->op)) : "aws " + call.action;
  call.event.detail = "aws " + call.action;
  AwsError as = AwsErrorFor(st);
  if (st.code() == Code::kUnauthenticated) {
    as = kind == access::SigV4Error::kMissing ? AwsError{"MissingAuthenticationTokenException", 403}
         : kind == access::SigV4Error::kIncomplete ? AwsError{"IncompleteSignatureException", 400}
                                                   : AwsError{"UnrecognizedClientException", 400};
  }
  return Finish(call, AwsErr(call, st, as));
}

HttpResponse AwsDoor::Finish(Call& call, HttpResponse response) {
  response.headers.emplace_back("x-amzn-RequestId", call.request_id);
  response.headers.emplace_back("X-Request-Id", call.request_id);
  return FinishAudited(gate_, call, call.audit_status, std::move(response), async_audit_,
                       call.request_id, [&](HttpResponse& r) {
                         r.body.Wipe();
                         HttpResponse failed =
                             AwsErr(call, Unavailable("audit_unavailable",
                                                      "the request was refused because its audit "
                                                      "record could not be written"));
                         failed.headers.emplace_back("x-amzn-RequestId", call.request_id);
                         failed.headers.emplace_back("X-Request-Id", call.request_id);
                         return failed;
                       });
}

Status AwsDoor::Authorize(Call& call, access::Operation op, std::string_view key) {
  if (!key.empty()) call.event.key = std::string(key);
  return gate_.Authorize(call, op, key);
}

Result<std::string> AwsDoor::ResolveKey(std::string_view key_id) {
  const std::string shown(key_id.substr(0, 300));
  std::string_view k = key_id;
  const std::string arn_prefix = "arn:aws:kms:" + options_.region + ":" + options_.account_id + ":";
  if (k.substr(0, 4) == "arn:") {
    if (k.substr(0, arn_prefix.size()) != arn_prefix) {
      return NotFound("Invalid arn " + shown + ": not a key of this server (region " +
                      options_.region + ", account " + options_.account_id + ")");
    }
    k.remove_prefix(arn_prefix.size());
    if (k.substr(0, 4) == "key/") {
      k.remove_prefix(4);
    } else if (k.substr(0, 6) != "alias/") {
      return NotFound("Invalid arn " + shown);
    }
  }
  if (k.substr(0, 6) == "alias/") {
    const std::string_view name = k.substr(6);
    if (name.empty() || name.size() > 250) return NotFound("Alias " + shown + " is not found.");
    return service_.ResolveAlias(name);
  }
  if (auto id = ParseKeyIdUuid(k)) {
    auto name = service_.KeyOfId(*id);
    if (!name.ok() && name.status().code() != Code::kUnavailable) {
      return NotFound("Key '" + arn_prefix + "key/" + std::string(k) + "' does not exist");
    }
    return name;
  }
  return NotFound("Invalid keyId '" + shown + "'");
}

Result<std::string> AwsDoor::KeyOf(Call& call, access::Operation op, std::string_view field) {
  KEEP_ASSIGN_OR_RETURN(std::string_view id, Req(*call.in, field));
  KEEP_ASSIGN_OR_RETURN(std::string key, ResolveKey(id));
  KEEP_RETURN_IF_ERROR(Authorize(call, op, key));
  return key;
}

Result<std::string> AwsDoor::AliasName(std::string_view alias) const {
  const std::string arn_prefix = "arn:aws:kms:" + options_.region + ":" + options_.account_id + ":";
  if (alias.substr(0, arn_prefix.size()) == arn_prefix) alias.remove_prefix(arn_prefix.size());
  if (alias.substr(0, 6) != "alias/") {
    return InvalidArgument("an alias name starts with 'alias/'");
  }
  alias.remove_prefix(6);
  KEEP_RETURN_IF_ERROR(keys::AliasStore::ValidateName(alias));
  return std::string(alias);
}

}  // namespace keep::http
