// keep — libkeep's version, for applications that check what they linked.
#pragma once

namespace keep {

// "MAJOR.MINOR.PATCH" of the libkeep in use (not of the headers compiled against).
const char* LibraryVersion();

}  // namespace keep
