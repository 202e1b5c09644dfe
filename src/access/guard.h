// Guard: the authenticate and authorize stages of the request pipeline.
//
// Authenticate maps the request's credentials to an Identity: a SigV4 signature (the AWS
// door; its access key must exist and the signature match); else a bearer token; else
// a verified client certificate mapped by subject or SPKI fingerprint (GuardOptions);
// else, when the request presents no credential at all, the anonymous identity when
// enabled; else kUnauthenticated. A credential that fails (a bad token, an unmapped
// certificate) is kUnauthenticated, never anonymous. While sealed: kUnavailable "sealed".
//
// Authorize decides whether an identity may perform an operation on a key: deny by
// default; each operation needs one capability (OperationCapability), granted by one of
// the identity's policies (the built-in "root" grants all). A locked-down identity is
// refused with 503 "locked_down" whatever its policies. Thread-safe.
#pragma once

#include <atomic>
#include <memory>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/aws_key_store.h"
#include "access/identity.h"
#include "access/lock_store.h"
#include "access/operation.h"
#include "access/policy_store.h"
#include "access/token_store.h"

namespace keep::access {

// A client certificate mapped to an identity: by exact subject (RFC 2253 form, e.g.
// "CN=billing,O=Example") or SHA-256 of the SubjectPublicKeyInfo (hex).
struct CertIdentity {
  std::string name;  // the identity is "cert:<name>"
  std::string subject;
  std::string spki_sha256;
  std::vector<std::string> policies;
};

struct GuardOptions {
  bool anonymous = false;  // requests without credentials get the "anonymous" identity
  std::vector<std::string> anonymous_policies;
  std::vector<CertIdentity> certificates;
  // The keas.kmi door: its clients present no credential; without a client certificate they
  // are "keas:anonymous" with these policies (none: refused).
  std::vector<std::string> keas_policies;
};

// What the transport knows about the caller.
struct Credentials {
  const SigV4Claim* sigv4 = nullptr;  // the AWS door's decoded signature
  std::optional<std::string_view> bearer;
  std::string_view cert_subject;      // empty: no verified client certificate
  std::string_view cert_spki_sha256;  // hex
  // The door asking when it is not the native API's ("keas"): its anonymous identity.
  std::string_view door;
};

class Guard {
 public:
  // The stores are the service's (loaded under the barrier while unsealed); the Guard only
  // reads them.
  Guard(const TokenStore& tokens, const AwsKeyStore& aws_keys, const PolicyStore& policies,
        const LockStore& locks, GuardOptions options)
      : tokens_(tokens),
        aws_keys_(aws_keys),
        policies_(policies),
        locks_(locks),
        options_(std::make_shared<const GuardOptions>(std::move(options))) {}
  Result<Identity> Authenticate(const Credentials& creds) const;
  // Errors: permission_denied naming the missing capability; 503 locked_down.
  Status Authorize(const Identity& who, Operation op, std::string_view key) const;
  // Whether `who` may read `key` (for filtering key lists).
  bool CanReadKey(const Identity& who, std::string_view key) const;
  // The options in force (a snapshot: Reconfigure may replace them at any time).
  std::shared_ptr<const GuardOptions> options() const { return options_.load(); }
  // Replaces anonymous access and certificate mappings for requests authenticated from
  // now on (SIGHUP). Thread-safe with Authenticate.
  void Reconfigure(GuardOptions options) {
    options_.store(std::make_shared<const GuardOptions>(std::move(options)));
  }

 private:
  bool Allows(const Identity& who, Requirement req, std::string_view key) const;
  const TokenStore& tokens_;
  const AwsKeyStore& aws_keys_;
  const PolicyStore& policies_;
  const LockStore& locks_;
  std::atomic<std::shared_ptr<const GuardOptions>> options_;
};

}  // namespace keep::access
