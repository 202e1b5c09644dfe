// Private to the CLI: shared state and helpers for the subcommand files.
#pragma once

#include <sys/types.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/output_file.h"
#include "crypto/pubkey.h"
#include "keep/client.h"
#include "keep/secret_string.h"

namespace keep::cli {

namespace json = boost::json;

// What a command prints, built before anything is printed: it may hold a root token,
// shares or a plaintext, so its buffer is wiping memory (keep::WipingAllocator).
using TextOut = std::basic_ostringstream<char, std::char_traits<char>, WipingAllocator<char>>;

struct Globals {
  std::string addr = "https://127.0.0.1:8443";
  std::string token;
  std::string ca_cert;
  std::string client_cert, client_key;
  std::string format = "text";
  std::string passphrase_file;
  bool json() const { return format == "json"; }
};

// Every command returns a Status (exceptions are not used for control flow). Run maps
// it to the exit status: OK → 0 (unless the command set another, as `keep status` does
// when sealed); reason "usage" → 2; any other → 1. The message is printed as
// "keep: <message>".

// A usage error found after parsing (exit status 2).
inline Status Usage(std::string message) {
  return Status(Code::kInvalidArgument, "usage", std::move(message));
}
// The server's answer is not what the API says (exit status 1).
inline Status BadAnswer(std::string message) {
  return Status(Code::kInternal, "bad_answer", std::move(message));
}
// `st` with `prefix` before its message (code and reason kept).
inline Status Prefixed(const Status& st, const std::string& prefix) {
  return st.ok() ? st
                 : Status(st.code(), ReasonCode::FromTable(st.reason()), prefix + st.message());
}
// `st` as a usage error, its message prefixed by `prefix` (OK stays OK).
inline Status AsUsage(const Status& st, const std::string& prefix = "") {
  return st.ok() ? st : Usage(prefix + st.message());
}

class Context {
 public:
  explicit Context(Globals& g) : g_(g) {}
  Globals& globals() { return g_; }
  // Prints `v` as JSON (for --format json), serialized piece by piece into a wiped buffer.
  void PrintJson(const json::value& v);
  // libkeep's typed client on the global options (made once). Errors: usage when the
  // client options are wrong.
  Result<Client*> client();
  // A typed call's failure as the CLI reports it: a refusal keeps its reason at the end of
  // the message ("… (not_found)"), and with --format json its error object is printed
  // first; usage and bad_answer pass unchanged. OK stays OK.
  Status Refused(const Status& s);

 private:
  Globals& g_;
  std::unique_ptr<Client> client_;
};

// Makes `f` the action of the subcommand `sc`; a failure sets `rc` (1, or 2 for usage)
// after printing its message.
void Action(CLI::App* sc, int& rc, std::function<Status()> f);

// Parses repeated "k=v" options into the context libkeep takes. Errors: usage (not k=v, a
// key given twice).
Result<EncryptionContext> ParseContextMap(const std::vector<std::string>& pairs);
// Reads a whole file ("-" or empty: stdin) as bytes. Errors: usage naming the file.
// An empty JSON object on wiping storage, for --format json output that carries secrets.
json::object SecretBody();
Result<std::string> ReadInput(const std::string& path);
// The same for input that may be secret (a plaintext to encrypt): read into wiping memory.
Result<SecretString> ReadSecretInput(const std::string& path);
// Opens an output file created with `mode` (empty or "-": stdout) by OutputFile's rules
// (common/output_file.h: regular files replaced whole by rename at Commit(), devices and
// FIFOs written in place, links followed, directories refused). With `input`, an output
// that is that same device or FIFO is refused. Errors: usage naming the path.
Result<OutputFile> OpenOutput(const std::string& path, mode_t mode,
                              std::optional<FileId> input = {});
// Writes `data` to `out` and commits it. Errors: cannot_write and the like, naming the file.
Status WriteAndCommit(OutputFile& out, std::string_view data);

void AddOperatorCommands(CLI::App& app, Context& ctx, int& rc);
// keep status (cli_status.cc).
void AddStatusCommand(CLI::App& app, Context& ctx, int& rc);
// keep operator backup (cli_backup.cc); `op` is `keep operator`.
void AddBackupCommand(CLI::App& op, Context& ctx, int& rc);
void AddKeygenCommand(CLI::App& app, Context& ctx, int& rc);
void AddKeyCommands(CLI::App& app, Context& ctx, int& rc);
// keep key public, keep sign|verify|hmac (cli_sign.cc); `key_cmd` is `keep key`.
void AddSignCommands(CLI::App& app, CLI::App& key_cmd, Context& ctx, int& rc);
// keep rewrap --stream (cli_rewrap.cc): rewraps a stream of keep ciphertexts and envelope
// records, one per line, stdin to stdout, through the batch endpoint.
struct RewrapStreamArgs {
  std::string key;
  std::vector<std::string> context;  // KEY=VALUE for lines that carry none
  double rate = 0;                   // items per second at most; 0: as fast as keepd allows
  int batch = 1000;
  std::string in, out;
};
Status RewrapStream(Context& ctx, const RewrapStreamArgs& args);
void AddCryptoCommands(CLI::App& app, Context& ctx, int& rc);
// keep file … (cli_file.cc).
void AddFileCommands(CLI::App& app, Context& ctx, int& rc);
// A private key (PEM) from a file; a passphrase comes from KEEP_PASSPHRASE,
// --passphrase-file or a prompt. Errors: usage naming the file.
Result<crypto::PrivateKey> LoadIdentity(const std::string& path);
// `v` joined with `sep`, and as a JSON array of strings (for --format json).
std::string Join(const std::vector<std::string>& v, const char* sep);
json::array StringsJson(const std::vector<std::string>& v);
// keep aws-key … (cli_aws.cc).
void AddAwsKeyCommands(CLI::App& app, Context& ctx, int& rc);
// keep kmip list|show (cli_kmip.cc).
void AddKmipCommands(CLI::App& app, Context& ctx, int& rc);
// keep import keas-kmi (cli_import.cc).
void AddImportCommands(CLI::App& app, Context& ctx, int& rc);
// token, policy, lockdown, audit (cli_access.cc).
void AddAccessCommands(CLI::App& app, Context& ctx, int& rc);

}  // namespace keep::cli
