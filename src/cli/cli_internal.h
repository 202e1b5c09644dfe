// Private to the CLI: shared state and helpers for the subcommand files.
#pragma once

#include <sys/types.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/output_file.h"
#include "crypto/pubkey.h"
#include "keep/client.h"

namespace keep::cli {

namespace json = boost::json;

struct Globals {
  std::string addr = "https://127.0.0.1:8443";
  std::string token;
  std::string ca_cert;
  std::string client_cert, client_key;
  std::string format = "text";
  std::string passphrase_file;
  bool json() const { return format == "json"; }
};

// A usage error detected after parsing (exit status 2).
struct UsageError {
  std::string message;
};
// A local refusal or error that is not about usage (a damaged file, a wrong key):
// exit status 1.
struct Failure {
  std::string message;
};

class Context {
 public:
  explicit Context(Globals& g) : g_(g) {}
  Globals& globals() { return g_; }
  // Sends a request; on transport failure or an error status prints the message and
  // returns nullopt (the caller exits 1).
  std::optional<json::value> Call(std::string_view method, std::string_view target,
                                  const json::value* body = nullptr, int* status = nullptr);
  // Prints `v` as JSON (for --format json).
  void PrintJson(const json::value& v);

 private:
  Globals& g_;
  std::unique_ptr<Client> client_;
};

// Parses repeated "k=v" options into a JSON object. Throws UsageError.
json::object ParseContext(const std::vector<std::string>& pairs);
// Reads a whole file ("-" or empty: stdin) as bytes. Throws UsageError on failure.
std::string ReadInput(const std::string& path);
// Opens an output file created with `mode` (empty or "-": stdout) by OutputFile's rules
// (common/output_file.h: regular files replaced whole by rename at Commit(), devices and
// FIFOs written in place, links followed, directories refused). With `input`, an output
// that is that same device or FIFO is refused. Throws UsageError naming the path.
OutputFile OpenOutput(const std::string& path, mode_t mode, std::optional<FileId> input = {});
// Writes `data` to `out` and commits it. Returns false after printing why.
bool WriteAndCommit(OutputFile& out, std::string_view data);

void AddOperatorCommands(CLI::App& app, Context& ctx, int& rc);
void AddKeygenCommand(CLI::App& app, Context& ctx, int& rc);
void AddKeyCommands(CLI::App& app, Context& ctx, int& rc);
void AddCryptoCommands(CLI::App& app, Context& ctx, int& rc);
// keep file … (cli_file.cc).
void AddFileCommands(CLI::App& app, Context& ctx, int& rc);
// A private key (PEM) from a file; a passphrase comes from KEEP_IDENTITY_PASSPHRASE or a
// prompt. Throws UsageError naming the file.
crypto::PrivateKey LoadIdentity(const std::string& path);
// token, policy, lockdown, audit (cli_access.cc).
void AddAccessCommands(CLI::App& app, Context& ctx, int& rc);

}  // namespace keep::cli
