// AwsDoor: the AWS KMS door — the AWS KMS JSON 1.1 protocol (POST / with
// X-Amz-Target: TrentService.<Operation>) on keepd's HTTPS listener, for AWS SDKs, the
// AWS CLI and what is built on them (docs/operations.md, "Using AWS SDKs and the AWS CLI").
//
// A door only decodes and encodes: each request is authenticated by Signature Version 4
// (access/sigv4.h; the access key is an identity "aws:<id>" in the Directory), then walks
// the same Gate as the native API — the operation's capability on the key, rate limits,
// decrypt budgets and lockdown, one audit record — and calls the same service. keep's
// ciphertext is the CiphertextBlob (its binary form), keep's context is the
// EncryptionContext, so a ciphertext made through either door opens through the other.
//
// Keys: every keep key has a KeyId (its 16-byte id as a UUID) and an ARN
// (arn:aws:kms:REGION:ACCOUNT:key/ID); the keep key NAME is alias/NAME. Errors are AWS's
// (`__type` and status) from one table (AwsErrorFor). Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "access/gate.h"
#include "http/message.h"
#include "service/service.h"

namespace keep::http {

struct AwsOptions {
  bool enabled = true;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";  // 12 digits, in ARNs
};

// An AWS error: the `__type` and HTTP status a keep Status is answered with.
struct AwsError {
  std::string_view type;
  int status;
};
AwsError AwsErrorFor(const Status& s);

class AwsDoor {
 public:
  // `async_audit`: as ApiOptions::async_audit (responses carry their audit ticket).
  AwsDoor(service::Service& service, access::Gate& gate, AwsOptions options,
          std::function<std::string()> next_request_id, bool async_audit = false);

  // Whether `req` is for this door (POST to "/" carrying X-Amz-Target).
  static bool Claims(const HttpRequest& req);
  // Whether the action in X-Amz-Target is in-memory cryptography (QuickOperation; not
  // GenerateDataKeyPair*, which makes an RSA or EC key pair).
  static bool Quick(const HttpRequest& req);
  HttpResponse Handle(HttpRequest& req);
  // Before the body is read (`head` has headers, no body): a request with no SigV4
  // Authorization, or signed with an unknown access key, or to a sealed keep, is answered
  // (and audited) here, so an unknown caller cannot make keepd receive its body.
  // nullopt: read the body and Handle() it.
  std::optional<HttpResponse> Screen(HttpRequest& head);

  struct Call;  // one request (aws_internal.h)

 private:
  HttpResponse Run(Call& call);
  HttpResponse Finish(Call& call, HttpResponse response);

  // Operations (aws_ops.cc, aws_keys.cc).
  HttpResponse Encrypt(Call& call);
  HttpResponse Decrypt(Call& call);
  HttpResponse ReEncrypt(Call& call);
  HttpResponse GenerateDataKey(Call& call, bool with_plaintext);
  HttpResponse GenerateRandom(Call& call);
  HttpResponse CreateKey(Call& call);
  // aws_asym.cc: keys beyond AES.
  HttpResponse GetPublicKey(Call& call);
  HttpResponse Sign(Call& call);
  HttpResponse Verify(Call& call);
  HttpResponse GenerateMac(Call& call);
  HttpResponse VerifyMac(Call& call);
  HttpResponse GenerateDataKeyPair(Call& call, bool with_plaintext);
  // Decrypt of a bare RSA-OAEP ciphertext made outside keep (aws_ops.cc).
  HttpResponse DecryptBare(Call& call);
  std::string_view AlgorithmOfKey(Call& call, std::string_view key);
  // Decrypt's answer: Plaintext, KeyId (ARN), EncryptionAlgorithm.
  HttpResponse DecryptAnswer(Call& call, const service::DecryptResult& r,
                             std::string_view algorithm);
  HttpResponse DescribeKey(Call& call);
  HttpResponse ListKeys(Call& call);
  HttpResponse ListAliases(Call& call);
  HttpResponse SetEnabled(Call& call, bool enabled);
  HttpResponse UpdateKeyDescription(Call& call);
  HttpResponse ScheduleKeyDeletion(Call& call);
  HttpResponse CancelKeyDeletion(Call& call);
  HttpResponse SetRotation(Call& call, bool enabled);
  HttpResponse GetKeyRotationStatus(Call& call);
  HttpResponse RotateKeyOnDemand(Call& call);
  HttpResponse ListKeyRotations(Call& call);
  // aws_aliases.cc: aliases and tags.
  HttpResponse CreateAlias(Call& call);
  HttpResponse UpdateAlias(Call& call);
  HttpResponse DeleteAlias(Call& call);
  HttpResponse TagResource(Call& call);
  HttpResponse UntagResource(Call& call);
  HttpResponse ListResourceTags(Call& call);
  // The request's KeyId resolved and authorized for `op`. Errors as ResolveKey, Authorize.
  Result<std::string> KeyOf(Call& call, access::Operation op, std::string_view field = "KeyId");
  // KeyOf for data keys: `datakey`, and `datakey-plaintext` too when `with_plaintext`.
  Result<std::string> DataKeyOf(Call& call, bool with_plaintext);
  // KeyOf for MAC operations, with the common fields and MacAlgorithm checked against the
  // key (aws_asym.cc).
  Result<keys::KeyMeta> MacKeyOf(Call& call, access::Operation op);
  // "alias/NAME" (or its ARN) → NAME. Errors: ValidationException (bad_request).
  Result<std::string> AliasName(std::string_view alias) const;

  // The keep key a KeyId names (a key id, alias/NAME, or either's ARN). Errors:
  // NotFoundException (not_found), ValidationException (bad_request).
  Result<std::string> ResolveKey(std::string_view key_id);
  // The Gate for `op` on `key` ("" for none), recording the key.
  Status Authorize(Call& call, access::Operation op, std::string_view key);
  std::string KeyArn(const keys::KeyMeta& m) const;
  std::string KeyArnOf(std::string_view key_name);
  std::string KeyMetadataJson(const keys::KeyMeta& m) const;

  service::Service& service_;
  access::Gate& gate_;
  AwsOptions options_;
  std::function<std::string()> next_request_id_;
  bool async_audit_;
};

}  // namespace keep::http
