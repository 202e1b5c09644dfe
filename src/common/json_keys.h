// A strictness check for JSON read from outside (request bodies, stored records): does any
// object have two equal keys? Boost.JSON keeps the last of two silently, and an ambiguous
// document ({"t":"a","t":"b"}) could mean one thing to another reader and another to keep.
// A SAX pass that keeps the keys of each open object in a set (O(n log n) for a hostile
// object with many keys). Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace keep {

enum class JsonKeys { kUnique, kDuplicate, kNotJson };

// `max_depth`: deeper nesting is kNotJson.
JsonKeys CheckJsonKeys(std::string_view json, std::size_t max_depth = 32);

}  // namespace keep
