// The KMIP door's operations (kmip_objects.cc: lifecycle and attributes; kmip_crypto.cc:
// cryptographic operations) and what they share. Each takes one batch item's call and
// returns its Response Payload; failures are Statuses the door translates to Result
// Reasons (kmip_door.cc). Internal to keep_api.
#pragma once

#include <string>

#include "access/gate.h"
#include "crypto/asymmetric.h"
#include "http/kmip_door.h"
#include "kmip/keyblock.h"
#include "kmip/object.h"
#include "service/service.h"

namespace keep::http::kmip_ops {

// The names every operation file uses.
using kmip::Item;
using kmip::ManagedObject;
using kmip::ObjectType;
using kmip::State;
using kmip::Type;
namespace tag = kmip::tag;
using O = access::Operation;

// One batch item on its way through the Gate.
struct Call : access::Passage {
  Call(std::string id, std::string_view remote, service::Service& s, access::Gate& g,
       const KmipOptions& o, kmip::ProtocolVersion v, const kmip::Item& p, std::string& ph,
       int64_t t)
      : access::Passage(std::move(id), std::string(remote)),
        service(s),
        gate(g),
        options(o),
        version(v),
        payload(p),
        placeholder(ph),
        now(t) {}
  service::Service& service;
  access::Gate& gate;
  const KmipOptions& options;
  kmip::ProtocolVersion version;
  const kmip::Item& payload;  // the Request Payload
  std::string& placeholder;   // the batch's ID Placeholder
  int64_t now;                // seconds since the epoch
};

using Op = Result<kmip::Item> (*)(Call&);

Result<kmip::Item> Create(Call& c);
Result<kmip::Item> CreateKeyPair(Call& c);
Result<kmip::Item> Register(Call& c);
Result<kmip::Item> Get(Call& c);
Result<kmip::Item> GetAttributes(Call& c);
Result<kmip::Item> GetAttributeList(Call& c);
Result<kmip::Item> AddAttribute(Call& c);
Result<kmip::Item> ModifyAttribute(Call& c);
Result<kmip::Item> DeleteAttribute(Call& c);
Result<kmip::Item> Locate(Call& c);
Result<kmip::Item> Activate(Call& c);
Result<kmip::Item> Revoke(Call& c);
Result<kmip::Item> Destroy(Call& c);
Result<kmip::Item> Encrypt(Call& c);
Result<kmip::Item> Decrypt(Call& c);
Result<kmip::Item> Sign(Call& c);
Result<kmip::Item> SignatureVerify(Call& c);
Result<kmip::Item> Mac(Call& c);
Result<kmip::Item> DeriveKey(Call& c);

// The object the payload names (its Unique Identifier, else the ID Placeholder), loaded,
// with `op` authorized on its resource and the resource in the audit record. Errors:
// not_found (Item Not Found), kmip_missing_data (no UID and no placeholder), the Gate's.
Result<kmip::ManagedObject> Load(Call& c, access::Operation op);
// Writes `o` (stamping Last Change Date); `create`: a new object.
Status Store(Call& c, kmip::ManagedObject& o, bool create);
// A fresh object of `type` for the caller: UID, group (the first valid Object Group of
// `attrs`, else the default), owner, server attributes; the client's attributes checked
// (read-only ones refused) and applied; `create` authorized on "kmip/<group>/".
Result<kmip::ManagedObject> NewObject(Call& c, kmip::ObjectType type,
                                      std::vector<kmip::Attribute> attrs);
// The state the dates make it now (Pre-Active past its Activation Date is Active, Active
// past its Deactivation Date is Deactivated), written back into `o`.
kmip::State Refresh(kmip::ManagedObject& o, int64_t now);
// A response payload holding the Unique Identifier only.
kmip::Item UidPayload(const std::string& uid);
// Errors for a usage mask or state that forbids the operation.
Status CheckUsage(const kmip::ManagedObject& o, uint32_t bit, std::string_view what);
Status Illegal(std::string message);

// Shared by the cryptographic operations (kmip_crypto.cc, kmip_derive.cc).
Status NotSupported(std::string message);  // kmip_feature_not_supported
// A number of the Cryptographic Parameters `params` (may be null), or `fallback`.
int64_t ParamOr(const kmip::Item* params, uint32_t tag, int64_t fallback);
// SHA-256/384/512 from a KMIP Hashing Algorithm. Errors: kmip_feature_not_supported.
Result<crypto::asym::Hash> HashOf(int64_t kmip_hash);
// Whether an object in state `s` may protect new data (Active only).
bool UsableForUse(kmip::State s);
bool IsAes(const kmip::ManagedObject& o);

}  // namespace keep::http::kmip_ops
