// systemd's readiness protocol (sd_notify(3)), written from its documentation without
// libsystemd: a datagram such as "READY=1" to the AF_UNIX socket named by $NOTIFY_SOCKET
// (a path, or "@name" for the abstract namespace). Without $NOTIFY_SOCKET (not started by
// systemd with Type=notify) it does nothing. Thread-safe.
#pragma once

#include <string_view>

namespace keep {

// Sends `state` (newline-separated assignments: "READY=1", "STOPPING=1",
// "STATUS=…"). Returns true when sent, false when there is no socket to send to or the
// send failed (best effort: keepd never fails because systemd is not listening).
bool NotifySystemd(std::string_view state);

}  // namespace keep
