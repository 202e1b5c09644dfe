// The `keep` command line (API.md "Command line"). Run() parses argv, talks to keepd
// through keep::Client and returns the exit status: 0 success, 1 a server-side
// refusal or error (message on stderr), 2 a usage error.
#pragma once

namespace keep::cli {

int Run(int argc, char** argv);

}  // namespace keep::cli
