// The KMIP door: the state machine — Activate (Pre-Active → Active), Revoke (→ Deactivated,
// or Compromised for a key or CA compromise), Destroy (the material wiped, the attributes
// kept; an Active object must be revoked first).
#include "http/kmip_internal.h"

namespace keep::http::kmip_ops {
Result<Item> Activate(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kKeyUpdate));
  if (o.state() != State::kPreActive) return Illegal("only a Pre-Active object can be activated");
  o.Set("State", Item::Enumeration(0, static_cast<uint32_t>(State::kActive)));
  o.Set("Activation Date", Item::DateTime(0, c.now));
  KEEP_RETURN_IF_ERROR(Store(c, o, false));
  return UidPayload(o.uid);
}

Result<Item> Revoke(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kKeyUpdate));
  KEEP_ASSIGN_OR_RETURN(
      const Item* reason,
      kmip::Field(c.payload, tag::kRevocationReason, Type::kStructure, "Revocation Reason", true));
  KEEP_ASSIGN_OR_RETURN(const Item* code,
                        kmip::Field(*reason, tag::kRevocationReasonCode, Type::kEnumeration,
                                    "Revocation Reason Code", true));
  KEEP_ASSIGN_OR_RETURN(const Item* when,
                        kmip::Field(c.payload, tag::kCompromiseOccurrenceDate, Type::kDateTime,
                                    "Compromise Occurrence Date", false));
  const State s = o.state();
  if (s == State::kDestroyed || s == State::kDestroyedCompromised) {
    return Illegal("the object is destroyed");
  }
  const bool compromise =
      code->number == static_cast<int64_t>(kmip::RevocationReasonCode::kKeyCompromise) ||
      code->number == static_cast<int64_t>(kmip::RevocationReasonCode::kCaCompromise);
  if (compromise) {
    o.Set("State", Item::Enumeration(0, static_cast<uint32_t>(State::kCompromised)));
    o.Set("Compromise Date", Item::DateTime(0, c.now));
    o.Set("Compromise Occurrence Date", Item::DateTime(0, when ? when->number : c.now));
  } else {
    if (s == State::kDeactivated || s == State::kCompromised) {
      return Illegal("the object is revoked already");
    }
    o.Set("State", Item::Enumeration(0, static_cast<uint32_t>(State::kDeactivated)));
    o.Set("Deactivation Date", Item::DateTime(0, c.now));
  }
  o.Set("Revocation Reason", reason->Clone());
  KEEP_RETURN_IF_ERROR(Store(c, o, false));
  return UidPayload(o.uid);
}

Result<Item> Destroy(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kKeyDelete));
  const State s = o.state();
  if (s == State::kActive)
    return Illegal("an Active object must be revoked before it is destroyed");
  if (s == State::kDestroyed || s == State::kDestroyedCompromised) {
    return Illegal("the object is destroyed already");
  }
  o.material = crypto::SecretBytes();
  o.has_material = false;
  o.Set("State", Item::Enumeration(0, static_cast<uint32_t>(s == State::kCompromised
                                                                ? State::kDestroyedCompromised
                                                                : State::kDestroyed)));
  o.Set("Destroy Date", Item::DateTime(0, c.now));
  KEEP_RETURN_IF_ERROR(Store(c, o, false));
  return UidPayload(o.uid);
}

}  // namespace keep::http::kmip_ops
