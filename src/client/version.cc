#include "keep/version.h"

namespace keep {

const char* LibraryVersion() {
  return KEEP_VERSION_STRING;
}

}  // namespace keep
