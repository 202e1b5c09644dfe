// The KMIP operations that need no managed object: DiscoverVersions (which protocol
// versions both sides speak) and Query (which operations and object types the server
// offers, and who it is). Pure functions from a request payload to a response payload;
// the door (next) authorizes and audits them like every other operation. Thread-safe.
#pragma once

#include <span>
#include <string>

#include "kmip/message.h"

namespace keep::kmip {

// The versions keep speaks, most preferred first: 2.0, 1.4, 1.3, 1.2, 1.1, 1.0.
std::span<const ProtocolVersion> SupportedVersions();

// DiscoverVersions: without versions in the request, every supported one (most preferred
// first); with some, those keep speaks, in the client's order (possibly none). Errors:
// bad_request for a Protocol Version that is not two Integers.
Result<Item> DiscoverVersions(const Item& request_payload);

// Query: Query Operations → the operations offered (`operations`), Query Objects → the
// object types, Query Server Information → Vendor Identification.
// Unknown query functions are ignored (as the specification allows). Errors: bad_request
// for a Query Function that is not an Enumeration.
Result<Item> Query(const Item& request_payload, std::span<const Operation> operations,
                   std::string_view vendor);

}  // namespace keep::kmip
